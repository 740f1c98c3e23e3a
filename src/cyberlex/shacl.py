"""A SHACL engine for flat shapes, run on a pyoxigraph Store: pySHACL's results at a fraction of its cost.

pySHACL stays the reference. On cyberlex's own shapes (property shapes that carry their own targets;
SHACL Core constraints on one set of values; SHACL-SPARQL SELECT constraints on node shapes) it spends
most of its time in its general machinery and in converting every term it reads between pyoxigraph
and rdflib: about 65 ms per document of the UN corpus, 41 of the 68 CPU seconds of a build. This
engine evaluates that subset, and only it, straight on the Store; it converts to rdflib only the
values a constraint compares, and it follows pySHACL 0.40's rules for each constraint (which values
a datatype accepts, how a pattern's flags are read, when a result names a value, how a SHACL-SPARQL
message is filled in) so that the results are the same.

:func:`compile_shapes` returns None for shapes outside the subset (a nested shape, a logical
constraint, a path with a repetition, a constraint it does not know, a shape without sh:message…):
the caller then runs pySHACL. ``tests/test_shacl.py`` checks that both give the same results.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Finding:
    """One validation result, with what pySHACL's report says about it."""

    severity: URIRef  # sh:Violation, sh:Warning or sh:Info
    focus_node: Node
    path: Node | None  # a node of `path_graph` (a shape's sh:path), or the IRI a SHACL-SPARQL result names
    value: Node | None
    messages: tuple[str, ...]
    source_shape: Node
    constraint: URIRef  # the sh:sourceConstraintComponent
    path_graph: Graph = field(compare=False, repr=False, default_factory=Graph)


# --- paths --------------------------------------------------------------------------------------------
# A compiled path: ("out", p), ("in", p), ("alt", paths) or ("seq", paths).
Path = tuple[str, object]


def _value_map(data: _Data, path: Path, nodes: set[Term]) -> dict[Term, set[Term]]:
    """The value nodes of each of `nodes` on `path` (nodes without values are left out), read one predicate
    at a time: a shape's values for all its focus nodes in one pass over the triples of its predicate."""
    kind, arg = path
    found: dict[Term, set[Term]] = {}
    if kind == "out":
        for s, o in data.subject_objects(arg):  # type: ignore[arg-type]
            if s in nodes:
                found.setdefault(s, set()).add(o)
    elif kind == "in":
        for s, o in data.subject_objects(arg):  # type: ignore[arg-type]
            if o in nodes:
                found.setdefault(o, set()).add(s)
    elif kind == "alt":
        for step in arg:  # type: ignore[attr-defined]
            for node, values in _value_map(data, step, nodes).items():
                found.setdefault(node, set()).update(values)
    else:  # a sequence: each step from the values of the one before
        found = {node: {node} for node in nodes}
        for step in arg:  # type: ignore[attr-defined]
            reached = _value_map(data, step, {v for values in found.values() for v in values})
            found = {node: {w for v in values for w in reached.get(v, ())} for node, values in found.items()}
        found = {node: values for node, values in found.items() if values}
    return found


def _compile_path(graph: Graph, node: Node) -> Path | None:
    if isinstance(node, URIRef):
        return ("out", ox.NamedNode(node))
    if (node, RDF.first, None) in graph:
        steps = [_compile_path(graph, step) for step in graph.items(node)]
        return ("seq", tuple(steps)) if steps and None not in steps else None  # type: ignore[arg-type]
    keys = set(graph.predicates(node, None))
    inverse = graph.value(node, SH.inversePath)
    if keys == {SH.inversePath} and isinstance(inverse, URIRef):
        return ("in", ox.NamedNode(inverse))
    alternatives = graph.value(node, SH.alternativePath)
    if keys == {SH.alternativePath} and alternatives is not None:
        steps = [_compile_path(graph, step) for step in graph.items(alternatives)]
        return ("alt", tuple(steps)) if steps and None not in steps else None  # type: ignore[arg-type]
    return None  # zeroOrMore, oneOrMore, zeroOrOne, or not a path


