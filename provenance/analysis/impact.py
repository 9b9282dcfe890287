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
    >>> impact_plan(s, [a.id]).must_delete
    []
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field
from rich.console import Group
from rich.table import Table

from provenance.analysis.order import topo_order
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


def impact_plan(store: LineageStore, ids: Sequence[str]) -> ImpactPlan:
    """The deletion-impact plan of one or more source artifacts (ids or unique prefixes).

    Raises :class:`NotFoundError` for an unknown id and :class:`AnalysisError` for an id that
    is not an artifact. See the module docstring for the classification.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> impact_plan(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), [])
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

    used_by: dict[str, list[str]] = defaultdict(list)  # artifact -> transforms (USED only)
    produced: dict[str, list[str]] = defaultdict(list)  # transform -> outputs
    producers: dict[str, list[str]] = defaultdict(list)  # artifact -> affected producers
    inputs: dict[str, list[Edge]] = defaultdict(list)  # transform -> USED/USED_MODEL/RAN
    for e in edges:
        if e.type == "PRODUCED":
            produced[e.source].append(e.target)
            producers[e.target].append(e.source)
        elif e.type in ("USED", "USED_MODEL", "RAN"):
            inputs[e.source].append(e)
            if e.type == "USED":
                used_by[e.target].append(e.source)

    # Data walk: artifact -USED-> transform -PRODUCED-> artifact, stopped by models.
    data: set[str] = set()
    frontier = [s for s, a in sources.items() if not isinstance(a, Model)]
    seen = set(frontier)
    while frontier:
        nxt: list[str] = []
        for a in frontier:
            for t in used_by.get(a, ()):
                for o in produced.get(t, ()):
                    if o in seen:
                        continue
                    seen.add(o)
                    data.add(o)
                    if not isinstance(nodes.get(o), Model):
                        nxt.append(o)
        frontier = nxt

    def category(node: Artifact) -> Category:
        if isinstance(node, Model):
            return "must_retrain"
        return "must_delete" if node.id in data else "affected_predictions"

    affected = {i: n for i, n in nodes.items() if isinstance(n, Artifact) and i not in sources}
    # Recompute order: transform t2 depends on t1 when t2 uses something t1 produced.
    deps: dict[str, set[str]] = {
        t: {p for e in inputs.get(t, ()) for p in producers.get(e.target, ())} for t in transforms
    }

    def start(t: str) -> str:
        at = transforms[t].started_at
        return f"{at.isoformat() if at else ''}|{t}"

    order = topo_order(sorted(transforms), deps, key=start)
    position = {t: i for i, t in enumerate(order)}

    def impacted(a: Artifact) -> ImpactedNode:
        return ImpactedNode(**ref(a).model_dump(), category=category(a))

    steps: list[RecomputeStep] = []
    total: dict[str, float] = defaultdict(float)
    duration = 0.0
    extra = [
        e.target
        for es in inputs.values()
        for e in es
        if e.target not in affected and e.target not in sources
    ]
    outside = {n.id: n for n in store.get_many(sorted(set(extra)))}
    for i, t in enumerate(order, 1):
        tr = transforms[t]
        outs = [impacted(affected[o]) for o in sorted(set(produced.get(t, ()))) if o in affected]
        touched, others = [], []
        for e in sorted(inputs.get(t, ()), key=lambda e: (e.type, e.target)):
            if e.target in affected or e.target in sources:
                touched.append(ref(nodes.get(e.target) or sources[e.target]))
            elif e.target in outside:
                others.append(ref(outside[e.target]))
        dur = tr.duration_s
        if dur is None and tr.cost is not None:
            dur = tr.cost.duration_s
        if tr.cost is not None:
            total[tr.cost.currency] += tr.cost.amount
        duration += dur or 0.0
        steps.append(
            RecomputeStep(
                index=i,
                transform=ref(tr),
                outputs=outs,
                affected_inputs=touched,
                other_inputs=others,
                cost=tr.cost,
                duration_s=dur,
            )
        )

    def first_step(a: str) -> tuple[int, str, str]:
        return (
            min((position[p] for p in producers.get(a, ()) if p in position), default=-1),
            affected[a].name,
            a,
        )

    buckets: dict[Category, list[ImpactedNode]] = defaultdict(list)
    for a in sorted(affected, key=first_step):
        node = impacted(affected[a])
        buckets[node.category].append(node)
    return ImpactPlan(
        sources=[ref(a) for a in sources.values()],
        must_delete=buckets["must_delete"],
        must_retrain=buckets["must_retrain"],
        affected_predictions=buckets["affected_predictions"],
        steps=steps,
        total_cost=dict(total),
        total_duration_s=duration,
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


def _names(nodes: Sequence[NodeRef]) -> str:
    return ", ".join(_label(n) for n in nodes) or "—"


def _label(n: NodeRef) -> str:
    erased = " [red](erased)[/]" if n.erased else ""
    return f"{n.label} [dim]{n.id.split(':', 1)[-1][:10]}[/]{erased}"


def render_impact(plan: ImpactPlan) -> Group:
    """A rich rendering of an impact plan: the three categories, then the recompute steps.

    Example:
        >>> from rich.console import Console
        >>> plan = ImpactPlan(sources=[NodeRef(id="blake3:" + "a" * 64, node_type="Artifact",
        ...                                    name="users")])
        >>> console = Console(width=100)
        >>> with console.capture() as cap:
        ...     console.print(render_impact(plan))
        >>> "users" in cap.get()
        True
    """
    cats = Table(title=f"Deletion impact of {_names(plan.sources)}", title_justify="left")
    for col in ("category", "count", "artifacts"):
        cats.add_column(col)
    for title, items, style in (
        ("must delete", plan.must_delete, "red"),
        ("must retrain", plan.must_retrain, "magenta"),
        ("affected predictions", plan.affected_predictions, "yellow"),
    ):
        cats.add_row(f"[{style}]{title}[/]", str(len(items)), _names(items))
    steps = Table(
        title="Recompute plan (topological order; nothing was deleted)", title_justify="left"
    )
    for col in ("#", "transform", "affected inputs", "other inputs needed", "outputs", "cost", "s"):
        steps.add_column(col)
    for s in plan.steps:
        cost = f"{s.cost.amount:g} {s.cost.currency}" if s.cost else "—"
        steps.add_row(
            str(s.index),
            _label(s.transform),
            _names(s.affected_inputs),
            _names(s.other_inputs),
            _names(s.outputs),
            cost,
            f"{s.duration_s:.2f}" if s.duration_s is not None else "—",
        )
    total = ", ".join(f"{v:g} {k}" for k, v in sorted(plan.total_cost.items())) or "none recorded"
    return Group(
        cats,
        steps,
        f"[bold]Recorded recompute cost:[/] {total}; "
        f"{plan.total_duration_s:.2f} s of recorded run time",
    )
