"""Audit ancestry: everything that contributed to a node, as one typed report.

The report follows every input of every producer to any depth (the store's ancestry walk)
and lists the source artifacts (digests, licences, PII flags, erasures), the transforms in
execution order with their code versions, seed states, environments, models and
hyperparameters, and the reproducibility verdict.

A node derived from erased data says so first: ``erased_training_data`` holds the erasure
record of every erased artifact it was derived from (any depth; the node itself excluded),
``summary`` starts with :data:`TRAINED_ON_ERASED` ("trained on erased data: must retrain")
when the node is a model, or comes through a model, trained on erased data, else with
:data:`DERIVED_FROM_ERASED`, and that line is also the first reason of the reproducibility
verdict, which is then ``unreproducible``.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.model import Artifact
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> s.write([Artifact(id="blake3:" + "a" * 64, name="users", license="CC-BY-4.0")], [])
    >>> report = audit(s, "blake3:" + "a" * 64)
    >>> [(x.name, x.license) for x in report.sources]
    [('users', 'CC-BY-4.0')]
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel, Field

from provenance.analysis.erasure import ErasureRecord, erasure_of
from provenance.analysis.order import transforms_in_order
from provenance.analysis.refs import NodeRef, get_node, ref
from provenance.analysis.verify import Verdict, verify
from provenance.model import (
    Artifact,
    CodeVersion,
    Cost,
    Environment,
    LineageGraph,
    SeedState,
    Transform,
    short_id,
    utcnow,
)
from provenance.store.base import USED_MODEL, Direction, LineageStore

#: The verdict of a model trained on erased data (directly, or through a model it used).
TRAINED_ON_ERASED = "trained on erased data: must retrain"
#: The verdict of anything else derived from erased data (no model in between).
DERIVED_FROM_ERASED = "derived from erased data: must be rebuilt"


class SourceInfo(NodeRef):
    """A raw source of the ancestry (no producer recorded): its :class:`NodeRef` fields plus
    its size and governance fields (copied from the artifact by :meth:`NodeRef.of`)."""

    row_count: int | None = None
    size_bytes: int | None = None
    license: str | None = None
    contains_pii: bool | None = None
    owner: str | None = None
    erasure_reason: str | None = None


class AuditStep(BaseModel):
    """One transform of the ancestry, in execution order, with its full context."""

    index: int
    transform: NodeRef
    status: str
    inputs: list[NodeRef] = Field(default_factory=list)
    outputs: list[NodeRef] = Field(default_factory=list)
    model: NodeRef | None = None
    code_version: CodeVersion | None = None
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    seed_state: SeedState | None = None
    environment: Environment | None = None
    started_at: _dt.datetime | None = None
    ended_at: _dt.datetime | None = None
    duration_s: float | None = None
    cost: Cost | None = None


class Reproducibility(BaseModel):
    """The reproducibility verdict and why; ``checked_by`` says which check produced it."""

    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    #: "verify": the full check of provenance.analysis.verify; "seed_state": the recorded
    #: seed states only (when the audit skips the full check).
    checked_by: Literal["verify", "seed_state"]


class AuditReport(BaseModel):
    """Everything that contributed to ``root``: the answer to "where did this come from"."""

    root: NodeRef
    generated_at: _dt.datetime = Field(default_factory=utcnow)
    sources: list[SourceInfo] = Field(default_factory=list)
    steps: list[AuditStep] = Field(default_factory=list)
    models: list[NodeRef] = Field(default_factory=list)
    code_versions: list[CodeVersion] = Field(default_factory=list)
    environments: list[Environment] = Field(default_factory=list)
    #: Every erased artifact in the ancestry, the root included.
    erasures: list[ErasureRecord] = Field(default_factory=list)
    #: The erased artifacts the root was derived from (its training data, for a model): the
    #: root itself excluded. Not empty: the root must be retrained or rebuilt.
    erased_training_data: list[ErasureRecord] = Field(default_factory=list)
    #: The one-line verdict: :data:`TRAINED_ON_ERASED` or :data:`DERIVED_FROM_ERASED` (with
    #: what to retrain and what was erased) first, else the reproducibility verdict.
    summary: str = ""
    #: Per model of the ancestry (by id): the runs outside the ancestry that ran with it
    #: (``USED_MODEL``: an evaluation after training) and recorded metrics, by start time.
    model_runs: dict[str, list[Transform]] = Field(default_factory=dict)
    reproducibility: Reproducibility
    #: The whole ancestry subgraph the report was built from.
    graph: LineageGraph


def seed_verdict(transforms: list[Transform], erased: list[str] | None = None) -> Reproducibility:
    """The fallback verdict from recorded seed states: ``exact`` if every transform was
    exact, ``seeded`` if every one was exact or seeded, else ``unreproducible``; failed
    transforms and erased sources also make it ``unreproducible``.

    Example:
        >>> t = Transform(id="blake3:" + "c" * 64, operation="split",
        ...               seed_state=SeedState(master_seed=1, reproducibility="seeded"))
        >>> seed_verdict([t]).verdict
        'seeded'
        >>> seed_verdict([t], erased=["users"]).verdict
        'unreproducible'
    """
    reasons: list[str] = []
    levels = set()
    for t in transforms:
        level = t.seed_state.reproducibility if t.seed_state else "unseeded"
        levels.add(level)
        label = f"{t.operation} {short_id(t.id, 10)}"
        if level == "unseeded":
            reasons.append(f"{label}: no seed recorded")
        if t.status != "succeeded":
            reasons.append(f"{label}: status {t.status}")
    reasons += [f"source {name} was erased" for name in (erased or [])]
    if reasons:
        return Reproducibility(verdict="unreproducible", reasons=reasons, checked_by="seed_state")
    verdict: Verdict = "exact" if levels <= {"exact"} else "seeded"
    return Reproducibility(verdict=verdict, reasons=[], checked_by="seed_state")


def _upstream(graph: LineageGraph, start: str) -> set[str]:
    """Every node ``start`` was derived from within ``graph`` (data flow only), not itself."""
    parents: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.type == "PRODUCED":
            parents[e.target].append(e.source)
        elif e.type in ("USED", "USED_MODEL"):
            parents[e.source].append(e.target)
    seen: set[str] = set()
    todo = [start]
    while todo:
        for parent in parents[todo.pop()]:
            if parent not in seen and parent != start:
                seen.add(parent)
                todo.append(parent)
    return seen


def erased_verdict(
    graph: LineageGraph, root_id: str, erased: list[ErasureRecord]
) -> tuple[str, list[ErasureRecord]] | None:
    """``(summary, records)`` when the root of ``graph`` was derived from erased data, else
    None. ``records``: the erasures among the root's ancestors (sorted by name, then id);
    ``summary``: :data:`TRAINED_ON_ERASED` when the root is a model, or is derived from a
    model, whose ancestry holds erased data, else :data:`DERIVED_FROM_ERASED`, followed by
    the models to retrain and the erased artifacts.

    Example:
        >>> import datetime as dt
        >>> from provenance.model import Edge, Model
        >>> from provenance.analysis.refs import ref
        >>> when = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
        >>> users = Artifact(id="blake3:" + "a" * 64, name="users", erased_at=when)
        >>> model = Model(id="blake3:" + "b" * 64, name="churn")
        >>> fit = Transform(id="blake3:" + "c" * 64, operation="train")
        >>> g = LineageGraph(root=model.id, nodes=[users, model, fit], edges=[
        ...     Edge(source=fit.id, target=users.id, type="USED"),
        ...     Edge(source=fit.id, target=model.id, type="PRODUCED")])
        >>> rec = ErasureRecord(artifact=ref(users), transform_id="", erased_at=when, reason="x")
        >>> erased_verdict(g, model.id, [rec])[0]
        'trained on erased data: must retrain churn (erased: users)'
    """
    upstream = _upstream(graph, root_id)
    records = sorted(
        (r for r in erased if r.artifact.id in upstream),
        key=lambda r: (r.artifact.label, r.artifact.id),
    )
    if not records:
        return None
    erased_ids = {r.artifact.id for r in records}
    nodes = {n.id: n for n in graph.nodes}
    models = [
        m
        for m in graph.models
        if (m.id == root_id or m.id in upstream) and _upstream(graph, m.id) & erased_ids
    ]
    head = TRAINED_ON_ERASED if models else DERIVED_FROM_ERASED
    names = ", ".join(r.artifact.label for r in records)
    if models:
        retrain = ", ".join(sorted({m.name for m in models}))
        return f"{head} {retrain} (erased: {names})", records
    root = nodes.get(root_id)
    what = getattr(root, "name", None) or short_id(root_id)
    return f"{head}: {what} (erased: {names})", records


def _verdict(store: LineageStore, node_id: str) -> Reproducibility:
    report = verify(store, node_id)
    return Reproducibility(
        verdict=report.verdict, reasons=list(report.reasons), checked_by="verify"
    )


def audit(store: LineageStore, node_id: str, *, check_reproducibility: bool = True) -> AuditReport:
    """The audit report of a node (id or unique prefix); see the module docstring.

    ``check_reproducibility=False`` skips the full verify check (which re-reads sources and
    compares environments) and uses the recorded seed states only.
    Raises :class:`~provenance.errors.NotFoundError` for an unknown id.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> audit(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), "0000ffff")
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: no node with id '0000ffff'
    """
    node = get_node(store, node_id)
    graph = store.traverse(node.id, Direction.UP)
    nodes = {n.id: n for n in graph.nodes}
    code = {c.id: c for c in graph.code_versions}
    outs: dict[str, list[str]] = defaultdict(list)
    ins: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.type == "PRODUCED":
            outs[e.source].append(e.target)
        elif e.type == "USED":
            ins[e.source].append(e.target)
    sources = graph.sources()
    if isinstance(node, Artifact) and not any(
        e.type == "PRODUCED" for e in graph.edges if e.target == node.id
    ):
        sources = [node, *sources]  # a node with no producer is its own source
    steps: list[AuditStep] = []
    envs: dict[str, Environment] = {}
    for i, t in enumerate(transforms_in_order(graph), 1):
        if t.environment is not None:
            envs.setdefault(t.environment.digest, t.environment)
        model = nodes.get(t.model_id) if t.model_id else None
        steps.append(
            AuditStep(
                index=i,
                transform=ref(t),
                status=t.status,
                inputs=[ref(nodes[x]) for x in sorted(ins[t.id]) if x in nodes],
                outputs=[ref(nodes[x]) for x in sorted(outs[t.id]) if x in nodes],
                model=ref(model) if model is not None else None,
                code_version=code.get(t.code_version_id or ""),
                hyperparameters=t.hyperparameters,
                seed_state=t.seed_state,
                environment=t.environment,
                started_at=t.started_at,
                ended_at=t.ended_at,
                duration_s=t.duration_s,
                cost=t.cost,
            )
        )
    erased = sorted((a for a in graph.artifacts if a.erased), key=lambda a: (a.name, a.id))
    erasures = [r for r in (erasure_of(store, a.id) for a in erased) if r is not None]
    erased_sources = [a.name for a in sources if a.erased]
    verdict = (
        _verdict(store, node.id)
        if check_reproducibility
        else seed_verdict(graph.transforms, erased_sources)
    )
    found = erased_verdict(graph, node.id, erasures)
    trained_on: list[ErasureRecord] = []
    if found is None:
        summary = f"reproducibility: {verdict.verdict}"
    else:  # said first, in the summary and the verdict's reasons: not only "unreproducible"
        summary, trained_on = found
        verdict = verdict.model_copy(
            update={"verdict": "unreproducible", "reasons": [summary, *verdict.reasons]}
        )
    return AuditReport(
        root=ref(node),
        sources=[SourceInfo.of(a) for a in sorted(sources, key=lambda a: (a.name, a.id))],
        steps=steps,
        models=[ref(m) for m in sorted(graph.models, key=lambda m: (m.name, m.id))],
        code_versions=sorted(code.values(), key=lambda c: c.id),
        environments=[envs[k] for k in sorted(envs)],
        erasures=erasures,
        erased_training_data=trained_on,
        summary=summary,
        model_runs=_model_runs(store, graph),
        reproducibility=verdict,
        graph=graph,
    )


def _model_runs(store: LineageStore, graph: LineageGraph) -> dict[str, list[Transform]]:
    """Per model of ``graph``: the succeeded runs with metrics that ran with it
    (``USED_MODEL``) but are not in ``graph``, ordered by start time and id."""
    inside = {t.id for t in graph.transforms}
    found: dict[str, list[Transform]] = {}
    for m in sorted(graph.models, key=lambda m: m.id):
        down = store.traverse(m.id, Direction.DOWN, depth=1)
        users = {e.source for e in down.edges if e.target == m.id and e.type == USED_MODEL}
        runs = [
            t
            for t in down.transforms
            if t.id in users and t.id not in inside and t.status == "succeeded" and t.metrics
        ]
        if runs:
            found[m.id] = sorted(runs, key=lambda t: (str(t.started_at), t.id))
    return found
