from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from provenance import (
    AmbiguousIdError,
    Artifact,
    InvalidStoreURIError,
    Model,
    NotFoundError,
    Tracker,
    TrackingError,
    UnreadableInputError,
    UnsupportedTypeError,
)
from provenance.cli.app import main
from provenance.hashing import digest_blob
from provenance.model import Transform
from provenance.store import LineageStore, SQLiteStore
from tests import test_parity

store = test_parity.store  # the two-backend fixture: sqlite and neo4j


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    t = Tracker(f"{tmp_path}/store/")
    yield t  # type: ignore[misc]
    t.close()


def frame(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": np.arange(n), "x": np.linspace(0, 1, n), "s": [f"r{i}" for i in range(n)]}
    )


def test_log_every_supported_kind(tracker: Tracker, tmp_path: Path) -> None:
    f = tmp_path / "data.csv"
    frame().to_csv(f, index=False)
    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.txt").write_text("a")
    cases = {
        "frame": (frame(), "dataset"),
        "array": (np.arange(6).reshape(2, 3), "array"),
        "bytes": (b"hello", "bytes"),
        "file": (f, "file"),
        "directory": (d, "directory"),
        "weights": ({"w": np.ones((2, 2)), "b": np.zeros(2)}, "model"),
    }
    ids = set()
    for name, (obj, kind) in cases.items():
        a = tracker.log_artifact(obj, name=name)
        assert a.kind == kind and a.name == name and a.id.startswith("blake3:")
        ids.add(a.id)
        assert tracker.get(a.id) == a
    assert len(ids) == len(cases)
    df_art = tracker.get(tracker.log_artifact(frame(), name="frame").id)
    assert isinstance(df_art, Artifact) and df_art.row_count == 5
    assert df_art.feature_stats is not None
    weights = tracker.log_artifact({"w": np.ones((2, 2)), "b": np.zeros(2)}, name="weights")
    assert isinstance(weights, Model) and weights.parameter_count == 6
    file_art = tracker.log_artifact(f, name="file")
    assert file_art.uri == f.resolve().as_uri()


def test_log_artifact_metadata_and_governance(tracker: Tracker) -> None:
    a = tracker.log_artifact(
        frame(),
        name="users",
        license="CC-BY-4.0",
        contains_pii=True,
        owner="crm",
        source_system="salesforce",
    )
    assert (a.license, a.contains_pii, a.owner) == ("CC-BY-4.0", True, "crm")
    assert a.metadata["source_system"] == "salesforce"


def test_logging_twice_creates_nothing_new(tracker: Tracker) -> None:
    a1 = tracker.log_artifact(frame(), name="f")
    counts = tracker.store.counts()
    a2 = tracker.log_artifact(frame(), name="f")
    assert a1.id == a2.id and tracker.store.counts() == counts


def test_multi_input_join_and_ancestry(tracker: Tracker) -> None:
    users = tracker.log_artifact(frame(), name="users")
    events = tracker.log_artifact(np.arange(10), name="events")
    with tracker.run("join", inputs={"users": users, "events": events}, params={"on": "id"}) as run:
        joined = run.output(frame(7), name="joined")
    up = tracker.ancestry(joined.id)
    assert {a.name for a in up.artifacts} == {"users", "events", "joined"}
    (t,) = up.transforms
    assert t.operation == "join" and t.status == "succeeded" and t.hyperparameters == {"on": "id"}
    assert sorted(t.input_ids) == sorted([users.id, events.id])
    roles = {e.role for e in up.edges if e.type == "USED"}
    assert roles == {"users", "events"}
    (cv,) = up.code_versions
    assert cv.entrypoint is not None and cv.entrypoint.endswith(
        "test_multi_input_join_and_ancestry"
    )
    assert t.environment is not None and t.environment.python
    assert t.started_at and t.ended_at and t.ended_at >= t.started_at
    down = tracker.descendants(users.id)
    assert {a.name for a in down.artifacts} == {"users", "joined"}


