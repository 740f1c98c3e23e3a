"""What each way of validating a built graph costs, with each SHACL engine, and what each constraint costs.

    .venv/bin/python benchmarks/bench_validate_parts.py out/graph.trig out/evidence.trig [--rudof] [--union]

Reads the TriG files written by `cyberlex build` (one named graph per file and its evidence graph, and the
gazetteer graph), takes each source document's graphs with the gazetteer's quads on the nodes it names as
one document (what a build's worker validates), and prints wall and CPU seconds of this process (CPU: the
machine may be shared) for: per-document validation with cyberlex.shacl and with pySHACL
(`validate_document`), the union part of `validate_parts` with each, and (`--union`) each engine on the
whole union at once, and pyrudof per document (`--rudof`). Then the CPU that cyberlex.shacl spends on each
constraint component over all documents. Every way must give the same report: it says so.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset

from cyberlex import shacl
from cyberlex.evidence import document_graph
from cyberlex.validate import _shapes, load_shapes, ontology_quads, validate
from cyberlex.validate_parts import prepare_document_validation, validate_document, validate_parts


@contextmanager
def timed(label: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    print(f"{label:<52} wall {time.perf_counter() - wall:7.2f} s   cpu {time.process_time() - cpu:7.2f} s",
          flush=True)


def document(store: ox.Store, graphs: list[ox.NamedNode], gazetteer: list[ox.NamedNode]) -> list[ox.Quad]:
    """A file's quads as its worker had them: its graphs, and the gazetteer's quads on the nodes it names."""
    own = [q for graph in graphs for q in store.quads_for_pattern(None, None, None, graph)]
    named = {t for q in own for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    return own + [q for g in gazetteer for node in named for q in store.quads_for_pattern(node, None, None, g)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trig", type=Path, nargs="+", help="graph.trig (and evidence.trig) of a build")
    parser.add_argument("--rudof", action="store_true", help="also pyrudof per document (slow: 0.1 s each)")
    parser.add_argument("--union", action="store_true", help="also each engine on the whole union at once")
    args = parser.parse_args()
    store = ox.Store()
    for path in args.trig:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    graphs = sorted(store.named_graphs(), key=str)
    gazetteer = [g for g in graphs if str(g).endswith("/graph/gazetteer>")]
    by_document: dict[str, list[ox.NamedNode]] = {}
    for graph in graphs:
        if graph not in gazetteer:
            by_document.setdefault(document_graph(graph.value), []).append(graph)
    documents = [document(store, graphs_of, gazetteer) for graphs_of in by_document.values()]
    print(f"{len(store)} quads, {len(documents)} documents")
    union = Dataset(store=OxigraphStore(store=store))
    prepare_document_validation()

    reports = {}
    for engine in ("auto", "pyshacl"):
        label = "cyberlex.shacl" if engine == "auto" else "pySHACL"
        if args.union:
            with timed(f"{label}, the union at once"):
                reports[f"{engine} union"] = validate(union, engine=engine).to_text()
        with timed(f"{label}, per document (in the workers)"):
            validations = [validate_document(d, engine=engine) for d in documents]
        with timed(f"{label}, union part and merge"):
            reports[engine] = validate_parts(validations, union, store, engine=engine).to_text()
    print(f"  the same report every way: {len(set(reports.values())) == 1}")

    compiled = _shapes(None).compiled
    assert compiled is not None
    timings: dict[str, float] = {}
    cpu = time.process_time()
    for quads in documents:
        part = ox.Store()
        part.extend([ox.Quad(q.subject, q.predicate, q.object) for q in quads])
        part.extend(ontology_quads())
        shacl.run(compiled, part, timings=timings)
    print(f"\ncyberlex.shacl per document, by constraint component ({time.process_time() - cpu:.2f} s CPU in all, "
          "filling the stores included):")
    for name, seconds in sorted(timings.items(), key=lambda item: -item[1]):
        print(f"  {name.replace(str(shacl.SH), 'sh:').rsplit('#', 1)[-1]:<60} {seconds:6.2f} s")

    if args.rudof:
        import pyrudof

        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_shacl(load_shapes().serialize(format="turtle"))
        ontology = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in ontology_quads()],
                                format=ox.RdfFormat.N_TRIPLES) or b""
        with timed("pyrudof, per document"):
            for quads in documents:
                nt = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                  format=ox.RdfFormat.N_TRIPLES)
                rudof.reset_data()
                rudof.read_data((nt or b"").decode() + ontology.decode(), format=pyrudof.RDFFormat.NTriples)
                rudof.validate_shacl()
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
