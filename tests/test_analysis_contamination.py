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
from provenance.errors import NotFoundError, ProvenanceError, TrackingError
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


# --- preprocessing fitted before the split (item 2 of issue 16) --------------------------------
def _features(n: int, seed: int) -> pd.DataFrame:
    """Three float columns drawn at random: no two rows alike, before or after scaling."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(3, 2, size=n), "c": rng.normal(-1, 5, size=n)}
    )


def _standardize(df: pd.DataFrame) -> pd.DataFrame:
    from sklearn.preprocessing import StandardScaler

    return pd.DataFrame(StandardScaler().fit_transform(df), columns=df.columns)


def _split_parts(
    tracker: Tracker, data: Any, df: pd.DataFrame, op: str = "split"
) -> tuple[Any, Any, pd.DataFrame, pd.DataFrame]:
    """One seeded split run: 3/4 of the rows to train, the rest to test."""
    order = np.random.default_rng(11).permutation(len(df))
    cut = 3 * len(df) // 4
    train_df, test_df = df.iloc[order[:cut]], df.iloc[order[cut:]]
    with tracker.run(op, inputs=[data], seed=11) as run:
        train = run.output(train_df, name="train")
        test = run.output(test_df, name="test")
    return train, test, train_df, test_df


def test_scaler_fitted_on_every_row_then_split_is_leakage(store: LineageStore) -> None:
    """The most common leak: StandardScaler fitted on the whole table inside a run block (no
    flag: the fit is seen), its output split. The 50 test rows (200 - 150) are all rows the
    scaler was fitted on."""
    from sklearn.preprocessing import StandardScaler

    t = Tracker(store)
    df = _features(200, 1)
    raw = t.log_artifact(df, name="features")
    with t.run("scale", inputs=[raw]) as scale:
        scaled_df = _standardize(df)
        scaled = scale.output(scaled_df, name="scaled")
    train, test, _, _ = _split_parts(t, scaled, scaled_df)
    meta = t.get(scale.transform_id).metadata
    module = StandardScaler.__module__
    assert meta["fits_on_rows"] is True
    assert meta["fitted_estimators"] == [
        {
            "class": f"{module}.StandardScaler",
            "methods": ["fit_transform"],
            "calls": 1,
            "rows": 200,
            "fitted": True,
        }
    ]
    r = contamination(store, train.id, test.id)
    assert r.verdict == "leakage"
    [f] = r.findings
    assert f.kind == "fitted_before_split" and f.fit is not None
    assert f.fit.transform_id == scale.transform_id and f.fit.operation == "scale"
    assert f.fit.estimators == ["StandardScaler"]
    assert (f.fit.fitted_on, f.fit.reaches_train) == ([raw.id], [scaled.id])
    assert (f.fit.test_rows_seen, f.fit.test_rows, f.fit.basis) == (50, 50, "lineage")
    assert f.ids == [raw.id, scaled.id]
    assert f.message == (
        f"preprocessing fitted before the split: scale ({short_id(scale.transform_id)}) fitted "
        f"StandardScaler on features ({short_id(raw.id)}), which holds test rows, and its "
        "output reaches the training set; it saw all 50 test rows (each derives from data it "
        "was fitted on)"
    )
    # the scaled table is the leak, not "the data both sides were split from: expected"
    assert {s.name: s.role for s in r.shared_ancestors} == {"scaled": "leak", "features": "source"}
    assert r.expected == [
        f"features ({short_id(raw.id)}) is the common raw source of both sides: expected for a "
        "split of one source"
    ]
    # no row is on both sides: the leak is the fit, which the rows alone would call clean
    assert r.rows.compared and r.rows.test_rows_in_train == 0


def test_fit_hidden_steps_before_the_split_is_caught(store: LineageStore) -> None:
    """fit on all rows -> column selection -> row filter -> split: the fit's output reaches
    both sides through two more steps. The filter keeps 180 rows: 135 train, 45 test."""
    t = Tracker(store)
    df = _features(200, 2)
    raw = t.log_artifact(df, name="features")
    with t.run("scale", inputs=[raw]) as scale:
        scaled_df = _standardize(df)
        scaled = scale.output(scaled_df, name="scaled")
    with t.run("select", inputs=[scaled]) as run:
        selected_df = scaled_df[["a", "b"]]
        selected = run.output(selected_df, name="selected")
    with t.run("filter", inputs=[selected]) as run:
        kept_df = selected_df.iloc[:180]
        kept = run.output(kept_df, name="kept")
    train, test, _, test_df = _split_parts(t, kept, kept_df)
    assert len(test_df) == 45
    r = contamination(store, train.id, test.id)
    assert r.verdict == "leakage"
    assert [(f.kind, f.fit and f.fit.transform_id) for f in r.findings] == [
        ("fitted_before_split", scale.transform_id)
    ]
    fit = r.findings[0].fit
    assert fit is not None and (fit.fitted_on, fit.test_rows_seen, fit.basis) == (
        [raw.id],
        45,
        "lineage",
    )
    roles = {s.name: s.role for s in r.shared_ancestors}
    assert roles == {
        "scaled": "leak",
        "selected": "upstream",
        "kept": "split",
        "features": "source",
    }


def test_scaler_fitted_on_the_training_split_only_is_clean(store: LineageStore) -> None:
    """Split first, fit on the training part (its output: the fitted scaler, a model), apply
    it to the test part: what one should do. Also with the fitted parameters kept as an
    array (declared fits_on_rows): still clean."""
    from sklearn.preprocessing import StandardScaler

    t = Tracker(store)
    df = _features(200, 3)
    raw = t.log_artifact(df, name="features")
    train_raw, test_raw, train_df, test_df = _split_parts(t, raw, df)
    with t.run("fit_transform", inputs=[train_raw]) as fit:
        scaler = StandardScaler().fit(train_df)
        model = fit.output(scaler, name="scaler")
        train = fit.output(pd.DataFrame(scaler.transform(train_df), columns=df.columns), name="x")
    with t.run("apply", inputs={"data": test_raw, "scaler": model}) as run:
        test = run.output(pd.DataFrame(scaler.transform(test_df), columns=df.columns), name="y")
    assert t.get(fit.transform_id).metadata["fits_on_rows"] is True  # the fit was seen
    r = contamination(store, train.id, test.id)
    assert r.findings == [] and r.verdict == "clean"

    # the same by hand: mean and std of the training rows as an array, declared
    with t.run("fit_params", inputs=[train_raw], fits_on_rows=True) as run:
        params = run.output(np.vstack([train_df.mean(), train_df.std()]), name="params")
    scaled_sides = []
    for side, part, part_df in (("train", train_raw, train_df), ("test", test_raw, test_df)):
        with t.run(f"apply_{side}", inputs={"data": part, "params": params}) as run:
            out_df = (part_df - train_df.mean()) / train_df.std()
            scaled_sides.append(run.output(out_df, name=f"{side}_scaled"))
    r2 = contamination(store, scaled_sides[0].id, scaled_sides[1].id)
    assert r2.findings == [] and r2.verdict == "clean"


def test_model_fitted_on_both_sides_applied_to_each_is_one_finding(store: LineageStore) -> None:
    """A scaler fitted on every row (seen, output: the fitted scaler) and applied to the
    training and the test split: leakage, reported once, as the fit (not again as derived
    data fed to both sides)."""
    from sklearn.preprocessing import StandardScaler

    t = Tracker(store)
    df = _features(120, 4)
    raw = t.log_artifact(df, name="features")
    train_raw, test_raw, train_df, test_df = _split_parts(t, raw, df)
    with t.run("fit_all", inputs=[raw]) as fit:
        scaler = StandardScaler().fit(df)
        model = fit.output(scaler, name="scaler")
    # a model logged on its own (no run made it) holds no rows: the test rows still all
    # derive from what the scaler saw
    pretrained = t.log_model(StandardScaler().fit(_features(10, 40)), name="pretrained")
    sides = []
    for side, part, part_df in (("train", train_raw, train_df), ("test", test_raw, test_df)):
        used = {"data": part, "scaler": model, "pretrained": pretrained}
        with t.run(f"apply_{side}", inputs=used) as run:
            out = pd.DataFrame(scaler.transform(part_df), columns=df.columns)
            sides.append(run.output(out, name=f"{side}_x"))
    r = contamination(store, sides[0].id, sides[1].id)
    assert r.verdict == "leakage"
    assert [f.kind for f in r.findings] == ["fitted_before_split"]
    fit_run = r.findings[0].fit
    assert fit_run is not None
    assert (fit_run.transform_id, fit_run.fitted_on, fit_run.reaches_train) == (
        fit.transform_id,
        [raw.id],
        [model.id],
    )
    assert (fit_run.test_rows_seen, fit_run.basis) == (30, "lineage")  # 120 - 90
    assert {s.name: s.role for s in r.shared_ancestors}["scaler"] == "leak"


def test_declared_and_overridden_fits(store: LineageStore) -> None:
    """A fit the block does not show (pandas arithmetic) needs fits_on_rows=True; without
    it the lineage cannot tell it from a row-wise step. fits_on_rows=False wins over a fit
    that is seen (its estimators are still listed)."""
    t = Tracker(store)
    verdicts = {}
    for i, (op, flag) in enumerate(
        (("normalise", None), ("normalise_declared", True), ("scale_declared_not", False))
    ):
        df = _features(80, 10 + i)
        raw = t.log_artifact(df, name=f"features{i}")
        with t.run(op, inputs=[raw], fits_on_rows=flag) as run:
            out_df = (df - df.mean()) / df.std() if flag is not False else _standardize(df)
            out = run.output(out_df, name=f"normalised{i}")
        train, test, _, _ = _split_parts(t, out, out_df, op=f"split{i}")
        verdicts[op] = [f.kind for f in contamination(store, train.id, test.id).findings]
        meta = t.get(run.transform_id).metadata
        if flag is None:
            assert "fits_on_rows" not in meta and "fitted_estimators" not in meta
        else:
            assert meta["fits_on_rows"] is flag
    assert verdicts == {
        "normalise": [],
        "normalise_declared": ["fitted_before_split"],
        "scale_declared_not": [],
    }
    assert [e["methods"] for e in meta["fitted_estimators"]] == [["fit_transform"]]
    with pytest.raises(TrackingError, match="fits_on_rows"):
        t.run("bad", fits_on_rows="yes")  # type: ignore[arg-type]


def test_fit_and_split_in_one_run(store: LineageStore) -> None:
    """One run scales every row and splits them: its training output carries the rows it
    fitted on, the test output too (fewer rows, the same columns)."""
    t = Tracker(store)
    df = _features(100, 5)
    raw = t.log_artifact(df, name="features")
    with t.run("scale_and_split", inputs=[raw]) as run:
        scaled = _standardize(df)
        train = run.output(scaled.iloc[:80], name="train")
        test = run.output(scaled.iloc[80:], name="test")
    r = contamination(store, train.id, test.id)
    assert [(f.kind, f.fit and f.fit.test_rows_seen) for f in r.findings] == [
        ("fitted_before_split", 20)
    ]


def test_test_rows_seen_by_fingerprint(store: LineageStore) -> None:
    """A test set of 40 split rows plus 10 fresh rows from another source: not every test row
    derives from the fitted data, so the count is the test rows found among the rows of the
    fit's output: 40 of 50."""
    t = Tracker(store)
    df = _features(160, 6)
    raw = t.log_artifact(df, name="features")
    with t.run("scale", inputs=[raw]) as scale:
        scaled_df = _standardize(df)
        scaled = scale.output(scaled_df, name="scaled")
    train, test_part, _, part_df = _split_parts(t, scaled, scaled_df)
    fresh_df = _features(10, 7)
    fresh = t.log_artifact(fresh_df, name="fresh")
    with t.run("append", inputs=[test_part, fresh]) as run:
        test = run.output(pd.concat([part_df, fresh_df]), name="test_plus")
    r = contamination(store, train.id, test.id)
    [f] = r.findings
    assert f.fit is not None
    assert (f.fit.test_rows_seen, f.fit.test_rows, f.fit.basis) == (40, 50, "fingerprints")
    assert f.message.endswith("it saw 40 of 50 test rows (by row fingerprint)")