def test_failed_run_recorded_without_outputs(tracker: Tracker) -> None:
    src = tracker.log_artifact(b"src", name="src")
    with pytest.raises(RuntimeError, match="boom"), tracker.run("explode", inputs=[src]) as run:
        run.output(b"half", name="half")
        raise RuntimeError("boom")
    t = tracker.get(run.transform_id)
    assert t.status == "failed" and "boom" in (t.error or "")  # type: ignore[union-attr]
    assert tracker.outputs_of(run.transform_id) == []
    assert tracker.store.resolve(run.outputs[0].id.split(":")[1]) == []  # never written
    # The same work succeeding later upgrades the record.
    with tracker.run("explode", inputs=[src]) as run2:
        run2.output(b"half", name="half")
    assert run2.transform_id == run.transform_id
    assert tracker.get(run.transform_id).status == "succeeded"  # type: ignore[union-attr]


def test_recording_same_work_twice_is_memoized(tracker: Tracker) -> None:
    src = tracker.log_artifact(b"src", name="src")
    with tracker.run("upper", inputs=[src], params={"mode": "ascii"}) as r1:
        assert not r1.memoized
        out = r1.output(b"SRC", name="out")
    counts = tracker.store.counts()
    with tracker.run("upper", inputs=[src], params={"mode": "ascii"}) as r2:
        assert r2.memoized and [a.id for a in r2.previous_outputs] == [out.id]
        r2.output(b"SRC", name="out")
    assert r2.transform_id == r1.transform_id and tracker.store.counts() == counts
    with tracker.run("upper", inputs=[src], params={"mode": "utf8"}) as r3:
        assert not r3.memoized


def test_seeded_run_is_reproducible_and_isolated(tracker: Tracker) -> None:
    src = tracker.log_artifact(b"src", name="src")
    random.seed(99)
    before = random.random()
    random.seed(99)
    draws = []
    for _ in range(2):
        with tracker.run("sample", inputs=[src], seed=42) as run:
            draws.append((random.random(), float(np.random.random())))
            run.output(b"sample", name="sample")
    assert draws[0] == draws[1]
    assert random.random() == before  # caller's RNG state restored
    t = tracker.get(run.transform_id)
    assert t.seed_state and t.seed_state.master_seed == 42  # type: ignore[union-attr]
    assert t.seed_state.reproducibility == "seeded"  # type: ignore[union-attr]
    with tracker.run("sample", inputs=[src], seed=43) as other:
        pass
    assert other.transform_id != run.transform_id


def test_one_artifact_two_producers(tracker: Tracker) -> None:
    a = tracker.log_artifact(b"a", name="a")
    b = tracker.log_artifact(b"b", name="b")
    with tracker.run("normalize", inputs=[a]) as r1:
        out1 = r1.output(b"same", name="same")
    with tracker.run("dedupe", inputs=[b]) as r2:
        out2 = r2.output(b"same", name="same")
    assert out1.id == out2.id
    up = tracker.ancestry(out1.id)
    assert {t.operation for t in up.transforms} == {"normalize", "dedupe"}
    assert {s.name for s in up.sources()} == {"a", "b"}


def test_transform_that_uses_and_produces_same_digest(tracker: Tracker) -> None:
    x = tracker.log_artifact(b"x", name="x")
    with tracker.run("noop", inputs=[x]) as run:
        same = run.output(b"x", name="x")
    assert same.id == x.id
    up = tracker.ancestry(x.id)
    assert {n.id for n in up.transforms} == {run.transform_id}
    assert {e.type for e in up.edges if e.source == run.transform_id} == {"USED", "PRODUCED", "RAN"}
    assert tracker.descendants(x.id).node_ids >= {x.id, run.transform_id}


