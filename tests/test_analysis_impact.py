"""Deletion impact on hand-built graphs, on every backend (the parity ``store`` fixture).

The pipeline graph (``pipeline``), data flowing left to right::

    users ─┐                                   ┌─ infer (+ext) ─► preds ─► report ─► summary
           ├─ join ─► joined ─► clean ─► train ─► churn (Model)
    events ┘                      │            └─ infer2 (+clean) ─► scored_users
                                  └──────────────────┘
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import pytest

from provenance.analysis import impact, impact_sources
from provenance.cli.app import main
from provenance.errors import AnalysisError, NotFoundError
from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import Artifact, Cost, Edge, Model, Transform
from provenance.store import LineageStore, SQLiteStore
from provenance.store.base import AnyNode
from tests import test_parity
from tests.scenarios import CODE, art, diamond_lattice, identity_loop

store = test_parity.store  # the two-backend fixture: sqlite and neo4j

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def step(
    op: str,
    inputs: list[Artifact],
    outputs: list[Artifact],
    *,
    at: int,
    model: Model | None = None,
    cost: float | None = None,
) -> tuple[list[AnyNode], list[Edge]]:
    """One transform started at T0 + ``at`` minutes, ran for ``at`` seconds."""
    tid = digest_json({"op": op, "in": sorted(a.id for a in inputs), "at": at}, domain="t")
    t = Transform(
        id=tid,
        operation=op,
        input_ids=[a.id for a in inputs],
        code_version_id=CODE.id,
        model_id=model.id if model else None,
        started_at=T0 + dt.timedelta(minutes=at),
        ended_at=T0 + dt.timedelta(minutes=at, seconds=at),
        cost=Cost(amount=cost, currency="USD") if cost is not None else None,
    )
    edges = [Edge(source=tid, target=CODE.id, type="RAN")]
    edges += [Edge(source=tid, target=a.id, type="USED") for a in inputs]
    edges += [Edge(source=tid, target=a.id, type="PRODUCED") for a in outputs]
    if model is not None:
        edges.append(Edge(source=tid, target=model.id, type="USED_MODEL"))
    return [t, CODE, *inputs, *outputs, *([model] if model else [])], edges


def write(store: LineageStore, parts: list[tuple[list[AnyNode], list[Edge]]]) -> None:
    nodes: dict[str, AnyNode] = {}
    for ns, _ in parts:
        for n in ns:
            nodes.setdefault(n.id, n)
    store.write(list(nodes.values()), [])
    store.write([], [e for _, es in parts for e in es])


def mdl(label: str, name: str | None = None) -> Model:
    return Model(id=digest_bytes(label.encode()), name=name or label)


def pipeline(store: LineageStore) -> dict[str, AnyNode]:
    users = art("users", uri="file:///data/users.csv", license="CC-BY-4.0", contains_pii=True)
    events, ext = art("events"), art("ext")
    joined, clean = art("joined"), art("clean")
    preds, scored = art("preds"), art("scored_users")
    report, summary = art("report"), art("summary")
    churn = mdl("churn")
    parts = [
        step("join", [users, events], [joined], at=1, cost=0.5),
        step("clean", [joined], [clean], at=2, cost=1.0),
        step("train", [clean], [churn], at=3, cost=12.5),
        step("infer", [ext], [preds], at=4, model=churn),
        step("infer2", [clean], [scored], at=5, model=churn),
        step("report", [preds], [report], at=6),
        step("summarize", [report], [summary], at=7),
    ]
    write(store, parts)
    out: dict[str, AnyNode] = {n.id: n for ns, _ in parts for n in ns}
    return {str(getattr(n, "name", None) or getattr(n, "operation", "")): n for n in out.values()}


def names(items: Sequence[object]) -> list[str]:
    return [str(getattr(i, "name", None) or getattr(i, "operation", "")) for i in items]


def test_impact_of_a_source(store: LineageStore) -> None:
    g = pipeline(store)
    plan = impact(store, [g["users"].id])
    # Data walk from users via USED only: join -> joined, clean -> clean, clean -> train ->
    # churn (a model: stop), clean -> infer2 -> scored_users. So must-delete = joined, clean,
    # scored_users (holds users' rows even though a model was used: must-delete wins).
    assert names(plan.must_delete) == ["joined", "clean", "scored_users"]
    assert names(plan.must_retrain) == ["churn"]
    # preds/report/summary are downstream only through churn.
    assert names(plan.affected_predictions) == ["preds", "report", "summary"]
    # Topological order, ties by start: train before both inferences; infer (4) before
    # infer2 (5); report depends on infer only, summarize on report.
    assert [s.transform.operation for s in plan.steps] == [
        "join",
        "clean",
        "train",
        "infer",
        "infer2",
        "report",
        "summarize",
    ]
    infer = plan.steps[3]
    # infer needs ext (untouched) and its code version; churn is affected (retrained).
    assert {r.name for r in infer.other_inputs} == {"ext", "scenarios:build"}
    assert [r.name for r in infer.affected_inputs] == ["churn"]
    # join used users (a source) and events (not downstream of users: another input).
    assert [r.name for r in plan.steps[0].affected_inputs] == ["users"]
    assert "events" in [r.name for r in plan.steps[0].other_inputs]
    assert plan.total_cost == {"USD": 14.0}  # 0.5 + 1.0 + 12.5
    assert plan.total_duration_s == pytest.approx(1 + 2 + 3 + 4 + 5 + 6 + 7)
    assert [s.name for s in plan.sources] == ["users"]


def test_impact_of_an_unrelated_input_and_of_a_model(store: LineageStore) -> None:
    g = pipeline(store)
    plan = impact(store, [g["ext"].id])
    # ext -> infer -> preds -> report -> summary, all by data flow: must-delete.
    assert names(plan.must_delete) == ["preds", "report", "summary"]
    assert plan.must_retrain == [] and plan.affected_predictions == []
    assert {r.name for r in plan.steps[0].other_inputs} == {"churn", "scenarios:build"}
    plan = impact(store, [g["churn"].id])
    # A model as the source: nothing holds its data; everything after it is predictions.
    assert plan.must_delete == [] and plan.must_retrain == []
    assert names(plan.affected_predictions) == ["preds", "scored_users", "report", "summary"]


def test_impact_of_several_sources_and_by_name(store: LineageStore) -> None:
    g = pipeline(store)
    both = impact(store, [g["users"].id, g["ext"].id])
    # preds holds ext's data: must-delete now wins over affected-predictions.
    assert names(both.must_delete) == [
        "joined",
        "clean",
        "preds",
        "scored_users",
        "report",
        "summary",
    ]
    assert impact_sources(store, name="users") == [g["users"].id]
    assert impact_sources(store, uri="file:///data/users.csv") == [g["users"].id]
    with pytest.raises(NotFoundError):
        impact_sources(store, name="nobody")


def test_impact_bad_input(store: LineageStore) -> None:
    g = pipeline(store)
    with pytest.raises(NotFoundError):
        impact(store, ["blake3:" + "0" * 64])
    with pytest.raises(AnalysisError):
        impact(store, [g["join"].id])
    with pytest.raises(AnalysisError):
        impact(store, [CODE.id])


def test_impact_identity_loop_terminates(store: LineageStore) -> None:
    identity_loop(store)
    plan = impact(store, [art("raw").id])
    # raw -> ingest -> x; noop uses and produces x; use: x -> y.
    assert names(plan.must_delete) == ["x", "y"]
    # use depends on both producers of x (ingest, noop): noop first.
    assert [s.transform.operation for s in plan.steps] == ["ingest", "noop", "use"]


def test_impact_diamond_lattice_is_cheap(store: LineageStore) -> None:
    diamond_lattice(store, 60)  # 2^60 paths from lattice-0-a to the top
    plan = impact(store, [art("lattice-0-a").id])
    # Both artifacts of levels 1..60 plus the top; 60 x 2 mix transforms plus merge.
    assert len(plan.must_delete) == 121
    assert len(plan.steps) == 121 and plan.steps[-1].transform.operation == "merge"
    # lattice-0-b is untouched: every level-1 mix needs it.
    assert all("lattice-0-b" in {r.name for r in s.other_inputs} for s in plan.steps[:2])


def test_impact_cli(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    path = f"{tmp_path}/lineage.sqlite"
    s = SQLiteStore(path)
    g = pipeline(s)
    s.close()
    assert main(["impact", "--name", "users", "--store", path, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [x["name"] for x in got["must_retrain"]] == ["churn"]
    assert got["must_delete"][0]["category"] == "must_delete"
    assert main(["impact", g["users"].id[7:20], "--store", path]) == 0
    text = capsys.readouterr().out
    assert "must delete" in text and "Recompute plan" in text
    assert main(["impact", "ffff0000", "--store", path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no node with id" in err[0]
    assert main(["impact", "--store", path]) == 1
    assert "give source ids" in capsys.readouterr().err
