"""Feedback loops: where a model's outputs flow back into its own training, and where a
dataset feeds its own later versions.

A **model loop** runs from a model version ``M`` to a model version ``M2`` of the same line
when a non-model artifact produced by a transform that used ``M`` (USED_MODEL or USED: its
predictions, embeddings, …) flows, through any chain of transforms, into the training of
``M2``. Two models are in the same *line* when they share a logical name, or when one was
produced by a transform that used the other's weights (fine-tuning, distillation),
transitively. Plain fine-tuning (``M -> train -> M2`` with no output of ``M`` in between) is
not a loop. ``M2 == M`` is reported too (possible when a transform reproduces a digest).

A **dataset loop** runs from a non-model artifact ``A`` to another version ``A2`` with the
same name that ``A`` flows into.

Each (source, target) pair is reported once, with one shortest path (enumerating every path
would be exponential), its length in transforms and the versions of the line on it, so a loop
that spans several versions shows them all. Every walk visits each node once.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> loops(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")).loops
    []
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from provenance.analysis.refs import NodeRef, ref
from provenance.model import Artifact, LineageGraph, Model, Transform
from provenance.store.base import AnyNode, Direction, LineageStore


class FeedbackLoop(BaseModel):
    """One feedback loop: a version whose outputs reach another version of its own line."""

    kind: Literal["model", "dataset"]
    #: The logical name(s) of the line, ``/``-joined when fine-tuning links several names.
    line: str
    source: NodeRef
    target: NodeRef
    #: Nodes from ``source`` to ``target`` along the data flow (one shortest path).
    path: list[NodeRef]
    #: Transforms on the path.
    length: int
    #: Versions of the line on the path, in path order (source first, target last).
    versions: list[NodeRef]


class LoopReport(BaseModel):
    """Every feedback loop found, and how much was looked at."""

    loops: list[FeedbackLoop] = Field(default_factory=list)
    models_checked: int = 0
    datasets_checked: int = 0

    @property
    def model_loops(self) -> list[FeedbackLoop]:
        """The loops among models."""
        return [x for x in self.loops if x.kind == "model"]

    @property
    def dataset_loops(self) -> list[FeedbackLoop]:
        """The loops among datasets."""
        return [x for x in self.loops if x.kind == "dataset"]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _flow(graph: LineageGraph) -> dict[str, list[str]]:
    """Data-flow successors: artifact -> transforms using it -> artifacts they produced."""
    succ: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.type == "PRODUCED":
            succ[e.source].append(e.target)
        elif e.type in ("USED", "USED_MODEL"):
            succ[e.target].append(e.source)
    for v in succ.values():
        v.sort()
    return succ


def _walk(
    graph: LineageGraph,
    root: str,
    parents: dict[str, str],
    frontier: list[str],
    is_target: Callable[[AnyNode], bool],
) -> list[list[str]]:
    """Breadth-first from ``frontier`` (``parents`` already links it back to ``root``), each
    node once; the shortest path from ``root`` to every node ``is_target`` accepts, ``root``
    itself included when the walk comes back to it."""
    nodes = {n.id: n for n in graph.nodes}
    succ = _flow(graph)
    parent = dict(parents)
    # Transforms that used the root but are not on the frontier (they only produced models)
    # stay unseen: the walk may still reach them through the root's outputs (self-training).
    seen = set(frontier) | {parent[f] for f in frontier} | {root}
    hits: list[str] = [s for s in frontier if is_target(nodes[s])]
    back: str | None = None
    while frontier:
        nxt: list[str] = []
        for x in sorted(frontier):
            for y in succ.get(x, ()):
                if y == root and back is None and is_target(nodes[root]):
                    back = x
                if y in seen:
                    continue
                seen.add(y)
                parent[y] = x
                nxt.append(y)
                if is_target(nodes[y]):
                    hits.append(y)
        frontier = nxt
    paths = []
    for h in hits:
        path = [h]
        cur = parent[h]
        while cur != root:
            path.append(cur)
            cur = parent[cur]
        paths.append([root, *path[::-1]])
    if back is not None:
        path = [back]
        while path[-1] != root:
            path.append(parent[path[-1]])
        paths.append([*path[::-1], root])
    return paths


def _model_lines(store: LineageStore, models: list[Model]) -> tuple[_UnionFind, dict[str, str]]:
    """Models grouped into lines (one name, or trained from one another), and each line's
    name (its models' names joined)."""
    lines = _UnionFind()
    first_of_name: dict[str, str] = {}
    for m in models:
        lines.union(m.id, first_of_name.setdefault(m.name, m.id))
        up = store.traverse(m.id, Direction.UP, depth=1)
        producers = {e.source for e in up.edges if e.type == "PRODUCED" and e.target == m.id}
        up_nodes = {n.id: n for n in up.nodes}
        for e in up.edges:
            if (
                e.source in producers
                and e.type in ("USED", "USED_MODEL")
                and isinstance(up_nodes.get(e.target), Model)
            ):
                lines.union(m.id, e.target)
    names: dict[str, set[str]] = defaultdict(set)
    for m in models:
        names[lines.find(m.id)].add(m.name)
    return lines, {line: "/".join(sorted(n)) for line, n in names.items()}


def _model_loops(store: LineageStore, models: list[Model]) -> list[FeedbackLoop]:
    """Loops from each model's outputs back into a model of its line."""
    lines, line_names = _model_lines(store, models)
    found: list[FeedbackLoop] = []
    for m in models:
        line = lines.find(m.id)
        down = store.traverse(m.id, Direction.DOWN)
        nodes = {n.id: n for n in down.nodes}
        users = {
            e.source for e in down.edges if e.target == m.id and e.type in ("USED", "USED_MODEL")
        }
        parents = {t: m.id for t in users}
        frontier: list[str] = []
        for e in down.edges:
            if (
                e.type == "PRODUCED"
                and e.source in users
                and e.target not in parents
                and e.target != m.id
                and not isinstance(nodes.get(e.target), Model)
            ):
                parents[e.target] = e.source
                frontier.append(e.target)

        def in_line(n: AnyNode, line: str = line) -> bool:
            return isinstance(n, Model) and lines.find(n.id) == line

        for path in _walk(down, m.id, parents, frontier, in_line):
            found.append(_loop("model", line_names[line], path, nodes, in_line))
    return found


def _dataset_loops(store: LineageStore, a: Artifact) -> list[FeedbackLoop]:
    """Loops from a dataset into another version of itself (same name, other content)."""
    down = store.traverse(a.id, Direction.DOWN)
    nodes = {n.id: n for n in down.nodes}

    def version(n: AnyNode) -> bool:
        return isinstance(n, Artifact) and not isinstance(n, Model) and n.name == a.name

    def same_name(n: AnyNode) -> bool:
        return version(n) and n.id != a.id

    a_users = _flow(down).get(a.id, [])
    return [
        _loop("dataset", a.name, path, nodes, version)
        for path in _walk(down, a.id, dict.fromkeys(a_users, a.id), list(a_users), same_name)
    ]


def loops(store: LineageStore) -> LoopReport:
    """Every feedback loop among models and among datasets (see the module docstring).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> report = loops(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"))
        >>> report.models_checked, report.datasets_checked
        (0, 0)
    """
    models: list[Model] = []
    by_name: dict[str, list[Artifact]] = defaultdict(list)
    for batch in store.iter_nodes():
        for n in batch:
            if isinstance(n, Model):
                models.append(n)
            elif isinstance(n, Artifact):
                by_name[n.name].append(n)
    datasets = [a for group in by_name.values() if len(group) > 1 for a in group]
    loops = _model_loops(store, models) + [
        loop for a in datasets for loop in _dataset_loops(store, a)
    ]
    loops.sort(
        key=lambda x: (
            x.kind,
            x.line,
            str(x.source.created_at),
            x.source.id,
            str(x.target.created_at),
            x.target.id,
        )
    )
    return LoopReport(loops=loops, models_checked=len(models), datasets_checked=len(datasets))


def _loop(
    kind: Literal["model", "dataset"],
    line: str,
    path: list[str],
    nodes: dict[str, AnyNode],
    member: Callable[[AnyNode], bool],
) -> FeedbackLoop:
    refs = [ref(nodes[i]) for i in path]
    return FeedbackLoop(
        kind=kind,
        line=line,
        source=refs[0],
        target=refs[-1],
        path=refs,
        length=sum(1 for i in path if isinstance(nodes[i], Transform)),
        versions=[r for i, r in zip(path, refs, strict=True) if member(nodes[i])],
    )