def test_model_used_by_inference(tracker: Tracker) -> None:
    w = tracker.log_artifact({"w": np.ones(3)}, name="clf")
    data = tracker.log_artifact(np.ones((2, 3)), name="batch")
    with tracker.run("inference", inputs=[data], model=w) as run:
        preds = run.output(np.array([1.0, 1.0]), name="preds", kind="predictions")
    up = tracker.ancestry(preds.id)
    assert any(e.type == "USED_MODEL" and e.target == w.id for e in up.edges)
    assert up.transforms[0].model_id == w.id
    assert preds.id in tracker.descendants(w.id).node_ids


def test_decorator_records_inputs_params_outputs(tracker: Tracker) -> None:
    @tracker.transform("scale", seed=3)
    def scale(xs: np.ndarray, factor: float = 2.0) -> np.ndarray:
        return xs * factor + np.random.random()

    r1 = scale(np.arange(4.0), factor=3.0)
    out = tracker.last_outputs[0]
    r2 = scale(np.arange(4.0), factor=3.0)
    assert np.array_equal(r1, r2)  # seeded
    up = tracker.ancestry(out.id)
    (t,) = up.transforms
    assert t.hyperparameters == {"factor": 3.0} and t.operation == "scale"
    assert {a.name for a in up.artifacts} == {"scale.xs", "scale"}
    assert up.code_versions[0].entrypoint.endswith("scale")  # type: ignore[union-attr]


def test_prefix_resolution(tracker: Tracker) -> None:
    a = tracker.log_artifact(b"prefix", name="p")
    hexpart = a.id.split(":")[1]
    assert tracker.get(hexpart[:8]).id == a.id
    assert tracker.get("blake3:" + hexpart[:8]).id == a.id
    with pytest.raises(NotFoundError):
        tracker.get("0000000000")
    with pytest.raises(NotFoundError):
        tracker.get("zz")
    # Two stored ids sharing the prefix "abcd" make it ambiguous.
    tracker.store.write(
        [
            Artifact(id="blake3:abcd" + "0" * 60, name="one"),
            Artifact(id="blake3:abcd" + "1" * 60, name="two"),
        ],
        [],
    )
    with pytest.raises(AmbiguousIdError, match="ambiguous"):
        tracker.get("abcd")
    assert tracker.get("abcd1").name == "two"


def test_bad_input(tracker: Tracker, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedTypeError):
        tracker.log_artifact(object(), name="x")
    with pytest.raises(UnreadableInputError):
        tracker.log_artifact(tmp_path / "missing.csv", name="x")
    with pytest.raises(TrackingError):
        tracker.log_artifact(b"x", name="")
    src = tracker.log_artifact(b"s", name="s")
    with pytest.raises(TrackingError):
        tracker.run("op", inputs=[src], params={"f": object()})
    with pytest.raises(TrackingError):
        tracker.run("op", inputs=[pd.DataFrame()])  # type: ignore[list-item]
    with tracker.run("op", inputs=[src]) as run:
        pass
    with pytest.raises(TrackingError):
        run.output(b"late", name="late")
    with pytest.raises(TrackingError):
        tracker.ancestry(src.id, depth=-1)
    before = tracker.store.counts()
    with pytest.raises(UnsupportedTypeError), tracker.run("op2", inputs=[src]) as run:
        run.output(object(), name="bad")
    # The failed run is recorded as failed, nothing else appears.
    after = tracker.store.counts()
    assert after["Transform"] == before["Transform"] + 1
    assert after.get("PRODUCED", 0) == before.get("PRODUCED", 0)


def test_store_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROVENANCE_STORE", raising=False)
    with Tracker() as t:
        t.log_artifact(b"x", name="x")
    assert (tmp_path / ".provenance" / "lineage.sqlite").is_file()
    monkeypatch.setenv("PROVENANCE_STORE", f"sqlite://{tmp_path}/env.sqlite")
    with Tracker() as t:
        t.log_artifact(b"x", name="x")
    assert (tmp_path / "env.sqlite").is_file()
    with Tracker(f"sqlite://{tmp_path}/arg.sqlite") as t:
        assert t.store.uri.endswith("arg.sqlite")
    with pytest.raises(InvalidStoreURIError):
        Tracker("mongodb://nope")
    assert not os.path.exists(tmp_path / "mongodb:")


