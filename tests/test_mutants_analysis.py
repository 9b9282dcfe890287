"""Tests that kill surviving mutants of ``provenance.analysis.impact`` and
``provenance.analysis.contamination`` (issue 21, mutation testing; tests/README.md).

Each test pins a user-visible answer on a small hand-built graph in a SQLite store; the
expected values are worked out by hand from the module docs, not computed by the code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from provenance.analysis import contamination, impact, impact_sources
from provenance.errors import AnalysisError, NotFoundError, ProvenanceError
from provenance.model import Artifact, Edge, Model, Transform
from provenance.store import SQLiteStore
from provenance.store.base import AnyNode

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def hid(c: str) -> str:
    """An id whose sort position is chosen by ``c`` (one hex digit)."""
    return "blake3:" + c * 64


def tr(tid: str, op: str, *, at: int | None, seconds: int = 0) -> Transform:
    start = T0 + dt.timedelta(minutes=at) if at is not None else None
    end = start + dt.timedelta(seconds=seconds) if start is not None and seconds else None
    return Transform(id=tid, operation=op, started_at=start, ended_at=end)


def used(t: str, a: str) -> Edge:
    return Edge(source=t, target=a, type="USED")


def produced(t: str, a: str) -> Edge:
    return Edge(source=t, target=a, type="PRODUCED")


def open_store(tmp_path: Path, nodes: list[AnyNode], edges: list[Edge]) -> SQLiteStore:
    s = SQLiteStore(str(tmp_path / "lineage.sqlite"))
    s.write(nodes, [])
    s.write([], edges)
    return s


# --------------------------------------------------------------------------------------------
# impact
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fan(tmp_path: Path) -> SQLiteStore:
    """``src`` is read by three transforms (ids sort t1 < t2 < t3):

    * t1 (minute 1, ran 10 s) produces ``A``;
    * t2 (minute 2, ran 20 s) produces ``A`` again and ``B`` (ids sort A < B);
    * t3 (no times) produces nothing (a check that only read the data).
    """
    src, a, b = (Artifact(id=hid(c), name=n) for c, n in (("1", "src"), ("2", "A"), ("3", "B")))
    t1 = tr(hid("a"), "t1", at=1, seconds=10)
    t2 = tr(hid("b"), "t2", at=2, seconds=20)
    t3 = tr(hid("c"), "t3", at=None)
    edges = [used(t1.id, src.id), produced(t1.id, a.id)]
    edges += [used(t2.id, src.id), produced(t2.id, a.id), produced(t2.id, b.id)]
    edges += [used(t3.id, src.id)]
    return open_store(tmp_path, [src, a, b, t1, t2, t3], edges)


def test_impact_fan_out_categories_steps_and_totals(fan: SQLiteStore) -> None:
    plan = impact(fan, [hid("1")])
    # Both A and B hold src's data (A reached twice: the second time it is skipped, and B,
    # after it in t2's outputs, must still be reached).
    assert [(n.name, n.category) for n in plan.must_delete] == [
        ("A", "must_delete"),
        ("B", "must_delete"),
    ]
    assert plan.must_retrain == [] and plan.affected_predictions == []
    # Recompute order by start time, unstarted last; steps numbered from 1.
    assert [(s.index, s.transform.operation) for s in plan.steps] == [
        (1, "t1"),
        (2, "t2"),
        (3, "t3"),
    ]
    # Each step lists its own affected outputs (t3 has none) and the source as input.
    assert [[(o.name, o.category) for o in s.outputs] for s in plan.steps] == [
        [("A", "must_delete")],
        [("A", "must_delete"), ("B", "must_delete")],
        [],
    ]
    assert [[r.name for r in s.affected_inputs] for s in plan.steps] == [["src"]] * 3
    # 10 s + 20 s; t3 has no recorded duration and adds nothing.
    assert [s.duration_s for s in plan.steps] == [10.0, 20.0, None]
    assert plan.total_duration_s == 30.0
    assert plan.total_cost == {}


def test_impact_outputs_of_a_model_step_are_categorised(tmp_path: Path) -> None:
    # data -> fit -> m (model) -> predict -> p: m must be retrained, p is a prediction.
    data, m = Artifact(id=hid("1"), name="data"), Model(id=hid("2"), name="m")
    p = Artifact(id=hid("3"), name="p")
    fit, predict = tr(hid("a"), "fit", at=1), tr(hid("b"), "predict", at=2)
    edges = [used(fit.id, data.id), produced(fit.id, m.id)]
    edges += [Edge(source=predict.id, target=m.id, type="USED_MODEL"), produced(predict.id, p.id)]
    s = open_store(tmp_path, [data, m, p, fit, predict], edges)
    plan = impact(s, [data.id])
    assert [[(o.name, o.category) for o in st.outputs] for st in plan.steps] == [
        [("m", "must_retrain")],
        [("p", "affected_predictions")],
    ]
    assert [n.name for n in plan.must_retrain] == ["m"]
    assert [n.name for n in plan.affected_predictions] == ["p"]


def test_impact_error_messages(fan: SQLiteStore) -> None:
    with pytest.raises(NotFoundError, match=r"^impact needs at least one source id$"):
        impact(fan, [])
    with pytest.raises(AnalysisError, match=r"^impact starts from an artifact or model; "):
        impact(fan, [hid("a")])
    with pytest.raises(NotFoundError, match=r"^no artifact with name 'nobody'$"):
        impact_sources(fan, name="nobody")
    with pytest.raises(NotFoundError, match=r"^no artifact with uri 'file:///nowhere'$"):
        impact_sources(fan, uri="file:///nowhere")


# --------------------------------------------------------------------------------------------
# contamination
# --------------------------------------------------------------------------------------------


def test_shared_rows_finding_names_both_sides(tmp_path: Path) -> None:
    # raw --split--> train (rows 1,2,3,4), test (rows 3,3,5,9): two test rows are training rows.
    raw = Artifact(id=hid("1"), name="raw")
    train = Artifact(id=hid("2"), name="train", metadata={"row_fingerprints": [1, 2, 3, 4]})
    test = Artifact(id=hid("3"), name="test", metadata={"row_fingerprints": [3, 3, 5, 9]})
    split = tr(hid("a"), "split", at=1)
    edges = [used(split.id, raw.id), produced(split.id, train.id), produced(split.id, test.id)]
    s = open_store(tmp_path, [raw, train, test, split], edges)
    r = contamination(s, train.id, test.id)
    assert r.verdict == "leakage"
    assert [(f.kind, f.message, f.ids) for f in r.findings] == [
        ("shared_rows", "2 of 4 test rows (50.0%) are also training rows", [test.id, train.id])
    ]
    assert (r.rows.train_rows, r.rows.test_rows, r.rows.test_rows_in_train) == (4, 4, 2)
    assert r.rows.fraction_of_test == 0.5
    assert [(a.name, a.role) for a in r.shared_ancestors] == [("raw", "source")]
    with pytest.raises(NotFoundError, match=r"^no node with id 'blake3:9+'$"):
        contamination(s, hid("9"), test.id)
    with pytest.raises(ProvenanceError, match=r"^the test id blake3:a+ is a Transform, not an "):
        contamination(s, train.id, split.id)


def test_rows_not_compared_says_why(tmp_path: Path) -> None:
    a, b = Artifact(id=hid("1"), name="a"), Artifact(id=hid("2"), name="b")
    c = Artifact(id=hid("3"), name="c", metadata={"row_fingerprints": [1, 2]})
    s = open_store(tmp_path, [a, b, c], [])
    hint = (
        ": tables logged with statistics record them (log a DataFrame, not a file or bytes), "
        "or log the table with Tracker(row_fingerprints=True)"
    )
    r = contamination(s, a.id, b.id)
    assert (r.verdict, r.findings, r.rows.compared) == ("unknown", [], False)
    assert r.rows.reason == "no row fingerprints recorded for a and b" + hint
    assert contamination(s, c.id, b.id).rows.reason == "no row fingerprints recorded for b" + hint


def test_leak_found_two_steps_up(tmp_path: Path) -> None:
    """X --f1--> M --f2--> S; S --a1--> train; S, X --a2--> test.

    S (a scaler, say) was computed from M, itself computed from X, which also feeds the test
    set: S is derived data fed to both sides, its origin X (two steps up).
    """
    x, m, s = (Artifact(id=hid(c), name=n) for c, n in (("1", "X"), ("2", "M"), ("3", "S")))
    train, test = Artifact(id=hid("4"), name="train"), Artifact(id=hid("5"), name="test")
    f1, f2, a1, a2 = (
        tr(hid(c), op, at=i)
        for i, (c, op) in enumerate((("a", "f1"), ("b", "f2"), ("c", "a1"), ("d", "a2")))
    )
    edges = [used(f1.id, x.id), produced(f1.id, m.id), used(f2.id, m.id), produced(f2.id, s.id)]
    edges += [used(a1.id, s.id), produced(a1.id, train.id)]
    edges += [used(a2.id, s.id), used(a2.id, x.id), produced(a2.id, test.id)]
    st = open_store(tmp_path, [x, m, s, train, test, f1, f2, a1, a2], edges)
    r = contamination(st, train.id, test.id)
    assert r.verdict == "leakage"
    assert [(f.kind, f.ids) for f in r.findings] == [("derived_fed_both", [s.id, x.id])]
    assert [(a.name, a.role) for a in r.shared_ancestors] == [
        ("S", "leak"),
        ("M", "leak"),  # a leak too, above S: marked, not reported (S fed the sides)
        ("X", "source"),
    ]


def test_shared_data_generated_from_nothing_is_no_leak(tmp_path: Path) -> None:
    # gen (no inputs) --> G; G --a1--> train; G --a2--> test.
    g = Artifact(id=hid("1"), name="G")
    train, test = Artifact(id=hid("4"), name="train"), Artifact(id=hid("5"), name="test")
    gen, a1, a2 = tr(hid("a"), "gen", at=1), tr(hid("c"), "a1", at=2), tr(hid("d"), "a2", at=3)
    edges = [produced(gen.id, g.id), used(a1.id, g.id), produced(a1.id, train.id)]
    edges += [used(a2.id, g.id), produced(a2.id, test.id)]
    st = open_store(tmp_path, [g, train, test, gen, a1, a2], edges)
    r = contamination(st, train.id, test.id)
    assert (r.verdict, r.findings) == ("unknown", [])
    assert [(a.name, a.role) for a in r.shared_ancestors] == [("G", "split")]
    assert r.expected == [f"G ({hid('1')[7:19]}) is the data both sides were split from: expected"]


def test_train_derived_from_test_and_empty_fingerprints(tmp_path: Path) -> None:
    test = Artifact(id=hid("1"), name="test", metadata={"row_fingerprints": []})
    train = Artifact(id=hid("2"), name="train", metadata={"row_fingerprints": [1]})
    t = tr(hid("a"), "augment", at=1)
    st = open_store(tmp_path, [test, train, t], [used(t.id, test.id), produced(t.id, train.id)])
    r = contamination(st, train.id, test.id)
    assert [(f.kind, f.message, f.ids) for f in r.findings] == [
        (
            "train_derived_from_test",
            f"the training set is derived from the test set test ({hid('1')[7:19]})",
            [test.id, train.id],
        )
    ]
    # No test rows: nothing shared, a fraction of 0.
    assert (r.rows.compared, r.rows.test_rows, r.rows.fraction_of_test) == (True, 0, 0.0)
