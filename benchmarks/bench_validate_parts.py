"""What each way of validating a built graph costs: the union at once, per document, the union part.

    .venv/bin/python benchmarks/bench_validate_parts.py out/graph.trig [--rudof]

Reads a graph.trig written by `cyberlex build` (one named graph per file, and the gazetteer graph),
takes each source document's graph with the gazetteer's quads on the nodes it names as one document
(what a build's worker validates), and prints wall and CPU seconds of this process (CPU: the machine may be shared) for:
pySHACL on the union (`cyberlex.validate.validate`, as the build did before), the Core shapes and the
SHACL-SPARQL shapes (shapes/sparql.ttl) alone on the union, pySHACL per document
(`validate_document`), pyrudof per document (`--rudof`), and the union part of `validate_parts`.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph

from cyberlex.resources import data_path
from cyberlex.validate import _StoreGraph, load_shapes, validate
from cyberlex.validate_parts import _ontology_quads, prepare_document_validation, validate_document, validate_parts


@contextmanager
def timed(label: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    print(f"{label:<48} wall {time.perf_counter() - wall:7.2f} s   cpu {time.process_time() - cpu:7.2f} s",
          flush=True)


def document(store: ox.Store, graph: ox.NamedNode, gazetteer: list[ox.NamedNode]) -> bytes:
    """A file's quads as its worker had them: its graph, and the gazetteer's quads on the nodes it names."""
    own = list(store.quads_for_pattern(None, None, None, graph))
    named = {t for q in own for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    reference = [q for g in gazetteer for node in named for q in store.quads_for_pattern(node, None, None, g)]
    return ox.serialize(own + reference, format=ox.RdfFormat.N_QUADS) or b""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trig", type=Path)
    parser.add_argument("--rudof", action="store_true", help="also pyrudof per document (slow: 0.1 s each)")
    args = parser.parse_args()
    store = ox.Store()
    store.bulk_load(path=str(args.trig), format=ox.RdfFormat.TRIG)
    graphs = sorted(store.named_graphs(), key=str)
    gazetteer = [g for g in graphs if str(g).endswith("/graph/gazetteer>")]
    documents = [document(store, graph, gazetteer) for graph in graphs if graph not in gazetteer]
    print(f"{len(store)} quads, {len(documents)} documents")
    union = Dataset(store=OxigraphStore(store=store))

    with timed("pySHACL, union (before)"):
        report = validate(union)
    print(f"  {len(report.results)} results")
    triples = ox.Store()
    triples.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
    triples.bulk_extend(_ontology_quads())
    shape_files = sorted(data_path("shapes").glob("*.ttl"))
    for label, files in (("core", [f for f in shape_files if f.name != "sparql.ttl"]),
                         ("sparql", [f for f in shape_files if f.name == "sparql.ttl"])):
        shapes = Graph()
        for f in files:
            shapes.parse(f)
        with timed(f"pySHACL, union, {label} shapes only"):
            pyshacl.validate(_StoreGraph(triples), shacl_graph=shapes, inference="none", advanced=True, inplace=True)

    prepare_document_validation()
    with timed("pySHACL, per document (in the workers)"):
        validations = [validate_document(d) for d in documents]
    with timed("validate_parts: union part and merge"):
        parts = validate_parts(validations, union, store)
    print(f"  {len(parts.results)} results, the same report: {parts.to_text() == report.to_text()}")
    if args.rudof:
        import pyrudof

        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_shacl(load_shapes().serialize(format="turtle"))
        ontology = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in _ontology_quads()],
                                format=ox.RdfFormat.N_TRIPLES) or b""
        with timed("pyrudof, per document"):
            for d in documents:
                nt = ox.serialize([ox.Triple(q.subject, q.predicate, q.object)
                                   for q in ox.parse(d, format=ox.RdfFormat.N_QUADS)], format=ox.RdfFormat.N_TRIPLES)
                rudof.reset_data()
                rudof.read_data((nt or b"").decode() + ontology.decode(), format=pyrudof.RDFFormat.NTriples)
                rudof.validate_shacl()
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
