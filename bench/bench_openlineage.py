"""OpenLineage benchmark: ingest over HTTP with the official client, and lineage latency on a
graph built from OpenLineage events, Neo4j against the embedded store.

The events are an Airflow-like pipeline run many times: each DAG run (``etl_daily``) has 8
tasks (extract orders and customers from Postgres, join, rebuild the customer dimension from
its previous version, features, train, score, report), each task run a ``START`` and a
``COMPLETE`` with a ``parent`` facet naming the DAG run, datasets with ``schema`` facets,
``outputStatistics`` and a ``columnLineage`` facet on the features; 18 events per DAG run.
The dimension reads its own previous version, so the runs chain: a report's ancestry
reaches back through earlier DAG runs (bounded by ``depth``).

Per backend, one after the other:

1. **HTTP ingest**: ``provenance serve --port 0`` (a subprocess) on an empty store; the
   official ``openlineage-python`` client posts ``--http-events`` events one by one
   (``OpenLineageClient`` + ``HttpTransport``, no compression, keep-alive), then the next
   ``--http-events`` as JSON arrays of ``--batch`` events, POSTed through that transport's
   own ``requests`` session. Events per second, each answered 201.
2. **Build**: the rest of ``--events`` ingested in-process with ``ingest_events`` (the
   events are generated here and known valid, so ``validate=False``; validation costs
   are in step 1, which validates every event).
3. **Lineage latency**: p50/p95 over ``--queries`` random report outputs of
   ``GET /api/v1/provenance/lineage?nodeId=ID&depth=D`` (ancestry ∪ descendants, Marquez's
   default depth 20) against ``provenance serve`` on the built store, and of the library's
   ``store.traverse(ID, UP, depth=D)`` in this process.

Then, per backend, **arrival order** (``--order-rounds``): one stream of events ingested
in-process on a fresh store in time order, shuffled within a window of 100 events, and
shuffled whole, the three interleaved round after round (the mode that goes first rotates),
so load on the machine falls on all three alike; two ways: one event per write
(``ingest_event``, ``--order-single-events``: what single POSTs do, where a late event
re-binds) and ``ingest_events`` of the whole stream (``--order-events``: what a batch POST
and ``provenance ingest`` do; it writes in eventTime order). Events/s per mode (median over
the rounds), each shuffled mode's ratio to in-order; every shuffled store is checked to hold
the in-order graph (node and edge ids).

    python bench/bench_openlineage.py                       # 100k events, both backends
    python bench/bench_openlineage.py --events 2000 --http-events 500   # quick look
    python bench/bench_openlineage.py --only-order --order-events 5000  # arrival order only

Neo4j is a private local server of :mod:`provenance.neo4j_server` (``--neo4j-home``, started
if needed and stopped afterwards if this run started it), so the bench never clears a server
someone else uses; ``--neo4j URI`` uses (and clears!) a given one instead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from provenance.model import NODE_TYPES
from provenance.openlineage.ingest import ingest_event, ingest_events
from provenance.openlineage.naming import dataset_version_id
from provenance.store import Direction, LineageStore, open_store

PRODUCER = "https://github.com/provenance/bench/bench_openlineage"
NS = "airflow"
PG, LAKE = "postgres://orders-db:5432", "s3://lake"
DAG = "etl_daily"
#: (task, inputs, output, output columns); inputs are (namespace, name).
TASKS: list[tuple[str, list[tuple[str, str]], str, list[str]]] = [
    ("extract_orders", [(PG, "shop.public.orders")], "raw/orders", ["id", "customer_id", "amount"]),
    ("extract_customers", [(PG, "shop.public.customers")], "raw/customers", ["id", "country"]),
    (
        "join",
        [(LAKE, "raw/orders"), (LAKE, "raw/customers")],
        "staging/orders_enriched",
        ["id", "customer_id", "amount", "country"],
    ),
    (
        "dim_customers",
        [(LAKE, "raw/customers"), (LAKE, "warehouse/dim_customers")],
        "warehouse/dim_customers",
        ["customer_id", "country", "first_seen"],
    ),
    (
        "features",
        [(LAKE, "staging/orders_enriched"), (LAKE, "warehouse/dim_customers")],
        "features/customer_features",
        ["customer_id", "spend", "country"],
    ),
    ("train", [(LAKE, "features/customer_features")], "models/churn", ["weights"]),
    (
        "score",
        [(LAKE, "models/churn"), (LAKE, "features/customer_features")],
        "warehouse/churn_scores",
        ["customer_id", "score"],
    ),
    ("report", [(LAKE, "warehouse/churn_scores")], "reports/daily_churn", ["country", "churn"]),
]
#: Where each output column comes from (the ``columnLineage`` facet of ``features``).
FEATURE_LINEAGE = {
    "customer_id": [(LAKE, "warehouse/dim_customers", "customer_id")],
    "spend": [(LAKE, "staging/orders_enriched", "amount")],
    "country": [(LAKE, "warehouse/dim_customers", "country")],
}
EVENTS_PER_DAG_RUN = 2 + 2 * len(TASKS)
REPORT = TASKS[-1][2]


def run_id(dag_run: int, task: str) -> str:
    """A fixed UUID per (DAG run, task): the same events every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-openlineage/{dag_run}/{task}"))


