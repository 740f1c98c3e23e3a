"""Stage 3, extract: records, clauses, citations, facts and mentions, each with the span of text that says it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from cyberlex.models import ClauseRecord, Extraction, Ref, Segments, SourceText, Statement

Document = tuple[SourceText, Segments, Extraction]
Pipeline = Callable[..., Document]

# A minimal GA resolution: the paragraph under test is its only preambular paragraph.
TEMPLATE = """\
United Nations

A/RES/99/1

General Assembly

Resolution adopted by the General Assembly on 1 December 2044

99/1. An invented question

The General Assembly,

{paragraph}

1. Decides to remain seized of the matter.

12th plenary meeting
1 December 2044
"""


def key_of(subject: Ref | str) -> str:
    return subject.key if isinstance(subject, Ref) else subject


def quote(source: SourceText, statement: Statement) -> str:
    return source.text[statement.span.start:statement.span.end]


def statements(extraction: Extraction, predicate: str, subject: str | None = None) -> list[Statement]:
    return [s for s in extraction.statements
            if s.predicate == predicate and (subject is None or key_of(s.subject) == subject)]


def cited(extraction: Extraction, subject: str | None = None) -> list[str | None]:
    return [s.obj.identifier for s in statements(extraction, "cites", subject) if isinstance(s.obj, Ref)]


def clause(extraction: Extraction, key: str) -> ClauseRecord:
    return next(c for c in extraction.clauses if c.key == key)


def written_number(identifier: str) -> str:
    """How a resolution symbol's number is written in running text: A/RES/65/230 → 65/230."""
    for pattern in (r"^A/RES/(.+)$", r"^S/RES/(.+)$", r"^E/RES/(.+)$", r"^A/HRC/RES/(.+)$", r"^[A-Z]+ (\d+/\d+)$"):
        match = re.match(pattern, identifier)
        if match:
            return match.group(1)
    return identifier


def assert_spans_are_sound(source: SourceText, extraction: Extraction) -> None:
    """Every statement's span lies within the text; a citation's quote holds the number it cites."""
    text = source.text
    for statement in extraction.statements:
        span = statement.span
        assert 0 <= span.start < span.end <= len(text), statement
        if statement.predicate in ("cites", "onReport") and isinstance(statement.obj, Ref):
            assert statement.obj.identifier is not None
            number = written_number(statement.obj.identifier)
            assert " ".join(number.split()) in " ".join(quote(source, statement).split()), statement
        if statement.predicate == "identifier":
            assert written_number(str(statement.obj)) in quote(source, statement), statement
    for ref, span in extraction.mentions.items():
        assert 0 <= span.start < span.end <= len(text), ref
    for item in extraction.clauses:
        if item.span is not None:
            assert 0 <= item.span.start < item.span.end <= len(text), item


# -- citations in every written form ---------------------------------------------------------------------

