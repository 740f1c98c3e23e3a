"""Stage 2, segment: the structure of a document (enacting formula, paragraphs, footnotes, annexes)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest

from cyberlex.models import Segments, SourceText
from cyberlex.segment import mask_markup, segment

Segmenter = Callable[..., Segments]


@pytest.fixture
def segment_text(make_source: Callable[..., SourceText]) -> Segmenter:
    def run(text: str, name: str = "doc.txt") -> Segments:
        return segment(make_source(text, name))

    return run


def paragraph_text(segments: Segments, index: int) -> str:
    span = segments.paragraphs[index].span
    return segments.source.text[span.start:span.end]


def summary(segments: Segments) -> list[tuple[str, int, str | None]]:
    return [(p.kind, p.ordinal, p.opening_phrase) for p in segments.paragraphs]


# -- a General Assembly resolution laid out as text ----------------------------------------------------

def test_ga_resolution_paragraphs(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    assert summary(segments) == [
        ("preambular", 1, "Recalling"),
        ("preambular", 2, "Recalling also"),
        ("preambular", 3, "Noting"),
        ("operative", 1, "Takes note"),
        ("operative", 2, "Requests"),
        ("operative", 3, "Decides"),
    ]


def test_enacting_formula_and_header(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    text = segments.source.text
    assert segments.enacting_body == "General Assembly"
    assert segments.enacting is not None
    assert text[segments.enacting.start:segments.enacting.end] == "The General Assembly,"
    header = text[segments.header.start:segments.header.end]
    assert header.startswith("United Nations")
    assert "73/187. Countering the use" in header
    assert "The General Assembly," not in header


def test_paragraph_spans_hold_their_text(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    assert paragraph_text(segments, 0).startswith("Recalling its resolution 65/230")
    assert paragraph_text(segments, 0).endswith("Global Challenges,")
    assert paragraph_text(segments, 3).startswith("1. Takes note")
    spans = [p.span for p in segments.paragraphs]
    assert all(a.end <= b.start for a, b in pairwise(spans)), "paragraphs overlap"


def test_sub_paragraphs_stay_inside_their_paragraph(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    second = paragraph_text(segments, 4)
    assert second.startswith("2. Requests the Secretary-General")
    assert "(a) The challenges they face" in second
    assert second.rstrip().endswith("(E/2013/30);")
    assert "(b) The work of the Group" in second
    assert paragraph_text(segments, 5).startswith("3. Decides")


def test_meeting_line_closes_the_operative_part(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    assert segments.closing is not None
    closing = segments.source.text[segments.closing.start:segments.closing.end]
    assert closing == "62nd plenary meeting\n17 December 2018"
    assert "plenary meeting" not in paragraph_text(segments, 5)


def test_footnotes_below_the_rule(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    text = segments.source.text
    notes = {note.marker: text[note.span.start:note.span.end] for note in segments.footnotes}
    assert notes == {"1": "See Economic and Social Council resolution 2013/40.",
                     "2": "See A/76/299-S/2021/749."}
    for paragraph in segments.paragraphs:
        body = text[paragraph.span.start:paragraph.span.end]
        assert "See Economic and Social Council" not in body
        assert "__________" not in body


def test_glued_footnote_markers_go_to_their_paragraph(segment_text: Segmenter, ga_text: str) -> None:
    """'2010,1' carries footnote 1 (preambular 1); 'Experts,2' carries footnote 2 (operative 2)."""
    segments = segment_text(ga_text)
    markers = {(p.kind, p.ordinal): p.footnote_markers for p in segments.paragraphs}
    assert markers == {
        ("preambular", 1): ["1"],
        ("preambular", 2): [],
        ("preambular", 3): [],
        ("operative", 1): [],
        ("operative", 2): ["2"],
        ("operative", 3): [],
    }


def test_annex_paragraphs_are_not_clauses(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    text = segments.source.text
    assert len(segments.annexes) == 1
    annex = text[segments.annexes[0].start:segments.annexes[0].end]
    assert annex.startswith("Annex")
    assert "1. This paragraph of the annex" in annex
    assert [p.ordinal for p in segments.paragraphs if p.kind == "operative"] == [1, 2, 3]
    assert all(p.span.end <= segments.annexes[0].start for p in segments.paragraphs)
    assert segments.body_text.end <= segments.annexes[0].start


def test_plain_text_equals_source_outside_markup(segment_text: Segmenter, ga_text: str) -> None:
    segments = segment_text(ga_text)
    assert segments.plain == segments.source.text  # nothing to mask in a plain text


# -- Markdown -----------------------------------------------------------------------------------

MARKDOWN_RESOLUTION = """\
# General Assembly