def _when(dag_run: int, minute: int) -> str:
    start = 1_767_225_600 + dag_run * 3600 + minute * 60  # 2026-01-01, one DAG run an hour
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start))


def _schema(columns: list[str]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="STRING") for c in columns],
        producer=PRODUCER,
    )


def dag_run_events(i: int) -> list[RunEvent]:
    """The 18 events of DAG run ``i``, in the order Airflow would send them."""
    dag = Job(namespace=NS, name=DAG)
    dag_run = Run(runId=run_id(i, DAG))
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_id(i, DAG)),
        job=parent_run.Job(namespace=NS, name=DAG),
        producer=PRODUCER,
    )
    events = [
        RunEvent(
            eventType=RunState.START, eventTime=_when(i, 0), run=dag_run, job=dag, producer=PRODUCER
        ),
    ]
    for minute, (task, inputs, output, columns) in enumerate(TASKS, start=1):
        facets: dict[str, Any] = {"schema": _schema(columns)}
        if task == "features":
            facets["columnLineage"] = column_lineage_dataset.ColumnLineageDatasetFacet(
                fields={
                    col: column_lineage_dataset.Fields(
                        inputFields=[
                            column_lineage_dataset.InputField(namespace=ns, name=n, field=f)
                            for ns, n, f in feeds
                        ]
                    )
                    for col, feeds in FEATURE_LINEAGE.items()
                },
                producer=PRODUCER,
            )
        out = OutputDataset(
            namespace=LAKE,
            name=output,
            facets=facets,
            outputFacets={
                "outputStatistics": (
                    output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                        rowCount=1000 + i, size=64_000 + i, producer=PRODUCER
                    )
                )
            },
        )
        run = Run(runId=run_id(i, task), facets={"parent": parent})
        job = Job(namespace=NS, name=f"{DAG}.{task}")
        ins = [InputDataset(namespace=ns, name=n) for ns, n in inputs]
        for state, offset in ((RunState.START, 0), (RunState.COMPLETE, 1)):
            events.append(
                RunEvent(
                    eventType=state,
                    eventTime=_when(i, minute * 3 + offset),
                    run=run,
                    job=job,
                    inputs=ins,
                    outputs=[out],
                    producer=PRODUCER,
                )
            )
    events.append(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=_when(i, 59),
            run=dag_run,
            job=dag,
            producer=PRODUCER,
        )
    )
    return events


def pipeline(first_dag_run: int, n_events: int) -> list[RunEvent]:
    """``n_events`` events (whole DAG runs, rounded up) starting at DAG run ``first_dag_run``."""
    out: list[RunEvent] = []
    i = first_dag_run
    while len(out) < n_events:
        out += dag_run_events(i)
        i += 1
    return out


def as_dicts(events: list[RunEvent]) -> list[dict[str, Any]]:
    """The events as the client serialises them (what travels over HTTP)."""
    from openlineage.client.serde import Serde

    return [json.loads(Serde.to_json(e)) for e in events]


def report_id(dag_run: int) -> str:
    """The artifact id of DAG run ``dag_run``'s report (a leaf of the graph)."""
    return dataset_version_id(LAKE, REPORT, run_id(dag_run, "report"))


# --- plumbing ------------------------------------------------------------------------------
def bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@dataclass
class Served:
    """``provenance serve`` running in a subprocess."""

    proc: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


