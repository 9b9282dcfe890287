"""The graph OpenLineage events make does not depend on the order they arrive in.

Real-shaped event sets (dbt-ol over two ``dbt run``s, the Spark listener over two daily
applications, Airflow's provider with a join, assets and deterministic run ids replayed, the
hand-written Airflow and Spark sets of :mod:`tests.openlineage_events`) are ingested in time
order and in shuffled orders (seeded: one event per write, random batches, concurrent HTTP
posts to the service), on both backends; every permutation must give the time-order graph
node for node and edge for edge, with a log that verifies. The bindings themselves are checked
against an oracle written here from the rule alone (versions and runs timed from the events).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from uvicorn.config import Config

from provenance.analysis.integrity import verify_log
from provenance.model import Artifact, Transform
from provenance.openlineage.ingest import _write_batch, ingest_event, ingest_events, time_order
from provenance.openlineage.naming import dataset_uri, dataset_version_id, run_transform_id
from provenance.service import create_app
from provenance.store import LineageStore, SQLiteStore, open_store
from provenance.store.chain import iter_body
from tests import openlineage_events as ev
from tests import test_parity

store = test_parity.store


def seeds(s: LineageStore) -> range:
    """Shuffled orders per way of posting: more on SQLite (fast) than on Neo4j."""
    return range(12 if isinstance(s, SQLiteStore) else 3)


Event = dict[str, Any]


def all_events() -> list[Event]:
    """Every set at once (about 90 events): they share no dataset, so they must not meet."""
    return [
        *ev.airflow_events(Path("/srv/shop")),
        *ev.spark_events(),
        *ev.dbt_events(),
        *ev.spark_listener_events(),
        *ev.airflow_assets_events(executions=2, dag_runs=2),
    ]


# --- what is compared -----------------------------------------------------------------------
def _json(node: Any) -> dict[str, Any]:
    data: dict[str, Any] = node.model_dump(mode="json")
    if data["node_type"] == "CodeVersion":
        data.pop("created_at")  # when it was first recorded: the wall clock, not an event
    return data


def snapshot(s: LineageStore) -> tuple[dict[str, Any], set[tuple[str, str, str, str | None]]]:
    """Every node (as its JSON; a code version without its wall-clock ``created_at``) and
    every edge (with its role)."""
    nodes = {n.id: _json(n) for b in s.iter_nodes() for n in b}
    edges = {(e.source, e.type, e.target, e.role) for b in s.iter_edges() for e in b}
    return nodes, edges


def assert_same(got: LineageStore, want: tuple[dict[str, Any], set[Any]], how: str) -> None:
    nodes, edges = snapshot(got)
    assert sorted(nodes) == sorted(want[0]), how
    assert edges == want[1], how
    differ = {
        (i, k): (v, want[0][i].get(k))
        for i, node in nodes.items()
        for k, v in node.items()
        if v != want[0][i].get(k)
    }
    assert differ == {}, how
    verdict = verify_log(got)
    assert verdict.ok, f"{how}: {verdict.message}"


def fresh(s: LineageStore, tmp_path: Path, name: str) -> LineageStore:
    """An empty store of the same backend (a new SQLite file, or the Neo4j store cleared)."""
    if isinstance(s, SQLiteStore):
        return SQLiteStore(tmp_path / f"{name}.sqlite")
    s.clear()  # type: ignore[attr-defined]
    return s


# --- the oracle: the binding rule, from the events alone --------------------------------------
def _when(event: Event) -> dt.datetime:
    return dt.datetime.fromisoformat(event["eventTime"])


def _version(d: Event) -> str | None:
    v = (d.get("facets") or {}).get("version")
    return v["datasetVersion"] if v else None


def expected_inputs(events: list[Event]) -> dict[str, set[str]]:
    """Each run's USED targets by the rule: a version facet names its version; otherwise the
    version (of another run, or named by a facet) first named at or before the run's start
    (earliest START, else earliest event), greatest id among one instant; else the stand-in."""
    named: dict[str, dt.datetime] = {}  # version id -> earliest event naming it
    uri_of: dict[str, str] = {}
    runs: dict[str, list[Event]] = {}
    for e in events:
        run_id = e["run"]["runId"]
        runs.setdefault(run_id, []).append(e)
        for d in e.get("outputs", []):
            v = _version(d) or run_id
            vid = dataset_version_id(d["namespace"], d["name"], v)
            named[vid] = min(named.get(vid, _when(e)), _when(e))
            uri_of[vid] = dataset_uri(d["namespace"], d["name"])
        for d in e.get("inputs", []):
            if _version(d):
                vid = dataset_version_id(d["namespace"], d["name"], _version(d))
                named[vid] = min(named.get(vid, _when(e)), _when(e))
                uri_of[vid] = dataset_uri(d["namespace"], d["name"])
    out: dict[str, set[str]] = {}
    for run_id, evs in runs.items():
        starts = [_when(e) for e in evs if e["eventType"] == "START"] or [_when(e) for e in evs]
        start = min(starts)
        own = {
            dataset_version_id(d["namespace"], d["name"], _version(d) or run_id)
            for e in evs
            for d in e.get("outputs", [])
        }
        used: set[str] = set()
        for d in (d for e in evs for d in e.get("inputs", [])):
            if _version(d):
                used.add(dataset_version_id(d["namespace"], d["name"], _version(d)))
                continue
            uri = dataset_uri(d["namespace"], d["name"])
            fits = [
                (t, v) for v, t in named.items() if uri_of[v] == uri and t <= start and v not in own
            ]
            used.add(max(fits)[1] if fits else dataset_version_id(d["namespace"], d["name"], None))
        out[run_transform_id(run_id)] = used
    return out


def used_by_run(s: LineageStore, run_ids: list[str]) -> dict[str, set[str]]:
    return {
        tid: {e.target for e in s.transform_edges([tid]) if e.type == "USED"} for tid in run_ids
    }


# --- tests ------------------------------------------------------------------------------------
def test_time_order_binds_by_the_rule(store: LineageStore) -> None:
    events = all_events()
    ingest_events(store, time_order(events))
    want = expected_inputs(events)
    assert used_by_run(store, list(want)) == want
    for tid, inputs in want.items():  # input_ids follow the edges
        run = store.get(tid)
        assert isinstance(run, Transform) and run.input_ids == sorted(inputs)
    # No run of these sets reads before anything was written but the seeds, raw files and
    # the first Spark job's table: the stand-ins are those.
    stand_ins = {a.name for b in store.iter_nodes() for a in b
                 if isinstance(a, Artifact) and a.id == dataset_version_id(
                     a.metadata["openlineage"]["namespace"], a.name, None)}  # fmt: skip
    assert stand_ins == {
        "jaffle.main.raw_customers",
        "jaffle.main.raw_orders",
        "/data/raw/orders",
        "/srv/shop/users.csv",
        "/srv/shop/orders.csv",
    }


def test_any_order_one_by_one_gives_the_time_order_graph(
    store: LineageStore, tmp_path: Path
) -> None:
    events = all_events()
    ingest_events(store, time_order(events), batch_size=1)
    want = snapshot(store)
    for seed in seeds(store):
        shuffled = random.Random(seed).sample(events, len(events))
        s = fresh(store, tmp_path, f"single{seed}")
        for e in shuffled:
            ingest_event(s, e)
        assert_same(s, want, f"seed {seed}, one event per write")


def test_any_order_in_batches_gives_the_time_order_graph(
    store: LineageStore, tmp_path: Path
) -> None:
    events = all_events()
    ingest_events(store, time_order(events))
    want = snapshot(store)
    for seed in seeds(store):
        rng = random.Random(100 + seed)
        shuffled = rng.sample(events, len(events))
        s = fresh(store, tmp_path, f"batch{seed}")
        i = 0
        while i < len(shuffled):
            n = rng.randint(1, 25)
            ingest_events(s, shuffled[i : i + n], batch_size=rng.randint(1, n))
            i += n
        assert_same(s, want, f"seed {100 + seed}, random batches")
    # ingest_events writes each call's events in time order; the batch writer itself maps any
    # order (one write, newest first: every binding is re-bound within the batch)
    s = fresh(store, tmp_path, "reversed")
    _write_batch(s, time_order(events)[::-1])
    assert_same(s, want, "reversed, one batch")


@contextmanager
def serving(uri: str) -> Iterator[str]:
    """``provenance serve``'s app (create_app) under uvicorn on a free 127.0.0.1 port."""
    server = uvicorn.Server(Config(create_app(uri), port=0, log_level="warning"))
    server.config.host = "127.0.0.1"
    sock = server.config.bind_socket()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        threading.Event().wait(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1/lineage"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def test_concurrent_posts_give_the_time_order_graph(
    store: LineageStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    events = all_events()
    ingest_events(store, time_order(events))
    want = snapshot(store)
    target = fresh(store, tmp_path, "served")
    if isinstance(target, SQLiteStore):
        uri = str(target.path)
    else:  # the store's own uri hides the password
        uri = str(request.getfixturevalue("neo4j_server").store_uri)
    shuffled = random.Random(7).sample(events, len(events))
    lanes = [shuffled[i::4] for i in range(4)]  # four posters, each in its own order
    failures: list[str] = []

    def post(url: str, lane: list[Event]) -> None:
        with requests.Session() as http:
            for j, e in enumerate(lane):
                body = [e, *lane[j + 1 : j + 2]] if j % 5 == 4 else e  # now and then a batch
                r = http.post(url, data=json.dumps(body), timeout=60,
                              headers={"Content-Type": "application/json"})  # fmt: skip
                if r.status_code != 201:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    with serving(uri) as url:
        threads = [threading.Thread(target=post, args=(url, lane)) for lane in lanes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert failures == []
    check = open_store(uri) if isinstance(target, SQLiteStore) else target
    assert_same(check, want, "four concurrent posters")


def _stg(run: int, model: str) -> str:
    return dataset_version_id(ev.DUCKDB, f"jaffle.main.{model}", ev.uid(0xDB, run * 10 + {
        "stg_customers": 1, "stg_orders": 2, "customers": 3}[model]))  # fmt: skip


def test_dbt_second_run_staging_before_first_run_mart(store: LineageStore, tmp_path: Path) -> None:
    events = ev.dbt_events()
    first, second = events[:8], events[8:]
    mart = [e for e in first if e["job"]["name"].endswith(".customers")]
    # run 1's staging, run 2's staging and mart, then run 1's mart (78 s late)
    order = [e for e in first if e not in mart] + second + mart
    for e in order:
        ingest_event(store, e)
    mart1, mart2 = (run_transform_id(ev.uid(0xDB, r * 10 + 3)) for r in (0, 1))
    got = used_by_run(store, [mart1, mart2])
    assert got[mart1] == {_stg(0, "stg_customers"), _stg(0, "stg_orders")}
    assert got[mart2] == {_stg(1, "stg_customers"), _stg(1, "stg_orders")}
    want = fresh(store, tmp_path, "dbt-in-order") if isinstance(store, SQLiteStore) else None
    if want is not None:
        ingest_events(want, events)
        assert_same(store, snapshot(want), "dbt, mart late")
    assert verify_log(store).ok


def _dataset(name: str) -> Event:
    return {"namespace": "s3://bucket", "name": name}


def _run(kind: str, minute: float, run: int, *, inputs: list[Event] = (),  # type: ignore[assignment]
         outputs: list[Event] = ()) -> Event:  # type: ignore[assignment]  # fmt: skip
    return ev.run_event(kind, ev.at(ev.T0, minute), ev.uid(0x0C, run), ("etl", f"job{run}"),
                        inputs=list(inputs), outputs=list(outputs))  # fmt: skip


def test_consumer_before_its_producer_rebinds_and_removes_the_stand_in(
    store: LineageStore,
) -> None:
    d = _dataset("orders")
    consumer = [_run("START", 10, 2, inputs=[d]), _run("COMPLETE", 11, 2, inputs=[d])]
    producer = [_run("START", 1, 1, outputs=[d]), _run("COMPLETE", 2, 1, outputs=[d])]
    stand_in = dataset_version_id("s3://bucket", "orders", None)
    version = dataset_version_id("s3://bucket", "orders", ev.uid(0x0C, 1))
    tid = run_transform_id(ev.uid(0x0C, 2))
    for e in consumer:
        ingest_event(store, e)
    assert used_by_run(store, [tid])[tid] == {stand_in}
    head = store.log_head()
    assert head is not None
    ingest_event(store, producer[1])  # the COMPLETE alone: the version dates from minute 2
    assert used_by_run(store, [tid])[tid] == {version}
    assert store.get(stand_in) is None
    run = store.get(tid)
    assert isinstance(run, Transform) and run.input_ids == [version]
    removal = store.log_head()
    assert removal is not None and removal.seq == head.seq + 1
    lines = {(line.kind, line.key) for line in iter_body(removal.body)}
    assert ("D", stand_in) in lines and ("D", (tid, "USED", stand_in)) in lines
    assert ("E", (tid, "USED", version)) in lines
    ingest_event(store, producer[0])  # the START: the version now dates from minute 1
    version_node = store.get(version)
    assert isinstance(version_node, Artifact) and version_node.created_at == ev.T0 + dt.timedelta(
        minutes=1
    )
    verdict = verify_log(store)
    assert verdict.ok, verdict.message


def test_a_version_written_after_a_run_ended_is_never_used(store: LineageStore) -> None:
    d = _dataset("daily")
    early = [_run("START", -5, 1, outputs=[d]), _run("COMPLETE", -4, 1, outputs=[d])]
    reader = [_run("START", 0, 2, inputs=[d]), _run("COMPLETE", 5, 2, inputs=[d])]
    late = [_run("START", 10, 3, outputs=[d]), _run("COMPLETE", 12, 3, outputs=[d])]
    tid = run_transform_id(ev.uid(0x0C, 2))
    for e in late + reader:  # the later version arrives first
        ingest_event(store, e)
    assert used_by_run(store, [tid])[tid] == {dataset_version_id("s3://bucket", "daily", None)}
    for e in early:
        ingest_event(store, e)
    assert used_by_run(store, [tid])[tid] == {
        dataset_version_id("s3://bucket", "daily", ev.uid(0x0C, 1))
    }
    assert verify_log(store).ok


def test_reused_run_ids_merge_into_one_run(store: LineageStore, tmp_path: Path) -> None:
    events = ev.airflow_assets_events(executions=2)
    for e in random.Random(3).sample(events, len(events)):
        ingest_event(store, e)
    join = store.get(run_transform_id(ev.uid(0xAF, 3)))
    assert isinstance(join, Transform)
    # first execution's START (minute 3), second execution's COMPLETE (an hour later, 3.5)
    assert join.started_at == ev.T_AIRFLOW + dt.timedelta(minutes=3)
    assert join.ended_at == ev.T_AIRFLOW + dt.timedelta(hours=1, minutes=3.5)
    assert join.status == "succeeded"
    kinds = [(x["eventType"], x["eventTime"]) for x in join.metadata["openlineage"]["events"]]
    assert kinds == [
        ("START", "2026-04-03T00:03:00.000000Z"),
        ("COMPLETE", "2026-04-03T00:03:30.000000Z"),
        ("START", "2026-04-03T01:03:00.000000Z"),
        ("COMPLETE", "2026-04-03T01:03:30.000000Z"),
    ]
    a = dataset_version_id("file", "/opt/airflow/assets/a.json", ev.uid(0xAF, 1))
    b = dataset_version_id("file", "/opt/airflow/assets/b.json", ev.uid(0xAF, 2))
    assert used_by_run(store, [join.id])[join.id] == {a, b}


def test_cli_ingest_orders_a_directory_by_event_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from provenance.cli.app import main

    store = SQLiteStore(tmp_path / "in-order.sqlite")
    events = ev.dbt_events()
    folder = tmp_path / "events"
    folder.mkdir()
    for i, e in enumerate(events):  # names sort newest first
        (folder / f"{len(events) - i:03d}.json").write_text(json.dumps(e, indent=2))
    shuffled = random.Random(5).sample(events, len(events))
    lines = tmp_path / "events.jsonl"
    lines.write_text("".join(json.dumps(e) + "\n" for e in shuffled))
    ingest_events(store, events)
    want = snapshot(store)
    for source in (folder, lines):
        target = tmp_path / f"{source.name}.sqlite"
        assert main(["ingest", str(source), "--store", str(target), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["events"] == len(events)
        assert_same(SQLiteStore(target), want, f"provenance ingest {source.name}")
    # ...and written in time order: nothing had to be re-bound (no removal in the log)
    written = SQLiteStore(tmp_path / "events.sqlite")
    assert not any(
        line.kind == "D" for b in written.iter_log() for e in b for line in iter_body(e.body)
    )


# --- the write path's removals (what re-binding writes) ---------------------------------------
def test_write_removes_edges_and_a_node_and_logs_them(store: LineageStore) -> None:
    from provenance.errors import IntegrityError
    from provenance.model import Edge
    from provenance.store.base import RebindingStore

    assert isinstance(store, RebindingStore)
    a, b = (Artifact(id="blake3:" + c * 64, name=c) for c in "ab")
    t = Transform(id="blake3:" + "1" * 64, operation="read", status="succeeded",
                  input_ids=[a.id, b.id])  # fmt: skip
    used_a, used_b = (Edge(source=t.id, target=x.id, type="USED", role="input") for x in (a, b))
    store.write([t, a, b], [used_a, used_b])
    assert {e.target for e in store.edges_to([a.id, b.id])} == {a.id, b.id}
    before = store.log_head()
    assert before is not None
    # b is still joined by used_b: refused, nothing written
    with pytest.raises(IntegrityError):
        store.write([], [], remove_edges=[used_a], remove_nodes=[b.id])
    assert store.log_head() == before and store.get(b.id) is not None
    assert len(store.transform_edges([t.id])) == 2
    # a node both written and removed: refused
    with pytest.raises(IntegrityError):
        store.write([a], [], remove_nodes=[a.id])
    # removals only; one of them not stored (passed over, not logged)
    ghost = Edge(source=t.id, target="blake3:" + "9" * 64, type="USED")
    store.write([], [], remove_edges=[used_a, ghost], remove_nodes=[a.id, "blake3:" + "8" * 64])
    head = store.log_head()
    assert head is not None and head.seq == before.seq + 1 and (head.nodes, head.edges) == (1, 1)
    assert [(x.kind, x.key) for x in iter_body(head.body)] == [
        ("D", a.id),
        ("D", (t.id, "USED", a.id)),
    ]
    assert store.get(a.id) is None and store.edges_to([a.id]) == []
    assert [e.target for e in store.transform_edges([t.id])] == [b.id]
    # a succeeded run is kept as stored by a merge; replaced whole, its input_ids shrink
    shrunk = t.model_copy(update={"input_ids": [b.id]})
    store.write([shrunk], [])
    assert store.get(t.id) == t
    store.write([shrunk], [], replace_ids=[t.id], remove_edges=[used_b])
    assert store.get(t.id) == shrunk
    assert store.transform_edges([t.id]) == []
    verdict = verify_log(store)
    assert verdict.ok, verdict.message
    assert {v for v, _ in store.uri_versions("file:///nowhere")} == set()


def test_a_run_keeps_no_value_of_the_inputs_it_binds_by_time(store: LineageStore) -> None:
    metrics = ev.facet(
        "DataQualityMetricsInputDatasetFacet",
        rowCount=2,
        columnMetrics={"email": {"nullCount": 0, "min": "a@x.org", "max": "zed@x.org"}},
    )
    d = {**_dataset("users"), "inputFacets": {"dataQualityMetrics": metrics}}
    ingest_event(store, _run("START", 1, 5, inputs=[d]))
    run = store.get(run_transform_id(ev.uid(0x0C, 5)))
    assert isinstance(run, Transform)
    kept = run.metadata["openlineage"]["inputsByTime"][dataset_uri("s3://bucket", "users")]
    assert kept["inputFacets"]["dataQualityMetrics"]["rowCount"] == 2
    assert "x.org" not in json.dumps(run.metadata)  # min/max stay on the version only