@pytest.mark.parametrize(("paragraph", "expected"), [
    ("Recalling its resolution 65/230 of 21 December 2010,", ["A/RES/65/230"]),
    ("Recalling its resolutions 55/63 of 4 December 2000 and 56/121 of 19 December 2001,",
     ["A/RES/55/63", "A/RES/56/121"]),
    ("Recalling its resolutions 65/230, 66/181 and 67/189 on crime prevention,",
     ["A/RES/65/230", "A/RES/66/181", "A/RES/67/189"]),
    ("Recalling its resolution 1514 (XV) of 14 December 1960,", ["A/RES/1514 (XV)"]),
    ("Recalling Security Council resolution 2341 (2017) of 13 February 2017,", ["S/RES/2341 (2017)"]),
    ("Welcoming the call made by the Security Council in 2341 (2017) to protect critical infrastructure,",
     ["S/RES/2341 (2017)"]),
    ("Recalling Commission on Crime Prevention and Criminal Justice resolution 22/8 of 26 April 2013,",
     ["CCPCJ 22/8"]),
    ("Recalling Human Rights Council resolution 43/1 of 19 June 2020,", ["A/HRC/RES/43/1"]),
    ("Recalling Economic and Social Council resolution 2013/40 of 25 July 2013,", ["E/RES/2013/40"]),
    ("Recalling its resolution 51/45 M of 10 December 1996,", ["A/RES/51/45"]),
    # the body named between the word and the numbers, in a series the General Assembly's form does not take
    ("Recalling the resolutions of the Human Rights Council 27/13 of 25 September 2014 and 30/4 of 1 October 2015,",
     ["A/HRC/RES/27/13", "A/HRC/RES/30/4"]),
    # another body's resolution: the Assembly's regular sessions number "session/number" from the 31st on
    ("Acting in line with United Nations Environment Assembly resolution 4/1 of 15 March 2019,", []),
    ("Taking note of the report of the Secretary-General (A/70/174),", ["A/70/174"]),
    ("Noting the report of the Commission on its twenty-second session (E/2013/30),", ["E/2013/30"]),
    ("Noting the draft study on cybercrime (UNODC/CCPCJ/EG.4/2011/3),", ["UNODC/CCPCJ/EG.4/2011/3"]),
])
def test_citation_forms(run_pipeline: Pipeline, paragraph: str, expected: list[str]) -> None:
    source, _, extraction = run_pipeline(TEMPLATE.format(paragraph=paragraph))
    assert cited(extraction, "A-RES-99-1/pre/1") == expected
    assert cited(extraction, "A-RES-99-1/op/1") == []
    for statement in statements(extraction, "cites"):
        assert written_number(statement.obj.identifier) in quote(source, statement)
    assert_spans_are_sound(source, extraction)


def test_its_resolution_in_a_commission_text_is_the_commissions(run_pipeline: Pipeline) -> None:
    text = ("Resolution 30/4\n\nAn invented question\n\n"
            "The Commission on Crime Prevention and Criminal Justice,\n\n"
            "Recalling its resolution 22/8 of 26 April 2013 and General Assembly resolution 74/247 of "
            "27 December 2019,\n\n"
            "1. Requests the Secretariat to report to the Commission at its thirty-first session.\n")
    source, _, extraction = run_pipeline(text)
    assert [r.identifier for r in extraction.records] == ["CCPCJ 30/4"]
    assert cited(extraction, "CCPCJ-30-4/pre/1") == ["CCPCJ 22/8", "A/RES/74/247"]
    assert_spans_are_sound(source, extraction)


def test_identifier_evidence_points_at_the_number(run_pipeline: Pipeline) -> None:
    """A symbol derived from a heading ('Resolution 30/4' → CCPCJ 30/4) is evidenced by the heading, not the
    whole cover page."""
    text = ("Resolution 30/4\n\nAn invented question of some length for the cover page\n\n"
            "The Commission on Crime Prevention and Criminal Justice,\n\n"
            "Recalling its resolution 22/8 of 26 April 2013,\n\n"
            "1. Requests the Secretariat to report to the Commission at its thirty-first session.\n")
    source, _, extraction = run_pipeline(text)
    (identifier,) = statements(extraction, "identifier")
    assert identifier.obj == "CCPCJ 30/4"
    assert quote(source, identifier) in ("30/4", "Resolution 30/4")


# -- the whole GA resolution --------------------------------------------------------------------------------

def test_ga_records_its_resolution(ga_document: Document) -> None:
    _, _, extraction = ga_document
    assert extraction.records[0] == Ref("A-RES-73-187", "Resolution", "A/RES/73/187")
    # anything else the file records is an annex of the resolution, not another resolution
    assert all(r.key.startswith("A-RES-73-187/annex") for r in extraction.records[1:])


def test_ga_clauses(ga_document: Document) -> None:
    _, _, extraction = ga_document
    assert [(c.key, c.opening_phrase) for c in extraction.clauses] == [
        ("A-RES-73-187/pre/1", "Recalling"),
        ("A-RES-73-187/pre/2", "Recalling also"),
        ("A-RES-73-187/pre/3", "Noting"),
        ("A-RES-73-187/op/1", "Takes note"),
        ("A-RES-73-187/op/2", "Requests"),
        ("A-RES-73-187/op/3", "Decides"),
    ]
    first = clause(extraction, "A-RES-73-187/op/1")
    assert first.text == "Takes note of the study prepared by the expert group (UNODC/CCPCJ/EG.4/2011/3);"
    second = clause(extraction, "A-RES-73-187/op/2")
    assert second.text is not None
    assert "(a) The challenges they face" in second.text
    assert "(b) The work of the Group of Governmental Experts" in second.text
    assert "\n" not in second.text


