"""Replay: re-execute recorded Python transforms from their entrypoint; every backend."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from provenance import Tracker
from provenance.analysis.replay import replay
from provenance.cli.app import main
from provenance.errors import NotATransformError, NotFoundError
from provenance.store import LineageStore, SQLiteStore
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store

# A module-level tracker, so a function can be decorated where it is defined (as in a real
# pipeline module). Each test points it at its own store.
TRACKER = Tracker(SQLiteStore(tempfile.mkdtemp(prefix="replay-helper-") + "/l.sqlite"))


@TRACKER.transform("featurize", seed=7)
def featurize(table: Path, weights: Path, scale: float = 2.0) -> pd.DataFrame:
    """Reads a CSV and an .npy file; adds seeded noise, so the output depends on the seed."""
    df = pd.read_csv(table)
    w = np.load(weights)
    noise = np.random.normal(0, 1, len(df)) + random.random()
    return df.assign(y=(df.x * scale * w[: len(df)] + noise).round(9))


@TRACKER.transform("sample")  # unseeded: the RNG states at the start are snapshotted
def sample(table: Path) -> tuple[pd.DataFrame, bytes]:
    df = pd.read_csv(table)
    picked = df.sample(2, random_state=np.random.randint(0, 2**31))
    return picked.reset_index(drop=True), b"summary"


def plain(table: Path) -> pd.DataFrame:
    return pd.read_csv(table)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "t.csv").write_text("x\n1\n2\n3\n4\n")
    np.save(tmp_path / "w.npy", np.array([1.0, 0.5, 2.0, 1.5]))
    return tmp_path / "t.csv", tmp_path / "w.npy"


@pytest.fixture
def tracker(store: LineageStore) -> Tracker:
    TRACKER.store = store
    return TRACKER


def test_seeded_decorated_transform_matches(tracker: Tracker, files: tuple[Path, Path]) -> None:
    table, weights = files
    featurize(table, weights, scale=3.0)
    (out,) = tracker.last_outputs
    (tid,) = {t.id for t in tracker.ancestry(out.id).transforms}
    r = replay(tracker.store, tid)
    assert r.replayable and r.matched, r.model_dump_json(indent=1)
    assert r.entrypoint == f"{__name__}:featurize"
    assert set(r.inputs) == {"table", "weights"} and r.hyperparameters == {"scale": 3.0}
    assert r.seed == "master seed 7 re-derived and applied"
    assert [(o.index, o.replayed_id, o.matched) for o in r.outputs] == [(0, out.id, True)]
    # the replay recorded nothing new
    assert len(tracker.ancestry(out.id).transforms) == 1


def test_unseeded_run_replays_from_snapshot(tracker: Tracker, files: tuple[Path, Path]) -> None:
    np.random.seed(123)
    sample(files[0])
    outs = tracker.last_outputs
    tid = tracker.ancestry(outs[0].id).transforms[0].id
    r = replay(tracker.store, tid)
    assert r.matched and r.seed == "recorded RNG states restored"
    assert sorted(o.recorded_name or "" for o in r.outputs) == ["sample.0", "sample.1"]


def test_changed_input_is_not_replayed(tracker: Tracker, files: tuple[Path, Path]) -> None:
    table, weights = files
    featurize(table, weights)
    tid = tracker.ancestry(tracker.last_outputs[0].id).transforms[0].id
    table.write_text("x\n9\n9\n9\n9\n")
    r = replay(tracker.store, tid)
    assert not r.replayable and r.matched is None
    assert any(x.startswith("input table (featurize.table) is changed") for x in r.reasons)


def test_changed_code_gives_a_mismatch(
    tracker: Tracker, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    table, weights = files
    featurize(table, weights)
    tid = tracker.ancestry(tracker.last_outputs[0].id).transforms[0].id

    def featurize_v2(table: Path, weights: Path, scale: float = 2.0) -> pd.DataFrame:
        return pd.read_csv(table).assign(y=0.0)

    monkeypatch.setattr(f"{__name__}.featurize", featurize_v2)
    r = replay(tracker.store, tid)
    assert r.replayable and r.matched is False
    assert any("source changed" in n for n in r.notes)
    assert any("was not reproduced" in n for n in r.notes)


def test_run_block_is_not_replayable(tracker: Tracker, files: tuple[Path, Path]) -> None:
    a = tracker.log_artifact(files[0], name="t")
    with tracker.run("copy", inputs=[a], params={"n": 1}) as run:  # entrypoint: this test
        run.output(b"copy", name="copy")
    r = replay(tracker.store, run.transform_id)
    assert not r.replayable and r.entrypoint == f"{__name__}:test_run_block_is_not_replayable"
    assert "`with tracker.run` block" in r.reasons[0]
    # run(..., entrypoint=plain) with matching roles replays like a decorated function
    with tracker.run("plain", inputs={"table": a}, entrypoint=plain) as run2:
        run2.output(plain(files[0]), name="plain")
    assert replay(tracker.store, run2.transform_id).matched


def test_bad_ids(tracker: Tracker, files: tuple[Path, Path]) -> None:
    a = tracker.log_artifact(files[0], name="t")
    with pytest.raises(NotATransformError, match="is an Artifact, not a transform"):
        replay(tracker.store, a.id)
    with pytest.raises(NotFoundError):
        replay(tracker.store, "blake3:" + "0" * 64)


def test_cli_replay(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"{tmp_path}/cli.sqlite"
    TRACKER.store = SQLiteStore(uri)
    try:
        featurize(*files)
        tid = TRACKER.ancestry(TRACKER.last_outputs[0].id).transforms[0].id
        a = TRACKER.log_artifact(files[0], name="t")
    finally:
        TRACKER.store.close()
    assert main(["replay", tid[:20], "--store", uri, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] is True
    assert main(["replay", tid, "--store", uri]) == 0
    assert "outputs match" in capsys.readouterr().out
    assert main(["replay", a.id, "--store", uri]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a transform" in err[0]
