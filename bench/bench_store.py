"""Store benchmark: batched ingest rate and ancestry latency, Neo4j against the embedded store.

Builds one lineage graph shape at growing sizes (10k, 100k, 1M nodes by default): chains of
50 transforms from a source to a leaf, with cross-links to the neighbouring chain (10% of
transforms use a second input), so a leaf's ancestry is a 50-hop DAG, not a list. Both
backends ingest the same batches and answer the same queries in one run:

    python bench/bench_store.py                       # both backends, 10k / 100k / 1M
    python bench/bench_store.py --sizes 10000 --backends sqlite

Ingest is reported as elements (nodes + relationships) per second, written in batches of
``--batch`` nodes per transaction; ancestry latency as p50/p95 over ``--queries`` random
leaves, each answer checked to reach the chain's source 50 transforms up. Backends run one
after the other (each growing through every size), in one process. The Neo4j server is
the local one of ``provenance neo4j start`` (started if needed) unless ``--neo4j URI``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import NODE_TYPES, Artifact, CodeVersion, Edge, Transform
from provenance.store import Direction, LineageStore, open_store
from provenance.store.base import AnyNode

DEPTH = 50
CHAIN_NODES = 2 * DEPTH + 1
CODE = CodeVersion(
    id=CodeVersion.make_id(
        entrypoint="bench:step", git_commit="b" * 40, diff_digest=None, source_digest=None
    ),
    entrypoint="bench:step",
    git_commit="b" * 40,
)


def _art(chain: int, level: int) -> Artifact:
    return Artifact(
        id=digest_bytes(f"{chain}/{level}".encode()),
        name=f"chain{chain}.v{level}",
        kind="dataset",
        row_count=level,
    )


def chains(
    first: int, last: int, seed: int = 1, origin: int = 0
) -> Iterator[tuple[list[AnyNode], list[Edge]]]:
    """Nodes and edges of chains ``first..last-1``, one chain at a time, of a graph whose
    first chain is ``origin``: graphs with other origins have other ids and the same shape."""
    rng = random.Random(seed * 1_000_003 + first - origin)
    for c in range(first, last):
        nodes: list[AnyNode] = [_art(c, 0)]
        edges: list[Edge] = []
        for lvl in range(1, DEPTH + 1):
            ins = [_art(c, lvl - 1).id]
            if c > origin and rng.random() < 0.1:
                ins.append(_art(c - 1, lvl - 1).id)  # neighbouring chain, already written
            tid = digest_json({"c": c, "l": lvl}, domain="bench")
            out = _art(c, lvl)
            nodes += [
                Transform(
                    id=tid,
                    operation="step",
                    input_ids=ins,
                    code_version_id=CODE.id,
                    hyperparameters={"level": lvl},
                ),
                out,
            ]
            edges += [Edge(source=tid, target=i, type="USED") for i in ins]
            edges += [
                Edge(source=tid, target=out.id, type="PRODUCED"),
                Edge(source=tid, target=CODE.id, type="RAN"),
            ]
        yield nodes, edges


def batches(
    first: int, last: int, batch_nodes: int, origin: int = 0
) -> list[tuple[list[AnyNode], list[Edge]]]:
    """Pre-built write batches (so ingest timing measures the store, not object creation)."""
    out: list[tuple[list[AnyNode], list[Edge]]] = []
    nodes: list[AnyNode] = []
    edges: list[Edge] = []
    for n, e in chains(first, last, origin=origin):
        nodes += n
        edges += e
        if len(nodes) >= batch_nodes:
            out.append((nodes, edges))
            nodes, edges = [], []
    if nodes:
        out.append((nodes, edges))
    return out


def progress(label: str, console: Console) -> Progress:
    """The bar an ingest shows while it runs (gone when done)."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def ingest(
    store: LineageStore, work: list[tuple[list[AnyNode], list[Edge]]], label: str, console: Console
) -> float:
    """Write every batch (nodes, then that batch's edges, one transaction); elements/s."""
    total = sum(len(n) + len(e) for n, e in work)
    with progress(label, console) as bar:
        task = bar.add_task(label, total=total)
        start = time.perf_counter()
        for nodes, edges in work:
            store.write(nodes, edges)
            bar.advance(task, len(nodes) + len(edges))
        elapsed = time.perf_counter() - start
    return total / elapsed


