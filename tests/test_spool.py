"""The durable spool (provenance.spool): a store that goes away never loses a run and never
fails the pipeline; replays are idempotent; crashed writers' journals are adopted.

The faults here are injected into a real embedded store behind a switch (``FlakyStore``),
into the real Neo4j driver pointed at a port nobody listens on, and by SIGKILL. The stop and
restart of a real Neo4j server is in tests/test_spool_neo4j.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import provenance.spool as spool_mod
from provenance import Tracker
from provenance.cli.app import main
from provenance.errors import IntegrityError, StoreUnavailableError
from provenance.model import Artifact, Edge, Transform
from provenance.spool import Spool, SpooledStore, SpoolRecord, spool_dir, spooled
from provenance.store import SQLiteStore
from tests.faults import FlakyStore, expected, free_port, lineage_counts, record

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff delays of 5-50 ms, so a test need not wait long for the next attempt."""
    monkeypatch.setattr(spool_mod, "BACKOFF_BASE_S", 0.01)
    monkeypatch.setattr(spool_mod, "BACKOFF_CAP_S", 0.05)


@pytest.fixture
def slow_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first backoff delay of 15-30 s: after a failure the background sender stays asleep
    for the whole test unless woken, so the test decides when records are sent."""
    monkeypatch.setattr(spool_mod, "BACKOFF_BASE_S", 30.0)


def wait_until(check: Any, timeout: float = 10.0) -> None:
    """Pass ``time`` until ``check()``, within ``timeout`` seconds (for the tiny backoffs)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


# --- the journal format -----------------------------------------------------------------------
def test_records_round_trip_every_field(tmp_path: Path) -> None:
    t = Tracker(f"{tmp_path}/s/")
    raw = t.log_artifact(pd.DataFrame({"x": [1.5, 2.25, None]}), name="raw", owner="team")
    with t.run("clean", inputs=[raw], params={"drop": True}, seed=3, cost={"amount": 0.5}) as r:
        r.output(pd.DataFrame({"x": [1.5, 2.25]}), name="clean", kind="dataset")
    nodes = [n for batch in t.store.iter_nodes() for n in batch]
    edges = [e for batch in t.store.iter_edges() for e in batch]
    back = SpoolRecord.decode(SpoolRecord.encode("r", nodes, edges))
    assert back.nodes == nodes and back.edges == edges
    assert {type(n).__name__ for n in back.nodes} == {"Artifact", "Transform", "CodeVersion"}
    t.close()


def test_spool_directory_is_per_store_and_ignores_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVENANCE_SPOOL_DIR", str(tmp_path))
    a = spool_dir("neo4j://neo4j:first@db:7687")
    assert a == spool_dir("neo4j://neo4j:second@db:7687") and a.parent == tmp_path
    assert a != spool_dir("neo4j://neo4j:first@db:7688")
    spool = Spool("neo4j://neo4j:secret@db:7687")
    spool.append([Artifact(id="blake3:" + "a" * 64, name="x")], [])
    assert "secret" not in "".join(p.read_text() for p in a.iterdir() if p.is_file())
    assert json.loads((a / "store.json").read_text())["store"] == "neo4j://neo4j:***@db:7687"
    spool.close()


def test_the_embedded_store_is_not_spooled_unless_asked(tmp_path: Path) -> None:
    assert isinstance(spooled(f"{tmp_path}/a/"), SQLiteStore)
    assert isinstance(spooled(f"{tmp_path}/b/", spool=True), SpooledStore)
    neo = spooled(f"neo4j://neo4j:pw@127.0.0.1:{free_port()}")
    assert isinstance(neo, SpooledStore)
    neo.close(timeout=0)


# --- item 1: a store that goes away mid-pipeline ---------------------------------------------
def test_store_down_mid_pipeline_loses_nothing(tmp_path: Path, fast_backoff: None) -> None:
    flaky = FlakyStore(tmp_path / "l.sqlite")
    t = Tracker(flaky, spool=True)  # type: ignore[arg-type]
    for i in range(30):
        flaky.down = 10 <= i < 20  # the server goes away for runs 10-19
        record(t, i)  # never raises (what a run costs while it is away: bench/bench_claims.py)
    t.close()  # the last writes, or close, sent the backlog
    with SQLiteStore(tmp_path / "l.sqlite") as s:
        assert lineage_counts(s) == expected(30)
    assert not list(spool_dir(flaky.uri).glob("*.jsonl"))  # nothing left behind


