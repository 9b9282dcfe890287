"""Speed claims that used to be timing asserts in the unit tests, each measured against a
baseline in the same run and reported as a ratio (the tests keep the behaviour; a unit test on
a shared 2-core machine cannot judge speed).

1. **Service keep-alive** (tests/test_service.py): 20 ``GET /health`` on one kept-alive
   connection to ``provenance serve``'s app on the socket ``provenance.cli.service.bind``
   makes (TCP, so asyncio sets TCP_NODELAY), against the same app on a socket made without
   the protocol number (asyncio leaves Nagle on: each response waits for a delayed ACK,
   ~40 ms on Linux). Claim: well under the 20 x 40 ms = 0.8 s the baseline pays.
2. **Code version of a dirty tree** (tests/test_capture_code.py): ``capture_code_version``
   of a function in a git repository with an edited file, against running ``git status
   --porcelain`` and ``git diff HEAD`` (what it must at least ask git). Claim: a small
   multiple of the baseline (tens of ms, not seconds).
3. **Feature stats of a million rows** (tests/test_capture_stats.py): ``feature_stats`` of
   1,000,000 rows (float, int, 500-value string, bool) against pandas'
   ``df.describe(include="all")`` plus ``nunique``. Claim: the same order as pandas.
4. **A run while the store is away** (tests/test_spool.py, tests/test_spool_neo4j.py): one
   pipeline step (``tests.faults.record``: an artifact, a run, its output) through a spooled
   tracker whose store is down (every call fails at once), and through a tracker on a Neo4j
   URI where nobody listens (the real driver), against the same step on a store that is up.
   Claim: a store that is away costs a run little (journal, no waiting on retries).

Every timing is the median of ``--repeat`` rounds (default 7); the variants of a claim are
interleaved round by round, so a shared machine's drift weighs on them alike.

    python bench/bench_claims.py              # ~1 min
    python bench/bench_claims.py --repeat 3   # quick look
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _median_times(variants: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median seconds of each variant, the variants interleaved round by round."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            began = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(ts) for name, ts in times.items()}


def _row(claim: str, ours: str, t_ours: float, base: str, t_base: float) -> None:
    ratio = t_ours / t_base if t_base else float("inf")
    cells = [claim, f"{ours}: {t_ours * 1e3:.1f} ms", f"{base}: {t_base * 1e3:.1f} ms"]
    print("| " + " | ".join([*cells, f"{ratio:.2f}x"]) + " |")


# --- 1. the service's keep-alive responses ---------------------------------------------------
@contextmanager
def _serving(app: Any, sock: socket.socket) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def _twenty_requests(netloc: str) -> Callable[[], None]:
    import http.client

    def run() -> None:
        conn = http.client.HTTPConnection(netloc, timeout=30)
        conn.request("GET", "/health")
        conn.getresponse().read()  # connected; the 20 timed below share the connection
        for _ in range(20):
            conn.request("GET", "/health")
            conn.getresponse().read()
        conn.close()

    return run


def bench_service(repeat: int, tmp: Path) -> None:
    from provenance.cli.service import bind
    from provenance.service import create_app

    app = create_app(str(tmp / "service.sqlite"))
    plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0: no TCP_NODELAY
    plain.bind(("127.0.0.1", 0))
    plain.listen(128)
    plain.setblocking(False)
    with _serving(app, bind("127.0.0.1", 0)) as ours, _serving(app, plain) as base:
        t = _median_times({"ours": _twenty_requests(ours), "base": _twenty_requests(base)}, repeat)
    _row("service: 20 keep-alive requests", "bind() socket", t["ours"], "no TCP_NODELAY", t["base"])


# --- 2. the code version of a dirty tree -----------------------------------------------------
def bench_code_version(repeat: int, tmp: Path) -> None:
    import importlib.util

    from provenance.capture import capture_code_version

    repo = tmp / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "steps.py").write_text("def clean(rows):\n    return rows\n")
    (repo / "README.md").write_text("hello\n")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    spec = importlib.util.spec_from_file_location("bench_steps", repo / "pkg" / "steps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (repo / "README.md").write_text("dirty\n")

    def bare_git() -> None:
        git("status", "--porcelain")
        git("diff", "HEAD")

    t = _median_times(
        {"ours": lambda: capture_code_version(module.clean), "base": bare_git}, repeat
    )
    _row(
        "code version, dirty tree",
        "capture_code_version",
        t["ours"],
        "git status + diff",
        t["base"],
    )


# --- 3. feature stats of a million rows ------------------------------------------------------
def bench_stats(repeat: int) -> None:
    import numpy as np
    import pandas as pd

    from provenance.capture import feature_stats

    n = 1_000_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "f": rng.normal(size=n),
            "i": rng.integers(0, 1000, n),
            "s": pd.Series(rng.integers(0, 500, n)).astype(str),
            "b": rng.random(n) < 0.3,
        }
    )

    def pandas_own() -> None:
        df.describe(include="all")
        df.nunique()

    t = _median_times({"ours": lambda: feature_stats(df), "base": pandas_own}, repeat)
    _row("stats, 1M rows x 4", "feature_stats", t["ours"], "describe + nunique", t["base"])


# --- 4. a run while the store is away --------------------------------------------------------
def bench_store_away(repeat: int, tmp: Path) -> None:
    from provenance import Tracker
    from tests.faults import FlakyStore, free_port, record

    os.environ["PROVENANCE_SPOOL_DIR"] = str(tmp / "spool")
    up = FlakyStore(tmp / "up.sqlite")
    down = FlakyStore(tmp / "down.sqlite")
    down.down = True
    trackers = {
        "up": Tracker(up, spool=True),  # type: ignore[arg-type]
        "down": Tracker(down, spool=True),  # type: ignore[arg-type]
        "neo4j": Tracker(f"neo4j://neo4j:pw@127.0.0.1:{free_port()}"),
    }
    counter = iter(range(10**9))
    rounds = max(repeat, 5) * 4  # a step is ms: more rounds
    variants = {name: (lambda t=t: record(t, next(counter))) for name, t in trackers.items()}
    for fn in variants.values():  # first runs: imports, environment capture, connections
        fn()
    t = _median_times(variants, rounds)
    _row("one run, store down (spooled)", "down", t["down"], "store up", t["up"])
    _row("one run, Neo4j unreachable", "nobody listens", t["neo4j"], "store up", t["up"])
    for tracker in trackers.values():
        tracker.store.close(timeout=0)  # type: ignore[call-arg]  # a SpooledStore: no waiting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="rounds per claim (median)")
    args = parser.parse_args()
    print("| claim | ours | baseline | ratio |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as d:
        tmp = Path(d)
        bench_service(args.repeat, tmp)
        bench_code_version(args.repeat, tmp)
        bench_stats(args.repeat)
        bench_store_away(args.repeat, tmp)


if __name__ == "__main__":
    main()
