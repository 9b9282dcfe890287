"""Cost roll-up: what the recorded transforms cost, by source, team, experiment or model.

Every transform may record a :class:`~provenance.model.Cost` (amount, currency, resource,
duration, team, experiment). :func:`cost` rolls those up through the graph, one way per
``by``; amounts in different currencies are never added (each line holds one total per
currency), and transforms without a cost are counted in ``uncosted``.

``team`` / ``experiment``
    Each costed transform's amount goes to its ``cost.team`` / ``cost.experiment``
    (``(none)`` when not set). Every transform is counted once; the lines add up to the total.
``model``
    For each model, the cost of every transform in its ancestry (what it took to make it:
    the training run and everything upstream), each transform counted **once per model**
    however many paths lead to it. A transform shared by two models' ancestries is in both
    lines in full, so the lines do not add up to the total; ``total`` counts each
    transform once (the cost of all models' ancestries together).
``source``
    Each source artifact (one no transform produced) is charged for the transforms
    downstream of it. A transform with several source ancestors has its cost **split
    equally among its distinct source ancestors** (a join of ``users`` and ``events`` charges
    half to each, and so does everything downstream of the join). So every transform is
    counted once, and the lines add up to the total of all costed transforms; a transform
    with no source ancestor at all (it used no inputs) is charged to ``(no source)``.

Durations: a line's ``duration_s`` sums :func:`transform_duration` of its transforms (each
with its share, like the amounts): the run's recorded wall time, else the ``cost.duration_s``
given with the cost; the same function gives ``provenance impact`` its step durations, so the
two commands agree. ``untimed`` counts the transforms of a line with neither.

The roll-up reads the whole graph through the store protocol (``iter_nodes`` and
``iter_edges``), so it is the same on every backend; ancestries are walked once per costed
transform, visiting every node once (cycles and diamond lattices are safe).

Example:
    >>> import tempfile
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/")
    >>> a, b = t.log_artifact(b"a", name="a"), t.log_artifact(b"b", name="b")
    >>> with t.run("join", inputs=[a, b], cost={"amount": 10, "team": "data"}) as run:
    ...     _ = run.output(b"ab", name="ab")
    >>> [(line.label, line.amounts) for line in cost(t.store, "source").lines]
    [('a', {'USD': 5.0}), ('b', {'USD': 5.0})]
    >>> t.close()
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from provenance.errors import ProvenanceError
from provenance.model import Artifact, Model, Transform
from provenance.store.base import LineageStore

__all__ = ["CostBy", "CostLine", "CostReport", "cost", "transform_duration"]

CostBy = Literal["source", "team", "experiment", "model"]
NO_SOURCE = "(no source)"
NONE_LABEL = "(none)"

RULES: dict[str, str] = {
    "team": "each costed transform counted once, under its cost.team",
    "experiment": "each costed transform counted once, under its cost.experiment",
    "model": (
        "each model: every transform in its ancestry, counted once per model; lines overlap "
        "where models share ancestors, the total counts each transform once"
    ),
    "source": (
        "each transform's cost split equally among its distinct source ancestors; every "
        "transform counted once, lines add up to the total"
    ),
}


class CostLine(BaseModel):
    """One group's cost."""

    key: str
    label: str
    #: Total per currency.
    amounts: dict[str, float] = Field(default_factory=dict)
    #: Transforms contributing (a shared one counts fully here, whatever share it gave).
    transforms: int = 0
    #: Sum of the transforms' durations (:func:`transform_duration`), shares applied.
    duration_s: float = 0.0
    #: Transforms of this line with no duration recorded (not in ``duration_s``).
    untimed: int = 0


class CostReport(BaseModel):
    """A cost roll-up: one line per group, totals per currency, and the attribution rule."""

    by: CostBy
    rule: str
    lines: list[CostLine] = Field(default_factory=list)
    #: Per currency, each costed transform counted once (for ``model``: those in any
    #: model's ancestry).
    total: dict[str, float] = Field(default_factory=dict)
    costed_transforms: int = 0
    uncosted_transforms: int = 0