def test_sha256_tracker(tmp_path: Path) -> None:
    with Tracker(f"{tmp_path}/s/", algo="sha256") as t:
        a = t.log_artifact(b"abc", name="abc")
        assert a.id == digest_blob(b"abc", "sha256") and a.id.startswith("sha256:")
        assert a.id != Tracker(f"{tmp_path}/b/").log_artifact(b"abc", name="abc").id
        with t.run("op", inputs=[a]) as run:
            pass
        assert run.transform_id.startswith("sha256:")


def test_architecture_hash_enters_model_identity(tracker: Tracker) -> None:
    weights = {"w": np.ones((2, 2)), "b": np.zeros(2)}
    a = tracker.log_artifact(weights, name="m", architecture_hash="blake3:" + "a" * 64)
    b = tracker.log_artifact(weights, name="m", architecture_hash="blake3:" + "b" * 64)
    plain = tracker.log_artifact(weights, name="m")
    assert len({a.id, b.id, plain.id}) == 3
    assert isinstance(a, Model) and a.architecture_hash == "blake3:" + "a" * 64
    with pytest.raises(TrackingError, match="architecture_hash"):
        tracker.log_artifact(np.ones(3), name="not-a-model", architecture_hash="x")


def test_duration_is_the_users_code_not_the_trackers(
    store: LineageStore, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    tracker = Tracker(store)
    n = 1_000_000  # string values: digest and statistics take about a second
    big = pd.DataFrame({"s": [f"row-{i}" for i in range(n)], "x": np.arange(n, dtype=float)})
    user_s = output_s = 0.0
    with tracker.run("scale", cost={"amount": 1.0}) as run:
        t0 = time.perf_counter()
        time.sleep(0.1)  # the user's code, before and after an output
        user_s += time.perf_counter() - t0
        t1 = time.perf_counter()
        run.output(big, name="big")
        output_s += time.perf_counter() - t1
        t2 = time.perf_counter()
        time.sleep(0.1)
        user_s += time.perf_counter() - t2
    margin = 0.15  # scheduling slack allowed on the user's time
    # The output must take longer than the slack, else the bound below proves nothing (it
    # depends on the machine's speed: a precondition of the test, not a speed claim).
    assert output_s > margin
    t = store.get(run.transform_id)
    assert isinstance(t, Transform) and t.duration_s is not None
    assert user_s <= t.duration_s < user_s + margin
    assert t.cost is not None and t.cost.duration_s == t.duration_s
    overhead = t.metadata["tracking_overhead_s"]
    assert overhead >= output_s
    uri = (
        store.uri
        if isinstance(store, SQLiteStore)
        else request.getfixturevalue("neo4j_server").store_uri
    )
    capsys.readouterr()
    assert main(["show", run.transform_id, "--store", uri]) == 0
    assert "tracking_overhead_s" in capsys.readouterr().out


def test_decorator_duration_leaves_out_logging_the_inputs(tracker: Tracker) -> None:
    n = 1_500_000
    big = pd.DataFrame({"s": [f"row-{i}" for i in range(n)], "x": np.arange(n, dtype=float)})

    @tracker.transform("head")
    def head(df: pd.DataFrame) -> pd.DataFrame:
        time.sleep(0.05)
        return df.head(3)

    t0 = time.perf_counter()
    head(big)
    total = time.perf_counter() - t0
    out = tracker.last_outputs[0]
    (t,) = [x for x in tracker.ancestry(out.id).transforms if x.operation == "head"]
    assert t.duration_s is not None
    # Precondition, not a speed claim: logging the input took measurably longer than the
    # user's code, so a duration that included it would be told apart.
    assert total - t.duration_s > 0.1, f"logging the input took only {total - t.duration_s:.3f} s"
    assert 0.05 <= t.duration_s < 0.2
    # the overhead is the rest of the call, less the write of the run itself (not timed)
    assert total - t.duration_s - 0.15 < t.metadata["tracking_overhead_s"] < total
