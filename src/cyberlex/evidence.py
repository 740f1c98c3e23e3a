"""Where evidence lives: each document's evidence in a named graph of its own beside the document's
graph (``<document graph>/evidence``), written to a dump of its own (``evidence.trig``), so that the
facts (graph.ttl, graph.trig) can be loaded without it. Whatever reads a build folder loads both.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pyoxigraph import DefaultGraph, Store

EVIDENCE_FILE = "evidence.trig"


@cache
def evidence_segment() -> str:
    """The last segment of an evidence graph's IRI (``evidence``, from the mappings)."""
    from cyberlex.map import mapping

    return str(mapping()["evidence"]["graph"])


def evidence_graph(document_graph: str) -> str:
    """The IRI of the named graph holding the evidence of a document's graph."""
    return f"{document_graph}/{evidence_segment()}"


def is_evidence_graph(graph: str) -> bool:
    """Whether a named graph's IRI is that of an evidence graph (it ends with ``/evidence``)."""
    return graph.endswith("/" + evidence_segment())


def document_graph(graph: str) -> str:
    """The document graph an evidence graph belongs to; any other graph is its own."""
    return graph.removesuffix("/" + evidence_segment()) if is_evidence_graph(graph) else graph


def with_evidence(graph_file: Path) -> list[Path]:
    """A build's graph file and, where it is a graph.trig with an evidence.trig beside it, that too."""
    evidence = graph_file.with_name(EVIDENCE_FILE)
    return [graph_file, evidence] if graph_file.name == "graph.trig" and evidence.is_file() else [graph_file]


def split_evidence(store: Store) -> tuple[Store, Store]:
    """The facts (every graph but the evidence graphs, and the default graph) and the evidence graphs of a
    store, as two stores."""
    facts, evidence = Store(), Store()
    for graph in store.named_graphs():
        (evidence if is_evidence_graph(graph.value) else facts).bulk_extend(
            store.quads_for_pattern(None, None, None, graph))
    facts.bulk_extend(store.quads_for_pattern(None, None, None, DefaultGraph()))
    return facts, evidence
