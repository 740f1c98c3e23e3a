"""Stage 4, resolve: symbols, resolution numbers and names become entities with stable keys."""

from __future__ import annotations

import tomllib

import pytest

from cyberlex.resolve import (
    body_for_name,
    find_names,
    find_symbols,
    fold,
    instrument_for_symbol,
    lookup_name,
    match_resolution_number,
    normalise_symbol,
    slug,
)
from cyberlex.resources import data_path


def gazetteer_file(name: str) -> dict:
    with (data_path("mappings") / "gazetteer" / name).open("rb") as handle:
        return tomllib.load(handle)


# -- symbols --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("A/RES/73/187", "A-RES-73-187"),
    ("S/RES/2561 (2021)", "S-RES-2561-2021"),
    ("CCPCJ 22/8", "CCPCJ-22-8"),
    ("A/76/6 (Sect. 26)", "A-76-6-Sect-26"),
    ("UNODC/CCPCJ/EG.4/2011/3", "UNODC-CCPCJ-EG-4-2011-3"),
    ("Assemblée générale", "Assemblee-generale"),
])
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("S/RES/2282(2016)", "S/RES/2282 (2016)"),
    ("A/70/174.", "A/70/174"),
    ("  A/70/174, ", "A/70/174"),
    ("A/76/6 (Sect.26)", "A/76/6 (Sect. 26)"),
    ("A/76/6(Sect. 26)", "A/76/6 (Sect. 26)"),
    ("A/RES/73/187", "A/RES/73/187"),
])
def test_normalise_symbol(raw: str, expected: str) -> None:
    assert normalise_symbol(raw) == expected


@pytest.mark.parametrize(("symbol", "key", "cls", "identifier"), [
    ("A/RES/73/187", "A-RES-73-187", "Resolution", "A/RES/73/187"),
    ("S/RES/2282(2016)", "S-RES-2282-2016", "Resolution", "S/RES/2282 (2016)"),
    ("A/70/174", "A-70-174", "Document", "A/70/174"),
    ("E/2013/30", "E-2013-30", "Document", "E/2013/30"),
    ("S/PRST/2020/9", "S-PRST-2020-9", "PresidentialStatement", "S/PRST/2020/9"),
    ("CCPCJ 22/8", "CCPCJ-22-8", "Resolution", "CCPCJ 22/8"),
    ("A/HRC/RES/43/1", "A-HRC-RES-43-1", "Resolution", "A/HRC/RES/43/1"),
])
def test_instrument_for_symbol(symbol: str, key: str, cls: str, identifier: str) -> None:
    ref = instrument_for_symbol(symbol)
    assert (ref.key, ref.cls, ref.identifier) == (key, cls, identifier)


# -- resolution numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "body", "matched", "symbol"), [
    ("65/230", None, "65/230", "A/RES/65/230"),
    ("65/230", "unga", "65/230", "A/RES/65/230"),
    ("2341 (2017)", None, "2341 (2017)", "S/RES/2341 (2017)"),
    ("2341(2017)", None, "2341(2017)", "S/RES/2341 (2017)"),
    ("1514 (XV)", None, "1514 (XV)", "A/RES/1514 (XV)"),
    ("217 A (III)", None, "217 A (III)", "A/RES/217 (III)"),
    ("2013/40", None, "2013/40", "E/RES/2013/40"),
    ("22/8", "ccpcj", "22/8", "CCPCJ 22/8"),
    ("43/1", "hrc", "43/1", "A/HRC/RES/43/1"),
    ("51/45 M", None, "51/45 M", "A/RES/51/45"),
    ("74/255 A and B", None, "74/255 A and B", "A/RES/74/255"),
    ("ES-10/19", None, "ES-10/19", "A/RES/ES-10/19"),
])
def test_match_resolution_number(written: str, body: str | None, matched: str, symbol: str) -> None:
    found = match_resolution_number(written, 0, body)
    assert found is not None
    match, result = found
    assert match.group() == matched
    assert result == symbol


def test_match_resolution_number_reads_at_the_position() -> None:
    text = "its resolution 65/230 of 21 December 2010"
    found = match_resolution_number(text, text.index("65"), "unga")
    assert found is not None
    assert (found[0].start(), found[0].end(), found[1]) == (15, 21, "A/RES/65/230")
    assert match_resolution_number(text, 0, "unga") is None