class _Graph:
    """The whole graph, read once: transforms, artifacts, and the upstream links."""

    def __init__(self, store: LineageStore) -> None:
        self.transforms: dict[str, Transform] = {}
        self.artifacts: dict[str, Artifact] = {}
        for batch in store.iter_nodes():
            for n in batch:
                if isinstance(n, Transform):
                    self.transforms[n.id] = n
                elif isinstance(n, Artifact):
                    self.artifacts[n.id] = n
        self.producers: dict[str, set[str]] = defaultdict(set)  # artifact -> transforms
        self.inputs: dict[str, set[str]] = defaultdict(set)  # transform -> artifacts
        for edges in store.iter_edges():
            for e in edges:
                if e.type == "PRODUCED":
                    self.producers[e.target].add(e.source)
                elif e.type in ("USED", "USED_MODEL"):
                    self.inputs[e.source].add(e.target)

    def upstream(
        self, start_artifacts: set[str], start_transforms: set[str]
    ) -> tuple[set[str], set[str]]:
        """(transforms, artifacts) upstream of the starting points, the starts included."""
        arts, trs = set(start_artifacts), set(start_transforms)
        stack_a, stack_t = list(arts), list(trs)
        while stack_a or stack_t:
            while stack_t:
                for a in self.inputs.get(stack_t.pop(), ()):
                    if a not in arts:
                        arts.add(a)
                        stack_a.append(a)
            while stack_a:
                for t in self.producers.get(stack_a.pop(), ()):
                    if t not in trs:
                        trs.add(t)
                        stack_t.append(t)
        return trs, arts

    def is_source(self, artifact_id: str) -> bool:
        return not self.producers.get(artifact_id)


def transform_duration(t: Transform) -> float | None:
    """How long a transform ran, in seconds: its recorded wall time (``ended_at -
    started_at``), else the ``duration_s`` of its recorded cost, else None.

    The one definition of a transform's duration: ``cost`` and ``impact`` both use it.

    Example:
        >>> import datetime as dt
        >>> from provenance.model import Cost
        >>> t0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        >>> t = Transform(id="blake3:" + "1" * 64, operation="fit", started_at=t0,
        ...               ended_at=t0 + dt.timedelta(seconds=0.32), cost=Cost(amount=1.0))
        >>> transform_duration(t)
        0.32
        >>> transform_duration(t.model_copy(update={"ended_at": None,
        ...     "cost": Cost(amount=1.0, duration_s=5.0)}))
        5.0
    """
    if t.duration_s is not None:
        return t.duration_s
    return t.cost.duration_s if t.cost is not None else None


def _add(line: CostLine, t: Transform, share: float = 1.0) -> None:
    assert t.cost is not None
    cur = t.cost.currency
    line.amounts[cur] = line.amounts.get(cur, 0.0) + t.cost.amount * share
    line.transforms += 1
    duration = transform_duration(t)
    if duration is None:
        line.untimed += 1
    else:
        line.duration_s += duration * share


def cost(store: LineageStore, by: str = "source") -> CostReport:
    """Roll up recorded transform costs ``by`` source, team, experiment or model (module docs).

    Raises :class:`ProvenanceError` for another ``by``.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a = t.log_artifact(b"a", name="a")
        >>> with t.run("clean", inputs=[a], cost={"amount": 2.5, "team": "data"}) as run:
        ...     _ = run.output(b"A", name="clean")
        >>> r = cost(t.store, "team")
        >>> r.lines[0].label, r.lines[0].amounts, r.total
        ('data', {'USD': 2.5}, {'USD': 2.5})
        >>> t.close()
    """
    if by not in RULES:
        raise ProvenanceError(
            f"cost --by must be one of source, team, experiment, model; got {by!r}"
        )
    g = _Graph(store)
    costed = {tid: t for tid, t in g.transforms.items() if t.cost is not None}
    report = CostReport(
        by=by,  # type: ignore[arg-type]
        rule=RULES[by],
        costed_transforms=len(costed),
        uncosted_transforms=len(g.transforms) - len(costed),
    )
    lines: dict[str, CostLine] = {}

    def line(key: str, label: str) -> CostLine:
        if key not in lines:
            lines[key] = CostLine(key=key, label=label)
        return lines[key]

    counted: set[str] = set()
    if by in ("team", "experiment"):
        for t in costed.values():
            assert t.cost is not None
            group = (t.cost.team if by == "team" else t.cost.experiment) or NONE_LABEL
            _add(line(group, group), t)
            counted.add(t.id)
    elif by == "model":
        for mid, m in sorted(g.artifacts.items()):
            if not isinstance(m, Model):
                continue
            trs, _ = g.upstream({mid}, set())
            ln = line(mid, m.name)
            for tid in sorted(trs):
                if tid in costed:
                    _add(ln, costed[tid])
                    counted.add(tid)
    else:
        for tid, t in sorted(costed.items()):
            _, arts = g.upstream(set(), {tid})
            sources = sorted(a for a in arts if g.is_source(a))
            if not sources:
                _add(line(NO_SOURCE, NO_SOURCE), t)
            for s in sources:
                a = g.artifacts.get(s)
                _add(line(s, a.name if a is not None else s), t, 1.0 / len(sources))
            counted.add(tid)
    for tid in counted:
        c = costed[tid].cost
        assert c is not None
        report.total[c.currency] = report.total.get(c.currency, 0.0) + c.amount
    report.lines = sorted(
        lines.values(), key=lambda ln: (-sum(ln.amounts.values()), ln.label, ln.key)
    )
    return report