# --- the data -----------------------------------------------------------------------------------------
class _Data:
    """The store's default graph, read as the constraints need it (with memos for one run).

    With `only` (the IRIs a run looks for results on), :meth:`instances` gives only those of them."""

    def __init__(self, store: ox.Store, only: set[str] | None = None, every_graph: bool = False) -> None:
        self.store = store
        self.only = only
        self.every_graph = every_graph
        # the graph read: the default graph, or (None) every graph (a triple in two graphs is read twice:
        # the values are sets, and the SHACL-SPARQL results are told apart, so it counts once)
        self.graph: ox.DefaultGraph | None = None if every_graph else ox.DefaultGraph()
        self._rdf: dict[Term, Node] = {}
        self._supers: dict[Term, set[Term]] = {}
        self._instances: dict[Term, set[Term]] = {}
        self._only_by_class: dict[Term, set[Term]] | None = None

    def objects(self, s: Term, p: ox.NamedNode) -> list[Term]:
        if isinstance(s, ox.Literal):
            return []
        return [q.object for q in self.store.quads_for_pattern(s, p, None, self.graph)]  # type: ignore[misc]

    def subjects(self, p: ox.NamedNode, o: Term) -> list[Term]:
        return [q.subject for q in self.store.quads_for_pattern(None, p, o, self.graph)]  # type: ignore[misc]

    def subject_objects(self, p: ox.NamedNode) -> Iterator[tuple[Term, Term]]:
        return ((q.subject, q.object) for q in self.store.quads_for_pattern(None, p, None, self.graph))  # type: ignore[misc]

    def rdf(self, term: Term) -> Node:
        """The term as pySHACL's Oxigraph graph gives it to a constraint (its `to_rdf`)."""
        node = self._rdf.get(term)
        if node is None:
            if isinstance(term, ox.NamedNode):
                node = URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                node = BNode(term.value)
            elif term.language is not None:
                node = Literal(term.value, lang=term.language)
            else:
                node = Literal(term.value, datatype=URIRef(term.datatype.value))
            self._rdf[term] = node
        return node

    def superclasses(self, cls: Term) -> set[Term]:
        """`cls` and every class it is a (transitive) rdfs:subClassOf in the data."""
        found = self._supers.get(cls)
        if found is None:
            found = _closure(cls, lambda c: self.objects(c, _SUBCLASS))
            self._supers[cls] = found
        return found

    def instances(self, cls: Term) -> set[Term]:
        """The SHACL instances of `cls`: of it or of a (transitive) subclass of it (of `only`, when given)."""
        if self.only is not None:
            return set(self._only_by_class_map().get(cls, ()))
        found = self._instances.get(cls)
        if found is None:
            classes = _closure(cls, lambda c: self.subjects(_SUBCLASS, c))
            found = {s for c in classes for s in self.subjects(_TYPE, c)}
            self._instances[cls] = found
        return found

    def _only_by_class_map(self) -> dict[Term, set[Term]]:
        """The nodes of `only`, by each class they are an instance of. When they are a few of the store's
        nodes (the union part of cyberlex.validate_parts), one pass over the types, with each type's
        superclasses, costs less than every instance of each targeted class. The same classes: c is among
        the superclasses of t exactly when t is among the subclasses of c."""
        if self._only_by_class is None:
            assert self.only is not None
            by_class: dict[Term, set[Term]] = {}
            for q in self.store.quads_for_pattern(None, _TYPE, None, self.graph):
                node = q.subject
                if isinstance(node, ox.NamedNode) and node.value in self.only:
                    for cls in self.superclasses(q.object):  # type: ignore[arg-type]
                        by_class.setdefault(cls, set()).add(node)
            self._only_by_class = by_class
        return self._only_by_class


def _closure(start: Term, step: Callable[[Term], list[Term]]) -> set[Term]:
    found, todo = {start}, [start]
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in found:
                found.add(nxt)
                todo.append(nxt)
    return found


_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
NO_VALUE = object()  # a result that names no value (sh:minCount, sh:hasValue…)

# --- constraints ----------------------------------------------------------------------------------------
# A check on a focus node takes the data, the node and its value nodes, and yields each result's value (or
# NO_VALUE); a check on each value (most of SHACL Core) tells whether one value node fails: it is run on
# every value of every focus node in one loop, which matters when a document has thousands of them.
FocusCheck = Callable[[_Data, Term, set[Term]], Iterator[object]]
ValueCheck = Callable[[_Data, Term], bool]


@dataclass(frozen=True)
class Check:
    """One constraint of a shape: its component, and how it is checked (on each value, or on a focus node)."""

    component: URIRef
    on_value: ValueCheck | None = None
    on_focus: FocusCheck | None = None


def _min_count(n: int) -> FocusCheck:
    def check(data: _Data, focus: Term, values: set[Term]) -> Iterator[object]:
        if n and len(values) < n:
            yield NO_VALUE
    return check