#: Small pipelines: steps before the split (on all rows) and after it (on each side).
_PRE = [(), ("fit",), ("map",), ("fit", "map"), ("map", "fit"), ("fit", "fit"), ("map", "map")]
_POST = [(), ("map",), ("fit",), ("fit_all",)]


def _expected_fits(pre: tuple[str, ...], post: tuple[str, ...]) -> set[str]:
    """The oracle: a fit before the split (on all rows) or fitted on the pre-split data and
    applied after it leaks; a fit on the training side applied to the test side does not."""
    found = {f"pre{i}" for i, step in enumerate(pre) if step == "fit"}
    return found | {"fit_all" for step in post if step == "fit_all"}


def _fit_step(
    t: Tracker, op: str, data: Any, df: pd.DataFrame, declared: bool
) -> tuple[Any, Any, pd.DataFrame, Any]:
    """A fitting run: (its transformed output, the fitted state as an artifact, the frame,
    a function applying the fit to another frame). ``declared``: pandas statistics and
    fits_on_rows=True; else a StandardScaler, seen."""
    from sklearn.preprocessing import StandardScaler

    with t.run(op, inputs=[data], fits_on_rows=True if declared else None) as run:
        if declared:
            mean, std = df.mean(), df.std()
            state = run.output(np.vstack([mean, std]), name=f"{op}_params")

            def apply(other: pd.DataFrame) -> pd.DataFrame:
                return (other - mean) / std
        else:
            scaler = StandardScaler().fit(df)
            state = run.output(scaler, name=f"{op}_scaler")

            def apply(other: pd.DataFrame) -> pd.DataFrame:
                return pd.DataFrame(scaler.transform(other), columns=other.columns)

        out_df = apply(df)
        out = run.output(out_df, name=op)
    return out, state, out_df, apply