def test_without_a_body_a_number_is_read_by_its_form() -> None:
    found = match_resolution_number("42/8", 0, None)
    assert found is not None
    assert found[1] == "A/RES/42/8"  # the General Assembly's form; the body must be named to read it otherwise


@pytest.mark.parametrize("written", ["22/8", "4/1", "14/221", "30/4"])
def test_no_general_assembly_resolution_before_its_thirty_first_session_has_the_form_session_number(
        written: str) -> None:
    """Until 1975 the Assembly numbered "1514 (XV)": "resolution 4/1" is another body's (UNEA, the Council)."""
    assert match_resolution_number(written, 0, None) is None
    assert match_resolution_number(written, 0, "unga") is None
    found = match_resolution_number(written, 0, "hrc")
    assert found is not None and found[1] == f"A/HRC/RES/{written}"


# -- find_symbols ----------------------------------------------------------------------------------

def symbols_in(text: str) -> list[tuple[str, str]]:
    return [(text[span.start:span.end], symbol) for span, symbol in find_symbols(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("the report (A/70/174).", [("A/70/174", "A/70/174")]),
    ("the letter A/76/299-S/2021/749 of 2021", [("A/76/299", "A/76/299")]),
    ("the budget A/76/6 (Sect. 26) and", [("A/76/6 (Sect. 26)", "A/76/6 (Sect. 26)")]),
    ("the budget A/76/6 (Sect.26) and", [("A/76/6 (Sect.26)", "A/76/6 (Sect. 26)")]),
    ("see A/ES-10/273/Corr.1.", [("A/ES-10/273/Corr.1", "A/ES-10/273/Corr.1")]),
    ("see UNODC/CCPCJ/EG.4/2011/3;", [("UNODC/CCPCJ/EG.4/2011/3", "UNODC/CCPCJ/EG.4/2011/3")]),
    ("resolution S/RES/2282(2016) and", [("S/RES/2282(2016)", "S/RES/2282 (2016)")]),
    ("see E/2013/30 and S/PRST/2020/9", [("E/2013/30", "E/2013/30"), ("S/PRST/2020/9", "S/PRST/2020/9")]),
    ("the A/RES series and S/ alone", []),
])
def test_find_symbols(text: str, expected: list[tuple[str, str]]) -> None:
    assert symbols_in(text) == expected


def test_find_symbols_within_bounds() -> None:
    text = "A/70/174 and A/71/1 and A/72/2"
    assert [s for _, s in find_symbols(text, 9, 20)] == ["A/71/1"]


# -- the gazetteer -----------------------------------------------------------------------------------

def test_fold() -> None:
    assert fold("Assemblée  Générale,") == "assemblee generale"
    assert fold("FN’s Generalforsamling") == fold("FN s generalforsamling")


def test_find_names_over_a_line_break() -> None:
    text = "the work of the Commission on Crime\nPrevention and Criminal Justice in Vienna"
    found = [(text[span.start:span.end], entry.key) for span, entry in find_names(text)]
    assert ("Commission on Crime\nPrevention and Criminal Justice", "ccpcj") in found


def test_find_names_over_a_pdf_wrap() -> None:
    text = "the Commission on Crime Prevention and \n\nCriminal Justice decided"
    found = [entry.key for _, entry in find_names(text)]
    assert found == ["ccpcj"]


def test_find_names_longest_wins_and_word_boundaries() -> None:
    text = "the United Nations Office on Drugs and Crime and the General Assemblyman"
    found = [entry.key for _, entry in find_names(text)]
    assert found == ["unodc"]


def test_find_names_in_part_of_a_long_text_as_in_that_part_alone() -> None:
    # a document (longer than resolve.WHOLE_TEXT) has the words that start names listed once; a span of it,
    # even one that cuts a word ("…sembly", "Gene…"), finds what a scan of the span finds
    text = ("Recalling the resolutions of the General Assembly and of the Human Rights Council, "
            "and the United Nations Convention against Cybercrime;\n") * 40
    assert len(text) > 4000
    whole = [(span.start, span.end, entry.key) for span, entry in find_names(text)]
    assert [key for _, _, key in whole[:3]] == ["unga", "hrc", "uncc"]
    for start, end in [(0, len(text)), (40, 160), (38, 160), (34, 108), (112, 3000), (3000, 3001), (50, 50)]:
        found = [(span.start, span.end, entry.key) for span, entry in find_names(text, start, end)]
        alone = [(span.start + start, span.end + start, entry.key) for span, entry in find_names(text[start:end])]
        assert found == alone, (start, end)


