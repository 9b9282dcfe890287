"""What the tamper-evident log and the durable spool cost: batched ingest with and without
each, on both backends in one run, and ``log verify`` time at a million elements.

The graph and batches are those of ``bench_store.py`` (chains of 50 transforms with
cross-links; ``--batch`` nodes plus their edges per write). Each backend ingests the same
pre-built batches four times into an empty store: no chain and no spool (the baseline), the
chain only (``log=True``, the default of every store), the spool only (a
:class:`~provenance.spool.SpooledStore` journaling each write, fsynced, before sending it),
and both. After a warm-up on a fifth of the batches, the four are run twice, the second
time in reverse order, and each variant's rate is the mean of its two runs, so drift of a
shared machine over the run weighs on every variant alike. Rates are elements (nodes +
edges) per second of wall time; the CPU seconds of this process are shown too. Then
``verify_log`` runs on the store the last chain variant filled.

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
from bench_store import CHAIN_NODES, CODE, batches, ingest

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
    """An empty store of ``backend`` (the spooled one, and the store behind it)."""
    inner: LineageStore
    if backend == "sqlite":
        inner = SQLiteStore(where / "bench.sqlite", log=chain)
    else:
        from provenance.store.neo4j import Neo4jStore

        assert uri is not None
        neo = Neo4jStore(parse_store_uri(uri), log=chain)
        neo.clear()
        inner = neo
    inner.write([CODE], [])
    if spool:
        return SpooledStore(inner, directory=where / "spool"), inner
    return inner, inner


def bench_backend(
    backend: str,
    work: list[Any],
    rounds: int,
    uri: str | None,
    tmp: Path,
    console: Console,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every variant's runs, and the verify of the first chain variant's store of the last
    round (right after its ingest: the Neo4j variants share one database)."""
    runs: list[dict[str, Any]] = []
    order = list(VARIANTS)
    check: dict[str, Any] | None = None
    # Warm up (a server's JIT and query plans, the page cache) on a fifth of the batches.
    where = Path(tempfile.mkdtemp(dir=tmp))
    store, inner = open_variant(backend, True, False, where, uri)
    ingest(store, work[: max(1, len(work) // 5)], f"{backend} warm-up", console)
    inner.close()
    shutil.rmtree(where, ignore_errors=True)
    for r in range(rounds):
        for name, chain, spool in order:
            where = Path(tempfile.mkdtemp(dir=tmp))
            store, inner = open_variant(backend, chain, spool, where, uri)
            gc.collect()
            gc.freeze()
            cpu = time.process_time()
            rate = ingest(store, work, f"{backend} {name} (round {r + 1})", console)
            cpu = time.process_time() - cpu
            gc.unfreeze()
            run = {"backend": backend, "variant": name, "round": r + 1, "rate": rate, "cpu": cpu}
            if backend == "sqlite":
                assert isinstance(inner, SQLiteStore)
                run["file_mb"] = (where / "bench.sqlite").stat().st_size / 1e6
                (log_bytes,) = inner._db.execute(
                    "SELECT coalesce(sum(length(body)), 0) FROM log"
                ).fetchone()
                run["log_mb"] = log_bytes / 1e6
            runs.append(run)
            console.print(
                f"  {backend:6} {name:12} round {r + 1}: {rate:,.0f} elements/s (cpu {cpu:.1f} s)"
            )
            if isinstance(store, SpooledStore):
                store.spool.close()
            if chain and r == rounds - 1 and check is None:
                check = verify(backend, inner, console)
            inner.close()
            shutil.rmtree(where, ignore_errors=True)
        order.reverse()
    assert check is not None
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


def summarize(runs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, float]]:
    """Per (backend, variant): mean rate and CPU seconds over the rounds."""
    rates: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        key = (r["backend"], r["variant"])
        rates.setdefault(key, []).append(r["rate"])
        cpus.setdefault(key, []).append(r["cpu"])
    return {k: {"rate": statistics.mean(rates[k]), "cpu": statistics.mean(cpus[k])} for k in rates}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--elements", type=int, default=1_000_000, help="elements per ingest")
    ap.add_argument("--backends", default="sqlite,neo4j")
    ap.add_argument("--batch", type=int, default=5000, help="nodes per write transaction")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each variant (>= 1)")
    ap.add_argument("--neo4j", default=None, help="store URI of a Neo4j server to use (cleared)")
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    args = ap.parse_args()
    console = Console(stderr=True)
    backends = args.backends.split(",")
    n_chains = max(1, args.elements // ELEMENTS_PER_CHAIN)
    work = batches(0, n_chains, args.batch)
    total = sum(len(n) + len(e) for n, e in work)
    console.print(
        f"{total:,} elements ({n_chains * CHAIN_NODES:,} nodes) in {len(work)} writes of "
        f"{args.batch:,} nodes; {args.rounds} round(s) of {len(VARIANTS)} variants per backend"
    )
    runs: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for backend in backends:
            if backend == "neo4j":
                with neo4j_uri(args.neo4j, tmp, console) as uri:
                    r, c = bench_backend(backend, work, args.rounds, uri, tmp, console)
            else:
                r, c = bench_backend(backend, work, args.rounds, None, tmp, console)
            runs += r
            checks.append(c)
    means = summarize(runs)
    table = Table(title=f"Ingest of {total:,} elements, mean of {args.rounds} run(s)")
    for col in ("backend", "variant", "elements/s", "vs baseline", "cpu s", "cpu vs baseline"):
        table.add_column(col, justify="right")
    lines = []
    for backend in backends:
        base = means[(backend, "baseline")]
        for name, _, _ in VARIANTS:
            m = means[(backend, name)]
            ratio, cpu_ratio = m["rate"] / base["rate"], m["cpu"] / base["cpu"]
            table.add_row(
                backend,
                name,
                f"{m['rate']:,.0f}",
                f"{ratio:.3f}",
                f"{m['cpu']:.1f}",
                f"{cpu_ratio:.3f}",
            )
            if name != "baseline":
                change = f"{abs(1 - ratio) * 100:.1f}% {'slower' if ratio < 1 else 'faster'}"
                lines.append(
                    f"{backend}: {name} {ratio:.3f}x the baseline's elements/s ({change}; "
                    f"target under 15% slower: {'met' if ratio > 0.85 else 'NOT met'}); "
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
