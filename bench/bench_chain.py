"""What the tamper-evident log and the durable spool cost: batched ingest with and without
each, on both backends in one run, and ``log verify`` time at a million elements.

The graph and batches are those of ``bench_store.py`` (chains of 50 transforms with
cross-links; ``--batch`` nodes plus their edges per write). Each backend ingests the graph four
ways, each into its own empty store: no chain and no spool (the baseline), the chain only
(``log=True``, the default of every store), the spool only (a
:class:`~provenance.spool.SpooledStore` journaling each write, fsynced, before sending it), and
both. The four ingests are **interleaved write by write**: batch *j* goes to the four stores
one after the other (the order rotating with *j*), each variant writing its own copy of the
graph (same shape, other ids), and each write is timed alone. So a shared machine's drift
(measured here: the same ingest's CPU time moving 50% between runs minutes apart) weighs on
every variant alike, within seconds. Reported per variant: elements per second of its writes'
wall time, the ratio to the baseline's, the median over batches of the per-batch time ratio
(robust to a stall in one write), and this process's CPU seconds.

Neo4j has one database: the four variants share it (a quarter of the graph each; the two
chained variants append to one log), so the server's caches and store files are shared alike.
``verify_log`` needs a graph the log covers alone, so for it the database is cleared and the
chain variant's graph ingested once more (untimed). On SQLite it runs on the chain variant's
store.

    python bench/bench_chain.py                                  # 1M elements, both backends
    python bench/bench_chain.py --elements 100000 --backends sqlite   # quick look

Neo4j is a private server started for the run in a temporary home (``provenance neo4j
start --home``), so the bench never clears a graph someone else is using; ``--neo4j URI``
uses that server instead (and clears it).
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import CHAIN_NODES, CODE, batches, progress

from provenance.analysis.integrity import verify_log
from provenance.spool import SpooledStore
from provenance.store import LineageStore, SQLiteStore, parse_store_uri

#: (name, chain, spool) in the order of the first round; the second runs them reversed.
VARIANTS = [
    ("baseline", False, False),
    ("chain", True, False),
    ("spool", False, True),
    ("spool+chain", True, True),
]
#: Elements (nodes + edges) per chain of bench_store's shape: 101 nodes, ~155 edges.
ELEMENTS_PER_CHAIN = 256


@contextmanager
def neo4j_uri(given: str | None, tmp: Path, console: Console) -> Iterator[str]:
    """The Neo4j store URI to bench: ``given``, else a private server for this run."""
    if given:
        yield given
        return
    from provenance import neo4j_server

    home = tmp / "neo4j"
    console.print(f"starting a private Neo4j in {home} …")
    info = neo4j_server.start(home)
    try:
        yield info.uri
    finally:
        neo4j_server.stop(home)
        shutil.rmtree(home, ignore_errors=True)


def open_variant(
    backend: str, chain: bool, spool: bool, where: Path, uri: str | None
) -> tuple[LineageStore, LineageStore]:
    """A store of ``backend`` in ``where`` (the spooled one, and the store behind it); a
    Neo4j store is the server's one database, as it is."""
    where.mkdir(parents=True, exist_ok=True)
    inner: LineageStore
    if backend == "sqlite":
        inner = SQLiteStore(where / "bench.sqlite", log=chain)
    else:
        from provenance.store.neo4j import Neo4jStore

        assert uri is not None
        inner = Neo4jStore(parse_store_uri(uri), log=chain)
    inner.write([CODE], [])
    if spool:
        return SpooledStore(inner, directory=where / "spool"), inner
    return inner, inner


def clear_neo4j(uri: str | None) -> None:
    """Empty the bench's Neo4j database (graph and log)."""
    from provenance.store.neo4j import Neo4jStore

    assert uri is not None
    store = Neo4jStore(parse_store_uri(uri))
    store.clear()
    store.close()


def _close(store: LineageStore, inner: LineageStore) -> None:
    if isinstance(store, SpooledStore):
        store.spool.close()
    inner.close()