def serve(store_uri: str) -> Served:
    """Start ``provenance serve --port 0`` on ``store_uri``; its URL from its first line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "provenance", "serve", "--port", "0"],
        env={**os.environ, "PROVENANCE_STORE": store_uri},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if " on http://" not in line:
        proc.kill()
        raise SystemExit(f"provenance serve did not start: {line!r}")
    return Served(proc, line.split(" on ", 1)[1].split()[0])


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


# --- the measurements ----------------------------------------------------------------------
def http_one_by_one(url: str, events: list[RunEvent], console: Console) -> float:
    """Events/s posting each with ``OpenLineageClient.emit`` (HttpTransport)."""
    client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=url, timeout=60)))
    with bar(console) as progress:
        task = progress.add_task("HTTP, one event per POST (official client)", total=len(events))
        start = time.perf_counter()
        for event in events:
            client.emit(event)
            progress.advance(task)
        elapsed = time.perf_counter() - start
    return len(events) / elapsed


def http_batches(url: str, events: list[RunEvent], size: int, console: Console) -> float:
    """Events/s posting JSON arrays of ``size`` events through the client transport's
    ``requests`` session (serialising them with the client's ``Serde`` is counted)."""
    from openlineage.client.serde import Serde

    transport = HttpTransport(HttpConfig(url=url, timeout=120))
    endpoint = f"{url}/api/v1/lineage"
    with bar(console) as progress:
        task = progress.add_task(f"HTTP, {size} events per POST", total=len(events))
        start = time.perf_counter()
        for i in range(0, len(events), size):
            chunk = events[i : i + size]
            body = "[" + ",".join(Serde.to_json(e) for e in chunk) + "]"
            r = transport.session.post(
                endpoint, data=body, headers={"Content-Type": "application/json"}, timeout=120
            )
            if r.status_code != 201:
                raise SystemExit(f"batch POST answered {r.status_code}: {r.text[:300]}")
            progress.advance(task, len(chunk))
        elapsed = time.perf_counter() - start
    return len(events) / elapsed


def build(
    store: LineageStore, events: list[dict[str, Any]], console: Console
) -> tuple[float, float]:
    """Events/s of in-process ``ingest_events`` (one store write per event): over the whole
    build, and over its last tenth (how the rate holds up as the graph grows)."""
    with bar(console) as progress:
        task = progress.add_task("in-process ingest_events (building)", total=len(events))
        step = max(1, len(events) // 200)
        start = time.perf_counter()
        tail_from = len(events) - len(events) // 10
        tail_start = None
        done = 0
        for i in range(0, len(events), step):
            if tail_start is None and i >= tail_from:
                tail_start = (time.perf_counter(), i)
            chunk = events[i : i + step]
            ingest_events(store, chunk, validate=False)
            done += len(chunk)
            progress.update(task, completed=done)
        end = time.perf_counter()
    t0, first = tail_start or (start, 0)
    return len(events) / (end - start), (len(events) - first) / (end - t0)


def _fresh(backend: str, uri: str, tmp: Path, name: str) -> LineageStore:
    """An empty store: a new SQLite file, or the Neo4j store cleared."""
    if backend == "sqlite":
        return open_store(str(tmp / f"{name}.sqlite"))
    store = open_store(uri)
    store.clear()  # type: ignore[attr-defined]
    return store


def _ids(store: LineageStore) -> tuple[set[str], set[tuple[str, str, str]]]:
    nodes = {n.id for b in store.iter_nodes() for n in b}
    return nodes, {e.key for b in store.iter_edges() for e in b}


def _ingest_singly(store: LineageStore, events: list[dict[str, Any]]) -> None:
    for e in events:
        ingest_event(store, e, validate=False)


def _ingest_batched(store: LineageStore, events: list[dict[str, Any]]) -> None:
    ingest_events(store, events, validate=False)


def arrival_order(
    backend: str, uri: str, args: argparse.Namespace, console: Console
) -> list[dict[str, Any]]:
    """One stream in time order and shuffled (within a window of 100 events; whole), the
    three interleaved over ``--order-rounds`` rounds, each on a fresh store, two ways: one
    event per write (``ingest_event``: how single POSTs arrive) and ``ingest_events`` of the
    whole stream (a batch POST, ``provenance ingest``). Events/s per mode (median), the
    ratios to in-order, and a check that every order wrote the in-order graph."""
    out = []
    ways = (
        ("one_per_write", args.order_single_events, _ingest_singly),
        ("batched", args.order_events, _ingest_batched),
    )
    for way, n_events, ingest in ways:
        if not n_events:
            continue
        stream = as_dicts(pipeline(10_000, n_events))
        rng = random.Random(17)
        windowed = sorted(range(len(stream)), key=lambda i: i + rng.uniform(0, 100))
        modes = {
            "in_order": stream,
            "shuffled_window_100": [stream[i] for i in windowed],
            "shuffled_whole": rng.sample(stream, len(stream)),
        }
        rates: dict[str, list[float]] = {m: [] for m in modes}
        graphs: dict[str, tuple[set[str], set[tuple[str, str, str]]]] = {}
        names = list(modes)
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.order_rounds):
                for mode in names[r % len(names) :] + names[: r % len(names)]:
                    store = _fresh(backend, uri, Path(tmp), f"{way}-{mode}-{r}")
                    start = time.perf_counter()
                    ingest(store, modes[mode])
                    rates[mode].append(len(stream) / (time.perf_counter() - start))
                    if r == 0:
                        graphs[mode] = _ids(store)
                    store.close()
                    console.print(
                        f"{backend} {way} round {r + 1}: {mode} {rates[mode][-1]:,.1f} ev/s"
                    )
        same = all(g == graphs["in_order"] for g in graphs.values())
        median = {m: statistics.median(v) for m, v in rates.items()}
        result: dict[str, Any] = {
            "backend": backend,
            "way": way,
            "order_events": len(stream),
            "order_rounds": args.order_rounds,
            **{f"{m}_events_per_s": round(v, 1) for m, v in median.items()},
            **{f"{m}_ratio": round(median[m] / median["in_order"], 3) for m in names[1:]},
            "same_graph": same,
        }
        console.print(result)
        if not same:
            raise SystemExit(f"{backend}: a shuffled order wrote another graph than time order")
        out.append(result)
    return out


def lineage_latency(
    store: LineageStore, url: str, dag_runs: int, queries: int, depth: int
) -> dict[str, float]:
    """p50/p95 ms of the HTTP lineage endpoint and of the library's ancestry walk."""
    rng = random.Random(7)
    leaves = [report_id(rng.randrange(dag_runs)) for _ in range(queries)]
    session = requests.Session()
    session.get(
        f"{url}/api/v1/provenance/lineage", params={"nodeId": leaves[0], "depth": depth}
    )  # warm
    store.traverse(leaves[0], Direction.UP, depth)
    http, lib, sizes = [], [], []
    for leaf in leaves:
        t0 = time.perf_counter()
        r = session.get(f"{url}/api/v1/provenance/lineage", params={"nodeId": leaf, "depth": depth})
        http.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"lineage answered {r.status_code}: {r.text[:300]}")
        t0 = time.perf_counter()
        g = store.traverse(leaf, Direction.UP, depth)
        lib.append((time.perf_counter() - t0) * 1000)
        if len(r.json()["graph"]) != len(g.nodes):  # a leaf: nothing downstream
            raise SystemExit("the HTTP answer and the library's differ")
        sizes.append(len(g.nodes))
    (hp50, hp95), (lp50, lp95) = percentiles(http), percentiles(lib)
    return {
        "http_p50_ms": round(hp50, 1),
        "http_p95_ms": round(hp95, 1),
        "traverse_p50_ms": round(lp50, 1),
        "traverse_p95_ms": round(lp95, 1),
        "answer_nodes": int(statistics.median(sizes)),
    }