def _max_count(n: int) -> FocusCheck:
    def check(data: _Data, focus: Term, values: set[Term]) -> Iterator[object]:
        if len(values) > n:
            yield NO_VALUE
    return check


@cache
def _value_types() -> dict[URIRef, type | tuple[type, ...]]:
    """How pySHACL tells that a literal's value is of its datatype (DatatypeConstraintComponent); others pass."""
    from datetime import date, datetime, time
    from decimal import Decimal

    return {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
            XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}


def _of_datatype(node: Node, rule: URIRef) -> bool:
    if not isinstance(node, Literal):
        return False
    expected = _value_types().get(rule)
    actual = expected is None or isinstance(node.value, expected)
    if node.datatype == rule:
        return getattr(node, "ill_typed", None) is not True and actual
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype:
        return node.datatype is not None
    if node.datatype is None and node.language is None and rule == XSD.string:
        return actual
    return bool(rule == RDF.langString and node.language and actual)


def _datatype(rule: URIRef) -> ValueCheck:
    # A string is always of its datatype (rdflib reads any lexical form as a str): no need to convert it.
    always = {ox.NamedNode(rule)} & {ox.NamedNode(XSD.string), ox.NamedNode(RDF.langString)}

    def fails(data: _Data, v: Term) -> bool:
        return not (isinstance(v, ox.Literal) and (v.datatype in always or _of_datatype(data.rdf(v), rule)))
    return fails


def _class(cls: URIRef) -> ValueCheck:
    wanted = ox.NamedNode(cls)

    def fails(data: _Data, v: Term) -> bool:
        return isinstance(v, ox.Literal) or not any(wanted in data.superclasses(t) for t in data.objects(v, _TYPE))
    return fails


_NODE_KINDS = {
    SH.IRI: (ox.NamedNode,), SH.BlankNode: (ox.BlankNode,), SH.Literal: (ox.Literal,),
    SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode), SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
    SH.IRIOrLiteral: (ox.NamedNode, ox.Literal),
}


def _node_kind(kind: URIRef) -> ValueCheck:
    kinds = _NODE_KINDS[kind]
    return lambda data, v: not isinstance(v, kinds)


def _pattern(pattern: str, flags: str) -> ValueCheck:
    # pySHACL reads only the i and m flags of sh:flags.
    search = re.compile(pattern, (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)).search
    return lambda data, v: isinstance(v, ox.BlankNode) or not search(v.value)


_INTEGER = ox.NamedNode(XSD.integer)
_DIGITS = re.compile(r"[+-]?[0-9]+")


def _integer_value(term: Term) -> int | None:
    """The value of a well-formed xsd:integer literal (which rdflib and pySHACL compare as numbers), else None."""
    if isinstance(term, ox.Literal) and term.datatype == _INTEGER and _DIGITS.fullmatch(term.value):
        return int(term.value)
    return None


def _min_inclusive(minimum: Literal) -> ValueCheck:
    min_is_string = isinstance(minimum.value, str)
    min_integer = minimum.value if minimum.datatype == XSD.integer and isinstance(minimum.value, int) else None

    def fails(data: _Data, v: Term) -> bool:
        number = _integer_value(v) if min_integer is not None else None
        if number is not None:
            return not number >= min_integer  # type: ignore[operator]
        if not isinstance(v, ox.Literal):
            return True
        node = data.rdf(v)
        if isinstance(getattr(node, "value", None), str) != min_is_string:
            return True
        try:
            return not compare_literal(node, minimum) >= 0
        except (TypeError, NotImplementedError):
            return True
    return fails


def _unique_lang(unique: bool) -> FocusCheck:
    def check(data: _Data, focus: Term, values: set[Term]) -> Iterator[object]:
        if not unique:
            return
        seen: set[str] = set()
        duplicates: set[str] = set()
        for v in values:
            if isinstance(v, ox.Literal) and v.language:
                lang = v.language.lower()
                (duplicates if lang in seen else seen).add(lang)
        for _ in duplicates:
            yield NO_VALUE
    return check


def _has_value(wanted: Node) -> FocusCheck:
    def check(data: _Data, focus: Term, values: set[Term]) -> Iterator[object]:
        if not any(data.rdf(v) == wanted for v in values):
            yield NO_VALUE
    return check


def _comparable(node: Node) -> tuple[bool, object]:
    if isinstance(node, BNode):
        raise ValueError("sh:lessThan cannot compare a blank node")
    if isinstance(node, URIRef):
        return True, str(node)
    if isinstance(node, Literal) and isinstance(node.value, str):
        return True, node.value
    return False, node


