"""Deletion impact: what must be deleted, retrained and re-predicted if a source goes.

Classification (every node downstream of the sources, by descendants traversal):

* **must-delete** — non-model artifacts whose *data* derives from a source: reachable from a
  (non-model) source by data flow only, i.e. ``artifact -USED-> transform -PRODUCED->
  artifact`` steps, never passing through a model (a model stops the data walk).
* **must-retrain** — every model downstream of a source (trained, fine-tuned or distilled
  on data derived from it, directly or through other models' outputs).
* **affected-predictions** — every other non-model artifact downstream: reached only through
  a must-retrain model (inference outputs of those models, and data derived from them).

Precedence: an artifact that is both (e.g. predictions computed *on* the source's rows by a
model trained on it) is must-delete, because it holds the source's data; models are always
must-retrain. The sources themselves are listed apart and in no category.

The plan lists the affected transforms in topological recompute order (ties by start time,
then id), each with the other inputs a recompute needs (inputs, model and code version not
touched by the deletion) and its recorded cost. It is a plan: nothing is deleted.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.model import Artifact
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users")
    >>> s.write([a], [])
    >>> impact(s, [a.id]).must_delete
    []
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from provenance.analysis.cost import transform_duration
from provenance.analysis.order import start_key, topological_order, transform_dependencies
from provenance.analysis.refs import NodeRef, get_artifact, ref
from provenance.errors import NotFoundError
from provenance.model import Artifact, Cost, Edge, Model, Transform
from provenance.store.base import AnyNode, Direction, LineageStore

Category = Literal["must_delete", "must_retrain", "affected_predictions"]


class ImpactedNode(NodeRef):
    """A downstream artifact or model and why it is affected."""

    category: Category


class RecomputeStep(BaseModel):
    """One affected transform, in recompute order."""

    index: int
    transform: NodeRef
    outputs: list[ImpactedNode] = Field(default_factory=list)
    affected_inputs: list[NodeRef] = Field(default_factory=list)
    #: Inputs, model and code version a recompute needs that the deletion leaves alone.
    other_inputs: list[NodeRef] = Field(default_factory=list)
    cost: Cost | None = None
    #: :func:`~provenance.analysis.cost.transform_duration` (the same number ``cost`` adds up).
    duration_s: float | None = None


class ImpactPlan(BaseModel):
    """What deleting the sources touches, and the order to recompute it in."""

    sources: list[NodeRef]
    must_delete: list[ImpactedNode] = Field(default_factory=list)
    must_retrain: list[ImpactedNode] = Field(default_factory=list)
    affected_predictions: list[ImpactedNode] = Field(default_factory=list)
    steps: list[RecomputeStep] = Field(default_factory=list)
    #: Recorded cost of every step, summed per currency.
    total_cost: dict[str, float] = Field(default_factory=dict)
    #: Recorded duration of every step that has one, summed.
    total_duration_s: float = 0.0


def impact(store: LineageStore, ids: Sequence[str]) -> ImpactPlan:
    """The deletion-impact plan of one or more source artifacts (ids or unique prefixes).

    Raises :class:`NotFoundError` for an unknown id and :class:`AnalysisError` for an id that
    is not an artifact. See the module docstring for the classification.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> impact(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), [])
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: impact needs at least one source id
    """
    if not ids:
        raise NotFoundError("impact needs at least one source id")
    sources = {a.id: a for a in (get_artifact(store, i, "impact") for i in ids)}
    nodes: dict[str, AnyNode] = {}
    for sid in sources:
        for n in store.traverse(sid, Direction.DOWN).nodes:
            nodes.setdefault(n.id, n)
    transforms = {i: n for i, n in nodes.items() if isinstance(n, Transform)}
    edges = store.transform_edges(sorted(transforms))
    flow = _Flow(edges)
    data = _data_reach(sources, flow, nodes)
    affected = {i: n for i, n in nodes.items() if isinstance(n, Artifact) and i not in sources}
    order = topological_order(
        sorted(transforms), transform_dependencies(edges), key=lambda t: start_key(transforms[t])
    )

    def impacted(a: Artifact) -> ImpactedNode:
        category: Category = (
            "must_retrain"
            if isinstance(a, Model)
            else "must_delete"
            if a.id in data
            else "affected_predictions"
        )
        return ImpactedNode.of(a, category=category)

    touched: dict[str, Artifact] = {**affected, **sources}
    untouched = [e.target for es in flow.inputs.values() for e in es if e.target not in touched]
    outside = {n.id: n for n in store.get_many(sorted(set(untouched)))}
    steps = [
        _recompute_step(i, transforms[t], flow, impacted, affected, touched, outside)
        for i, t in enumerate(order, 1)
    ]
    position = {t: i for i, t in enumerate(order)}

    def first_step(a: str) -> tuple[int, str, str]:
        steps_of_a = [position[p] for p in flow.producers.get(a, ()) if p in position]
        return (min(steps_of_a, default=-1), affected[a].name, a)

    buckets: dict[Category, list[ImpactedNode]] = defaultdict(list)
    for a in sorted(affected, key=first_step):
        node = impacted(affected[a])
        buckets[node.category].append(node)
    total: dict[str, float] = defaultdict(float)
    for s in steps:
        if s.cost is not None:
            total[s.cost.currency] += s.cost.amount
    return ImpactPlan(
        sources=[ref(a) for a in sources.values()],
        must_delete=buckets["must_delete"],
        must_retrain=buckets["must_retrain"],
        affected_predictions=buckets["affected_predictions"],
        steps=steps,
        total_cost=dict(total),
        total_duration_s=sum(s.duration_s or 0.0 for s in steps),
    )


class _Flow:
    """The edges of the affected transforms, indexed the ways the plan reads them."""

    def __init__(self, edges: Sequence[Edge]) -> None:
        #: artifact -> transforms that USED it (data flow only)
        self.used_by: dict[str, list[str]] = defaultdict(list)
        #: transform -> its outputs
        self.produced: dict[str, list[str]] = defaultdict(list)
        #: artifact -> the affected transforms that produced it
        self.producers: dict[str, list[str]] = defaultdict(list)
        #: transform -> its USED / USED_MODEL / RAN edges
        self.inputs: dict[str, list[Edge]] = defaultdict(list)
        for e in edges:
            if e.type == "PRODUCED":
                self.produced[e.source].append(e.target)
                self.producers[e.target].append(e.source)
            elif e.type in ("USED", "USED_MODEL", "RAN"):
                self.inputs[e.source].append(e)
                if e.type == "USED":
                    self.used_by[e.target].append(e.source)


def _data_reach(sources: dict[str, Artifact], flow: _Flow, nodes: dict[str, AnyNode]) -> set[str]:
    """Artifacts holding the sources' data: ``artifact -USED-> transform -PRODUCED->
    artifact`` steps from the non-model sources, stopped by models."""
    data: set[str] = set()
    frontier = [s for s, a in sources.items() if not isinstance(a, Model)]
    seen = set(frontier)
    while frontier:
        nxt: list[str] = []
        for a in frontier:
            for t in flow.used_by.get(a, ()):
                for o in flow.produced.get(t, ()):
                    if o in seen:
                        continue
                    seen.add(o)
                    data.add(o)
                    if not isinstance(nodes.get(o), Model):
                        nxt.append(o)
        frontier = nxt
    return data


def _recompute_step(
    index: int,
    t: Transform,
    flow: _Flow,
    impacted: Callable[[Artifact], ImpactedNode],
    affected: dict[str, Artifact],
    touched: dict[str, Artifact],
    outside: dict[str, AnyNode],
) -> RecomputeStep:
    """One transform of the plan: its affected outputs and inputs, and the other inputs a
    recompute needs (``outside``: neither affected nor a source)."""
    outs = [
        impacted(affected[o]) for o in sorted(set(flow.produced.get(t.id, ()))) if o in affected
    ]
    affected_inputs, others = [], []
    for e in sorted(flow.inputs.get(t.id, ()), key=lambda e: (e.type, e.target)):
        if e.target in touched:
            affected_inputs.append(ref(touched[e.target]))
        elif e.target in outside:
            others.append(ref(outside[e.target]))
    return RecomputeStep(
        index=index,
        transform=ref(t),
        outputs=outs,
        affected_inputs=affected_inputs,
        other_inputs=others,
        cost=t.cost,
        duration_s=transform_duration(t),
    )


def impact_sources(
    store: LineageStore, *, name: str | None = None, uri: str | None = None
) -> list[str]:
    """Ids of the artifacts with this logical name or uri (every version), newest first.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> impact_sources(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), name="users")
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: no artifact with name 'users'
    """
    found = store.find_artifacts(name=name, uri=uri)
    if not found:
        what = f"name {name!r}" if name is not None else f"uri {uri!r}"
        raise NotFoundError(f"no artifact with {what}")
    return [a.id for a in found]