Distr.: General

---

## Ninetieth session

### Resolution adopted by the General Assembly on 17 December 2029

#### 90/12. An invented question

*The General Assembly,*

*Recalling* its resolution [65/230](#) of 21 December 2010,<sup>1</sup>

*Recalling also* its resolution [70/237](#) of 23 December 2015,

*Deeply concerned* by the growth of invented problems,

1. *Requests* the Secretary-General to report to it;

2. *Also requests* the Secretary-General to consult Member States;

3. *Decides* to remain seized of the matter.

---

<sup>1</sup> See *Official Records of the Economic and Social Council (E/2013/30)*.
"""


def test_markdown_italic_opening_phrases(segment_text: Segmenter) -> None:
    segments = segment_text(MARKDOWN_RESOLUTION, "doc.md")
    assert segments.source.media_type == "text/markdown"
    assert segments.enacting_body == "General Assembly"
    assert summary(segments) == [
        ("preambular", 1, "Recalling"),
        ("preambular", 2, "Recalling also"),
        ("preambular", 3, "Deeply concerned"),
        ("operative", 1, "Requests"),
        ("operative", 2, "Also requests"),
        ("operative", 3, "Decides"),
    ]


def test_markdown_footnote_marker(segment_text: Segmenter) -> None:
    segments = segment_text(MARKDOWN_RESOLUTION, "doc.md")
    assert [note.marker for note in segments.footnotes] == ["1"]
    assert segments.paragraphs[0].footnote_markers == ["1"]
    assert all(not p.footnote_markers for p in segments.paragraphs[1:])


def test_markdown_plain_is_masked(segment_text: Segmenter) -> None:
    segments = segment_text(MARKDOWN_RESOLUTION, "doc.md")
    assert len(segments.plain) == len(segments.source.text)
    start = segments.paragraphs[0].span.start
    assert segments.plain[start:].startswith(" Recalling  its resolution  65/230     of 21 December 2010,")


# -- the layout of PDF text extraction: lines separated by blank lines -----------------------------------

def pdf_layout(*lines: str) -> str:
    """Lines as PDF text extraction leaves them: each ends in a space and is followed by a blank line."""
    return "\n" + "".join(f"{line} \n\n" for line in lines)


PDF_WRAPPED = pdf_layout(
    "Resolution 30/4",
    "",
    "  Promoting technical assistance against the misuse of",
    "digital technologies",
    "",
    " The Commission on Crime Prevention and Criminal Justice ,",
    " Recalling General Assembly resolution 74/247 of 27 December",
    "2019, in which the Assembly decided to establish an open-ended",
    "ad hoc intergovernmental committee of experts,",
    " Noting with concern the growth of offences committed with",
    "information and communications technologies, ",
    " Convinced that technical assistance is essential,",
    " 1. Invites Member States to share their experience in",
    "countering such offences, building on the work of the",
    "Expert Group;1",
    " 2. Requests the Secretariat to report on the implementation",
    "of the present resolution to the Commission at its thirty-first",
    "session.",
    " ",
    "  ",
    "__________________",
    " 1 See Economic and Social Council resolution 2013/40.",
)


def test_pdf_wrapped_layout(segment_text: Segmenter) -> None:
    segments = segment_text(PDF_WRAPPED)
    assert segments.enacting_body == "Commission on Crime Prevention and Criminal Justice"
    assert summary(segments) == [
        ("preambular", 1, "Recalling"),
        ("preambular", 2, "Noting with concern"),
        ("preambular", 3, "Convinced"),
        ("operative", 1, "Invites"),
        ("operative", 2, "Requests"),
    ]
    first = paragraph_text(segments, 0)
    assert first.startswith("Recalling General Assembly resolution 74/247")
    assert first.rstrip().endswith("committee of experts,")
    assert "2019, in which" in first
    last = paragraph_text(segments, 4)
    assert last.rstrip().endswith("session.")
    assert "See Economic and Social Council" not in last


def test_pdf_wrapped_footnote(segment_text: Segmenter) -> None:
    segments = segment_text(PDF_WRAPPED)
    text = segments.source.text
    assert [(n.marker, text[n.span.start:n.span.end].strip()) for n in segments.footnotes] == [
        ("1", "See Economic and Social Council resolution 2013/40.")]
    assert [p.footnote_markers for p in segments.paragraphs] == [[], [], [], ["1"], []]


def test_pdf_wrapped_line_starting_with_united_nations(segment_text: Segmenter) -> None:
    """A wrapped line that begins with 'United Nations' after a comma continues its paragraph.

    ('United' ends in -ed like a participle, but it does not open a preambular paragraph.)
    """
    text = pdf_layout(
        " The Commission on Crime Prevention and Criminal Justice ,",
        " Noting the contributions made by Member States, the private sector,",
        "United Nations entities and civil society to the work of the",
        "Commission, ",
        " Welcoming the work of the expert group,",
        " 1. Invites Member States to continue their work;",
        " 2. Requests the Secretariat to report to the Commission.",
    )
    segments = segment_text(text)
    assert summary(segments) == [
        ("preambular", 1, "Noting"),
        ("preambular", 2, "Welcoming"),
        ("operative", 1, "Invites"),
        ("operative", 2, "Requests"),
    ]


# -- German: lower-case openings, prepositional phrases, participles after their object --------------------

# Laid out as the corpus texts are, one paragraph per line (no line-wrapping to tell paragraphs apart).
GERMAN = "\n\n".join([
    "Resolution 9999 (2044)",
    "Der Sicherheitsrat,",
    "unter nachdrücklichem Hinweis auf seine früheren Resolutionen und die Erklärungen seiner "
    "Präsidentschaft zur Lage in der Region,",
    "mit Anerkennung Kenntnis nehmend von dem Bericht des Generalsekretärs über die Durchführung "
    "der Resolution 9998 (2043),",
    "in Anerkennung der Arbeit der Sachverständigengruppe und der Unterstützung, die die "
    "Mitgliedstaaten ihr gewährt haben,",
    "den Parteien eindringlich nahelegend, die Gespräche fortzusetzen und die vereinbarten "
    "Maßnahmen ohne Verzögerung umzusetzen,",
    "die Angriffe vom 1. Mai 2044, die in der Region verübt wurden, auf das Schärfste verurteilend "
    "und den Opfern sein Beileid bekundend,",
    "alle Staaten daran erinnernd, dass sie verpflichtet sind, die Maßnahmen umzusetzen, die mit "
    "dieser Resolution verhängt werden,",
    "erneut seine Bereitschaft bekundend, die Maßnahmen im Lichte der Fortschritte vor Ort zu "
    "überprüfen und gegebenenfalls anzupassen,",
    "sich der Auswirkungen bewusst, die Naturkatastrophen und Klimaänderungen auf die Stabilität "
    "der Region haben können,",
    "in dieser Hinsicht betonend, wie wichtig unabhängige, auf Tatsachen gestützte Bewertungen der "
    "Lage in der Region sind,",
    "tätig werdend nach Kapitel VII der Charta der Vereinten Nationen,",
    "*",
    "Maßnahmen",
    "1. beschließt, die mit Ziffer 1 der Resolution 9998 (2043) verhängten Maßnahmen bis zum 1. Mai "
    "2045 zu verlängern;",
    "2. stellt fest, dass die Lage in der Region nach wie vor eine Bedrohung des Weltfriedens und "
    "der internationalen Sicherheit darstellt;",
    "4. ersucht den Generalsekretär, dem Rat bis zum 1. Februar 2045 über die Durchführung dieser "
    "Resolution Bericht zu erstatten;",
    "5. a) bekundet seine Besorgnis über die anhaltende Gewalt gegen Zivilpersonen in der Region "
    "und über die humanitäre Lage;",
    "b) fordert die Parteien auf, die Waffenruhe einzuhalten und humanitären Zugang zu gewähren, wo "
    "immer er benötigt wird;",
    "6. beschließt, mit der Angelegenheit aktiv befasst zu bleiben.",
]) + "\n"


def test_german_openings(segment_text: Segmenter) -> None:
    segments = segment_text(GERMAN, "doc.de.txt")
    assert summary(segments) == [
        ("preambular", 1, "unter nachdrücklichem Hinweis"),
        ("preambular", 2, "mit Anerkennung Kenntnis nehmend"),
        ("preambular", 3, "in Anerkennung"),
        ("preambular", 4, "eindringlich nahelegend"),  # the participle after its object, with its adverb
        ("preambular", 5, "auf das Schärfste verurteilend"),
        ("preambular", 6, "daran erinnernd"),
        ("preambular", 7, "erneut bekundend"),
        ("preambular", 8, "bewusst"),
        ("preambular", 9, "betonend"),  # "in dieser Hinsicht" is an aside, not the phrase
        ("preambular", 10, "tätig werdend"),
        # the "*" and the heading "Maßnahmen" are neither paragraphs nor the end of the text
        ("operative", 1, "beschließt"),
        ("operative", 2, "stellt fest"),
        ("operative", 4, "ersucht"),  # numbered as printed: 3 is missing
        ("operative", 5, "bekundet seine Besorgnis"),  # the paragraph opens with its item a)
        ("operative", 6, "beschließt"),
    ]
    assert paragraph_text(segments, 9) == "tätig werdend nach Kapitel VII der Charta der Vereinten Nationen,"


def test_a_single_unnumbered_german_operative_paragraph(segment_text: Segmenter) -> None:
    text = ("Der Sicherheitsrat,\n\nmit Bedauern über den Tod eines Richters,\n\n"
            "in Anbetracht dessen, dass die Wahl vom Rat festgesetzt wird,\n\n"
            "beschließt, dass die Wahl am 5. November 2044 stattfindet.\n")
    assert summary(segment_text(text, "doc.de.txt")) == [
        ("preambular", 1, "mit Bedauern"), ("preambular", 2, "in Anbetracht"), ("operative", 1, "beschließt")]


def test_french_openings_are_kept_whole(segment_text: Segmenter) -> None:
    text = "\n\n".join([
        "L’Assemblée générale,",
        "Se déclarant vivement préoccupée par les conséquences de la crise pour les pays en développement,",
        "Notant avec une vive préoccupation que les objectifs convenus ne sont pas encore atteints,",
        "Prenant acte du rapport du Secrétaire général sur l’application de la résolution 75/1,",
        "1. Prie instamment les États Membres d’appliquer la présente résolution ;",
        "2. Se déclare profondément préoccupée par la situation humanitaire ;",
        "3. Rend hommage au Secrétaire général pour son action.",
    ]) + "\n"
    assert summary(segment_text(text, "doc.fr.txt")) == [
        ("preambular", 1, "Se déclarant vivement préoccupée"),
        ("preambular", 2, "Notant avec une vive préoccupation"),
        ("preambular", 3, "Prenant acte"),
        ("operative", 1, "Prie instamment"),
        ("operative", 2, "Se déclare profondément préoccupée"),
        ("operative", 3, "Rend hommage"),
    ]


def test_pdf_wrapped_heading_before_the_operative_part(segment_text: Segmenter) -> None:
    """A heading right before operative paragraph 1 belongs to no paragraph, in wrapped text too."""
    text = pdf_layout(
        " The Security Council ,",
        " Recalling its previous resolutions on the situation in the",
        "region,",
        " Acting under Chapter VII of the Charter of the United Nations,",
        "Measures",
        " 1. Decides to renew the measures imposed by resolution",
        "9998 (2043);",
        " 2. Decides to remain seized of the matter.",
    )
    segments = segment_text(text)
    assert summary(segments) == [
        ("preambular", 1, "Recalling"),
        ("preambular", 2, "Acting"),
        ("operative", 1, "Decides"),
        ("operative", 2, "Decides"),
    ]
    assert "Measures" not in paragraph_text(segments, 1)


# -- documents without an enacting formula ------------------------------------------------------------

def test_text_without_enacting_formula_has_no_paragraphs(segment_text: Segmenter) -> None:
    text = ("On 6 February the United Nations Office on Drugs and Crime held a consultation in Vienna.\n\n"
            "1. Delegations exchanged views on the United Nations Convention against Cybercrime.\n\n"
            "2. Recalling earlier meetings, they agreed to meet again.\n")
    segments = segment_text(text)
    assert segments.enacting is None
    assert segments.enacting_body is None
    assert segments.paragraphs == []
    assert segments.closing is None
    assert segments.header.start == 0
    assert segments.header.end == len(segments.source.text)


# -- mask_markup ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("marked", "masked"), [
    ("[65/230](#)", " 65/230    "),
    ("*Recalling*", " Recalling "),
    ("**Decides**", "  Decides  "),
    ("2010,<sup>1</sup> in", "2010," + " " * 5 + "1" + " " * 6 + " in"),
    ("no markup at all", "no markup at all"),
    ("a*b stays", "a*b stays"),
])
def test_mask_markup(marked: str, masked: str) -> None:
    assert mask_markup(marked) == masked


def test_mask_markup_keeps_length_and_words() -> None:
    assert len(mask_markup(MARKDOWN_RESOLUTION)) == len(MARKDOWN_RESOLUTION)
    masked = mask_markup(MARKDOWN_RESOLUTION)
    assert "<sup>" not in masked
    assert "](#)" not in masked
    assert "*" not in masked.replace("\n", "")
    # every character is either kept or blanked, never moved
    for original, blanked in zip(MARKDOWN_RESOLUTION, masked, strict=True):
        assert blanked in (original, " ")
