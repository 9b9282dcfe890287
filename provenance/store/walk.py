"""The one level-by-level walk behind every backend's ``traverse`` (rules: :mod:`.base`).

A backend supplies only the next level's edges, :class:`NextLevel`: given the frontier (the
artifacts, models and code versions reached last) and, for a transform root, that transform,
every edge that starts at the transforms one step from the frontier in the walk's direction
(see :data:`~provenance.store.base.REACH_EDGES`) and at the given transforms. The walk here
keeps the frontier, the visited set and the levels, counts depth in transforms, follows
:data:`~provenance.store.base.ONWARD_EDGES` to the next frontier, and builds the answer:
nodes root first, then by level, then id, cut to ``limit``; the edges among them in
(source, type, target) order. Each transform's edges come with the level that reaches it,
so the answer's edges need no further query. Node keys are a backend's choice: ids on
Neo4j, integer row keys on SQLite.

Example (an in-memory backend: ``in`` --USED-- ``t`` --PRODUCED--> ``out``):
    >>> from provenance.store.base import REACH_EDGES, Direction
    >>> EDGES = [("t", "PRODUCED", "out", None), ("t", "USED", "in", "data")]
    >>> def next_level(nodes, transforms, direction):
    ...     near = {s for s, ty, g, _ in EDGES if g in nodes and ty in REACH_EDGES[direction]}
    ...     return [e for e in EDGES if e[0] in near | set(transforms)]
    >>> reached = walk_levels("out", False, Direction.UP, None, next_level)
    >>> reached.level
    {'out': 0, 't': 1, 'in': 1}
    >>> walk_levels("out", False, Direction.UP, 0, next_level).level
    {'out': 0}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeAlias, TypeVar

from provenance.model import Edge, EdgeType, LineageGraph
from provenance.store.base import ONWARD_EDGES, AnyNode, Direction, in_order

#: A node key: what a backend's walk runs on (an id, or an integer row key).
K = TypeVar("K", int, str)
#: One edge as a backend's next level returns it: (source, type, target, role); source is
#: always the transform.
StepEdge: TypeAlias = tuple[K, EdgeType, K, str | None]


class NextLevel(Protocol[K]):
    """What a backend supplies to the walk: one level's edges (one query on Neo4j)."""

    def __call__(
        self, nodes: Sequence[K], transforms: Sequence[K], direction: Direction, /
    ) -> Iterable[StepEdge[K]]:
        """Every edge starting at the transforms joined to ``nodes`` by an edge of
        ``REACH_EDGES[direction]``, and at ``transforms`` themselves."""
        ...


@dataclass
class Reached(Generic[K]):
    """What a walk reached: each node's level, and each expanded transform's edges."""

    level: dict[K, int] = field(default_factory=dict)
    edges: dict[K, list[StepEdge[K]]] = field(default_factory=dict)


def walk_levels(
    root: K,
    root_is_transform: bool,
    direction: Direction,
    depth: int | None,
    next_level: NextLevel[K],
) -> Reached[K]:
    """Walk from ``root`` one level of transforms at a time, each node once.

    A transform reached at level ``n`` (the root transform: 0) puts the nodes it leads on to
    at level ``n`` too; their own transforms are level ``n + 1``. Transforms past ``depth``
    are not reached. See the module's example.
    """
    onward = ONWARD_EDGES[direction]
    reached: Reached[K] = Reached(level={root: 0})
    level, expanded = reached.level, reached.edges
    # A transform root is expanded at its own level; otherwise each call reaches the
    # transforms one level further, with their edges.
    nodes: list[K] = [] if root_is_transform else [root]
    transforms: list[K] = [root] if root_is_transform else []
    current = 0 if root_is_transform else 1
    while (nodes or transforms) and (depth is None or current <= depth):
        by_transform: dict[K, list[StepEdge[K]]] = {}
        for e in next_level(nodes, transforms, direction):
            by_transform.setdefault(e[0], []).append(e)
        nxt: set[K] = set()
        for t, t_edges in by_transform.items():
            if t in expanded or (t in level and t != root):
                continue
            expanded[t] = t_edges
            level.setdefault(t, current)
            nxt.update(g for _, ty, g, _ in t_edges if ty in onward and g not in level)
        for x in nxt:
            level[x] = current
        nodes, transforms = sorted(nxt), []
        current += 1
    return reached


def order_levels(root: str, level: dict[str, int], limit: int | None) -> tuple[list[str], bool]:
    """Result order of a traversal (root, then by level, then id) cut to ``limit``.

    Returns the ids kept and whether any were cut.

    Example:
        >>> order_levels("r", {"r": 0, "b": 1, "a": 1}, 2)
        (['r', 'a'], True)
    """
    ordered = sorted(level, key=lambda i: (i != root, level[i], i))
    truncated = limit is not None and len(ordered) > limit
    return (ordered[:limit] if limit is not None else ordered), truncated


def walk(
    root_id: str,
    root: K,
    *,
    root_is_transform: bool,
    direction: Direction,
    depth: int | None,
    limit: int | None,
    next_level: NextLevel[K],
    ids: Callable[[Sequence[K]], Mapping[K, str]],
    fetch: Callable[[Sequence[str]], Iterable[AnyNode]],
) -> LineageGraph:
    """The ancestry (``UP``) or descendants (``DOWN``) of ``root_id``: every backend's answer.

    ``root`` is the root's key, ``next_level`` the backend's step, ``ids`` the ids of keys
    (the identity where keys are ids), ``fetch`` the nodes with these ids (in any order).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> from provenance.model import Artifact
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> a = Artifact(id="blake3:" + "0" * 64, name="raw")
        >>> s.write([a], [])
        >>> g = walk(a.id, a.id, root_is_transform=False, direction=Direction.UP, depth=None,
        ...          limit=None, next_level=lambda n, t, d: [], ids=lambda ks: {k: k for k in ks},
        ...          fetch=s.get_many)
        >>> [n.name for n in g.nodes], g.edges, g.truncated
        (['raw'], [], False)
    """
    reached = walk_levels(root, root_is_transform, direction, depth, next_level)
    names = ids(list(reached.level))
    level = {names[k]: v for k, v in reached.level.items()}
    ordered, truncated = order_levels(root_id, level, limit)
    keep = set(ordered)
    edges = [
        Edge(source=names[s], type=ty, target=names[g], role=r)
        for t, t_edges in reached.edges.items()
        if names[t] in keep
        for s, ty, g, r in t_edges
        if names.get(g) in keep
    ]
    edges.sort(key=lambda e: (e.source, e.type, e.target))
    return LineageGraph(
        root=root_id, nodes=in_order(ordered, fetch(ordered)), edges=edges, truncated=truncated
    )