def neo4j_uri(args: argparse.Namespace, console: Console) -> tuple[str, bool]:
    """The Neo4j store URI to use, and whether this run started that server."""
    if args.neo4j:
        return args.neo4j, False
    from provenance.neo4j_server import start

    info = start(args.neo4j_home, progress=lambda m: console.print(f"neo4j: {m}"))
    return info.uri, info.started


def run_backend(
    backend: str, uri: str, args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    store = open_store(uri)
    if backend == "neo4j":
        store.clear()  # type: ignore[attr-defined]
    n_http = min(args.http_events, args.events // 2)
    console.print(f"[bold]{backend}[/]: generating events")
    one = pipeline(0, n_http)
    first_batch_run = len(one) // EVENTS_PER_DAG_RUN
    many = pipeline(first_batch_run, n_http)
    served = serve(uri)
    try:
        single_rate = http_one_by_one(served.url, one, console)
        batch_rate = http_batches(served.url, many, args.batch, console)
    finally:
        served.stop()
    done_runs = first_batch_run + len(many) // EVENTS_PER_DAG_RUN
    rest = max(0, args.events - len(one) - len(many))
    build_rate = tail_rate = None
    if rest:
        gen = time.perf_counter()
        built = as_dicts(pipeline(done_runs, rest))
        console.print(f"generated {len(built):,} events in {time.perf_counter() - gen:.1f} s")
        build_rate, tail_rate = build(store, built, console)
        done_runs += len(built) // EVENTS_PER_DAG_RUN
    total_events = done_runs * EVENTS_PER_DAG_RUN
    served = serve(uri)
    try:
        latency = lineage_latency(store, served.url, done_runs, args.queries, args.depth)
    finally:
        served.stop()
    counts = store.counts()
    store.close()
    result = {
        "backend": backend,
        "events": total_events,
        "nodes": sum(v for k, v in counts.items() if k in NODE_TYPES),
        "edges": sum(v for k, v in counts.items() if k not in NODE_TYPES),
        "http_single_events_per_s": round(single_rate, 1),
        "http_batch_events_per_s": round(batch_rate, 1),
        "inprocess_events_per_s": round(build_rate, 1) if build_rate else None,
        "inprocess_last_tenth_events_per_s": round(tail_rate, 1) if tail_rate else None,
        **latency,
    }
    console.print(result)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--events", type=int, default=100_000, help="events in the built graph")
    ap.add_argument(
        "--http-events",
        type=int,
        default=2000,
        help="events posted in each HTTP mode (at most half of --events)",
    )
    ap.add_argument("--batch", type=int, default=100, help="events per batch POST")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--depth", type=int, default=20, help="lineage depth (transforms)")
    ap.add_argument("--backends", default="sqlite,neo4j")
    ap.add_argument("--neo4j", default=None, help="store URI of a Neo4j server to use (cleared)")
    ap.add_argument(
        "--neo4j-home",
        default=str(Path.home() / ".cache" / "provenance" / "neo4j-bench-openlineage"),
        help="home of the private local Neo4j server (when --neo4j is not given)",
    )
    ap.add_argument("--keep-neo4j", action="store_true", help="leave the private server up")
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    ap.add_argument(
        "--order-events", type=int, default=5000, help="events per arrival-order run, batched"
    )
    ap.add_argument(
        "--order-single-events",
        type=int,
        default=1000,
        help="events per arrival-order run, one event per write",
    )
    ap.add_argument("--order-rounds", type=int, default=3, help="rounds of the three orders")
    ap.add_argument("--only-order", action="store_true", help="only the arrival-order part")
    args = ap.parse_args()
    console = Console(stderr=True)
    results = []
    orders = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            started = False
            if backend == "sqlite":
                uri = str(Path(tmp) / "bench.sqlite")
            else:
                uri, started = neo4j_uri(args, console)
            try:
                if not args.only_order:
                    results.append(run_backend(backend, uri, args, console))
                orders += arrival_order(backend, uri, args, console)
            finally:
                if started and not args.keep_neo4j:
                    from provenance.neo4j_server import stop

                    stop(args.neo4j_home)
    table = Table(title=f"OpenLineage benchmark (lineage depth {args.depth})")
    for col in (
        "backend",
        "events",
        "nodes",
        "HTTP 1/POST ev/s",
        f"HTTP {args.batch}/POST ev/s",
        "in-process ev/s (last 10%)",
        "HTTP lineage p50/p95 ms",
        "traverse p50/p95 ms",
        "answer nodes",
    ):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            r["backend"],
            f"{r['events']:,}",
            f"{r['nodes']:,}",
            f"{r['http_single_events_per_s']:,}",
            f"{r['http_batch_events_per_s']:,}",
            (
                f"{r['inprocess_events_per_s']:,} ({r['inprocess_last_tenth_events_per_s']:,})"
                if r["inprocess_events_per_s"]
                else "-"
            ),
            f"{r['http_p50_ms']} / {r['http_p95_ms']}",
            f"{r['traverse_p50_ms']} / {r['traverse_p95_ms']}",
            str(r["answer_nodes"]),
        )
    if results:
        Console(width=200).print(table)
    if orders:
        order_table = Table(
            title=f"Arrival order: in-process ingest, median of {args.order_rounds} "
            "interleaved rounds"
        )
        for col in ("backend", "way", "events", "in order ev/s",
                    "shuffled, window 100 ev/s (ratio)", "shuffled whole ev/s (ratio)",
                    "same graph"):  # fmt: skip
            order_table.add_column(col, justify="right")
        for o in orders:
            order_table.add_row(
                o["backend"],
                o["way"],
                f"{o['order_events']:,}",
                f"{o['in_order_events_per_s']:,}",
                f"{o['shuffled_window_100_events_per_s']:,} ({o['shuffled_window_100_ratio']})",
                f"{o['shuffled_whole_events_per_s']:,} ({o['shuffled_whole_ratio']})",
                str(o["same_graph"]),
            )
        Console(width=200).print(order_table)
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "arrival_order": orders}, indent=2))


if __name__ == "__main__":
    main()
