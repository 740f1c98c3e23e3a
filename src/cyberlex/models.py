"""Plain data passed between the pipeline stages (read → segment → extract → resolve → map)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """Character offsets into a source text, end exclusive."""

    start: int
    end: int


@dataclass(frozen=True)
class SourceText:
    """One input file as read: decoded text and what is known of the file."""

    path: str
    file_name: str
    text: str
    sha256: str
    encoding: str
    media_type: str
    language: str
    # What a marked-up format (Akoma Ntoso) states outright beside its text; None for plain text.
    given: Given | None = field(default=None, compare=False, repr=False)


@dataclass
class Paragraph:
    """A preambular or operative paragraph, sub-paragraphs included."""

    kind: str  # "preambular" | "operative"
    ordinal: int
    span: Span
    opening_phrase: str | None
    footnote_markers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Footnote:
    """A footnote: its marker and the span of its text."""

    marker: str
    span: Span


@dataclass
class Segments:
    """The structure of one document: cover page, enacting formula, paragraphs, footnotes."""

    source: SourceText
    plain: str  # the text with markup blanked out, same length: offsets into either agree
    header: Span  # everything before the enacting formula (cover page, title)
    enacting: Span | None  # "The General Assembly,"
    enacting_body: str | None  # the body named in the enacting formula, as written
    paragraphs: list[Paragraph]
    footnotes: list[Footnote]
    closing: Span | None  # the meeting line and its date
    annexes: list[Span]
    body_text: Span  # the whole text outside annexes


@dataclass(frozen=True)
class Ref:
    """A resolved entity: what a node is, independent of which document names it.

    key is the stable slug used in its IRI; cls is a class local name of the ontology.
    """

    key: str
    cls: str
    identifier: str | None = None  # official symbol
    label: str | None = None  # name as found (for entities the gazetteer does not know)
    lang: str | None = None


@dataclass(frozen=True)
class Statement:
    """One extracted fact with the text that says it.

    subject is an instrument or a clause; obj is an entity or a literal value.
    """

    subject: Ref
    predicate: str
    obj: Ref | str | int
    span: Span
    lang: str | None = None
    datatype: str | None = None


@dataclass
class ClauseRecord:
    """A clause as extracted: owner instrument, kind, ordinal, text (None when only referenced)."""

    instrument: Ref
    kind: str
    ordinal: int
    span: Span | None
    text: str | None
    opening_phrase: str | None
    footnotes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The clause's IRI path below the instrument's: "A-RES-73-187/op/2"."""
        return f"{self.instrument.key}/{'op' if self.kind == 'operative' else 'pre'}/{self.ordinal}"


@dataclass
class ReservationRecord:
    """A reservation by a State on one paragraph of an instrument."""

    instrument: Ref
    state: Ref
    clause: ClauseRecord
    text: str
    span: Span

    @property
    def key(self) -> str:
        """The reservation's IRI path."""
        kind = "op" if self.clause.kind == "operative" else "pre"
        return f"{self.instrument.key}/reservation/{self.state.key.split('/')[-1]}/{kind}/{self.clause.ordinal}"


@dataclass
class Extraction:
    """Everything extracted from one source document."""

    source: SourceText
    records: list[Ref] = field(default_factory=list)
    clauses: list[ClauseRecord] = field(default_factory=list)
    reservations: list[ReservationRecord] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    mentions: dict[Ref, Span] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what looked wrong in the document, for its reader
    # What a marked-up source states of its instrument beside the statements (which carry evidence)
    markup: MarkupFacts | None = None


@dataclass
class RecordedVote:
    """A recorded vote as extracted: outcome, counts by kind ("inFavour", "against", "abstaining") and the
    States (gazetteer entities) that voted so, by kind."""

    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    voters: dict[str, list[Ref]] = field(default_factory=dict)


@dataclass
class MarkupFacts:
    """What the markup of a structured source (Akoma Ntoso) states of the instrument it records and that
    its text does not: subject concepts (UNBIS, EuroVoc, SDG IRIs), the FRBR IRIs ("work", "expression",
    "manifestation" -> AKN IRI) and the recorded vote. Written by the mapper as mappings/rdf.toml says."""

    instrument: Ref
    subjects: list[str] = field(default_factory=list)
    frbr: dict[str, str] = field(default_factory=dict)
    vote: RecordedVote | None = None


@dataclass(frozen=True)
class Link:
    """A hyperlink in a marked-up source: the span of its text in the rendered text, and its target."""

    span: Span
    href: str


@dataclass(frozen=True)
class GivenValue:
    """A fact about the document that its markup states (symbol, title, date, session, meeting, …), with
    the span where the rendered text prints it (None where it does not)."""

    predicate: str
    value: str
    span: Span | None
    datatype: str | None = None


@dataclass(frozen=True)
class Keyword:
    """A subject keyword of the markup's classification, with its vocabulary's IRI where it has one."""

    label: str
    iri: str | None
    vocabulary: str


@dataclass
class Vote:
    """The recorded vote in the markup: outcome, counts and voters by kind ("inFavour", "against", …)."""

    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    voters: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Given:
    """What a structured source states outright, put on its SourceText by the reader: its structure
    (segment() takes it instead of reading the text's layout: the fields mirror Segments) and facts that
    text extraction cannot give (links, FRBR identifiers, keywords, the vote; extract() merges them).
    Offsets are into the text rendered from the markup (SourceText.text)."""

    header: Span = field(default_factory=lambda: Span(0, 0))
    enacting: Span | None = None
    enacting_text: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    closing: Span | None = None
    annexes: list[Span] = field(default_factory=list)
    body_text: Span = field(default_factory=lambda: Span(0, 0))
    symbol: str | None = None
    author: str | None = None  # the adopting body's name as the markup gives it ("General Assembly")
    values: list[GivenValue] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    frbr: dict[str, str] = field(default_factory=dict)  # "work", "expression", "manifestation" -> AKN IRI
    keywords: list[Keyword] = field(default_factory=list)
    vote: Vote | None = None
