"""Crash safety: a process recording runs is SIGKILLed at random points, over and over, on
both backends. After every kill the store opens, SQLite's ``PRAGMA integrity_check`` is
``ok``, every run acknowledged to the pipeline is there, and no run is half-written: each
transform present has every edge its record implies (USED for each input id, RAN to its
code version, PRODUCED to its output) and they all end at nodes that exist.

A run is one store transaction (SQLite: ``BEGIN IMMEDIATE … COMMIT``; Neo4j: one managed
``execute_write``), so it is there whole or not at all. On Neo4j the run is also journaled
in the spool before it is sent, so a kill in the middle of a send loses nothing either: the
killed writer's journal is adopted and sent, and the check is made again.

Children come from a forkserver that has the library imported already, so a trial costs
a fork, not an interpreter start; the kills are real SIGKILLs of the writing process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from provenance.hashing import digest_blob
from provenance.model import Transform
from provenance.store import LineageStore, SQLiteStore, open_store
from tests.faults import record

SQLITE_TRIALS = 24
NEO4J_TRIALS = 6
SEED = 20_260_312


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["provenance.tracker", "provenance.spool", "tests.faults"])
    return ctx


def _recorder(store: str, operation: str, spool_root: str, ready: Any, done: Any) -> None:
    """Record runs of ``operation`` until killed; ``done`` counts the runs whose recording
    returned, ``ready`` is set once the first has."""
    os.environ["PROVENANCE_SPOOL_DIR"] = spool_root
    from provenance.tracker import Tracker

    tracker = Tracker(store)
    i = 0
    while True:
        record(tracker, i, operation)
        i += 1
        done.value = i
        ready.set()


def _kill_while_recording(
    ctx: Any, store: str, operation: str, spool_root: Path, delay: float
) -> int:
    """Start a recorder, SIGKILL it ``delay`` s after its first run; the runs it finished."""
    ready, done = ctx.Event(), ctx.Value("i", 0)
    child = ctx.Process(target=_recorder, args=(store, operation, str(spool_root), ready, done))
    child.start()
    try:
        assert ready.wait(timeout=120), "the recorder never finished a run"
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == -signal.SIGKILL
    return int(done.value)


def _check_runs(store: LineageStore, operation: str, finished: int) -> int:
    """No run of ``operation`` is half-written, and every finished run is there; the number
    of runs present."""
    transforms = store.find_transforms(operation=operation)
    present = {int(t.hyperparameters["i"]) for t in transforms}
    assert set(range(finished)) <= present <= set(range(finished + 1)), (finished, present)
    edges = store.transform_edges([t.id for t in transforms])
    for t in transforms:
        assert isinstance(t, Transform) and t.status == "succeeded"
        mine = {(e.type, e.target) for e in edges if e.source == t.id}
        i = int(t.hyperparameters["i"])
        output = digest_blob(f"{operation} result {i}".encode())
        want = {("USED", x) for x in t.input_ids} | {
            ("RAN", t.code_version_id),
            ("PRODUCED", output),
        }
        assert mine == want, f"run {i} of {operation} is half-written: {mine} != {want}"
        ends = store.get_many([x for _, x in mine])
        assert len(ends) == len(mine), f"run {i} has an edge to a node that is not there"
    return len(present)


def test_sigkill_while_recording_sqlite(tmp_path: Path) -> None:
    ctx = _context()
    rng = random.Random(SEED)
    path = tmp_path / "lineage.sqlite"
    total = 0
    for trial in range(SQLITE_TRIALS):
        operation = f"crash-{trial}"
        finished = _kill_while_recording(ctx, str(path), operation, tmp_path, rng.uniform(0, 0.3))
        with SQLiteStore(path) as store:  # opens after the crash (WAL recovery)...
            assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            dangling = store._db.execute(
                "SELECT count(*) FROM edges WHERE source NOT IN (SELECT pk FROM nodes) "
                "OR target NOT IN (SELECT pk FROM nodes)"
            ).fetchone()[0]
            assert dangling == 0
            total += _check_runs(store, operation, finished)
    assert total >= SQLITE_TRIALS  # every trial recorded at least one run before its kill


@pytest.mark.neo4j
@pytest.mark.slow
def test_sigkill_while_recording_neo4j(
    neo4j_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.spool import Spool

    ctx = _context()
    rng = random.Random(SEED + 1)
    tag = uuid.uuid4().hex[:8]  # the shared server may hold other tests' runs
    store = open_store(neo4j_server.store_uri)
    try:
        for trial in range(NEO4J_TRIALS):
            operation = f"crash-{tag}-{trial}"
            finished = _kill_while_recording(
                ctx, neo4j_server.store_uri, operation, tmp_path, rng.uniform(0, 0.5)
            )
            _check_runs(store, operation, finished)
            # The killed writer's journal: whatever it had not sent yet arrives now, whole.
            monkeypatch.setenv("PROVENANCE_SPOOL_DIR", str(tmp_path))  # the recorders' spool
            report = Spool(neo4j_server.store_uri).flush(store.write)
            assert report.pending == 0 and report.rejected == 0, report
            present = _check_runs(store, operation, finished)
            assert present in (finished, finished + 1)
    finally:
        store.close()
