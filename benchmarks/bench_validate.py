"""Time cyberlex.validate on a synthetic graph shaped like docs/design.md.

    .venv/bin/python benchmarks/bench_validate.py [--instruments 600] [--clauses 40] [--runs 3]

One named graph per source document (one instrument each, its clauses, citations), one of its evidence
beside it, and a gazetteer graph with the bodies. The default size is about 150k quads.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, SKOS, XSD

from cyberlex.validate import validate

CLX = Namespace("https://w3id.org/cyberlex/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
ID = "https://w3id.org/cyberlex/id/"


def synthetic_dataset(instruments: int = 600, clauses: int = 40, evidence_every: int = 8) -> Dataset:
    """Build a conforming Dataset of ``instruments`` resolutions with ``clauses`` clauses each."""
    ds = Dataset()
    gaz = ds.graph(URIRef(ID + "graph/gazetteer"))
    bodies = [URIRef(f"{ID}body/body-{b}") for b in range(50)]
    for b, body in enumerate(bodies):
        gaz.add((body, RDF.type, CLX.Body))
        gaz.add((body, SKOS.prefLabel, Literal(f"Body {b}", lang="en")))
        gaz.add((body, SKOS.notation, Literal(f"B{b}")))
        gaz.add((body, OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/Q{1000 + b}")))
    state = URIRef(ID + "state/dnk")
    gaz.add((state, RDF.type, CLX.State))
    gaz.add((state, SKOS.prefLabel, Literal("Denmark", lang="en")))
    for i in range(instruments):
        inst = URIRef(f"{ID}A-RES-70-{i + 1}")
        src = URIRef(f"{ID}source/doc-{i}-txt")
        g = ds.graph(src)
        g.add((src, RDF.type, CLX.SourceDocument))
        g.add((src, CLX.fileName, Literal(f"doc-{i}.txt")))
        g.add((src, CLX.sha256, Literal(hashlib.sha256(str(i).encode()).hexdigest())))
        g.add((src, DCTERMS.language, Literal("en", datatype=XSD.language)))
        g.add((src, DCTERMS.format, Literal("text/plain")))
        g.add((src, CLX.records, inst))
        g.add((src, CLX.mentions, bodies[i % 50]))
        g.add((inst, RDF.type, CLX.Resolution))
        g.add((inst, DCTERMS.identifier, Literal(f"A/RES/70/{i + 1}")))
        g.add((inst, DCTERMS.title, Literal(f"Resolution {i}", lang="en")))
        g.add((inst, CLX.adoptedBy, bodies[0]))
        g.add((inst, CLX.adoptionDate, Literal("2015-12-23", datatype=XSD.date)))
        g.add((inst, CLX.session, Literal("70")))
        cited = URIRef(f"{ID}A-RES-70-{(i + 7) % instruments + 1}")
        g.add((cited, RDF.type, CLX.Resolution))
        g.add((cited, DCTERMS.identifier, Literal(f"A/RES/70/{(i + 7) % instruments + 1}")))
        g.add((inst, CLX.cites, cited))
        n = 0
        for c in range(clauses):
            kind, cls, ordinal = ("pre", CLX.PreambularClause, c + 1)
            if c >= clauses // 2:
                kind, cls, ordinal = ("op", CLX.OperativeClause, c + 1 - clauses // 2)
            clause = URIRef(f"{inst}/{kind}/{ordinal}")
            g.add((inst, CLX.hasClause, clause))
            g.add((clause, RDF.type, cls))
            g.add((clause, CLX.ordinal, Literal(ordinal)))
            g.add((clause, CLX.openingPhrase, Literal("Recalling" if kind == "pre" else "Requests", lang="en")))
            g.add((clause, CLX.text, Literal(f"paragraph {ordinal} of resolution {i}", lang="en")))
            if c % evidence_every == 0:
                n += 1
                evidence = ds.graph(URIRef(f"{src}/evidence"))  # the document's evidence graph
                span = URIRef(f"{src}/evidence/{100 * c}-{100 * c + 50}")
                evidence.add((span, RDF.type, CLX.Evidence))
                evidence.add((span, PROV.wasDerivedFrom, src))
                evidence.add((span, OA.start, Literal(100 * c, datatype=XSD.nonNegativeInteger)))
                evidence.add((span, OA.end, Literal(100 * c + 50, datatype=XSD.nonNegativeInteger)))
                evidence.add((span, OA.exact, Literal(f"paragraph {ordinal}")))
                statement = URIRef(f"{span}/text/{n}")
                evidence.add((statement, RDF.subject, clause))
                evidence.add((statement, RDF.predicate, CLX.text))
                evidence.add((statement, RDF.object, Literal(f"paragraph {ordinal} of resolution {i}", lang="en")))
                evidence.add((statement, CLX.evidence, span))
        if i % 20 == 0:
            res = URIRef(f"{inst}/reservation/dnk/op/1")
            g.add((inst, CLX.hasReservation, res))
            g.add((res, RDF.type, CLX.Reservation))
            g.add((res, CLX.madeBy, state))
            g.add((res, CLX.concerns, URIRef(f"{inst}/op/1")))
            g.add((res, CLX.text, Literal("Denmark disassociates itself from paragraph 1.", lang="en")))
    return ds


def union(ds: Dataset) -> Graph:
    """Copy every quad of ``ds`` into one Graph."""
    g = Graph()
    for s, p, o, _ in ds.quads():
        g.add((s, p, o))
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=600)
    parser.add_argument("--clauses", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ds = synthetic_dataset(args.instruments, args.clauses)
    quads = list(ds.quads())
    print(f"{len(quads)} quads in {len({q[3] for q in quads})} named graphs")
    ox_ds = Dataset(store=OxigraphStore())
    ox_ds.addN((s, p, o, ox_ds.graph(g)) for s, p, o, g in quads)
    for name, data in (("rdflib Dataset", ds), ("rdflib Graph", union(ds)), ("oxrdflib Dataset", ox_ds)):
        wall, cpu = [], []
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            report = validate(data)
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
            assert report.conforms, report.to_text()
        print(
            f"{name}: median {statistics.median(wall):.2f} s wall, {statistics.median(cpu):.2f} s CPU"
            f" over {args.runs} runs (wall {min(wall):.2f}-{max(wall):.2f})"
        )


if __name__ == "__main__":
    main()