def _less_than(other: URIRef) -> FocusCheck:
    predicate = ox.NamedNode(other)

    def check(data: _Data, focus: Term, values: set[Term]) -> Iterator[object]:
        others = set(data.objects(focus, predicate))
        numbers = [_integer_value(o) for o in (*values, *others)]  # in the order of `values`, then `others`
        if None not in numbers:  # integers alone (the usual offsets): compare them as numbers without rdflib
            ordered = list(values)  # one result per pair (value, other) out of order, as pySHACL gives
            for v, number in zip(ordered, numbers, strict=False):
                for bound in numbers[len(ordered):]:
                    if not number < bound:  # type: ignore[operator]
                        yield v
            return
        compared = [_comparable(data.rdf(o)) for o in others]
        for v in values:
            is_string, value = _comparable(data.rdf(v))
            for other_is_string, other_value in compared:
                if is_string != other_is_string or not value < other_value:  # type: ignore[operator]
                    yield v
    return check


# The constraint components this engine evaluates, by their parameter.
COMPONENTS: dict[URIRef, URIRef] = {
    SH.minCount: SH.MinCountConstraintComponent, SH.maxCount: SH.MaxCountConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent, SH["class"]: SH.ClassConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent, SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent, SH.lessThan: SH.LessThanConstraintComponent,
}


def _compile_check(graph: Graph, shape: Node, parameter: Node, value: Node) -> Check | None:
    """The check of one constraint parameter of `shape`, or None when this engine does not evaluate it."""
    component = COMPONENTS.get(parameter)  # type: ignore[call-overload]
    if parameter in (SH.minCount, SH.maxCount) and isinstance(value, Literal) and isinstance(value.value, int):
        return Check(component, on_focus=(_min_count if parameter == SH.minCount else _max_count)(value.value))
    if isinstance(value, URIRef):
        if parameter == SH.datatype:
            return Check(component, on_value=_datatype(value))
        if parameter == SH["class"]:
            return Check(component, on_value=_class(value))
        if parameter == SH.nodeKind and value in _NODE_KINDS:
            return Check(component, on_value=_node_kind(value))
        if parameter == SH.lessThan:
            return Check(component, on_focus=_less_than(value))
    if isinstance(value, Literal):
        if parameter == SH.pattern and len(set(graph.objects(shape, SH.flags))) <= 1:
            return Check(component, on_value=_pattern(str(value), str(graph.value(shape, SH.flags) or "").lower()))
        if parameter == SH.minInclusive:
            return Check(component, on_value=_min_inclusive(value))
        if parameter == SH.uniqueLang:
            return Check(component, on_focus=_unique_lang(bool(value.value)))
    if parameter == SH.hasValue:
        return Check(component, on_focus=_has_value(value))
    return None


# What a shape may say besides its constraints, targets and path, without changing what it checks.
_INERT = {RDF.type, SH.name, SH.description, SH.message, SH.severity, SH.order, SH.group, SH.defaultValue,
          SH.flags, SH.deactivated, RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy}
_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode}
_SHAPE_TYPES = {SH.NodeShape, SH.PropertyShape}


# --- shapes ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sparql:
    query: str  # with its PREFIX lines
    binds_this: bool


@dataclass(frozen=True)
class _Shape:
    node: Node
    severity: URIRef
    messages: tuple[str, ...]
    targets: tuple[tuple[URIRef, Node], ...]
    path_node: Node | None
    path: Path | None
    checks: tuple[Check, ...]
    sparql: tuple[_Sparql, ...]


@dataclass(frozen=True)
class CompiledShapes:
    """Shapes compiled by :func:`compile_shapes`, for :func:`run`."""

    graph: Graph
    shapes: tuple[_Shape, ...]


def compile_shapes(graph: Graph) -> CompiledShapes | None:
    """Compile the shapes of `graph`, or None when one of them is outside what this engine evaluates."""
    if any(p in _NESTED for p in graph.predicates()):
        return None
    nodes = {s for p in _TARGETS for s in graph.subjects(p, None)}
    # A shape without a target is only ever reached through a nested shape, which is refused above.
    shapes = []
    for node in sorted(nodes, key=str):
        shape = _compile_shape(graph, node)
        if shape is None:
            return None
        shapes.append(shape)
    return CompiledShapes(graph, tuple(shapes))


_NESTED = {SH.node, SH.property, SH.qualifiedValueShape, SH["or"], SH["and"], SH["not"], SH.xone, SH.target,
           SH.rule, SH.closed, SH.ignoredProperties}


