"""Topological order of a small dependency graph (Kahn's algorithm), cycle-tolerant.

Example:
    >>> topo_order(["c", "b", "a"], {"c": {"b"}, "b": {"a"}})
    ['a', 'b', 'c']
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping


def topo_order(
    ids: Iterable[str],
    deps: Mapping[str, Iterable[str]],
    key: Callable[[str], str] | None = None,
) -> list[str]:
    """``ids`` ordered so each comes after its ``deps`` (ids it depends on); ties by ``key``
    (default: the id). Self-dependencies are ignored; members of a remaining cycle follow in
    key order once nothing else can go first. Linear in ids plus dependencies.

    Example:
        >>> topo_order(["x", "y"], {"x": {"y", "x"}, "y": {"x"}})  # a cycle: key order
        ['x', 'y']
    """
    k = key or (lambda i: i)
    nodes = list(dict.fromkeys(ids))
    members = set(nodes)
    waiting: dict[str, set[str]] = {
        n: {d for d in deps.get(n, ()) if d in members and d != n} for n in nodes
    }
    dependants: dict[str, list[str]] = {n: [] for n in nodes}
    for n, ds in waiting.items():
        for d in ds:
            dependants[d].append(n)
    heap = [(k(n), n) for n in nodes if not waiting[n]]
    heapq.heapify(heap)
    done: set[str] = set()
    out: list[str] = []
    while len(out) < len(nodes):
        if not heap:  # a cycle: release its first member in key order
            n = min((m for m in nodes if m not in done), key=lambda m: (k(m), m))
            heap.append((k(n), n))
            waiting[n] = set()
        _, n = heapq.heappop(heap)
        if n in done:
            continue
        done.add(n)
        out.append(n)
        for m in dependants[n]:
            if m in done:
                continue
            waiting[m].discard(n)
            if not waiting[m]:
                heapq.heappush(heap, (k(m), m))
    return out
