"""Item 1 against a real server: Neo4j is stopped (``provenance neo4j stop``) while a
pipeline records 200 runs, and started again; every run arrives, the counts are exact, and
the pipeline never failed or stalled.

The server is a throwaway one of this test's own (its own ``--home`` in tmp, the jars
linked from the tests' provisioned ones, fixture ``neo4j_jars``), so stopping it disturbs no
other test. That the pipeline never stalls is shown by its finishing (pytest-timeout bounds
it); what a run costs while the server is away is measured in bench/bench_claims.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults import expected, lineage_counts

REPO = Path(__file__).resolve().parents[1]
RUNS = 200
STOP_AT = 40  # the server is stopped once this many runs are recorded...
DOWN_AT = 60  # the pipeline waits here until the stop is complete: runs 40-59 meet a server
# shutting down (writes in flight), runs 60-139 a server that is gone...
RESTART_AT = 140  # ...and the pipeline waits here until it is back

_PIPELINE = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from provenance.tracker import Tracker
from tests.faults import record

uri, gates, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
down_at, restart_at = int(sys.argv[5]), int(sys.argv[6])


def wait_for(gate):
    while not (gates / gate).exists():
        time.sleep(0.05)


tracker = Tracker(uri)
for i in range(runs):
    if i == down_at:
        wait_for("stopped")
    if i == restart_at:
        (gates / "waiting").touch()
        wait_for("restarted")
    record(tracker, i, "pipeline")
    (gates / "progress.tmp").write_text(str(i + 1))
    (gates / "progress.tmp").replace(gates / "progress")
    time.sleep(0.01)
# No tracker.close(): what is still spooled is sent by the exit handler.
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "200"},
    )


def _wait_for(check: Any, what: str, timeout: float, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"the pipeline exited ({proc.returncode}) before {what}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _progress(gates: Path) -> int:
    try:
        return int((gates / "progress").read_text())
    except (OSError, ValueError):
        return 0


@pytest.fixture
def private_neo4j(
    neo4j_jars: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, str]]:
    """A Neo4j server for this test alone: (its home, its store URI). Stopped at the end.

    The jars are there (``neo4j_jars`` skips, or fails with CI=true, where Java or Maven is
    missing), so a server that does not start is this test's failure, never a skip."""
    from provenance import neo4j_server as server
    from tests.conftest import new_neo4j_home

    home = new_neo4j_home(tmp_path / "neo4j", neo4j_jars)
    monkeypatch.setenv(server.HEAP_ENV, "512m")
    monkeypatch.setenv(server.PAGECACHE_ENV, "64m")
    try:
        info = server.start(home, timeout=300)
        yield home, info.uri
    finally:
        server.stop(home)


@pytest.mark.neo4j
@pytest.mark.slow
def test_neo4j_stopped_mid_pipeline_every_run_arrives(
    private_neo4j: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, uri = private_neo4j
    gates = tmp_path / "gates"
    gates.mkdir()
    monkeypatch.setenv("PROVENANCE_SPOOL_EXIT_TIMEOUT", "120")
    log = (tmp_path / "pipeline.log").open("w+")
    pipeline = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _PIPELINE,
            uri,
            str(gates),
            str(RUNS),
            str(REPO),
            str(DOWN_AT),
            str(RESTART_AT),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        _wait_for(lambda: _progress(gates) >= STOP_AT, f"{STOP_AT} runs", 300, pipeline)
        stop = _cli("neo4j", "stop", "--home", str(home))  # while runs are being written
        assert stop.returncode == 0 and "Neo4j stopped" in stop.stdout, stop.stdout + stop.stderr
        (gates / "stopped").touch()
        _wait_for(lambda: (gates / "waiting").exists(), f"run {RESTART_AT}", 300, pipeline)
        status = _cli("spool", "status", "--store", uri, "--json")
        assert status.returncode == 0, status.stderr
        (spooled,) = json.loads(status.stdout)
        assert spooled["pending_runs"] >= RESTART_AT - DOWN_AT
        assert spooled["writers"] == [pipeline.pid]  # its journal, held while it runs
        start = _cli("neo4j", "start", "--home", str(home), "--timeout", "300")
        assert start.returncode == 0, start.stdout + start.stderr
        (gates / "restarted").touch()
        assert pipeline.wait(timeout=600) == 0
    finally:
        if pipeline.poll() is None:
            pipeline.kill()
        log.seek(0)
        output = log.read()
        log.close()
    assert pipeline.returncode == 0, output
    assert _progress(gates) == RUNS, output
    flush = _cli("spool", "flush", "--store", uri, "--json")  # nothing should be left
    assert flush.returncode == 0, flush.stdout + flush.stderr
    assert json.loads(flush.stdout)["pending"] == 0
    after = _cli("spool", "status", "--store", uri, "--json")
    assert json.loads(after.stdout)[0]["pending_records"] == 0

    from provenance.store import open_store

    store = open_store(uri)
    try:
        assert lineage_counts(store) == expected(RUNS)  # every run, nothing doubled
        assert len(store.find_transforms(operation="pipeline")) == RUNS
    finally:
        store.close()