def _map_df(df: pd.DataFrame) -> pd.DataFrame:
    """A row-wise step that fits nothing: drop the last column (or double a single one)."""
    return df.iloc[:, :-1] if df.shape[1] > 1 else df * 2.0


def test_where_the_fit_sits_relative_to_the_split(store: LineageStore) -> None:
    """Every small pipeline (fits and row-wise maps before the split; nothing, a map, a fit
    on the training side applied to the test side, or a fit on the pre-split data applied
    to each side after it), half of the fits seen and half declared: the findings are
    exactly the fits the oracle names, and each saw every test row."""
    t = Tracker(store)
    checked = 0
    for n, (pre, post) in enumerate((p, q) for p in _PRE for q in _POST):
        df = _features(24, 100 + n)  # distinct content per pipeline: no node is shared
        cur = t.log_artifact(df, name="raw")
        ops: dict[str, str] = {}
        for i, step in enumerate(pre):
            op = f"p{n}.pre{i}"
            if step == "fit":
                cur, _, df, _ = _fit_step(t, op, cur, df, declared=(n + i) % 2 == 0)
                ops[t.store.find_transforms(operation=op)[0].id] = f"pre{i}"
            else:
                with t.run(op, inputs=[cur]) as run:
                    df = _map_df(df)
                    cur = run.output(df, name=op)
        before, before_df = cur, df
        train, test, train_df, test_df = _split_parts(t, cur, df, op=f"p{n}.split")
        for step in post:
            op = f"p{n}.{step}"
            if step == "map":
                sides = []
                for side, part, part_df in (("tr", train, train_df), ("te", test, test_df)):
                    with t.run(f"{op}.{side}", inputs=[part]) as run:
                        sides.append(run.output(_map_df(part_df), name=f"{op}.{side}"))
                train, test = sides
                continue
            fit_on, fit_df = (train, train_df) if step == "fit" else (before, before_df)
            out, state, _, apply = _fit_step(t, op, fit_on, fit_df, declared=n % 2 == 1)
            ops[t.store.find_transforms(operation=op)[0].id] = step
            if step == "fit":
                train = out
            else:
                with t.run(f"{op}.tr", inputs={"data": train, "state": state}) as run:
                    train = run.output(apply(train_df), name=f"{op}.tr")
            with t.run(f"{op}.te", inputs={"data": test, "state": state}) as run:
                test = run.output(apply(test_df), name=f"{op}.te")
        expected = _expected_fits(pre, post)
        r = contamination(store, train.id, test.id)
        got = {ops[f.fit.transform_id] for f in r.findings if f.fit is not None}
        assert got == expected, (pre, post, [f.message for f in r.findings])
        assert all(f.kind == "fitted_before_split" for f in r.findings), (pre, post)
        assert r.verdict == ("leakage" if expected else "clean"), (pre, post)
        for f in r.findings:
            assert f.fit is not None and (f.fit.test_rows_seen, f.fit.basis) == (6, "lineage")
        checked += 1
    assert checked == len(_PRE) * len(_POST)


def test_fitted_before_split_on_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"{tmp_path}/store/"
    t = Tracker(uri)
    df = _features(40, 8)
    raw = t.log_artifact(df, name="features")
    with t.run("scale", inputs=[raw]) as run:
        scaled_df = _standardize(df)
        scaled = run.output(scaled_df, name="scaled")
    train, test, _, _ = _split_parts(t, scaled, scaled_df)
    t.close()
    assert main(["contamination", train.id, test.id, "--store", uri, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "leakage"
    assert [
        (f["kind"], f["fit"]["estimators"], f["fit"]["test_rows_seen"]) for f in report["findings"]
    ] == [("fitted_before_split", ["StandardScaler"], 10)]
    assert main(["contamination", train.id, test.id, "--store", uri]) == 0
    out = capsys.readouterr().out
    assert "preprocessing fitted before the split" in out and "Fitted before the split" in out