def test_ga_metadata(ga_document: Document) -> None:
    source, _, extraction = ga_document
    record = "A-RES-73-187"
    facts = {s.predicate: s for s in extraction.statements if key_of(s.subject) == record
             and s.predicate != "hasAnnex"}
    values = {p: (s.obj.key if isinstance(s.obj, Ref) else s.obj) for p, s in facts.items()}
    assert values == {
        "identifier": "A/RES/73/187",
        "title": "Countering the use of information and communications technologies for criminal purposes",
        "adoptedBy": "body/unga",
        "adoptionDate": "2018-12-17",
        "session": "73",
        "agendaItem": "108",
        "meeting": "62",
        "onReport": "A-73-589",
    }
    assert facts["adoptionDate"].datatype == "date"
    assert facts["title"].lang == "en"
    assert quote(source, facts["identifier"]) == "A/RES/73/187"
    assert quote(source, facts["adoptionDate"]) == "17 December 2018"
    assert quote(source, facts["title"]).startswith("Countering the use")
    assert "General Assembly" in quote(source, facts["adoptedBy"])
    assert quote(source, facts["session"]) == "Seventy-third"
    assert quote(source, facts["agendaItem"]) == "108"
    assert quote(source, facts["meeting"]) == "62nd plenary meeting"
    assert quote(source, facts["onReport"]) == "A/73/589"
    on_report = facts["onReport"].obj
    assert isinstance(on_report, Ref) and on_report.identifier == "A/73/589"


def test_ga_citations_by_clause(ga_document: Document) -> None:
    source, _, extraction = ga_document
    by_clause = {c.key: cited(extraction, c.key) for c in extraction.clauses}
    assert by_clause == {
        "A-RES-73-187/pre/1": ["A/RES/65/230", "E/RES/2013/40"],  # the second is in its footnote
        "A-RES-73-187/pre/2": ["A/RES/55/63", "A/RES/56/121"],
        "A-RES-73-187/pre/3": ["A/70/174"],
        "A-RES-73-187/op/1": ["UNODC/CCPCJ/EG.4/2011/3"],
        "A-RES-73-187/op/2": ["E/2013/30", "A/76/299"],  # the second is in its footnote
        "A-RES-73-187/op/3": [],
    }
    assert_spans_are_sound(source, extraction)


def test_a_citation_in_a_footnote_belongs_to_the_clause_with_the_marker(ga_document: Document) -> None:
    source, segments, extraction = ga_document
    notes = {note.marker: note.span for note in segments.footnotes}
    in_note = next(s for s in statements(extraction, "cites") if s.obj.identifier == "E/RES/2013/40")
    assert key_of(in_note.subject) == "A-RES-73-187/pre/1"
    assert notes["1"].start <= in_note.span.start < in_note.span.end <= notes["1"].end
    joint = next(s for s in statements(extraction, "cites") if s.obj.identifier == "A/76/299")
    assert key_of(joint.subject) == "A-RES-73-187/op/2"
    assert quote(source, joint) == "A/76/299"
    assert clause(extraction, "A-RES-73-187/pre/1").footnotes == [
        "See Economic and Social Council resolution 2013/40."]
    assert clause(extraction, "A-RES-73-187/op/2").footnotes == ["See A/76/299-S/2021/749."]


def test_the_documents_own_symbol_is_not_a_citation(ga_document: Document) -> None:
    _, _, extraction = ga_document
    assert "A/RES/73/187" not in cited(extraction)
    assert cited(extraction, "A-RES-73-187/op/3") == []


