"""Contamination: leakage (shared rows, one set derived from the other, derived data fed to
both sides) against expected shared origin, on every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from provenance import Tracker
from provenance.analysis.contamination import contamination
from provenance.cli.app import main
from provenance.errors import NotFoundError, ProvenanceError
from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import Artifact, Edge, Transform, short_id
from provenance.store import LineageStore, SQLiteStore
from provenance.store.base import AnyNode
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store


def art(label: str, name: str | None = None, fps: list[int] | None = None) -> Artifact:
    meta = {"row_fingerprints": fps} if fps is not None else {}
    return Artifact(
        id=digest_bytes(label.encode()), name=name or label, kind="dataset", metadata=meta
    )


def write(store: LineageStore, steps: list[tuple[str, list[Artifact], list[Artifact]]]) -> None:
    nodes: dict[str, AnyNode] = {}
    edges: list[Edge] = []
    for op, ins, outs in steps:
        tid = digest_json({"op": op}, domain="t")
        nodes[tid] = Transform(id=tid, operation=op, input_ids=[a.id for a in ins])
        for a in [*ins, *outs]:
            nodes.setdefault(a.id, a)
        edges += [Edge(source=tid, target=a.id, type="USED") for a in ins]
        edges += [Edge(source=tid, target=a.id, type="PRODUCED") for a in outs]
    store.write(list(nodes.values()), [])
    store.write([], edges)


RAW_V1 = art("raw-v1", "raw")
RAW_V2 = art("raw-v2", "raw")
LABELS = art("labels")
TRAIN = art("train", fps=[1, 2, 3, 4])
TEST_A = art("test_a", fps=[3, 3, 5, 9])
TEST_B = art("test_b")
TEST_C = art("test_c")
FEATS = art("feats")


def build(store: LineageStore) -> None:
    """raw v1 --split--> train, test_a        (one split: shared source raw v1)
    raw v2 --prep--> feats --prep2--> test_b   (raw v2: same name "raw", another digest)
    train --subsample--> test_c                (a test set derived from the training set)
    labels --label--> unrelated                (shares nothing with the others)"""
    write(
        store,
        [
            ("split", [RAW_V1], [TRAIN, TEST_A]),
            ("prep", [RAW_V2], [FEATS]),
            ("prep2", [FEATS], [TEST_B]),
            ("subsample", [TRAIN], [TEST_C]),
            ("label", [LABELS], [art("unrelated")]),
        ],
    )


def test_split_shares_source_and_rows(store: LineageStore) -> None:
    build(store)
    r = contamination(store, TRAIN.id, TEST_A.id)
    # ancestry(train) = {train, raw_v1}; ancestry(test_a) = {test_a, raw_v1} -> {raw_v1}
    assert r.shared_count == 1 and r.shared_source_count == 1
    assert [(s.id, s.source, s.nearest) for s in r.shared_ancestors] == [(RAW_V1.id, True, True)]
    assert r.name_matches == []
    # fingerprints train [1,2,3,4], test [3,3,5,9]: test rows 0 and 1 (fp 3) are train row 2
    rows = r.rows
    assert rows.compared and rows.train_rows == 4 and rows.test_rows == 4
    assert rows.test_rows_in_train == 2 and rows.distinct_shared == 1
    assert rows.fraction_of_test == 0.5 and rows.examples == [(0, 2), (1, 2)]
    assert r.verdict == "leakage"
    assert [(f.kind, f.message) for f in r.findings] == [
        ("shared_rows", "2 of 4 test rows (50.0%) are also training rows")
    ]
    # the common source is stated as expected, not as a finding
    assert [s.role for s in r.shared_ancestors] == ["source"]
    assert len(r.expected) == 1 and "common raw source" in r.expected[0]


def test_other_pipeline_version_matched_by_name(store: LineageStore) -> None:
    build(store)
    r = contamination(store, TRAIN.id, TEST_B.id)
    # no digest in common; "raw" is raw_v1 on the train side and raw_v2 on the test side
    assert r.shared_count == 0
    assert [(m.name, m.train_ids, m.test_ids) for m in r.name_matches] == [
        ("raw", [RAW_V1.id], [RAW_V2.id])
    ]
    assert not r.rows.compared and "test_b" in (r.rows.reason or "")
    # nothing in the lineage, but the rows could not be compared
    assert r.verdict == "unknown" and r.findings == []


def test_test_derived_from_train(store: LineageStore) -> None:
    build(store)
    r = contamination(store, TRAIN.id, TEST_C.id)
    # ancestry(test_c) = {test_c, train, raw_v1}; shared {train, raw_v1}; raw_v1 is upstream
    # of train, so only train is "nearest"
    assert r.shared_count == 2 and r.shared_source_count == 1
    assert [(s.name, s.nearest) for s in r.shared_ancestors] == [("train", True), ("raw", False)]
    assert r.verdict == "leakage"
    assert [f.kind for f in r.findings] == ["test_derived_from_train"]


def test_disjoint_and_examples_bound(store: LineageStore) -> None:
    build(store)
    r = contamination(store, LABELS.id, TEST_B.id)
    assert r.verdict == "unknown" and r.shared_count == 0 and r.name_matches == []
    r2 = contamination(store, TRAIN.id, TEST_C.id, examples=1)
    assert r2.shared_count == 2 and len(r2.shared_ancestors) == 1


def test_bad_ids(store: LineageStore) -> None:
    build(store)
    with pytest.raises(NotFoundError):
        contamination(store, TRAIN.id, "blake3:" + "f" * 64)
    tid = digest_json({"op": "split"}, domain="t")
    with pytest.raises(ProvenanceError, match="not an artifact"):
        contamination(store, TRAIN.id, tid)


def test_tracker_rows_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = Tracker(f"{tmp_path}/store/", row_fingerprints=True)
    raw = t.log_artifact(pd.DataFrame({"x": range(10), "y": list("abcdefghij")}), name="raw")
    with t.run("split", inputs=[raw]) as run:
        train = run.output(pd.DataFrame({"x": range(0, 7), "y": list("abcdefg")}), name="train")
        # rows 5 and 6 leak into test
        test = run.output(pd.DataFrame({"x": range(5, 10), "y": list("fghij")}), name="test")
    r = contamination(t.store, train.id, test.id)
    assert r.rows.test_rows_in_train == 2 and r.rows.examples == [(0, 5), (1, 6)]
    assert [s.name for s in r.shared_ancestors] == ["raw"]
    t.close()
    uri = f"{tmp_path}/store/"
    assert main(["contamination", train.id[:14], test.id, "--store", uri, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "leakage"
    assert main(["contamination", train.id, test.id, "--store", uri]) == 0
    assert "2 of 5 test rows" in capsys.readouterr().out
    assert main(["contamination", train.id, "ffff", "--store", uri]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_sqlite_only_helper_store(tmp_path: Path) -> None:
    s = SQLiteStore(f"{tmp_path}/l.sqlite")
    build(s)
    assert contamination(s, TEST_A.id, TRAIN.id).rows.test_rows_in_train == 1  # train fp 3
    s.close()


# --- leakage, not shared origin (with the default Tracker: statistics carry row fingerprints) --
def _users(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user_id": np.arange(n),
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50_000, 12_000, n).round(2),
            "churned": rng.random(n) < 0.3,
        }
    )


def _split(tracker: Tracker, raw_df: pd.DataFrame, leak: int = 0) -> tuple[Any, Any, Any]:
    """raw --split (seeded)--> train, test; ``leak`` test rows also copied into train."""
    raw = tracker.log_artifact(raw_df, name="users")
    order = np.random.default_rng(7).permutation(len(raw_df))
    cut = int(0.75 * len(raw_df))
    train_df, test_df = raw_df.iloc[order[:cut]], raw_df.iloc[order[cut:]]
    if leak:
        train_df = pd.concat([train_df, test_df.iloc[:leak]])
    with tracker.run("split", inputs=[raw], seed=7) as run:
        train = run.output(train_df, name="train")
        test = run.output(test_df, name="test")
    return raw, train, test


def test_clean_seeded_split_is_clean(store: LineageStore) -> None:
    t = Tracker(store)
    raw, train, test = _split(t, _users())
    r = contamination(store, train.id, test.id)
    assert r.verdict == "clean" and r.findings == []
    assert r.rows.compared and not r.rows.sampled
    assert (r.rows.train_rows, r.rows.test_rows, r.rows.test_rows_in_train) == (150, 50, 0)
    # the common source is mentioned, as expected, not as a finding
    assert r.expected == [
        f"users ({short_id(raw.id)}) is the common raw source of both sides: expected for a "
        "split of one source"
    ]
    assert [(s.name, s.role) for s in r.shared_ancestors] == [("users", "source")]


def test_test_rows_duplicated_into_train_are_leakage(store: LineageStore) -> None:
    t = Tracker(store)
    _, train, test = _split(t, _users(), leak=7)
    r = contamination(store, train.id, test.id)
    assert r.verdict == "leakage"
    assert r.rows.test_rows_in_train == 7 and r.rows.distinct_shared == 7
    assert [(f.kind, f.message) for f in r.findings] == [
        ("shared_rows", "7 of 50 test rows (14.0%) are also training rows")
    ]
    assert r.rows.examples[0][1] >= 150  # the copies sit at the end of train


def _scaled(tracker: Tracker, part: Any, scaler: Any, side: str) -> Any:
    with tracker.run("scale", inputs={"data": part, "scaler": scaler}) as run:
        # distinct content per (side, part): equal outputs would be one artifact (by digest)
        return run.output(pd.DataFrame({"side": [side], "part": [part.id]}), name=f"{side}_x")


def test_derived_data_fitted_on_all_rows_and_fed_to_both_sides_is_flagged(
    store: LineageStore,
) -> None:
    """A scaler fitted on every row of the source, then applied to the training and the test
    split: test rows shaped the training features. Fitted on the training split only, it is
    what one should do, and no finding."""
    t = Tracker(store)
    users = _users()
    raw, train_raw, test_raw = _split(t, users)
    with t.run("fit_scaler", inputs=[raw]) as run:  # all rows, test rows included
        scaler = run.output(np.array([users.income.mean(), users.income.std()]), name="scaler")
    train = _scaled(t, train_raw, scaler, "train")
    test = _scaled(t, test_raw, scaler, "test")
    r = contamination(store, train.id, test.id)
    assert r.verdict == "leakage"
    [finding] = r.findings
    assert finding.kind == "derived_fed_both" and finding.ids == [scaler.id, raw.id]
    assert finding.message.startswith(f"scaler ({short_id(scaler.id)}) is derived data that fed")
    roles = {s.name: s.role for s in r.shared_ancestors}
    assert roles == {"scaler": "leak", "users": "source"}

    with t.run("fit_scaler_on_train", inputs=[train_raw]) as run:
        fair = run.output(np.array([1.5, 2.5]), name="fair_scaler")
    train2 = _scaled(t, train_raw, fair, "train2")
    test2 = _scaled(t, test_raw, fair, "test2")
    r2 = contamination(store, train2.id, test2.id)
    # fair_scaler and train (what it was fitted on) feed the test side: shared, expected
    assert {s.name for s in r2.shared_ancestors} == {"fair_scaler", "train", "users"}
    assert r2.findings == [] and r2.verdict == "clean"


def test_split_by_separate_filters_with_a_scaler_fitted_on_one_part(tmp_path: Path) -> None:
    """Train and test selected from cleaned data by two filters (no one split transform);
    a scaler fitted on the training part feeds both: no finding (the training part is a
    selection of the cleaned data's rows, the walk stops there)."""
    t = Tracker(f"{tmp_path}/store/")
    users = _users()
    raw = t.log_artifact(users, name="users")
    with t.run("clean", inputs=[raw]) as run:
        clean = run.output(users[users.age > 20], name="clean")
    cleaned = users[users.age > 20]
    with t.run("take_train", inputs=[clean]) as run:
        train_raw = run.output(cleaned.iloc[:100], name="train_raw")
    with t.run("take_test", inputs=[clean]) as run:
        test_raw = run.output(cleaned.iloc[100:], name="test_raw")
    with t.run("fit", inputs=[train_raw]) as run:
        scaler = run.output(np.array([0.5, 2.0]), name="scaler")
    train = _scaled(t, train_raw, scaler, "train")
    test = _scaled(t, test_raw, scaler, "test")
    r = contamination(t.store, train.id, test.id)
    assert r.findings == [] and r.verdict == "clean"
    # the same filters with the scaler fitted on the cleaned data (all rows): flagged
    with t.run("fit_all", inputs=[clean]) as run:
        leaky = run.output(np.array([0.7, 1.9]), name="leaky_scaler")
    tr, te = _scaled(t, train_raw, leaky, "tr"), _scaled(t, test_raw, leaky, "te")
    r2 = contamination(t.store, tr.id, te.id)
    assert [(f.kind, f.ids) for f in r2.findings] == [("derived_fed_both", [leaky.id, clean.id])]
    t.close()


def test_large_tables_compare_a_consistent_sample(tmp_path: Path) -> None:
    """Above ROW_SAMPLE_SIZE rows the statistics keep a sample of fingerprints chosen by
    content, so both sides keep the same shared rows: the count is an estimate, close."""
    from provenance.hashing.fingerprints import ROW_SAMPLE_SIZE

    n = 4 * ROW_SAMPLE_SIZE
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"k": np.arange(n), "v": rng.normal(size=n)})
    t = Tracker(f"{tmp_path}/store/")
    train = t.log_artifact(df.iloc[: 3 * n // 4], name="train")
    test_df = pd.concat([df.iloc[3 * n // 4 :], df.iloc[:4000]])  # 4000 training rows leak
    test = t.log_artifact(test_df, name="test")
    r = contamination(t.store, train.id, test.id)
    # the training side (30,000 rows) keeps about a third: the common sample is its cut
    assert r.rows.sampled and r.rows.sample_rate == pytest.approx(ROW_SAMPLE_SIZE / (3 * n // 4))
    assert r.verdict == "leakage" and abs(r.rows.test_rows_in_train - 4000) < 600
    assert "estimated from the" in r.findings[0].message
    t.close()
