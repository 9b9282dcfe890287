"""The object store (provenance/objects.py): every kind round-trips to its digest, dedup,
atomic writes, corruption detection, 8 concurrent writers, the tracker's keep policy,
load_artifact, verify/replay restoring inputs, gc and erasure, on both backends."""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import provenance
from provenance import Tracker, load_artifact
from provenance.analysis.erasure import erase
from provenance.analysis.verify import verify
from provenance.errors import CorruptObjectError, ObjectNotFoundError, ObjectStoreError
from provenance.hashing import digest_object
from provenance.objects import ObjectStore, collect_garbage
from provenance.store import LineageStore
from tests import test_parity

store = test_parity.store


@pytest.fixture
def objects_env(store: LineageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The object directory of ``store``: beside an SQLite file (the default, unset env), a
    private directory for Neo4j (``PROVENANCE_OBJECTS``)."""
    monkeypatch.delenv("PROVENANCE_OBJECTS", raising=False)
    monkeypatch.delenv("PROVENANCE_KEEP", raising=False)
    if store.uri.startswith("sqlite://"):
        return tmp_path / "objects"
    root = tmp_path / "neo4j-objects"
    monkeypatch.setenv("PROVENANCE_OBJECTS", str(root))
    return root


@pytest.fixture
def tracker(store: LineageStore, objects_env: Path) -> Iterator[Tracker]:
    t = Tracker(store)
    assert t.objects.root.resolve() == objects_env.resolve()
    yield t


def _tree(root: Path) -> Path:
    d = root / "tree"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("alpha")
    (d / "sub" / "b.bin").write_bytes(bytes(range(256)))
    run = d / "run.sh"
    run.write_text("#!/bin/sh\n")
    run.chmod(0o755)
    os.symlink("a.txt", d / "link")
    return d


def _kinds(tmp: Path) -> dict[str, Any]:
    from sklearn.linear_model import LinearRegression

    f = tmp / "data.csv"
    f.write_text("a,b\n1,x\n")
    return {
        "bytes": b"\x00raw bytes\xff",
        "file": f,
        "directory": _tree(tmp),
        "pandas": pd.DataFrame(
            {"i": [3, 1, 2], "s": ["x", None, "z"], "f": [1.5, float("nan"), -0.0]},
            index=[10, 20, 30],
        ),
        "arrow": pa.table({"a": [1, 2], "b": ["p", "q"]}),
        "array": np.arange(12, dtype=np.float32).reshape(3, 4),
        "bool-array": np.array([[True, False]]),
        "json": {"lr": 0.1, "layers": [1, 2]},
        "state-dict": {"w": np.ones((2, 3), np.float32), "b": np.zeros(3, np.float32)},
        "sklearn": LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.5]),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "bytes",
        "file",
        "directory",
        "pandas",
        "arrow",
        "array",
        "bool-array",
        "json",
        "state-dict",
        "sklearn",
    ],
)
def test_every_kind_round_trips_to_its_digest(kind: str, tmp_path: Path) -> None:
    obj = _kinds(tmp_path)[kind]
    oid = digest_object(obj).digest
    objects = ObjectStore(tmp_path / "objects")
    assert objects.put(obj, oid) is True
    value = objects.get(oid)
    # The value read back digests to the id (the object store re-verified it; check again).
    assert digest_object(value).digest == oid
    if kind == "bytes":
        assert value == obj
    elif kind in ("file", "directory"):
        assert value.is_relative_to(tmp_path / "objects")  # a copy inside the store
        if kind == "file":
            assert value.read_bytes() == obj.read_bytes()
    elif kind == "pandas":
        pd.testing.assert_frame_equal(value, obj)
    elif kind == "arrow":
        assert value.equals(obj)
    elif kind in ("array", "bool-array"):
        assert value.dtype == obj.dtype and np.array_equal(value, obj)
    elif kind == "json":
        assert value == obj
    hexdigest = oid.split(":")[1]
    assert objects.path(oid) == tmp_path / "objects" / "blake3" / hexdigest[:2] / hexdigest[2:]


def test_frame_with_options_round_trips(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [0.123456, 1.0]}, index=["r1", "r2"])
    oid = digest_object(frame, include_index=True, float_decimals=3).digest
    objects = ObjectStore(tmp_path)
    objects.put(frame, oid, include_index=True, float_decimals=3)
    value = objects.get(oid)
    assert digest_object(value, include_index=True, float_decimals=3).digest == oid
    assert list(value.index) == ["r1", "r2"]


def test_put_refuses_content_that_does_not_match_its_id(tmp_path: Path) -> None:
    objects = ObjectStore(tmp_path)
    wrong = digest_object(b"other").digest
    with pytest.raises(CorruptObjectError, match=wrong):
        objects.put(b"mine", wrong)
    assert not objects.has(wrong) and list(objects.iter_ids()) == []
    assert [p.name for p in tmp_path.rglob(".tmp-*")] == []


def test_dedup_logging_the_same_content_twice_stores_it_once(tracker: Tracker) -> None:
    frame = pd.DataFrame({"a": [1, 2, 3]})
    a = tracker.log_artifact(frame, name="one")
    where = tracker.objects.path(a.id)
    first = (where / "object.json").stat()
    b = tracker.log_artifact(frame.copy(), name="two")
    assert a.id == b.id
    assert list(tracker.objects.iter_ids()) == [a.id]
    again = (where / "object.json").stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert tracker.objects.put(frame, a.id) is False


def test_a_writer_failing_mid_copy_leaves_no_visible_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(1 << 16))
    oid = digest_object(src).digest
    objects = ObjectStore(tmp_path / "objects")

    def half_then_die(s: Any, dst: Path) -> None:
        dst.write_bytes(Path(s).read_bytes()[: 1 << 15])
        raise OSError("disk pulled mid-copy")

    monkeypatch.setattr("provenance.objects._copy_file", half_then_die)
    with pytest.raises(OSError, match="mid-copy"):
        objects.put(src, oid)
    assert not objects.has(oid)
    assert list(objects.iter_ids()) == []
    assert not objects.path(oid).exists()
    monkeypatch.undo()
    assert objects.put(src, oid) is True
    assert objects.get(oid).read_bytes() == src.read_bytes()


def test_a_killed_writers_staging_directory_is_never_read(tmp_path: Path) -> None:
    oid = digest_object(b"payload").digest
    objects = ObjectStore(tmp_path)
    final = objects.path(oid)
    final.parent.mkdir(parents=True)
    staged = final.parent / f".tmp-{final.name[:8]}-killed"
    staged.mkdir()
    (staged / "data").write_bytes(b"pay")  # the kill came half-way, before object.json
    assert not objects.has(oid) and list(objects.iter_ids()) == []
    with pytest.raises(ObjectNotFoundError):
        objects.get(oid)
    assert objects.put(b"payload", oid) is True and objects.get(oid) == b"payload"


def _flip_last_byte(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", ["bytes", "file", "array", "pandas", "directory"])
def test_a_corrupted_object_raises_an_error_naming_it(kind: str, tmp_path: Path) -> None:
    obj = _kinds(tmp_path)[kind]
    oid = digest_object(obj).digest
    objects = ObjectStore(tmp_path / "objects")
    objects.put(obj, oid)
    content = objects.content_path(oid)
    target = content / "sub" / "b.bin" if kind == "directory" else content
    _flip_last_byte(target)
    with pytest.raises(CorruptObjectError) as err:
        objects.get(oid)
    assert oid in str(err.value)
    with pytest.raises(CorruptObjectError):
        objects.checkout(oid, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _write(root: str, payload: bytes, shared: bytes) -> tuple[bool, bool]:
    objects = ObjectStore(root)
    mine = objects.put(payload, digest_object(payload).digest)
    same = objects.put(shared, digest_object(shared).digest)
    return mine, same


def test_eight_concurrent_writers(tmp_path: Path) -> None:
    shared = os.urandom(1 << 20)
    payloads = [f"writer {i}".encode() * 1000 for i in range(8)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(8) as pool:
        results = pool.starmap(_write, [(str(tmp_path), p, shared) for p in payloads])
    assert [mine for mine, _ in results] == [True] * 8
    assert sum(same for _, same in results) == 1  # exactly one writer published it
    objects = ObjectStore(tmp_path)
    want = {digest_object(p).digest for p in [*payloads, shared]}
    assert set(objects.iter_ids()) == want
    for oid in want:
        objects.verify(oid)
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_keep_policy(tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = tmp_path / "small.txt"
    small.write_text("tiny")
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * 100)
    monkeypatch.setattr("provenance.objects.KEEP_LIMIT_BYTES", 50)
    arr = tracker.log_artifact(np.arange(3), name="arr")
    s = tracker.log_artifact(small, name="small")
    b = tracker.log_artifact(big, name="big")
    none = tracker.log_artifact(b"not kept", name="n", keep=False)
    assert tracker.objects.has(arr.id) and tracker.objects.has(s.id)
    assert not tracker.objects.has(b.id)  # over the limit: addressed only
    assert not tracker.objects.has(none.id)
    tracker.log_artifact(big, name="big", keep=True)
    assert tracker.objects.has(b.id)
    with pytest.raises(ObjectStoreError, match="keep='sometimes'"):
        tracker.log_artifact(b"x", name="x", keep="sometimes")


def test_keep_from_tracker_and_environment(
    store: LineageStore, objects_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = Tracker(store, keep="none")
    a = t.log_artifact(b"one", name="a")
    assert not t.objects.has(a.id)
    b = t.log_artifact(b"two", name="b", keep="auto")
    assert t.objects.has(b.id)
    monkeypatch.setenv("PROVENANCE_KEEP", "none")
    t2 = Tracker(store)
    assert t2.keep == "none"
    c = t2.log_artifact(b"three", name="c")
    assert not t2.objects.has(c.id)
    monkeypatch.setenv("PROVENANCE_KEEP", "maybe")
    with pytest.raises(ObjectStoreError, match="PROVENANCE_KEEP='maybe'"):
        Tracker(store)


def test_user_file_is_copied_never_linked(tracker: Tracker, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("a\n1\n")
    a = tracker.log_artifact(f, name="in")
    kept = tracker.objects.content_path(a.id)
    assert kept.stat().st_ino != f.stat().st_ino and kept.stat().st_nlink == 1
    f.write_text("a\n2\n")  # an in-place edit of the user's file
    assert tracker.objects.get(a.id).read_text() == "a\n1\n"


def test_load_artifact_every_kind(tracker: Tracker, tmp_path: Path) -> None:
    kinds = _kinds(tmp_path)
    frame = tracker.log_artifact(kinds["pandas"], name="frame")
    arr = tracker.log_artifact(kinds["array"], name="arr")
    raw = tracker.log_artifact(kinds["bytes"], name="raw")
    f = tracker.log_artifact(kinds["file"], name="file")
    d = tracker.log_artifact(kinds["directory"], name="dir")
    model = tracker.log_model(kinds["sklearn"], name="lr")
    pd.testing.assert_frame_equal(load_artifact(frame.id, tracker.store), kinds["pandas"])
    assert np.array_equal(load_artifact(arr.id[:20], tracker.store), kinds["array"])
    assert load_artifact(raw.id, tracker.store) == kinds["bytes"]
    assert load_artifact(f.id, tracker.store).read_text() == "a,b\n1,x\n"
    assert (load_artifact(d.id, tracker.store) / "sub" / "b.bin").read_bytes() == bytes(range(256))
    lr = load_artifact(model.id, tracker.store)
    assert lr.predict([[4.0]])[0] == pytest.approx(kinds["sklearn"].predict([[4.0]])[0])
    assert provenance.load_artifact is load_artifact
    nothing = tracker.log_artifact(b"memory only", name="m", keep=False)
    with pytest.raises(provenance.ProvenanceError, match="not_retrievable"):
        load_artifact(nothing.id, tracker.store)


def _pipeline(tracker: Tracker, path: Path) -> tuple[Any, Any]:
    raw = tracker.log_artifact(path, name="raw")
    with tracker.run("clean", inputs={"raw": raw}, seed=0) as run:
        out = run.output(pd.DataFrame({"a": [1]}), name="clean")
    return raw, out


@pytest.mark.parametrize("how", ["changed", "vanished"])
def test_verify_restores_an_input_from_the_object_store(
    tracker: Tracker, tmp_path: Path, how: str
) -> None:
    p = tmp_path / "raw.csv"
    p.write_text("a\n1\n")
    _raw, out = _pipeline(tracker, p)
    if how == "changed":
        p.write_text("a\n2\n")
    else:
        p.unlink()
    report = verify(tracker.store, out.id)
    assert report.verdict != "unreproducible", report.reasons
    (inp,) = report.transforms[0].inputs
    assert inp.status == "available"
    assert "restored from the object store" in inp.detail
    assert p.exists() == (how == "changed")  # verify never writes the user's file


def test_verify_without_a_kept_copy_stays_red(tracker: Tracker, tmp_path: Path) -> None:
    p = tmp_path / "raw.csv"
    p.write_text("a\n1\n")
    raw = tracker.log_artifact(p, name="raw", keep=False)
    with tracker.run("clean", inputs={"raw": raw}, seed=0) as run:
        out = run.output(pd.DataFrame({"a": [1]}), name="clean")
    p.write_text("a\n2\n")
    assert verify(tracker.store, out.id).verdict == "unreproducible"


def test_verify_reports_a_corrupt_kept_copy(tracker: Tracker, tmp_path: Path) -> None:
    a = tracker.log_artifact(b"memory", name="m")
    assert verify(tracker.store, a.id).verdict == "exact"
    _flip_last_byte(tracker.objects.content_path(a.id))
    report = verify(tracker.store, a.id)
    assert report.verdict == "unreproducible"
    assert "the object store's copy is unusable" in report.reasons[0]


def test_readme_models_snippet_verifies_without_red(tracker: Tracker) -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 4)), rng.integers(0, 2, 200)
    data = tracker.log_artifact(X, name="features")
    with tracker.run("train", inputs=[data], params={"C": 1.0}, seed=0) as run:
        clf = LogisticRegression(C=1.0).fit(X, y)
        model = run.output(clf, name="churn_model", save=True)
    report = verify(tracker.store, model.id)
    assert report.verdict != "unreproducible", report.reasons
    (features,) = report.transforms[0].inputs
    assert "restored from the object store" in features.detail


def test_erase_destroys_the_kept_content(tracker: Tracker) -> None:
    users = tracker.log_artifact(
        pd.DataFrame({"email": ["a@x.org"]}), name="users", contains_pii=True
    )
    other = tracker.log_artifact(b"keep me", name="other")
    assert tracker.objects.has(users.id)
    # a second name for each of the object's files (a hard link made by the test): the same
    # inode, so after the erasure it shows what the erasure left in the freed blocks
    spy = tracker.objects.root.parent / "spy"
    spy.mkdir()
    files = [p for p in tracker.objects.path(users.id).rglob("*") if p.is_file()]
    assert files and any(b"a@x.org" in p.read_bytes() for p in files)
    for i, p in enumerate(files):
        os.link(p, spy / str(i))
    record = erase(tracker.store, users.id, reason="GDPR art. 17")
    assert record.objects_removed == [users.id]
    for i, p in enumerate(files):
        left = (spy / str(i)).read_bytes()
        assert left and left == bytes(len(left)), f"{p.name} not overwritten with zeros"
    assert not tracker.objects.path(users.id).exists()
    assert tracker.objects.has(other.id)
    if record.purge is not None:
        assert any("object store" in step for step in record.purge.steps)
    with pytest.raises(ObjectNotFoundError, match="erased"):
        load_artifact(users.id, tracker.store)
    # Logging the erased content again does not bring it back under the erased record.
    again = erase(tracker.store, users.id, reason="GDPR art. 17")
    assert again.objects_removed == []


def test_gc_removes_only_unreferenced_objects(tracker: Tracker) -> None:
    kept = tracker.log_artifact(b"referenced", name="a")
    orphan = digest_object(b"orphan").digest
    tracker.objects.put(b"orphan", orphan)
    dry = collect_garbage(tracker.store, dry_run=True)
    assert dry.objects == [orphan] and tracker.objects.has(orphan)
    done = collect_garbage(tracker.store)
    assert done.objects == [orphan]
    assert not tracker.objects.has(orphan) and tracker.objects.has(kept.id)


def test_gc_refuses_the_shared_default_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROVENANCE_OBJECTS", raising=False)
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "cache"))

    class FakeNeo4j:  # only its uri is read before the refusal
        uri = "neo4j://localhost:7687"

    objects = ObjectStore.for_store(FakeNeo4j())
    assert objects.root == tmp_path / "cache" / "objects"
    with pytest.raises(ObjectStoreError, match="PROVENANCE_OBJECTS"):
        collect_garbage(FakeNeo4j())


def test_replay_restores_a_changed_input(
    store: LineageStore, objects_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.analysis.replay import replay
    from tests import test_analysis_replay as steps

    monkeypatch.setattr(steps.TRACKER, "store", store)
    monkeypatch.setattr(steps.TRACKER, "keep", "auto")
    table, weights = tmp_path / "t.csv", tmp_path / "w.npy"
    table.write_text("x\n1\n2\n3\n4\n")
    np.save(weights, np.array([1.0, 0.5, 2.0, 1.5]))
    steps.featurize(table, weights)
    (out,) = steps.TRACKER.last_outputs
    (tid,) = {t.id for t in steps.TRACKER.ancestry(out.id).transforms}
    table.write_text("x\n9\n9\n9\n9\n")  # changed after the run
    r = replay(store, tid)
    assert r.replayable and r.matched, r.model_dump_json(indent=1)
    assert any("restored from the object store" in n and "table" in n for n in r.notes), r.notes
    assert table.read_text() == "x\n9\n9\n9\n9\n"  # the user's file is left as it is