def ancestry_latency(store: LineageStore, n_chains: int, queries: int) -> tuple[float, float, int]:
    """p50 and p95 milliseconds of a 50-hop ancestry, and the median result size."""
    rng = random.Random(7)
    times, sizes = [], []
    store.traverse(_art(0, DEPTH).id, Direction.UP)  # warm caches and query plans
    for _ in range(queries):
        c = rng.randrange(n_chains)
        leaf = _art(c, DEPTH).id
        t0 = time.perf_counter()
        g = store.traverse(leaf, Direction.UP)
        times.append((time.perf_counter() - t0) * 1000)
        assert _art(c, 0).id in g.node_ids, "ancestry must reach the chain's source"
        assert len(g.transforms) >= DEPTH
        sizes.append(len(g.nodes))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, int(statistics.median(sizes))


def open_backend(name: str, neo4j_uri: str | None, tmp: Path) -> LineageStore:
    if name == "sqlite":
        return open_store(str(tmp / "bench.sqlite"))
    if neo4j_uri is None:
        from provenance.neo4j_server import start

        neo4j_uri = start().uri
    store = open_store(neo4j_uri)
    store.clear()  # type: ignore[attr-defined]
    return store


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--backends", default="sqlite,neo4j")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--batch", type=int, default=5000, help="nodes per write transaction")
    ap.add_argument("--neo4j", default=None, help="store URI of a Neo4j server to use")
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    args = ap.parse_args()
    console = Console(stderr=True)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    backends = args.backends.split(",")
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        # One backend at a time, so neither competes with the other's background work (a
        # server's checkpoints, the JVM's collector) while it is measured.
        for b in backends:
            store = open_backend(b, args.neo4j, Path(tmp))
            store.write([CODE], [])
            done = 0
            for size in sizes:
                n_chains = max(1, size // CHAIN_NODES)
                work = batches(done, n_chains, args.batch)
                # The pre-built batches are long-lived: keep the cyclic GC from rescanning them
                # during the timed writes.
                gc.collect()
                gc.freeze()
                rate = ingest(store, work, f"{b}: ingest to {size:,} nodes", console)
                p50, p95, nodes = ancestry_latency(store, n_chains, args.queries)
                del work
                gc.unfreeze()
                counts = store.counts()
                total_nodes = sum(v for k, v in counts.items() if k in NODE_TYPES)
                results.append(
                    {
                        "backend": b,
                        "size": size,
                        "nodes": total_nodes,
                        "ingest_elements_per_s": round(rate),
                        "ancestry_p50_ms": round(p50, 2),
                        "ancestry_p95_ms": round(p95, 2),
                        "ancestry_nodes": nodes,
                    }
                )
                console.print(results[-1])
                done = n_chains
            store.close()
    table = Table(title="Store benchmark (50-hop ancestry; ingest batched)")
    for col in (
        "backend",
        "nodes",
        "ingest elements/s",
        "ancestry p50 ms",
        "p95 ms",
        "nodes in answer",
    ):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            str(r["backend"]),
            f"{r['nodes']:,}",
            f"{r['ingest_elements_per_s']:,}",
            str(r["ancestry_p50_ms"]),
            str(r["ancestry_p95_ms"]),
            str(r["ancestry_nodes"]),
        )
    Console().print(table)
    by = {(r["backend"], r["size"]): r for r in results}
    if "sqlite" in backends and "neo4j" in backends:
        for size in sizes:
            a, b = by[("neo4j", size)], by[("sqlite", size)]
            Console().print(
                f"{size:>9,}: neo4j/embedded ingest ratio "
                f"{a['ingest_elements_per_s'] / b['ingest_elements_per_s']:.2f}, "  # type: ignore[operator]
                f"p95 ratio {a['ancestry_p95_ms'] / b['ancestry_p95_ms']:.2f}"  # type: ignore[operator]
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
