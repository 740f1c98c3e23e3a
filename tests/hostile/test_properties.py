"""Property-based tests (Hypothesis) of the reader, segmenter, extractor and mapper (issue 11).

Documents are generated from the pieces UN texts are made of (cover lines, the enacting formula,
preambular and operative paragraphs in five languages, citations, footnotes, annexes, reservations)
and then mutated (characters dropped, doubled or replaced, markup and white space thrown in). Whatever
comes out, no exception escapes a stage (a hostile file must end as built or as one reason line, which
cyberlex.build guarantees by catching, so here a stage raising is a defect found), and the time per kB
stays bounded (generous: a guard against super-linear work, not a benchmark).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyberlex.build import _process
from cyberlex.extract import extract
from cyberlex.map import Mapper
from cyberlex.read import ReadError, read
from cyberlex.segment import segment

COVER = ["United Nations", "A/RES/76/19", "S/RES/2653 (2022)", "General Assembly", "Security Council",
         "Distr.: General", "6 December 2021", "Seventy-sixth session", "Agenda item 98", "Assemblée générale",
         "Consejo de Seguridad", "Generalversammlung", "Rådet for Den Europæiske Union", "12642/25 ADD 1",
         "[on the report of the First Committee (A/76/440)]", "Resolution adopted by the General Assembly on "
         "6 December 2021", "76/19. Developments in the field of information and telecommunications"]
ENACTING = ["The General Assembly,", "The Security Council,", "L’Assemblée générale,", "La Asamblea General,",
            "Die Generalversammlung,", "Den Interparlamentariske Union,", "The 146th IPU Assembly,"]
PREAMBLE = ["Recalling its resolution 73/27 of 5 December 2018, by which it convened an open-ended working group,",
            "Welcoming the report of the Secretary-General,1", "Taking note of the report (A/76/135),",
            "Rappelant sa résolution 2099 (XX) portant création du Programme d’assistance,",
            "Recordando su resolución 61/29, en la que se estableció el Comité Especial,",
            "unter Hinweis auf seine Resolution 2366 (2017), mit der die Verifikationsmission eingerichtet wurde,",
            "Noting the Panel of Experts established pursuant to resolution 2140 (2014),",
            "Welcoming the adoption, by its resolution 70/175, of the Nelson Mandela Rules,"]
OPERATIVE = ["Decides to establish an open-ended working group on security;",
             "Endorses the conclusions and recommendations contained in the report of the Advisory Committee;",
             "Adopts the Convention annexed to the present resolution;", "Requests the Secretary-General to report;",
             "Décide de créer un groupe de travail ;", "Hace suyas las recomendaciones del Comité;",
             "beschließt, die Unabhängige Institution einzurichten;", "A Conference of the States Parties is "
             "hereby established.", "Welcomes the 27 September 2020 agreements and the roadmap;"]
TAIL = ["54th plenary meeting", "6 December 2021", "__________________", "1 A/76/77.", "2 See resolution 59/220.",
        "Annex", "Article 57", "The delegation of India expressed reservations on operative paragraph 2.",
        "# Annex", "<sup>1</sup>", "[^1]: A/76/135"]
NOISE = st.sampled_from([" ", "\n", "\t", "\u00a0", "*", "#", "(", ")", "[", "]", "“", "”", "’", ",", ";", ":",
                         ".", "1.", "a)", "12/", "\x0c", "\u200b", "<", ">", "&"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A UN-like document, possibly mutated."""
    lines = draw(st.lists(st.sampled_from(COVER), max_size=6))
    lines += draw(st.lists(st.sampled_from(ENACTING), max_size=2))
    lines += draw(st.lists(st.sampled_from(PREAMBLE), max_size=6))
    operative = draw(st.lists(st.sampled_from(OPERATIVE), max_size=6))
    lines += [f"{n}. {text}" for n, text in enumerate(operative, start=draw(st.integers(0, 1200)))]
    lines += draw(st.lists(st.sampled_from(TAIL), max_size=6))
    text = draw(st.sampled_from(["\n\n", "\n", " "])).join(lines)
    for _ in range(draw(st.integers(0, 12))):  # mutations: drop, double, insert noise
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        kind = draw(st.sampled_from(["drop", "double", "noise", "run"]))
        if kind == "drop":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "double":
            text = text[:at] + text[at:at + 60] + text[at:]
        elif kind == "noise":
            text = text[:at] + draw(NOISE) + text[at:]
        else:
            text = text[:at] + draw(NOISE) * draw(st.integers(1, 3000)) + text[at:]
    return text


@pytest.fixture(scope="module", autouse=True)
def warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Load the language detector and the tables once, so that the timed runs time the work alone."""
    path = tmp_path_factory.mktemp("warm") / "doc.txt"
    path.write_text("The General Assembly,\n\n1. Decides to remain seized of the matter;\n", encoding="utf-8")
    Mapper().map(extract(segment(read(path))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(text=documents())
def test_no_stage_raises_and_time_per_kb_is_bounded(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    try:
        source = read(path)
    except ReadError as refused:  # a file the reader refuses (empty, binary, …) has its one-line reason
        assert str(refused).strip() and "\n" not in str(refused).strip()
        return
    extraction = extract(segment(source))
    Mapper().map(extraction)
    elapsed = time.perf_counter() - started
    # a few ms per kB when linear; a quadratic stage takes seconds on the long runs the mutations insert
    assert elapsed <= 2.0 + 0.05 * len(text.encode()) / 1024, f"{elapsed:.2f} s for {len(text)} characters"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_any_bytes_end_as_built_or_as_one_reason_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "doc.bin"
    path.write_bytes(data)
    outcome = _process(path, "https://w3id.org/cyberlex/id/", timeout=30)
    if outcome.failure is None:
        assert outcome.nquads  # built: its quads
    else:
        assert outcome.failure.strip() and not outcome.nquads  # failed: one reason, nothing half-made
        assert "\n" not in outcome.failure.strip(), outcome.failure


@pytest.mark.parametrize("seed_text", [PREAMBLE[0], OPERATIVE[0]])
def test_the_generator_makes_documents_that_build(tmp_path: Path, seed_text: str) -> None:
    # the property tests are only worth something if unmutated documents are real ones
    path = tmp_path / "doc.txt"
    path.write_text("\n\n".join(["United Nations", "A/RES/76/19", "General Assembly", "The General Assembly,",
                                 seed_text, "1. Decides to remain seized of the matter;", "54th plenary meeting"]),
                    encoding="utf-8")
    outcome = _process(path, "https://w3id.org/cyberlex/id/")
    assert outcome.failure is None and b"A-RES-76-19" in outcome.nquads