def test_annex_citations_are_not_the_resolutions(ga_document: Document) -> None:
    """The annex's paragraphs are not clauses: what they cite is not cited by a clause of the resolution."""
    _, segments, extraction = ga_document
    annex = segments.annexes[0]
    for item in extraction.clauses:
        assert item.span is None or item.span.end <= annex.start, item.key
    own = {"A-RES-73-187", *(c.key for c in extraction.clauses)}
    for statement in statements(extraction, "cites"):
        if statement.span.start >= annex.start:
            assert key_of(statement.subject) not in own, statement


def test_endorses_belongs_to_the_cited_resolution(ga_document: Document) -> None:
    """'its resolution 65/230 …, in which the General Assembly endorsed the Salvador Declaration'."""
    source, _, extraction = ga_document
    endorses = statements(extraction, "endorses")
    assert [(key_of(s.subject), s.obj.key) for s in endorses] == [("A-RES-65-230", "instrument/salvador")]
    assert "Salvador Declaration" in quote(source, endorses[0])


def test_ga_mentions(ga_document: Document) -> None:
    _, _, extraction = ga_document
    mentioned = {ref.key for ref in extraction.mentions}
    assert {"body/unga", "body/ccpcj", "body/secretary-general", "body/ecosoc", "body/third-committee",
            "instrument/salvador", "A-RES-73-187", "A-RES-65-230", "A-70-174", "A-73-589"} <= mentioned


# -- establishes, endorses, reservations --------------------------------------------------------------

ESTABLISHING = """\
United Nations

A/RES/75/240

General Assembly

Resolution adopted by the General Assembly on 31 December 2020

75/240. Developments in an invented field

The General Assembly,

Recalling its resolution 73/266 of 22 December 2018 establishing the Group of Governmental Experts on \
Advancing Responsible State Behaviour in Cyberspace in the Context of International Security,

Welcoming the work of the Group,

1. Requests the Secretary-General to report to it at its seventy-sixth session;

2. Decides to remain seized of the matter.

50th plenary meeting
31 December 2020

The delegation of India expressed reservations on operative paragraph 25.
"""


def test_establishes_belongs_to_the_cited_resolution(run_pipeline: Pipeline) -> None:
    source, _, extraction = run_pipeline(ESTABLISHING)
    establishes = statements(extraction, "establishes")
    assert len(establishes) == 1
    fact = establishes[0]
    assert key_of(fact.subject) == "A-RES-73-266"
    assert isinstance(fact.obj, Ref) and fact.obj.cls == "Body"
    assert fact.obj.key.startswith("body/gge")
    assert "Group of Governmental Experts" in quote(source, fact)
    assert cited(extraction, "A-RES-75-240/pre/1") == ["A/RES/73/266"]
    assert_spans_are_sound(source, extraction)


def test_reservation_on_a_paragraph_the_text_does_not_have(run_pipeline: Pipeline) -> None:
    source, _, extraction = run_pipeline(ESTABLISHING)
    assert len(extraction.reservations) == 1
    reservation = extraction.reservations[0]
    assert reservation.state.key == "state/ind"
    assert reservation.state.cls == "State"
    assert reservation.instrument.key == "A-RES-75-240"
    assert (reservation.clause.kind, reservation.clause.ordinal) == ("operative", 25)
    assert reservation.clause.text is None and reservation.clause.span is None  # a reference only
    assert reservation.clause in extraction.clauses
    assert reservation.key == "A-RES-75-240/reservation/ind/op/25"
    assert reservation.text == "The delegation of India expressed reservations on operative paragraph 25"
    assert source.text[reservation.span.start:reservation.span.end].startswith("The delegation of India")
    assert "state/ind" in {ref.key for ref in extraction.mentions}


def test_reservation_on_existing_paragraphs_reuses_the_clause(run_pipeline: Pipeline) -> None:
    text = ESTABLISHING.replace(
        "operative paragraph 25.", "preambular paragraph 2 and operative paragraph 1.")
    _, _, extraction = run_pipeline(text)
    targets = [(r.clause.kind, r.clause.ordinal, r.clause.text is not None) for r in extraction.reservations]
    assert targets == [("preambular", 2, True), ("operative", 1, True)]
    assert len(extraction.clauses) == 4  # no extra reference-only clause


