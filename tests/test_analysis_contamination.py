"""Contamination: shared ancestry (by digest and by name) and shared rows, on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from provenance import Tracker
from provenance.analysis.contamination import contamination
from provenance.cli.app import main
from provenance.errors import NotFoundError, ProvenanceError
from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import Artifact, Edge, Transform
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
    assert r.verdict == "shared_rows"


def test_other_pipeline_version_matched_by_name(store: LineageStore) -> None:
    build(store)
    r = contamination(store, TRAIN.id, TEST_B.id)
    # no digest in common; "raw" is raw_v1 on the train side and raw_v2 on the test side
    assert r.shared_count == 0
    assert [(m.name, m.train_ids, m.test_ids) for m in r.name_matches] == [
        ("raw", [RAW_V1.id], [RAW_V2.id])
    ]
    assert not r.rows.compared and "test_b" in (r.rows.reason or "")
    assert r.verdict == "shared_ancestry"


def test_test_derived_from_train(store: LineageStore) -> None:
    build(store)
    r = contamination(store, TRAIN.id, TEST_C.id)
    # ancestry(test_c) = {test_c, train, raw_v1}; shared {train, raw_v1}; raw_v1 is upstream
    # of train, so only train is "nearest"
    assert r.shared_count == 2 and r.shared_source_count == 1
    assert [(s.name, s.nearest) for s in r.shared_ancestors] == [("train", True), ("raw", False)]
    assert r.verdict == "shared_ancestry"


def test_disjoint_and_examples_bound(store: LineageStore) -> None:
    build(store)
    r = contamination(store, LABELS.id, TEST_B.id)
    assert r.verdict == "disjoint" and r.shared_count == 0 and r.name_matches == []
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
    assert json.loads(capsys.readouterr().out)["verdict"] == "shared_rows"
    assert main(["contamination", train.id, test.id, "--store", uri]) == 0
    assert "2 of 5 test rows" in capsys.readouterr().out
    assert main(["contamination", train.id, "ffff", "--store", uri]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_sqlite_only_helper_store(tmp_path: Path) -> None:
    s = SQLiteStore(f"{tmp_path}/l.sqlite")
    build(s)
    assert contamination(s, TEST_A.id, TRAIN.id).rows.test_rows_in_train == 1  # train fp 3
    s.close()
