"""Concurrent writers on the embedded store: 8 processes (spawned, so nothing is shared but
the file) create one store at the same instant and record into it at once; nothing is lost,
nothing doubled, and no ``database is locked`` reaches anyone.

What makes it hold (provenance/store/sqlite.py): WAL, a 30 s busy timeout, ``BEGIN
IMMEDIATE`` write transactions (the write lock first, so two writers never deadlock on a
lock upgrade), and :func:`~provenance.store.sqlite.retry_busy` around opening the store (a
new file's switch to WAL does not wait on the busy handler) and around each write
transaction.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import traceback
from pathlib import Path
from typing import Any

import pytest

from provenance.store import SQLiteStore
from provenance.store.sqlite import _is_busy, retry_busy
from tests.faults import lineage_counts

WRITERS = 8
RUNS = 25  # per writer
RACES = 4  # fresh stores all eight create at the same instant, before the main workload


def _writer(root: str, k: int, barrier: Any, results: Any) -> None:
    """One writer process: race to create fresh stores, then record RUNS runs into the
    shared store, each using a shared input every writer logs too."""
    import faulthandler

    faulthandler.dump_traceback_later(240, exit=True)  # a hang shows where, then ends
    try:
        from provenance.model import Artifact
        from provenance.tracker import Tracker

        for r in range(RACES):
            barrier.wait(timeout=200)
            s = SQLiteStore(f"{root}/race{r}.sqlite")
            s.write([Artifact(id=f"blake3:{k + 1:064x}", name=f"w{k}")], [])
            s.close()
        barrier.wait(timeout=200)
        t = Tracker(f"{root}/store/")
        common = t.log_artifact(b"the input every writer shares", name="common")
        for i in range(RUNS):
            src = t.log_artifact(f"writer {k} source {i}".encode(), name="src")
            with t.run("step", inputs=[src, common], params={"writer": k, "i": i}) as run:
                run.output(f"writer {k} result {i}".encode(), name="out")
        t.close()
        results.put((k, None))
    except BaseException:
        results.put((k, traceback.format_exc()))


@pytest.mark.slow
def test_eight_processes_record_at_once_and_lose_nothing(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(tmp_path), k, barrier, results))
        for k in range(WRITERS)
    ]
    for p in procs:
        p.start()
    try:
        outcomes = dict(results.get(timeout=300) for _ in procs)
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    failures = {k: tb for k, tb in outcomes.items() if tb}
    assert not failures, "\n".join(failures.values())  # no `database is locked`, nothing else
    for r in range(RACES):
        with SQLiteStore(tmp_path / f"race{r}.sqlite") as s:
            assert s.counts() == {"Artifact": WRITERS}
    runs = WRITERS * RUNS
    with SQLiteStore(tmp_path / "store" / "lineage.sqlite") as s:
        assert lineage_counts(s) == {
            "Artifact": 2 * runs + 1,  # each run's source and output, and the shared input
            "Transform": runs,
            "USED": 2 * runs,
            "PRODUCED": runs,
            "RAN": runs,
        }
        assert s._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_busy_is_retried_then_gives_up() -> None:
    calls = []

    def locked() -> None:
        calls.append(1)
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        retry_busy(locked, timeout=0.05)
    assert len(calls) > 1
    assert _is_busy(sqlite3.OperationalError("database is locked"))
    assert not _is_busy(sqlite3.OperationalError("no such table: nodes"))


def test_a_writer_waits_for_another_holding_the_lock(tmp_path: Path) -> None:
    """A second connection holding the write lock makes a write wait, not fail."""
    import threading
    import time

    from provenance.model import Artifact

    store = SQLiteStore(tmp_path / "l.sqlite")
    other = sqlite3.connect(tmp_path / "l.sqlite", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    began = time.monotonic()
    store.write([Artifact(id="blake3:" + "1" * 64, name="waited")], [])
    assert time.monotonic() - began >= 0.4
    assert store.counts() == {"Artifact": 1}
    other.close()
    store.close()