def test_a_reservation_note_is_not_part_of_the_last_paragraph(run_pipeline: Pipeline) -> None:
    text = ESTABLISHING.replace(
        "50th plenary meeting\n31 December 2020\n\nThe delegation", "The delegation").replace(
        "operative paragraph 25.", "operative paragraph 25.\n\n50th plenary meeting\n31 December 2020")
    _, _, extraction = run_pipeline(text)
    last = clause(extraction, "A-RES-75-240/op/2")
    assert last.text == "Decides to remain seized of the matter."


# -- documents that record nothing -------------------------------------------------------------------------

NEWS = """\
On 6 February the United Nations Office on Drugs and Crime held an information consultation in Vienna \
with delegations of Member States on the United Nations Convention against Cybercrime and its \
implementation. The Commission on Crime Prevention and Criminal Justice was briefed, and the General \
Assembly will return to the matter later in the year.
"""


def test_news_report_records_nothing_but_mentions_bodies(run_pipeline: Pipeline) -> None:
    source, segments, extraction = run_pipeline(NEWS)
    assert segments.enacting is None
    assert extraction.records == []
    assert extraction.clauses == []
    assert extraction.statements == []
    mentioned = {ref.key for ref in extraction.mentions}
    assert {"body/unodc", "body/ccpcj", "instrument/uncc"} <= mentioned
    assert_spans_are_sound(source, extraction)
    for ref, span in extraction.mentions.items():
        written = " ".join(source.text[span.start:span.end].split())
        assert written, ref


# -- clause and footnote texts ---------------------------------------------------------------------------

def test_clause_text_leaves_out_glued_footnote_markers(ga_document: Document) -> None:
    """'… 2010,1 in which …' is printed text with the marker of footnote 1: the clause's text is without it."""
    _, _, extraction = ga_document
    first = clause(extraction, "A-RES-73-187/pre/1").text
    assert first is not None
    assert "21 December 2010, in which" in first, first
    second = clause(extraction, "A-RES-73-187/op/2").text
    assert second is not None
    assert "Group of Governmental Experts, and the report" in second, second


MARKDOWN = """\
# General Assembly

### Resolution adopted by the General Assembly on 17 December 2029

#### 90/12. An invented question

*The General Assembly,*

*Recalling* its resolution [65/230](#) of 21 December 2010,<sup>1</sup> in which it endorsed the work,

1. *Requests* the Secretary-General to report to it;

---

<sup>1</sup> See *Official Records of the Economic and Social Council (E/2013/30)*.
"""


def test_markdown_clause_and_footnote_texts_are_clean(run_pipeline: Pipeline) -> None:
    source, _, extraction = run_pipeline(MARKDOWN, "doc.md")
    assert source.media_type == "text/markdown"
    first = clause(extraction, "A-RES-90-12/pre/1")
    assert first.opening_phrase == "Recalling"
    assert first.text == "Recalling its resolution 65/230 of 21 December 2010, in which it endorsed the work,"
    assert first.footnotes == ["See Official Records of the Economic and Social Council (E/2013/30)."]
    assert cited(extraction, "A-RES-90-12/pre/1") == ["A/RES/65/230", "E/2013/30"]
    assert_spans_are_sound(source, extraction)


def test_reservation_by_several_states_on_several_paragraphs(run_pipeline: Pipeline) -> None:
    text = ("Parliaments against online fraud\n\n"
            "Resolution adopted by the 147th IPU Assembly (Luanda, 27 October 2023)\n\n"
            "The 147th Assembly of the Inter-Parliamentary Union,\n\nRecalling its earlier resolutions,\n\n"
            "1. Calls on parliaments to act;\n\n2. Urges parliaments to cooperate;\n\n3. Decides to follow up;\n\n"
            "*\nThe delegations of Nicaragua and Trinidad and Tobago expressed reservations on operative "
            "paragraphs 1 and 3.\n")
    _, _, extraction = run_pipeline(text)
    made = {(r.state.key, r.clause.kind, r.clause.ordinal) for r in extraction.reservations}
    assert made == {("state/nic", "operative", 1), ("state/nic", "operative", 3),
                    ("state/tto", "operative", 1), ("state/tto", "operative", 3)}
