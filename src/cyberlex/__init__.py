"""cyberlex: a knowledge graph of international legal instruments on cybercrime.

The Python API. The build is the composition of its stages, each a function over plain data
(cyberlex.models), so one file's quads are ``Mapper().map(extract(segment(read(path))))``::

    import cyberlex

    store = cyberlex.build_graph(["samples"])  # a pyoxigraph.Store, one named graph per source document
    report = cyberlex.validate(store)          # SHACL: report.conforms, report.results, report.to_text()

- build_graph(paths, base=…): every file (folders are walked) read, segmented, extracted and mapped
  into one pyoxigraph Store, as `cyberlex build` does, neither validated nor written; raises
  InputFailed (with `.failures` and `.store`) when a file cannot be built
- read(path) → SourceText; segment(source) → Segments; extract(segments) → Extraction;
  Mapper(base).map(extraction) → list of pyoxigraph Quads (a Store takes them: ``store.extend(quads)``)
- validate(graph) → ValidationReport, for a pyoxigraph Store or an rdflib Graph or Dataset
- serialise_graph(store) → {"graph.ttl": bytes, "graph.trig": bytes} (and "evidence.trig" where a
  named graph's IRI ends in /evidence), sorted and deterministic; write_graph(store, out_dir) writes
  them atomically, streamed from the store

Names are imported when first used, so ``import cyberlex`` stays cheap (the stages' libraries,
pySHACL's above all, take seconds to import).
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cyberlex.build import InputFailed, build_graph
    from cyberlex.extract import extract
    from cyberlex.map import Mapper
    from cyberlex.read import ReadError, read
    from cyberlex.segment import segment
    from cyberlex.serialise import serialise_graph, write_graph
    from cyberlex.validate import validate

# Each public name and the module it is defined in.
_PUBLIC = {
    "build_graph": "cyberlex.build",
    "InputFailed": "cyberlex.build",
    "read": "cyberlex.read",
    "ReadError": "cyberlex.read",
    "segment": "cyberlex.segment",
    "extract": "cyberlex.extract",
    "Mapper": "cyberlex.map",
    "validate": "cyberlex.validate",
    "serialise_graph": "cyberlex.serialise",
    "write_graph": "cyberlex.serialise",
}

__all__ = ["InputFailed", "Mapper", "ReadError", "__version__", "build_graph", "extract", "read", "segment",
           "serialise_graph", "validate", "write_graph"]


class _Package(ModuleType):
    """The package's module type: four of its public functions share their names with the modules that
    define them (read, segment, extract, validate), and the import system binds a submodule, when it is
    first imported, as an attribute of its package; that binding is refused here, so that
    ``cyberlex.read`` is the function whichever module was imported first. The modules stay importable
    by ``from cyberlex.read import sniff`` (not by ``import cyberlex.read as m``, which looks the name up
    on the package and so gives the function)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PUBLIC and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'cyberlex' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