def test_writes_during_backoff_do_not_touch_the_store(tmp_path: Path, slow_backoff: None) -> None:
    flaky = FlakyStore(tmp_path / "l.sqlite")
    store = SpooledStore(flaky)  # type: ignore[arg-type]
    arts = [Artifact(id=f"blake3:{i:064x}", name=str(i)) for i in range(1, 6)]
    flaky.down = True
    store.write([arts[0]], [])  # tries, fails: backoff starts (0.25-0.5 s)
    assert flaky.calls["write"] == 1 and store._failures == 1
    for a in arts[1:]:
        store.write([a], [])  # within the window: journal only
    assert flaky.calls["write"] == 1
    assert store.spool.status().pending_records == 5
    with pytest.raises(StoreUnavailableError, match="next attempt in"):
        store.get(arts[0].id)  # reads fail fast too, without the network
    assert flaky.calls["get"] == 0
    flaky.down = False
    store._retry_at = 0.0  # as if the delay had passed
    store.write([Artifact(id=f"blake3:{99:064x}", name="99")], [])  # queued behind the five
    # Sent in the background; the sender notes the recovery just after the spool empties.
    wait_until(
        lambda: (
            store.spool.status().pending_records == 0
            and store._failures == 0
            and not store._backlog
        )
    )
    assert flaky.counts() == {"Artifact": 6}
    store.write([Artifact(id=f"blake3:{100:064x}", name="100")], [])  # straight to the store
    assert flaky.counts() == {"Artifact": 7} and store.spool.own_pending == 0
    store.close()


def test_the_backlog_is_sent_in_the_background_in_order(tmp_path: Path, slow_backoff: None) -> None:
    flaky = FlakyStore(tmp_path / "l.sqlite")
    t = Tracker(flaky, spool=True)  # type: ignore[arg-type]
    flaky.down = True
    for i in range(10):
        record(t, i)  # 20 records: each run refers to the source logged just before it
    flaky.down, flaky.write_delay = False, 0.05  # back, and slow: 1 s for the backlog
    t.store._retry_at = 0.0  # type: ignore[attr-defined]
    record(t, 10)  # returns without waiting for the 20 records ahead of it
    assert t.store.spool.own_pending > 10  # type: ignore[attr-defined]
    wait_until(lambda: t.store.spool.own_pending == 0)  # type: ignore[attr-defined]
    assert t.store.spool.status().rejected == 0  # type: ignore[attr-defined]
    t.close()
    with SQLiteStore(tmp_path / "l.sqlite") as s:
        assert lineage_counts(s) == expected(11)


def test_backoff_doubles_to_its_cap(tmp_path: Path) -> None:
    store = SpooledStore(FlakyStore(tmp_path / "l.sqlite"))  # type: ignore[arg-type]
    delays = []
    for _ in range(10):
        before = time.monotonic()
        store._failed(StoreUnavailableError("x"))
        delays.append(store._retry_at - before)
    for n, d in enumerate(delays):
        full = min(spool_mod.BACKOFF_CAP_S, spool_mod.BACKOFF_BASE_S * 2**n)
        assert full / 2 - 0.01 <= d <= full + 0.01
    assert delays[-1] <= spool_mod.BACKOFF_CAP_S + 0.01
    store.close()


def test_strict_raises_but_keeps_the_record(tmp_path: Path, fast_backoff: None) -> None:
    flaky = FlakyStore(tmp_path / "l.sqlite")
    t = Tracker(flaky, spool=True, strict=True)  # type: ignore[arg-type]
    record(t, 0)
    flaky.down = True
    with pytest.raises(StoreUnavailableError):
        t.log_artifact(b"step source 1", name="src1")  # what record(t, 1) logs
    assert t.store.spool.own_pending == 1  # type: ignore[attr-defined]
    flaky.down = False
    wait_until(lambda: t.store._due())  # type: ignore[attr-defined]
    record(t, 1)
    t.close()
    with SQLiteStore(tmp_path / "l.sqlite") as s:
        assert lineage_counts(s) == expected(2)