@pytest.mark.parametrize(("name", "key"), [
    ("General Assembly", "unga"),
    ("the General Assembly", "unga"),
    ("general assembly", "unga"),
    ("Generalversammlung", "unga"),
    ("Commission on Crime Prevention and Criminal Justice", "ccpcj"),
    ("India", "ind"),
    ("Indien", "ind"),
])
def test_lookup_name(name: str, key: str) -> None:
    entry = lookup_name(name)
    assert entry is not None
    assert entry.key == key


def uncc_labels() -> dict[str, list[str]]:
    return gazetteer_file("instruments.toml")["uncc"]["labels"]


def test_lookup_danish_name_of_the_un_convention() -> None:
    assert "FN's konvention om bekæmpelse af cyberkriminalitet" in uncc_labels()["da"]
    entry = lookup_name("FN's konvention om bekæmpelse af cyberkriminalitet")
    assert entry is not None
    assert (entry.key, entry.kind, entry.cls) == ("uncc", "instrument", "Convention")


def test_lookup_german_name_of_the_un_convention() -> None:
    assert "Übereinkommen der Vereinten Nationen gegen Cyberkriminalität" in uncc_labels()["de"]
    entry = lookup_name("Übereinkommen der Vereinten Nationen gegen Cyberkriminalität")
    assert entry is not None
    assert entry.key == "uncc"


def test_every_label_of_the_un_convention_resolves_to_it() -> None:
    for lang, labels in uncc_labels().items():
        for label in labels:
            entry = lookup_name(label)
            assert entry is not None and entry.key == "uncc", (lang, label)


def test_lookup_unknown_name() -> None:
    assert lookup_name("Intergalactic Council on Cyber Affairs") is None


def test_body_for_known_name() -> None:
    ref = body_for_name("the General Assembly", "en")
    assert (ref.key, ref.cls) == ("body/unga", "Body")


def test_body_for_unknown_name_is_keyed_by_its_slug() -> None:
    ref = body_for_name("the Intergalactic Council on Cyber Affairs,", "en")
    assert ref.key == "body/intergalactic-council-on-cyber-affairs"
    assert ref.cls == "Body"
    assert ref.label == "Intergalactic Council on Cyber Affairs"
    assert ref.lang == "en"
    # the same name written differently is the same node
    assert body_for_name("Intergalactic Council on Cyber Affairs", "en").key == ref.key


def test_body_for_name_of_a_state() -> None:
    ref = body_for_name("India", "en")
    assert (ref.key, ref.cls) == ("state/ind", "State")


# -- scans skipped where a pattern cannot match ----------------------------------------------------

@pytest.mark.parametrize(("pattern", "needed"), [
    (r"(?<![\w/])(?:A|S|E)(?:/(?:[A-Z]+|\d+))+", {"/"}),  # one string rather than many as short
    (r"\d{3,4}\s\((?:19|20)\d\d\)", {"19", "20"}),
    (r"(?=/)\w+", None),  # what a lookahead sees is not consumed
])
def test_the_strings_every_match_holds_are_read_from_the_pattern(pattern: str, needed: set[str] | None) -> None:
    from cyberlex.knowledge import needed_strings

    assert needed_strings(pattern) == (frozenset(needed) if needed else None)


def test_a_span_is_skipped_only_where_the_pattern_finds_nothing_in_it() -> None:
    import re

    from cyberlex.build import collect_inputs, sample_corpus
    from cyberlex.knowledge import languages, may_match_in
    from cyberlex.read import read
    from cyberlex.resolve import bare_resolution_pattern, un_symbol_pattern
    from cyberlex.segment import segment

    patterns = [un_symbol_pattern(), bare_resolution_pattern(), re.compile("resolution", re.IGNORECASE),
                *(lang.pattern("dated_number") for lang in languages().values())]
    skipped = 0
    for path in collect_inputs([sample_corpus()]):
        segments = segment(read(path))
        for paragraph in segments.paragraphs:
            start, end = paragraph.span.start, paragraph.span.end
            for pattern in patterns:
                if not may_match_in(pattern, segments.plain, start, end):
                    skipped += 1
                    assert pattern.search(segments.plain, start, end) is None
    assert skipped > 0
