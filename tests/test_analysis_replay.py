"""Replay: re-execute recorded Python transforms from their entrypoint; every backend."""

from __future__ import annotations

import importlib
import json
import random
import tempfile
from pathlib import Path
from typing import Any

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


def test_changed_input_is_not_replayed(
    tracker: Tracker, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    table, weights = files
    monkeypatch.setattr(tracker, "keep", "none")  # nothing kept: nothing to restore from
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


STAMP = """\
import time
from pathlib import Path

from tests.test_analysis_replay import TRACKER


@TRACKER.transform("stamp", deterministic=True)  # declared deterministic, but reads the clock
def stamp(table: Path) -> bytes:
    return f"{table.read_text()} at {time.perf_counter_ns()}".encode()
"""


def test_a_difference_nothing_recorded_explains_is_said(
    tracker: Tracker,
    files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the step in a project of its own (outside git): its source files are its own file only
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    proj = tmp_path / "stamp_project"
    proj.mkdir()
    name = f"stamp_{abs(hash(str(tmp_path)))}"
    (proj / f"{name}.py").write_text(STAMP)
    monkeypatch.syspath_prepend(str(proj))
    importlib.import_module(name).stamp(files[0])
    tid = tracker.ancestry(tracker.last_outputs[0].id).transforms[0].id
    r = replay(tracker.store, tid)
    assert r.replayable and r.matched is False
    nothing = (
        "nothing recorded differs (inputs re-checked, code files, seed state and the packages "
        "the run imported are as recorded): the function depends on something not recorded "
        "(the clock, the network, a file it reads by name, thread scheduling)"
    )
    assert r.differences == [nothing] and nothing in r.notes


#: A package module of the project beside the script, with its own transform.
STEPS = """\
import os
import random
from pathlib import Path

from provenance import Tracker

tracker = Tracker(os.environ["JOB_STORE"])


@tracker.transform("shout", seed=5)
def shout(data: Path) -> bytes:
    return data.read_bytes().upper() + str(random.random()).encode()
"""


#: A module of the package run as `python -m pkgx.batch`: relative imports, a main block.
BATCH = """\
import sys
from pathlib import Path

from . import steps


@steps.tracker.transform("whisper", deterministic=True)
def whisper(data: Path) -> bytes:
    return data.read_bytes().lower() + steps.shout.__name__.encode()


if __name__ == "__main__":
    whisper(Path(sys.argv[1]))
    print(steps.tracker.last_outputs[0].id)
"""


def test_script_and_package_functions_replay_from_another_directory(
    store: LineageStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """`python job.py data.txt` and `python -m pkgx.batch data.txt` in the project;
    `provenance replay` from elsewhere, with neither the project on PYTHONPATH nor its
    directory as the working directory."""
    import subprocess
    import sys

    from provenance.store import Direction
    from tests.test_analysis_verify import HELPERS, JOB, job_env, make_project, run_job, store_uri

    job = JOB.replace("import helpers\n", "import helpers\nimport pkgx.steps\n").replace(
        "    print(tracker.last_outputs[0].id)\n",
        "    fitted = tracker.last_outputs[0].id\n"
        "    pkgx.steps.shout(Path(sys.argv[1]))\n"
        "    print(fitted, pkgx.steps.tracker.last_outputs[0].id)\n",
    )
    proj = make_project(tmp_path / "proj", job)
    (proj / "pkgx").mkdir()
    (proj / "pkgx" / "__init__.py").write_text("")
    (proj / "pkgx" / "steps.py").write_text(STEPS)
    (proj / "pkgx" / "batch.py").write_text(BATCH)
    uri = store_uri(store, request)
    env = job_env(tmp_path, uri)
    outs = run_job(proj, env).split()
    done = subprocess.run(
        [sys.executable, "-m", "pkgx.batch", "data.txt"],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    outs.append(done.stdout.split()[-1])
    tids = {
        t.operation: t.id
        for out in outs
        for t in store.traverse(out, Direction.UP, depth=1).transforms
    }
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def replay_cli(tid: str) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "provenance", "replay", tid, "--store", uri, "--json"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)

    rc, fit = replay_cli(tids["fit"])
    assert (rc, fit["matched"], fit["reasons"]) == (0, True, [])
    assert fit["entrypoint"] == f"{proj}/job.py:fit"  # a script, loaded from its file
    rc, shout = replay_cli(tids["shout"])
    assert (rc, shout["matched"], shout["reasons"]) == (0, True, [])
    assert shout["entrypoint"] == "pkgx.steps:shout"  # imported from the recorded root
    assert shout["seed"] == "master seed 5 re-derived and applied"
    rc, whisper = replay_cli(tids["whisper"])
    assert (rc, whisper["matched"], whisper["reasons"]) == (0, True, [])
    assert whisper["entrypoint"] == f"{proj}/pkgx/batch.py:whisper"  # run with -m
    # the script's main block ran once: when it was recorded, never in a replay
    assert (proj / "main-ran.log").read_text() == "main ran\n"

    # the helper module the script imports changed: the output differs, and the report says
    (proj / "helpers.py").write_text(HELPERS.replace("2 * x", "3 * x"))
    rc, fit = replay_cli(tids["fit"])
    assert (rc, fit["matched"]) == (1, False)
    assert fit["differences"] == ["code: code file helpers.py changed since it ran"]
    assert "code file helpers.py changed since it ran" in fit["notes"]