def test_unreachable_neo4j_at_construction_does_not_fail(tmp_path: Path) -> None:
    uri = f"neo4j://neo4j:pw@127.0.0.1:{free_port()}"  # the real driver; nobody listens
    with pytest.raises(StoreUnavailableError):
        Tracker(uri, strict=True)
    t = Tracker(uri)
    for i in range(5):
        record(t, i)
    status = t.store.spool.status()  # type: ignore[attr-defined]
    assert (status.pending_runs, status.pending_records) == (5, 10)
    with pytest.raises(StoreUnavailableError):
        t.ancestry("blake3:" + "0" * 64)  # queries need the server
    t.close()
    after = Spool(uri).status()
    assert after.pending_runs == 5 and after.writers == []  # left for the next process


def test_replays_are_idempotent(tmp_path: Path, slow_backoff: None) -> None:
    flaky = FlakyStore(tmp_path / "l.sqlite")
    t = Tracker(flaky, spool=True)  # type: ignore[arg-type]
    record(t, 0)
    flaky.down = True
    for i in range(1, 6):
        record(t, i)
    (segment,) = spool_dir(flaky.uri).glob("*.jsonl")
    copy = segment.read_bytes()
    flaky.down = False
    report = t.store.flush()  # type: ignore[attr-defined]
    assert (report.sent, report.pending) == (10, 0)
    first = lineage_counts(flaky.inner)
    assert first == expected(6)
    # The same ten records again, as a crashed process's segment: sent again, nothing doubled.
    orphan = segment.with_name(f"{0:020d}-1-abc.jsonl")
    orphan.write_bytes(copy)
    again = t.store.flush()  # type: ignore[attr-defined]
    assert (again.sent, again.pending) == (10, 0) and not orphan.exists()
    assert lineage_counts(flaky.inner) == first
    t.close()


def test_a_refused_record_is_rejected_not_lost(tmp_path: Path, slow_backoff: None) -> None:
    flaky = FlakyStore(tmp_path / "l.sqlite")
    store = SpooledStore(flaky)  # type: ignore[arg-type]
    tid = "blake3:" + "7" * 64
    dangling = Edge(source=tid, target="blake3:" + "8" * 64, type="USED")
    bad = ([Transform(id=tid, operation="x")], [dangling])
    with pytest.raises(IntegrityError):
        store.write(*bad)  # refused: the caller is told, as without a spool
    # Refused while replaying a backlog: kept aside, and the records after it still go.
    flaky.down = True
    store.write([Artifact(id="blake3:" + "1" * 64, name="before")], [])
    store.write(*bad)
    store.write([Artifact(id="blake3:" + "2" * 64, name="after")], [])
    flaky.down = False
    report = store.flush()
    assert (report.sent, report.rejected, report.pending) == (2, 1, 0)
    assert store.spool.status().rejected == 2
    rejected = [json.loads(x) for x in (store.spool.directory / "rejected.jsonl").open()]
    assert all("IntegrityError" in r["error"] and r["nodes"][0]["id"] == tid for r in rejected)
    assert flaky.inner.counts() == {"Artifact": 2}
    store.close()


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "l.sqlite")
    spool = Spool(store.uri)
    spool.append([Artifact(id="blake3:" + "1" * 64, name="whole")], [])
    spool.close()  # left pending, as by a process that ended
    (segment,) = spool.directory.glob("*.jsonl")
    with segment.open("ab") as fh:
        fh.write(SpoolRecord.encode("torn", [Artifact(id="blake3:" + "2" * 64, name="t")], [])[:40])
    status = Spool(store.uri).status()
    assert (status.pending_records, status.torn) == (1, 1)
    report = Spool(store.uri).flush(store.write)
    assert (report.sent, report.pending) == (1, 0)
    assert store.counts() == {"Artifact": 1}
    store.close()


_CHILD = """
import os, sys, time
from provenance.model import Artifact
from provenance.spool import SpooledStore
store = SpooledStore(sys.argv[1])  # nobody listens there: every write stays spooled
for i in range(int(sys.argv[2])):
    store.write([Artifact(id="blake3:%064x" % (i + 1), name=str(i))], [])
print("spooled", flush=True)
time.sleep(60)
"""


def test_a_killed_writers_journal_is_adopted(tmp_path: Path) -> None:
    uri = f"neo4j://neo4j:pw@127.0.0.1:{free_port()}"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, uri, "25"], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "spooled"
        assert Spool(uri).status().writers == [child.pid]  # held: nobody else sends it
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    status = Spool(uri).status()
    assert (status.pending_records, status.writers) == (25, [])
    target = SQLiteStore(tmp_path / "l.sqlite")
    report = Spool(uri).flush(target.write)  # as the next process writing to that store
    assert (report.sent, report.pending) == (25, 0)
    assert target.counts() == {"Artifact": 25}
    assert not list(spool_dir(uri).glob("*.jsonl"))
    target.close()


