"""Cost roll-up: hand-computed answers on a small graph, on every backend."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from provenance.analysis.cost import cost
from provenance.cli.app import main
from provenance.errors import ProvenanceError
from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import Artifact, Cost, Edge, Model, Transform
from provenance.render import render_cost
from provenance.store import LineageStore, SQLiteStore
from provenance.store.base import AnyNode
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store


def art(label: str) -> Artifact:
    return Artifact(id=digest_bytes(label.encode()), name=label, kind="dataset")


def mdl(label: str) -> Model:
    return Model(id=digest_bytes(label.encode()), name=label)


def tx(
    op: str, inputs: list[Artifact], outputs: list[Artifact], cost_: Cost | None
) -> tuple[list[AnyNode], list[Edge]]:
    tid = digest_json({"op": op}, domain="t")
    t = Transform(id=tid, operation=op, input_ids=[a.id for a in inputs], cost=cost_)
    edges = [
        Edge(source=tid, target=a.id, type="USED", role=f"in{i}") for i, a in enumerate(inputs)
    ]
    edges += [Edge(source=tid, target=a.id, type="PRODUCED") for a in outputs]
    return [t, *inputs, *outputs], edges


def usd(amount: float, team: str | None = None, exp: str | None = None) -> Cost:
    return Cost(amount=amount, currency="USD", team=team, experiment=exp, duration_s=10.0)


def build(store: LineageStore) -> None:
    """The graph (sources A, B; X is produced twice, once by an identity transform)::

    T1: A -> X        10 USD  team data  exp e1
    T2: B -> Y         4 USD  team data  exp e2
    T3: X, Y -> M      6 USD  team ml    exp e1   (M is a model)
    T4: X -> W         3 EUR  team ml
    T5: () -> S        2 USD  (no team)           (no inputs: no source ancestor)
    T6: A -> Z         no cost
    T7: X -> M2        1 USD  team ml             (M2 is a model)
    T8: X -> X         5 USD  team data  exp e1   (identity: uses and produces X)
    """
    a, b, x, y, w, s, z = (art(n) for n in ("A", "B", "X", "Y", "W", "S", "Z"))
    m, m2 = mdl("M"), mdl("M2")
    parts = [
        tx("T1", [a], [x], usd(10, "data", "e1")),
        tx("T2", [b], [y], usd(4, "data", "e2")),
        tx("T3", [x, y], [m], usd(6, "ml", "e1")),
        tx("T4", [x], [w], Cost(amount=3, currency="EUR", team="ml")),
        tx("T5", [], [s], usd(2)),
        tx("T6", [a], [z], None),
        tx("T7", [x], [m2], usd(1, "ml")),
        tx("T8", [x], [x], usd(5, "data", "e1")),
    ]
    nodes: dict[str, AnyNode] = {}
    for ns, _ in parts:
        for n in ns:
            nodes.setdefault(n.id, n)
    store.write(list(nodes.values()), [])
    store.write([], [e for _, es in parts for e in es])


def amounts(report: object) -> dict[str, dict[str, float]]:
    return {ln.label: {k: round(v, 9) for k, v in ln.amounts.items()} for ln in report.lines}  # type: ignore[attr-defined]


def test_by_source_splits_shared_cost_equally(store: LineageStore) -> None:
    build(store)
    r = cost(store, "source")
    # Source ancestors of each costed transform:
    #   T1 {A}: A +10;  T2 {B}: B +4;  T3 {A, B} (X<-A, Y<-B): A +3, B +3;  T4 {A}: A +3 EUR;
    #   T5 {}: (no source) +2;  T7 {A}: A +1;  T8 {A}: A +5.
    #   A = 10 + 3 + 1 + 5 = 19 USD and 3 EUR; B = 4 + 3 = 7 USD; (no source) = 2 USD.
    assert amounts(r) == {
        "A": {"USD": 19.0, "EUR": 3.0},
        "B": {"USD": 7.0},
        "(no source)": {"USD": 2.0},
    }
    # every costed transform once: 10 + 4 + 6 + 2 + 1 + 5 = 28 USD, 3 EUR
    assert r.total == {"USD": 28.0, "EUR": 3.0}
    usd_sum = sum(ln.amounts.get("USD", 0.0) for ln in r.lines)
    assert usd_sum == pytest.approx(r.total["USD"])
    # A: T1, T3, T4, T7, T8; B: T2, T3
    assert {ln.label: ln.transforms for ln in r.lines} == {"A": 5, "B": 2, "(no source)": 1}
    assert r.costed_transforms == 7 and r.uncosted_transforms == 1
    # durations are split like amounts: A = T1 10 + T3 10/2 + T4 0 (none recorded) + T7 10
    # + T8 10 = 35 s
    assert {ln.label: ln.duration_s for ln in r.lines}["A"] == pytest.approx(35.0)


def test_by_team_and_experiment(store: LineageStore) -> None:
    build(store)
    # data: T1 10 + T2 4 + T8 5 = 19; ml: T3 6 + T7 1 = 7 USD and T4 3 EUR; (none): T5 2
    assert amounts(cost(store, "team")) == {
        "data": {"USD": 19.0},
        "ml": {"USD": 7.0, "EUR": 3.0},
        "(none)": {"USD": 2.0},
    }
    # e1: T1 10 + T3 6 + T8 5 = 21; e2: T2 4; (none): T5 2 + T7 1 = 3 USD, T4 3 EUR
    assert amounts(cost(store, "experiment")) == {
        "e1": {"USD": 21.0},
        "e2": {"USD": 4.0},
        "(none)": {"USD": 3.0, "EUR": 3.0},
    }


def test_by_model_counts_each_ancestor_once_per_model(store: LineageStore) -> None:
    build(store)
    r = cost(store, "model")
    # M <- T3 <- X (<- T1 <- A, <- T8 identity) and Y (<- T2): T3 6 + T1 10 + T8 5 + T2 4 = 25
    # M2 <- T7 <- X: T7 1 + T1 10 + T8 5 = 16
    assert amounts(r) == {"M": {"USD": 25.0}, "M2": {"USD": 16.0}}
    # T1 and T8 are shared: the total counts them once: 6 + 10 + 5 + 4 + 1 = 26
    assert r.total == {"USD": 26.0}


def test_empty_store_and_bad_by(store: LineageStore) -> None:
    r = cost(store, "source")
    assert r.lines == [] and r.total == {}
    with pytest.raises(ProvenanceError, match="must be one of"):
        cost(store, "color")


def test_render_mentions_rule(tmp_path: Path) -> None:
    from rich.console import Console

    s = SQLiteStore(f"{tmp_path}/l.sqlite")
    build(s)
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(render_cost(cost(s, "source")))
    text = console.export_text()
    assert "split equally" in text and "3.00 EUR + 19.00 USD" in text
    s.close()


def test_cli_cost_json_and_bad_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = SQLiteStore(f"{tmp_path}/l.sqlite")
    build(s)
    s.close()
    assert main(["cost", "--by", "team", "--store", f"{tmp_path}/l.sqlite", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by"] == "team" and data["total"] == {"USD": 28.0, "EUR": 3.0}
    assert main(["cost", "--store", f"{tmp_path}/l.sqlite"]) == 0
    assert "Cost by source" in capsys.readouterr().out
    assert main(["cost", "--by", "color", "--store", f"{tmp_path}/l.sqlite"]) == 2


def test_cost_and_impact_agree_on_a_run_with_a_known_duration(tmp_path: Path) -> None:
    """A run recorded with a cost but no cost.duration_s: both commands report its wall time
    (one definition, transform_duration), not 0.0 on one side."""
    import datetime as dt

    from rich.console import Console

    from provenance.analysis.cost import transform_duration
    from provenance.analysis.impact import impact

    t0 = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
    src, out = art("raw"), art("features")
    tid = digest_json({"op": "featurize"}, domain="t")
    run = Transform(
        id=tid,
        operation="featurize",
        input_ids=[src.id],
        started_at=t0,
        ended_at=t0 + dt.timedelta(seconds=0.32),
        cost=Cost(amount=2.0, team="data"),
    )
    s = SQLiteStore(tmp_path / "l.sqlite")
    s.write([run, src, out], [])
    s.write(
        [],
        [
            Edge(source=tid, target=src.id, type="USED"),
            Edge(source=tid, target=out.id, type="PRODUCED"),
        ],
    )
    assert transform_duration(run) == pytest.approx(0.32)
    (step,) = impact(s, [src.id]).steps
    (line,) = cost(s, "team").lines
    assert step.duration_s == pytest.approx(0.32) and line.duration_s == pytest.approx(0.32)
    assert line.untimed == 0
    # and the rendering shows it (it showed 0.0 before)
    text = io.StringIO()
    Console(file=text, width=120).print(render_cost(cost(s, "source")))
    assert "0.32" in text.getvalue()
    # a cost recorded with its own duration and no run times: that duration, on both sides
    bare = run.model_copy(update={"started_at": None, "ended_at": None,
                                  "cost": Cost(amount=2.0, duration_s=7.5)})  # fmt: skip
    assert transform_duration(bare) == 7.5
    s.close()
