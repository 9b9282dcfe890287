"""Topological order: the one ordering of lineage nodes that every analysis and diagram uses.

:func:`topological_order` puts each node after the nodes it depends on, breaking ties by a
key, and is defined for every graph:

* **self-dependencies are ignored** (an identity transform that uses and produces one digest);
* **cycle rule**: the members of a cycle (a strongly connected component of the dependency
  graph) stand together, in key order, placed as one node whose key is its smallest member's
  key; the cycle comes after everything any member depends on outside it.

On an acyclic graph this is exactly ``networkx.lexicographical_topological_sort`` with ties
by ``(key, id)``. :func:`transforms_in_order` applies it to the transforms of a lineage graph
(execution order, ties by start time): the audit's steps, the impact plan's recompute order
and the audit tables all come from here.

Example:
    >>> topological_order(["c", "b", "a"], {"c": {"b"}, "b": {"a"}})
    ['a', 'b', 'c']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

import networkx as nx

from provenance.model import Edge, LineageGraph, Transform

__all__ = ["start_key", "topological_order", "transform_dependencies", "transforms_in_order"]


def topological_order(
    ids: Iterable[str],
    deps: Mapping[str, Iterable[str]],
    key: Callable[[str], str] | None = None,
) -> list[str]:
    """``ids`` ordered so each comes after its ``deps`` (the ids it depends on); ties by
    ``key`` (default: the id), then by id. Dependencies outside ``ids`` are ignored; see the
    module docstring for self-dependencies and the cycle rule.

    Example:
        >>> topological_order(["x", "y"], {"x": {"y", "x"}, "y": {"x"}})  # a cycle: key order
        ['x', 'y']
        >>> topological_order(["a", "b", "c", "d"], {"b": {"c"}, "c": {"b", "a"}, "d": {"a"}},
        ...                   key={"a": "1", "b": "3", "c": "4", "d": "5"}.get)
        ['a', 'b', 'c', 'd']
    """
    rank = key or str

    def sort_key(node: str) -> tuple[str, str]:
        return (rank(node), node)

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from(
        (d, n) for n in graph.nodes for d in deps.get(n, ()) if d != n and d in graph
    )
    # One node per strongly connected component: a singleton, or the members of a cycle.
    components: nx.DiGraph[int] = nx.condensation(graph)
    members = {c: sorted(components.nodes[c]["members"], key=sort_key) for c in components}
    order: list[str] = []
    for c in nx.lexicographical_topological_sort(components, key=lambda c: sort_key(members[c][0])):
        order.extend(members[c])
    return order


def transform_dependencies(edges: Iterable[Edge]) -> dict[str, set[str]]:
    """For each transform, the transforms it depends on: those that PRODUCED an artifact or
    model it USED (or USED_MODEL).

    Example:
        >>> ids = ["blake3:" + c * 64 for c in "abcd"]  # t1, t2 and the artifacts x, y
        >>> t1, t2, x, y = ids
        >>> transform_dependencies([Edge(source=t1, target=x, type="PRODUCED"),
        ...                         Edge(source=t2, target=x, type="USED"),
        ...                         Edge(source=t2, target=y, type="PRODUCED")]) == {t2: {t1}}
        True
    """
    producers: dict[str, set[str]] = defaultdict(set)
    used: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if e.type == "PRODUCED":
            producers[e.target].add(e.source)
        elif e.type in ("USED", "USED_MODEL"):
            used[e.source].add(e.target)
    return {t: {p for a in inputs for p in producers.get(a, ())} for t, inputs in used.items()}


def start_key(transform: Transform) -> str:
    """The tie-break key of transforms: start time (ISO 8601); unstarted ones last.

    Example:
        >>> start_key(Transform(id="blake3:" + "a" * 64, operation="op"))
        '~'
    """
    return transform.started_at.isoformat() if transform.started_at else "~"


def transforms_in_order(graph: LineageGraph) -> list[Transform]:
    """The graph's transforms in topological (execution) order, ties by start time, then id.

    Example:
        >>> from provenance.model import Artifact
        >>> a, b = (Artifact(id="blake3:" + c * 64, name=c) for c in "ab")
        >>> t1 = Transform(id="blake3:" + "e" * 64, operation="make")
        >>> t2 = Transform(id="blake3:" + "d" * 64, operation="use")
        >>> g = LineageGraph(root=b.id, nodes=[a, b, t1, t2], edges=[
        ...     Edge(source=t1.id, target=a.id, type="PRODUCED"),
        ...     Edge(source=t2.id, target=a.id, type="USED"),
        ...     Edge(source=t2.id, target=b.id, type="PRODUCED")])
        >>> [t.operation for t in transforms_in_order(g)]
        ['make', 'use']
    """
    by_id = {t.id: t for t in graph.transforms}
    order = topological_order(
        sorted(by_id), transform_dependencies(graph.edges), key=lambda t: start_key(by_id[t])
    )
    return [by_id[t] for t in order]