_AT_EXIT = """
import atexit, sys, time
# Registered first, so it runs last: when the spool's exit handler is done.
atexit.register(lambda: print("exited", time.monotonic(), flush=True))
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.faults import FlakyStore, record
from provenance import Tracker
flaky = FlakyStore(Path(sys.argv[1]))
t = Tracker(flaky, spool=True)
flaky.down = True
for i in range(8):
    record(t, i)
flaky.down = sys.argv[3] == "down"
if sys.argv[3] == "slow":
    flaky.write_delay = 0.5  # sending all 16 records would take 8 s
print("ends", time.monotonic(), flush=True)  # the script ends; exit handlers run next
# no t.close(): the exit handler sends what is spooled
"""
EXIT_BUDGET_S = 2.0
#: What the exit handler may take beyond its budget: the record being sent when it runs out
#: (0.5 s here), closing the spool and the store.
EXIT_MARGIN_S = 1.5


@pytest.mark.parametrize("at_exit", ["up", "down", "slow"])
def test_exit_sends_the_spool_within_its_budget(tmp_path: Path, at_exit: str) -> None:
    """The exit handler sends what is spooled for at most $PROVENANCE_SPOOL_EXIT_TIMEOUT
    seconds (from the end of the script to the end of the exit handlers; the interpreter's
    teardown after them, a second or more once torch is loaded, is not the spool's). With a
    store too slow to take everything in that budget (16 records at 0.5 s each), it sends
    until the budget runs out and leaves the rest spooled: were the budget ignored, exiting
    would take about 8 s (the default budget is 10 s)."""
    db = tmp_path / "l.sqlite"
    env = {**os.environ, "PROVENANCE_SPOOL_EXIT_TIMEOUT": str(EXIT_BUDGET_S)}
    r = subprocess.run(
        [sys.executable, "-c", _AT_EXIT, str(db), str(REPO), at_exit],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    times = dict(line.split() for line in r.stdout.splitlines())
    exiting = float(times["exited"]) - float(times["ends"])
    assert exiting <= EXIT_BUDGET_S + EXIT_MARGIN_S, (exiting, r.stderr)
    with SQLiteStore(db) as s:
        left = Spool(s.uri).status().pending_records
        if at_exit == "up":
            assert lineage_counts(s) == expected(8) and left == 0
        elif at_exit == "down":
            assert s.counts() == {}
            assert "stay in the spool" in r.stderr
            assert Spool(s.uri).status().pending_runs == 8
        else:  # sent for the whole budget, then stopped
            assert exiting >= EXIT_BUDGET_S - 0.5, exiting
            assert 0 < left < 16 and "stay in the spool" in r.stderr
            assert 0 < s.counts().get("Artifact", 0) < 16


# --- the CLI ----------------------------------------------------------------------------------
def test_cli_status_and_flush(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], slow_backoff: None
) -> None:
    db = tmp_path / "l.sqlite"
    flaky = FlakyStore(db)
    t = Tracker(flaky, spool=True)  # type: ignore[arg-type]
    flaky.down = True
    for i in range(4):
        record(t, i)
    t.store.close(timeout=0)  # type: ignore[call-arg]
    capsys.readouterr()
    assert main(["spool", "status", "--json"]) == 0
    (status,) = json.loads(capsys.readouterr().out)
    assert (status["pending_runs"], status["pending_records"]) == (4, 8)
    assert status["store"] == f"sqlite://{db}"
    assert main(["spool", "status"]) == 0
    assert "sqlite://" in capsys.readouterr().out
    assert main(["spool", "flush", "--store", str(db), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["sent"], report["pending"]) == (8, 0)
    assert main(["spool", "status", "--store", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["pending_records"] == 0
    with SQLiteStore(db) as s:
        assert lineage_counts(s) == expected(4)


def test_cli_flush_of_an_unreachable_store_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"neo4j://neo4j:pw@127.0.0.1:{free_port()}"
    spool = Spool(uri)
    spool.append([Artifact(id="blake3:" + "1" * 64, name="x")], [])
    spool.close()
    assert main(["spool", "flush", "--store", uri]) == 1
    out = capsys.readouterr().out
    assert "sent 0, 1 still spooled" in out and "stopped:" in out
    assert main(["spool", "flush"]) == 1  # which store?
    assert "--store" in capsys.readouterr().err