def bench_backend(
    backend: str,
    plan: list[tuple[int, int]],
    n_chains: int,
    uri: str | None,
    tmp: Path,
    console: Console,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each variant's timed ingest (interleaved write by write, see the module docs), and
    ``verify_log`` on a store the chain variant's graph filled."""
    if backend == "neo4j":
        clear_neo4j(uri)
    # Warm up (a server's JIT and query plans, the page cache) on a fifth of the batches, in
    # chains no variant uses.
    warm_origin = len(VARIANTS) * n_chains
    store, inner = open_variant(backend, True, False, tmp / "warm-up", uri)
    for first, last in plan[: max(1, len(plan) // 5)]:
        [(nodes, edges)] = batches(warm_origin + first, warm_origin + last, 10**9, warm_origin)
        store.write(nodes, edges)
    _close(store, inner)
    shutil.rmtree(tmp / "warm-up", ignore_errors=True)
    if backend == "neo4j":
        clear_neo4j(uri)

    opened = [
        open_variant(backend, chain, spool, tmp / f"{backend}-{name}", uri)
        for name, chain, spool in VARIANTS
    ]
    k = len(VARIANTS)
    wall = [[0.0] * len(plan) for _ in range(k)]
    cpu = [0.0] * k
    total = 0
    with progress(f"{backend}: 4 variants, write by write", console) as bar:
        task = bar.add_task(backend, total=len(plan))
        for j, (first, last) in enumerate(plan):
            work = [
                batches(v * n_chains + first, v * n_chains + last, 10**9, v * n_chains)[0]
                for v in range(k)
            ]
            total += sum(len(n) + len(e) for n, e in work[:1])
            gc.collect()
            for v in [(j + i) % k for i in range(k)]:  # the order rotates with j
                nodes, edges = work[v]
                c0, t0 = time.process_time(), time.perf_counter()
                opened[v][0].write(nodes, edges)
                wall[v][j] = time.perf_counter() - t0
                cpu[v] += time.process_time() - c0
            bar.advance(task)
    runs: list[dict[str, Any]] = []
    for v, (name, _, _) in enumerate(VARIANTS):
        per_batch = [w / b for w, b in zip(wall[v], wall[0], strict=True) if b > 0]
        run = {
            "backend": backend,
            "variant": name,
            "elements": total,
            "rate": total / sum(wall[v]),
            "seconds": sum(wall[v]),
            "median_batch_ratio": statistics.median(per_batch),
            "cpu": cpu[v],
        }
        if backend == "sqlite":
            inner = opened[v][1]
            assert isinstance(inner, SQLiteStore)
            run["file_mb"] = (tmp / f"sqlite-{name}" / "bench.sqlite").stat().st_size / 1e6
            (log_bytes,) = inner._db.execute(
                "SELECT coalesce(sum(length(body)), 0) FROM log"
            ).fetchone()
            run["log_mb"] = log_bytes / 1e6
        runs.append(run)
        console.print(
            f"  {backend:6} {name:12} {run['rate']:,.0f} elements/s in {run['seconds']:.1f} s "
            f"(cpu {cpu[v]:.1f} s)"
        )
    chain_v = next(v for v, (_, chain, spool) in enumerate(VARIANTS) if chain and not spool)
    if backend == "sqlite":
        check = verify(backend, opened[chain_v][1], console)
    for store, inner in opened:
        _close(store, inner)
    if backend == "neo4j":
        clear_neo4j(uri)
        store, inner = open_variant(backend, True, False, tmp / "neo4j-verify", uri)
        for first, last in plan:
            [(nodes, edges)] = batches(first, last, 10**9)
            store.write(nodes, edges)
        check = verify(backend, inner, console)
        _close(store, inner)
    return runs, check


def verify(backend: str, store: LineageStore, console: Console) -> dict[str, Any]:
    """Time ``verify_log`` on a store the bench just filled."""
    gc.collect()
    started = time.perf_counter()
    verdict = verify_log(store)
    seconds = time.perf_counter() - started
    check = {
        "backend": backend,
        "ok": verdict.ok,
        "message": verdict.message,
        "entries": verdict.entries,
        "elements": verdict.elements,
        "seconds": round(seconds, 1),
        "elements_per_s": round(verdict.elements / seconds),
    }
    console.print(f"  {backend:6} log verify: {seconds:.1f} s, {verdict.message}")
    return check


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--elements", type=int, default=1_000_000, help="elements per ingest")
    ap.add_argument("--backends", default="sqlite,neo4j")
    ap.add_argument("--batch", type=int, default=5000, help="nodes per write transaction")
    ap.add_argument("--neo4j", default=None, help="store URI of a Neo4j server to use (cleared)")
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    args = ap.parse_args()
    console = Console(stderr=True)
    backends = args.backends.split(",")
    n_chains = max(1, args.elements // ELEMENTS_PER_CHAIN)
    per_batch = -(-args.batch // CHAIN_NODES)  # chains per write: batch_nodes or just over
    plan = [(a, min(a + per_batch, n_chains)) for a in range(0, n_chains, per_batch)]
    console.print(
        f"{n_chains * CHAIN_NODES:,} nodes and their edges per variant in {len(plan)} "
        f"writes of {per_batch * CHAIN_NODES:,} nodes; {len(VARIANTS)} variants per backend, "
        "interleaved write by write"
    )
    runs: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for backend in backends:
            if backend == "neo4j":
                with neo4j_uri(args.neo4j, tmp, console) as uri:
                    r, c = bench_backend(backend, plan, n_chains, uri, tmp, console)
            else:
                r, c = bench_backend(backend, plan, n_chains, None, tmp, console)
            runs += r
            checks.append(c)
    total = runs[0]["elements"]
    table = Table(title=f"Ingest of {total:,} elements per variant, interleaved write by write")
    for col in (
        "backend",
        "variant",
        "elements/s",
        "vs baseline",
        "median batch time ratio",
        "cpu s",
        "cpu vs baseline",
    ):
        table.add_column(col, justify="right")
    lines = []
    for backend in backends:
        mine = {r["variant"]: r for r in runs if r["backend"] == backend}
        base = mine["baseline"]
        for name, _, _ in VARIANTS:
            m = mine[name]
            ratio, cpu_ratio = m["rate"] / base["rate"], m["cpu"] / base["cpu"]
            table.add_row(
                backend,
                name,
                f"{m['rate']:,.0f}",
                f"{ratio:.3f}",
                f"{m['median_batch_ratio']:.3f}",
                f"{m['cpu']:.1f}",
                f"{cpu_ratio:.3f}",
            )
            if name != "baseline":
                change = f"{abs(1 - ratio) * 100:.1f}% {'slower' if ratio < 1 else 'faster'}"
                lines.append(
                    f"{backend}: {name} {ratio:.3f}x the baseline's elements/s ({change}; "
                    f"target under 15% slower: {'met' if ratio > 0.85 else 'NOT met'}); "
                    f"batch time {m['median_batch_ratio']:.3f}x (median); "
                    f"{cpu_ratio:.3f}x its CPU"
                )
    out = Console()
    out.print(table)
    for line in lines:
        out.print(line)
    for c in checks:
        out.print(
            f"{c['backend']}: log verify of {c['elements']:,} elements in {c['entries']:,} "
            f"entries: {c['seconds']} s ({c['elements_per_s']:,} elements/s): {c['message']}"
        )
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "verify": checks}, indent=2))


if __name__ == "__main__":
    main()