def _compile_shape(graph: Graph, node: Node) -> _Shape | None:
    types = set(graph.objects(node, RDF.type))
    messages = tuple(str(m) for m in graph.objects(node, SH.message))
    deactivated = graph.value(node, SH.deactivated)
    if not types <= _SHAPE_TYPES or not messages or isinstance(node, Literal) or (
            deactivated is not None and deactivated != Literal(False)):
        return None  # an implicit class target, pySHACL's generic messages, deactivation: not followed here
    path_node = graph.value(node, SH.path)
    path = _compile_path(graph, path_node) if path_node is not None else None
    if path_node is not None and path is None:
        return None
    checks: list[Check] = []
    sparql: list[_Sparql] = []
    for predicate, value in sorted(graph.predicate_objects(node)):
        if predicate in _INERT or predicate in _TARGETS or predicate == SH.path:
            continue
        if predicate == SH.sparql:
            compiled = _compile_sparql(graph, value)
            if compiled is None or path_node is not None:
                return None
            sparql.append(compiled)
            continue
        check = _compile_check(graph, node, predicate, value)
        if check is None:
            return None
        checks.append(check)
    severity = graph.value(node, SH.severity) or SH.Violation
    if not isinstance(severity, URIRef):
        return None
    targets = tuple(sorted((p, t) for p in _TARGETS for t in graph.objects(node, p)))
    return _Shape(node, severity, messages, targets, path_node, path, tuple(checks), tuple(sparql))


def _compile_sparql(graph: Graph, node: Node) -> _Sparql | None:
    keys = set(graph.predicates(node, None))
    select = graph.value(node, SH.select)
    if not keys <= {RDF.type, SH.select, SH.prefixes, SH.deactivated} or select is None:
        return None  # sh:ask, messages of the constraint itself…
    deactivated = graph.value(node, SH.deactivated)
    if deactivated is not None and deactivated != Literal(False):
        return None
    text = str(select)
    if re.search(r"[?$](currentShape|shapesGraph|PATH)\b", text):
        return None  # pre-bound variables other than $this
    declarations = sorted(
        (str(graph.value(d, SH.prefix)), str(graph.value(d, SH.namespace)))
        for prefixes in graph.objects(node, SH.prefixes) for d in graph.objects(prefixes, SH.declare))
    header = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in declarations)
    return _Sparql(header + text, bool(re.search(r"[?$]this\b", text)))


# --- running -------------------------------------------------------------------------------------------------
def run(shapes: CompiledShapes, store: ox.Store, focus_nodes: set[URIRef] | None = None,
        timings: dict[str, float] | None = None, every_graph: bool = False) -> list[Finding]:
    """Validate the default graph of `store` (with the ontology in it, for the subclass axioms); with
    `every_graph`, the union of all its graphs, the default graph among them, as if it were the default graph.

    With `focus_nodes`, only the results on those nodes (IRIs) are looked for, as pySHACL's option does.
    `timings`, when given, gets the CPU seconds spent on each constraint component (added to what it holds;
    "targets and values" for finding the focus nodes and their values): benchmarks/bench_validate_parts.py."""
    # The IRIs of `focus_nodes`, as strings: a target is compared by its IRI, not made a URIRef (which costs
    # more, and there are as many targets as nodes in the store). A URIRef equals only a URIRef (not one of
    # its subclasses), hence the test of the type.
    wanted = {str(n) for n in focus_nodes if type(n) is URIRef} if focus_nodes is not None else None
    data = _Data(store, wanted, every_graph)
    findings: list[Finding] = []
    clock = _Clock(timings)
    # the focus nodes of each set of targets, found once: most shapes share theirs with others (a class's
    # property shapes), and each found them again (0.4 of a UN document's 2.6 ms of targets and values)
    focus_of: dict[tuple[tuple[URIRef, Node], ...], set[Term]] = {}
    for shape in shapes.shapes:
        focus = focus_of.get(shape.targets)  # never changed below: shared by the shapes of these targets
        if focus is None:
            focus = _focus_nodes(data, shape)
            if wanted is not None:
                focus = {f for f in focus if isinstance(f, ox.NamedNode) and f.value in wanted}
            focus_of[shape.targets] = focus
        values = _value_map(data, shape.path, focus) if shape.path is not None else {f: {f} for f in focus}
        clock.lap("targets and values")
        found: list[tuple[URIRef, Term, object]] = []
        for check in shape.checks:
            if check.on_value is not None:
                fails = check.on_value
                found += [(check.component, f, v) for f, vs in values.items() for v in vs if fails(data, v)]
            else:
                assert check.on_focus is not None
                on_focus = check.on_focus
                found += [(check.component, f, v) for f in focus for v in on_focus(data, f, values.get(f, _NONE))]
            clock.lap(check.component)
        findings += (Finding(shape.severity, data.rdf(f), shape.path_node,
                             None if v is NO_VALUE else data.rdf(v), shape.messages,  # type: ignore[arg-type]
                             shape.node, component, shapes.graph) for component, f, v in found)
        for sparql in shape.sparql:
            for f in focus:
                findings += _sparql_findings(data, shapes.graph, shape, sparql, f)
            clock.lap(f"{SH.SPARQLConstraintComponent} {shape.node}")
    findings.sort(key=_finding_order)
    return findings


class _Clock:
    """Adds the time since its last lap to `timings[name]` (nothing without `timings`)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.process_time() if timings is not None else 0.0

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.process_time()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now


_NONE: set[Term] = set()


def _finding_order(f: Finding) -> tuple[str, ...]:
    return (str(f.focus_node), str(f.source_shape), str(f.value), f.constraint, str(f.path), *f.messages)


def _focus_nodes(data: _Data, shape: _Shape) -> set[Term]:
    found: set[Term] = set()
    for kind, target in shape.targets:
        term = ox_term(target)
        if kind == SH.targetNode:
            found.add(term)
        elif kind == SH.targetClass:
            found |= data.instances(term)
        elif kind == SH.targetSubjectsOf:
            found |= {s for s, _ in data.subject_objects(term)}  # type: ignore[arg-type]
        else:
            found |= {o for _, o in data.subject_objects(term)}  # type: ignore[arg-type]
    return found


def ox_term(node: Node) -> Term:
    """An rdflib term as a pyoxigraph one."""
    if isinstance(node, URIRef):
        return ox.NamedNode(node)
    if isinstance(node, BNode):
        return ox.BlankNode(node)
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(node, language=node.language)
        return ox.Literal(node, datatype=ox.NamedNode(node.datatype) if node.datatype else None)
    raise TypeError(f"not an RDF term: {node!r}")


def _sparql_findings(data: _Data, graph: Graph, shape: _Shape, sparql: _Sparql, focus: Term) -> Iterator[Finding]:
    """The results of one SHACL-SPARQL constraint on `focus`, as pySHACL's SPARQLConstraintComponent makes them."""
    bindings: dict[ox.Variable, Term | ox.Triple] | None = {ox.Variable("this"): focus} if sparql.binds_this else None
    solutions = data.store.query(sparql.query, substitutions=bindings, use_default_graph_as_union=data.every_graph)
    assert isinstance(solutions, ox.QuerySolutions), "a SELECT query"
    names = [v.value for v in solutions.variables]
    rows: list[tuple[Node | None, Node | None, Node | None, dict[str, Node]]] = []
    failure: dict[str, Node] | None = None  # the first solution that binds ?failure: one result
    for solution in solutions:
        bound = {name: data.rdf(value) for name, value in zip(names, solution, strict=True) if value is not None}
        if bound.pop("failure", None) is not None:
            failure = bound if failure is None else failure
            continue
        row = (bound.pop("this", None), bound.pop("path", None), bound.pop("value", None), bound)
        if any(x is not None for x in row[:3]) and row not in rows:
            rows.append(row)
    focus_node = data.rdf(focus)
    if failure is not None:
        yield Finding(shape.severity, focus_node, None, focus_node, _fill(shape.messages, failure), shape.node,
                      SH.SPARQLConstraintComponent, graph)
    for this, path, value, others in rows:
        value = value if value is not None else focus_node  # a node shape's value is its focus node
        filled = {**others, **{k: v for k, v in (("this", this), ("path", path), ("value", value)) if v is not None}}
        yield Finding(shape.severity, this or focus_node, path, value, _fill(shape.messages, filled), shape.node,
                      SH.SPARQLConstraintComponent, graph)


def _fill(messages: tuple[str, ...], bound: dict[str, Node]) -> tuple[str, ...]:
    """Put the bound variables into {?name} / {$name}, as pySHACL does (with re.sub: its replacement rules)."""
    filled = []
    for message in messages:
        for name, value in bound.items():
            message = re.sub(f"{{[?$]{name}}}", str(value), message)
        filled.append(message)
    return tuple(filled)

