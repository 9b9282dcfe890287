"""OpenLineage ingest, column lineage and Marquez addresses, on every backend.

The events are tests/openlineage_events.py's; every expected answer below is worked out by
hand from them (times are minutes after ``T0`` for Airflow, hours after ``T1`` for Spark).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from provenance import Tracker
from provenance.errors import NotFoundError, OpenLineageEventError
from provenance.model import Artifact, Edge, Transform
from provenance.openlineage import (
    IngestStats,
    column_lineage,
    dataset_uri,
    dataset_version_id,
    ingest_event,
    ingest_events,
    job_definition_id,
    read_jsonl,
    run_transform_id,
)
from provenance.openlineage.mapping import map_event
from provenance.openlineage.pending import PendingView
from provenance.reader import resolve_id
from provenance.store import Direction, LineageStore, SQLiteStore
from provenance.store.merge import merge_node
from tests import openlineage_events as ev
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store

EXTRACT = run_transform_id(ev.EXTRACT_RUN)
LOAD = run_transform_id(ev.LOAD_RUN)
NOTIFY = run_transform_id(ev.NOTIFY_RUN)
REPORT = run_transform_id(ev.REPORT_RUN)
DAG = run_transform_id(ev.DAG_RUN)
USERS_TABLE = dataset_version_id(ev.POSTGRES, "shop.public.users", ev.EXTRACT_RUN)
ORDERS_TABLE = dataset_version_id(ev.POSTGRES, "shop.public.orders", ev.LOAD_RUN)


def minutes(n: float, base: dt.datetime = ev.T0) -> dt.datetime:
    return base + dt.timedelta(minutes=n)


def snapshot(store: LineageStore) -> tuple[dict[str, int], list[Any], list[Any]]:
    """Everything a store holds, comparably."""
    nodes = sorted(
        (n.model_dump(mode="json") for b in store.iter_nodes() for n in b), key=lambda d: d["id"]
    )
    edges = sorted(e.key for b in store.iter_edges() for e in b)
    return store.counts(), nodes, edges


def transform(store: LineageStore, node_id: str) -> Transform:
    node = store.get(node_id)
    assert isinstance(node, Transform), node
    return node


def artifact(store: LineageStore, node_id: str) -> Artifact:
    node = store.get(node_id)
    assert isinstance(node, Artifact), node
    return node


def events_of(t: Transform) -> list[tuple[str, str]]:
    return [(e["eventType"], e["eventTime"]) for e in t.metadata["openlineage"]["events"]]


def iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


# --- runs: status and times whatever the arrival order -------------------------------------
def test_airflow_runs_after_out_of_order_events(store: LineageStore, tmp_path: Path) -> None:
    stats = ingest_events(store, ev.airflow_events(tmp_path))
    # 11 events of 5 runs (the DAG run and 4 tasks); 5 dataset versions (users.csv, users
    # table, orders.csv, orders table, report.csv); edges: USED 1 + 1 + 2, PRODUCED 3, RAN 1
    # (extract's code location), PARENT 4.
    assert stats == IngestStats(events=11, runs=5, jobs=0, datasets=5, edges=4 + 3 + 1 + 4)
    assert store.counts() == {
        "Transform": 5,
        "Artifact": 5,
        "CodeVersion": 1,
        "USED": 4,
        "PRODUCED": 3,
        "RAN": 1,
        "PARENT": 4,
    }

    extract = transform(store, EXTRACT)
    # COMPLETE (minute 3) arrived before START (1); the late OTHER (4) changes no status.
    assert (extract.status, extract.started_at, extract.ended_at, extract.error) == (
        "succeeded",
        minutes(1),
        minutes(3),
        None,
    )
    assert events_of(extract) == [
        ("START", iso(minutes(1))),
        ("COMPLETE", iso(minutes(3))),
        ("OTHER", iso(minutes(4))),
    ]
    assert (extract.operation, extract.name) == ("shop_etl.extract_users",) * 2
    meta = extract.metadata["openlineage"]
    assert meta["kind"] == "run" and meta["runId"] == ev.EXTRACT_RUN
    assert meta["job"] == {"namespace": "airflow", "name": "shop_etl.extract_users"}
    # Facets of every event accumulate: the SQL job facet, the parent and the OTHER's unknown one.
    assert meta["facets"]["job"]["sql"]["query"].startswith("COPY shop.public.users")
    assert meta["facets"]["run"]["airflow_task_stats"]["pool"] == "default_pool"
    assert meta["facets"]["run"]["parent"]["run"]["runId"] == ev.DAG_RUN

    load = transform(store, LOAD)
    assert (load.status, load.started_at, load.ended_at, load.error) == (
        "failed",
        minutes(2),
        minutes(4),
        ev.LOAD_ERROR,
    )
    notify = transform(store, NOTIFY)
    assert notify.status == "failed" and notify.error is None
    assert [e for e, _ in events_of(notify)] == ["START", "ABORT"]  # ABORT stays visible
    report = transform(store, REPORT)
    assert (report.status, report.started_at, report.ended_at) == (
        "succeeded",
        minutes(5),
        minutes(6),
    )
    dag = transform(store, DAG)
    assert (dag.status, dag.started_at, dag.ended_at) == ("succeeded", minutes(0), minutes(10))
    assert dag.metadata["openlineage"]["facets"]["job"]["documentation"]["description"] == (
        "Nightly shop ETL."
    )

    # The CodeVersion of extract_users' sourceCodeLocation, RAN by it.
    ran = [e for e in store.transform_edges([EXTRACT]) if e.type == "RAN"]
    (code,) = store.get_many([ran[0].target])
    assert extract.code_version_id == code.id
    assert (code.git_commit, code.git_branch, code.entrypoint) == (  # type: ignore[union-attr]
        "abc1230000000000000000000000000000000000",
        "main",
        "dags/shop_etl.py",
    )


def test_status_follows_the_latest_event_in_any_order(tmp_path: Path) -> None:
    """The fold is the store's merge rule, shared by both backends: every order of the
    events of each run gives the same runs (compared on SQLite stores)."""
    events = ev.airflow_events(tmp_path)

    def runs(order: list[dict[str, Any]]) -> dict[str, Any]:
        s = SQLiteStore(tmp_path / f"s{random.random()}.sqlite")
        ingest_events(s, order)
        out = {}
        for t in s.find_transforms():
            meta = t.metadata["openlineage"]
            out[t.id] = (t.status, t.started_at, t.ended_at, t.error, meta["events"])
        s.close()
        return out

    want = runs(events)
    assert len(want) == 5
    rng = random.Random(7)
    for _ in range(4):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert runs(shuffled) == want


def test_parent_edges_and_placeholder(store: LineageStore, tmp_path: Path) -> None:
    events = ev.airflow_events(tmp_path)
    extract_complete, dag_start, dag_complete = events[1], events[0], events[-1]
    ingest_event(store, extract_complete)  # the task's event before any of the DAG run's
    placeholder = transform(store, DAG)
    assert placeholder.status == "running" and placeholder.started_at is None
    assert placeholder.operation == "shop_etl"
    assert placeholder.metadata["openlineage"]["events"] == []
    assert [e for e in store.transform_edges([EXTRACT]) if e.type == "PARENT"] == [
        Edge(source=EXTRACT, target=DAG, type="PARENT", role="parent")
    ]
    ingest_events(store, [dag_complete, dag_start])
    dag = transform(store, DAG)  # the real run's fields replaced the placeholder's
    assert (dag.status, dag.started_at, dag.ended_at) == ("succeeded", minutes(0), minutes(10))
    assert "documentation" in dag.metadata["openlineage"]["facets"]["job"]

    ingest_events(store, events)
    assert store.counts()["PARENT"] == 4
    parents = [e for b in store.iter_edges() for e in b if e.type == "PARENT"]
    assert {(e.source, e.target) for e in parents} == {
        (t, DAG) for t in (EXTRACT, LOAD, NOTIFY, REPORT)
    }
    # Walks do not follow PARENT: the DAG run (no datasets of its own) reaches nothing, and
    # no task's lineage reaches the DAG run.
    assert store.traverse(DAG, Direction.UP).node_ids == {DAG}
    assert store.traverse(DAG, Direction.DOWN).node_ids == {DAG}
    up = store.traverse(REPORT, Direction.UP)
    assert DAG not in up.node_ids and all(e.type != "PARENT" for e in up.edges)
    # Sync carries PARENT edges (and the transform fields) over.
    from provenance.sync import sync

    copy = SQLiteStore(tmp_path / "copy.sqlite")
    sync(store, copy)
    assert snapshot(copy) == snapshot(store)
    copy.close()


# --- datasets: versions, binding, the native meeting point ---------------------------------
def test_native_run_and_airflow_task_meet_at_one_dataset(
    store: LineageStore, tmp_path: Path
) -> None:
    users_csv = ev.airflow_paths(tmp_path)["users"]
    users_csv.write_text("id,email\n1,a@example.com\n2,b@example.com\n")
    tracker = Tracker(store)
    native = tracker.log_artifact(users_csv, name="users.csv", kind="dataset")
    with tracker.run("profile", inputs=[native]) as run:
        run.output(b"rows=2", name="users_profile", kind="file")
    # The DAG runs after the file was logged (inputs bind to what was written before the run).
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    ingest_events(store, ev.shifted(ev.airflow_events(tmp_path), later))

    assert native.uri == dataset_uri("file", str(users_csv))
    used = [e.target for e in store.transform_edges([EXTRACT]) if e.type == "USED"]
    assert used == [native.id]  # no second node for the file
    merged = artifact(store, native.id)
    assert (merged.name, merged.kind, merged.row_count) == ("users.csv", "dataset", 2)
    assert merged.metadata["openlineage"]["namespace"] == "file"
    assert store.get(dataset_version_id("file", str(users_csv), None)) is None

    down = store.traverse(native.id, Direction.DOWN)
    assert {t.operation for t in down.transforms} == {
        "profile",
        "shop_etl.extract_users",
        "shop_etl.report",
    }
    assert {a.id for a in down.artifacts} == {
        native.id,
        run.outputs[0].id,
        USERS_TABLE,
        dataset_version_id("file", str(tmp_path / "report.csv"), ev.REPORT_RUN),
    }
    # file:, job: addresses reach the native nodes as well.
    assert resolve_id(store, f"dataset:file:{users_csv}") == native.id
    assert resolve_id(store, "job:provenance:profile") == run.transform_id


def test_output_versions_and_dataset_facets(store: LineageStore, tmp_path: Path) -> None:
    ingest_events(store, ev.airflow_events(tmp_path))
    users = artifact(store, USERS_TABLE)
    # START and COMPLETE named one version (the run's); their facets accumulated.
    assert (users.name, users.kind, users.uri) == (
        "shop.public.users",
        "dataset",
        "postgres://db.example.com:5432/shop.public.users",
    )
    assert (users.row_count, users.size_bytes, users.owner) == (3, 120, "team:data-eng")
    # created_at: the time of the earliest event naming it (START, minute 1), though the
    # COMPLETE (minute 3) arrived first: what binding by time orders versions by.
    assert users.created_at == minutes(1)
    meta = users.metadata["openlineage"]
    assert set(meta["facets"]) == {"schema", "ownership", "dataSource"}
    assert meta["outputFacets"]["outputStatistics"]["rowCount"] == 3
    # report read the newest versions of both tables (the failed load's output included);
    # orders.csv had no version anywhere: the unversioned stand-in.
    used = {e.target for e in store.transform_edges([REPORT]) if e.type == "USED"}
    assert used == {USERS_TABLE, ORDERS_TABLE}
    orders_csv = dataset_version_id("file", str(tmp_path / "orders.csv"), None)
    assert [e.target for e in store.transform_edges([LOAD]) if e.type == "USED"] == [orders_csv]
    assert transform(store, REPORT).input_ids == sorted(used)


def test_spark_versions_and_reruns(store: LineageStore) -> None:
    stats = ingest_events(store, ev.spark_events())
    assert stats == IngestStats(events=6, runs=3, jobs=0, datasets=6, edges=5 + 3 + 2)
    v1, v2 = (dataset_version_id(ev.LAKE, "raw/orders", v) for v in ("v1", "v2"))
    c1 = dataset_version_id(ev.LAKE, "raw/customers", "c1")
    e2 = dataset_version_id(ev.LAKE, "curated/orders_enriched", "e2")
    run1, run2 = run_transform_id(ev.ENRICH_RUN_1), run_transform_id(ev.ENRICH_RUN_2)

    def used(t: str) -> set[str]:
        return {e.target for e in store.transform_edges([t]) if e.type == "USED"}

    assert used(run1) == {v1, c1} and used(run2) == {v2, c1}
    assert (artifact(store, v1).row_count, artifact(store, v1).size_bytes) == (1000, 50_000)
    assert artifact(store, e2).row_count == 1190
    # The re-run made a new version; the report read the newest one.
    assert used(run_transform_id(ev.REPORT_SPARK_RUN)) == {e2}
    assert [t.id for t in store.find_transforms(operation="orders_enrich")] == [run2, run1]
    # One CodeVersion (the same sourceCode facet), RAN by both runs.
    codes = {e.target for e in store.transform_edges([run1, run2]) if e.type == "RAN"}
    assert len(codes) == 1 and store.counts()["CodeVersion"] == 1
    assert resolve_id(store, "dataset:s3://lake:curated/orders_enriched") == e2
    # Versions are Marquez-addressable by namespace with a port: newest run of the job.
    assert resolve_id(store, "job:spark://spark-master:7077:orders_enrich") == run2


# --- column lineage ------------------------------------------------------------------------
def test_column_lineage_across_runs(store: LineageStore) -> None:
    ingest_events(store, ev.spark_events())
    daily = resolve_id(store, "dataset:s3://lake:reports/daily")
    e2 = dataset_version_id(ev.LAKE, "curated/orders_enriched", "e2")
    v2 = dataset_version_id(ev.LAKE, "raw/orders", "v2")
    c1 = dataset_version_id(ev.LAKE, "raw/customers", "c1")
    found = column_lineage(store, daily, "revenue")
    assert found.root.dataset_id == daily and found.root.field == "revenue"
    assert (found.root.namespace, found.root.name) == (ev.LAKE, "reports/daily")
    got = [
        (s.depth, s.dataset_id, s.name, s.field, s.dataset_wide, s.feeds.field)
        for s in found.sources
    ]
    assert got == [
        (1, e2, "curated/orders_enriched", "total", False, "revenue"),
        (2, v2, "raw/orders", "amount", False, "total"),
        (2, v2, "raw/orders", "tax", False, "total"),
        (2, v2, "raw/orders", "customer_id", True, "total"),
        (2, c1, "raw/customers", "id", True, "total"),
    ]
    first = found.sources[0]
    assert first.transformations == [
        {"type": "DIRECT", "subtype": "AGGREGATION", "description": "sum"}
    ]
    assert first.run_id == run_transform_id(ev.REPORT_SPARK_RUN)
    assert found.sources[1].description == "amount + tax"
    assert found.sources[1].run_id == run_transform_id(ev.ENRICH_RUN_2)
    assert [(s.name, s.field) for s in found.origins()] == [
        ("raw/orders", "amount"),
        ("raw/orders", "tax"),
        ("raw/orders", "customer_id"),
        ("raw/customers", "id"),
    ]
    assert not found.truncated

    shallow = column_lineage(store, daily, "revenue", depth=1)
    assert [(s.name, s.field) for s in shallow.sources] == [("curated/orders_enriched", "total")]
    assert shallow.truncated
    # The first run's output resolves to the versions that run used (v1), not the newest.
    e1 = dataset_version_id(ev.LAKE, "curated/orders_enriched", "e1")
    old = column_lineage(store, e1, "customer_name")
    assert [(s.dataset_id, s.field) for s in old.sources] == [
        (c1, "name"),
        (dataset_version_id(ev.LAKE, "raw/orders", "v1"), "customer_id"),
        (c1, "id"),
    ]
    # A column the schema lists but no lineage reaches: no sources. One it does not list: error.
    assert column_lineage(store, v2, "amount").sources == []
    with pytest.raises(NotFoundError, match="no column 'nope'"):
        column_lineage(store, daily, "nope")


# --- addressing ----------------------------------------------------------------------------
def test_marquez_addresses(store: LineageStore, tmp_path: Path) -> None:
    ingest_events(store, ev.airflow_events(tmp_path))
    assert resolve_id(store, "dataset:postgres://db.example.com:5432:shop.public.users") == (
        USERS_TABLE
    )
    assert resolve_id(store, "job:airflow:shop_etl.report") == REPORT
    assert resolve_id(store, "job:airflow:shop_etl") == DAG
    assert resolve_id(store, f"dataset:file:{tmp_path / 'report.csv'}") == dataset_version_id(
        "file", str(tmp_path / "report.csv"), ev.REPORT_RUN
    )
    # The job name alone in another namespace is not the same job.
    with pytest.raises(
        NotFoundError, match=r"no run of job 'shop_etl\.report' in namespace 'spark'"
    ):
        resolve_id(store, "job:spark:shop_etl.report")
    with pytest.raises(
        NotFoundError, match=r"address 'dataset:postgres://db\.example\.com:5432:x'"
    ):
        resolve_id(store, "dataset:postgres://db.example.com:5432:x")
    with pytest.raises(NotFoundError, match="not a node address"):
        resolve_id(store, "dataset:nothing")
    # Tracker and the analysis helpers resolve through the same function.
    assert Tracker(store).resolve("job:airflow:shop_etl.load_orders") == LOAD


def test_find_transforms(store: LineageStore, tmp_path: Path) -> None:
    ingest_events(store, [*ev.airflow_events(tmp_path), *ev.spark_events()])
    assert [t.id for t in store.find_transforms(operation="shop_etl.report")] == [REPORT]
    assert [t.id for t in store.find_transforms(name="shop_etl.load_orders")] == [LOAD]
    assert store.find_transforms(operation="shop_etl.report", name="other") == []
    assert store.find_transforms(operation="nothing") == []
    every = store.find_transforms()
    # Newest first by started_at: Spark report, run 2, run 1, then the Airflow runs.
    assert [t.id for t in every] == [
        run_transform_id(ev.REPORT_SPARK_RUN),
        run_transform_id(ev.ENRICH_RUN_2),
        run_transform_id(ev.ENRICH_RUN_1),
        NOTIFY,
        REPORT,
        LOAD,
        EXTRACT,
        DAG,
    ]


def test_find_transforms_sqlite_uses_indexes(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "s.sqlite")
    ingest_events(s, ev.spark_events())
    for field, index in (("operation", "nodes_operation"), ("name", "nodes_name")):
        statements: list[str] = []
        s._db.set_trace_callback(statements.append)
        assert len(s.find_transforms(**{field: "orders_enrich"})) == 2
        s._db.set_trace_callback(None)
        (query,) = [q for q in statements if q.startswith("SELECT")]
        plan = s._db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
        assert any(f"USING INDEX {index} ({field}=?)" in row[-1] for row in plan), plan


@pytest.mark.neo4j
def test_find_transforms_neo4j_seeks_an_index(neo4j_server: Any) -> None:
    from provenance.store import open_store
    from provenance.store.cypher import load_query

    s = open_store(neo4j_server.store_uri)
    try:

        def operators(plan: dict[str, Any]) -> list[str]:
            kids = plan.get("children", [])
            return [plan["operatorType"].split("@")[0], *(o for k in kids for o in operators(k))]

        with s._driver.session() as session:  # type: ignore[attr-defined]
            for params in ({"operation": "x", "name": None}, {"operation": None, "name": "x"}):
                result = session.run("EXPLAIN " + load_query("find_transforms"), **params)
                ops = operators(result.consume().plan)
                assert "NodeIndexSeek" in ops, ops
    finally:
        s.close()


# --- idempotence and bad input -------------------------------------------------------------
def test_reingest_changes_nothing(store: LineageStore, tmp_path: Path) -> None:
    events = [*ev.airflow_events(tmp_path), *ev.spark_events(), ev.job_event(), ev.dataset_event()]
    ingest_events(store, events)
    before = snapshot(store)
    again = ingest_events(store, events)
    assert again.events == len(events)
    assert snapshot(store) == before
    ingest_events(store, list(reversed(events)))  # every event already seen, in any order
    assert snapshot(store) == before


def test_bad_events_write_nothing(store: LineageStore, tmp_path: Path) -> None:
    ingest_events(store, ev.spark_events())
    before = snapshot(store)
    good = ev.airflow_events(tmp_path)
    for what, bad in ev.bad_events().items():
        with pytest.raises(OpenLineageEventError) as caught:
            ingest_event(store, bad)
        assert "\n" not in str(caught.value), what
        # One bad event in a batch: nothing of the batch is written, the message says which.
        with pytest.raises(OpenLineageEventError, match=f"^event {len(good) + 1}: "):
            ingest_events(store, [*good, bad])
        assert snapshot(store) == before, what
    with pytest.raises(OpenLineageEventError, match=r"at run\.runId: 'run-1' is not a 'uuid'"):
        ingest_event(store, ev.bad_events()["runId not a UUID"])
    with pytest.raises(OpenLineageEventError, match=r"run\.facets\.parent\.run\.runId"):
        ingest_event(store, ev.bad_events()["parent facet without runId"])


def test_read_jsonl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = ev.airflow_events(tmp_path)
    lines = tmp_path / "events.jsonl"
    lines.write_text("\n".join(json.dumps(e) for e in events) + "\n\n")
    assert list(read_jsonl(lines)) == events
    # FileTransport without append: a file per event, read in name order; dot-files skipped.
    folder = tmp_path / "transport"
    folder.mkdir()
    for i, e in enumerate(events):
        (folder / f"openlineage-{i:03d}.json").write_text(json.dumps(e, indent=2))
    (folder / ".lock").write_text("not an event")
    assert list(read_jsonl(folder)) == events
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(events[:2]) + "\n"))
    assert list(read_jsonl("-")) == events[:2]  # a line may hold a JSON array

    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(events[0]) + "\n{oops\n")
    with pytest.raises(OpenLineageEventError, match=rf"^{broken}:2: not JSON \("):
        list(read_jsonl(broken))
    invalid = tmp_path / "invalid.jsonl"
    invalid.write_text(json.dumps(events[0]) + "\n" + json.dumps(ev.bad_events()["no producer"]))
    with pytest.raises(OpenLineageEventError, match=rf"^{invalid}:2: invalid OpenLineage event"):
        list(read_jsonl(invalid))
    with pytest.raises(OpenLineageEventError, match="no such file"):
        list(read_jsonl(tmp_path / "missing.jsonl"))


# --- static events --------------------------------------------------------------------------
def test_job_and_dataset_events(store: LineageStore, tmp_path: Path) -> None:
    ingest_events(store, ev.airflow_events(tmp_path))
    stats = ingest_events(store, [ev.job_event(), ev.dataset_event()])
    assert (stats.jobs, stats.runs, stats.datasets, stats.edges) == (1, 0, 3, 2)
    definition = transform(store, job_definition_id(ev.AIRFLOW, "shop_etl.export"))
    assert definition.metadata["openlineage"]["kind"] == "job"
    assert definition.metadata["openlineage"]["facets"]["job"]["sql"]["query"] == (
        "UNLOAD shop.public.users"
    )
    # A definition names datasets, not versions: the unversioned stand-ins.
    edges = {(e.type, e.target) for e in store.transform_edges([definition.id])}
    assert edges == {
        ("USED", dataset_version_id(ev.POSTGRES, "shop.public.users", None)),
        ("PRODUCED", dataset_version_id(ev.LAKE, "exports/users", None)),
    }
    # The stand-in does not shadow the real version for addresses.
    assert resolve_id(store, "dataset:postgres://db.example.com:5432:shop.public.users") == (
        USERS_TABLE
    )
    # A job with no runs is addressed by its definition.
    assert resolve_id(store, "job:airflow:shop_etl.export") == definition.id
    # The DatasetEvent's documentation joined the newest version's facets.
    facets = artifact(store, USERS_TABLE).metadata["openlineage"]["facets"]
    assert facets["documentation"]["description"] == "One row per user."
    assert "schema" in facets


def test_long_dataset_name(store: LineageStore) -> None:
    """Dataset names of 10,000 bytes (ASCII) and 30,000 bytes (not): past Neo4j's RANGE index
    entry limit (~8 KB), the second near its TEXT index limit (~32 KB). Every backend stores
    them whole and finds them by address, uri and name (Neo4j through bounded lookup keys,
    schema.cypher)."""
    names = ["warehouse/" + "x" * 9990, "湖/" + "数据" * 4999 + "/x"]
    assert [len(n.encode()) for n in names] == [10_000, 30_000]
    for name in names:
        event = ev.run_event(
            "COMPLETE",
            ev.at(ev.T1),
            ev.ENRICH_RUN_1,
            (ev.SPARK, "long"),
            outputs=[ev.ds(ev.LAKE, name)],
        )
        version = dataset_version_id(ev.LAKE, name, ev.ENRICH_RUN_1)
        ingest_event(store, event)
        assert artifact(store, version).name == name
        assert resolve_id(store, f"dataset:{ev.LAKE}:{name}") == version
        assert [a.id for a in store.find_artifacts(uri=dataset_uri(ev.LAKE, name))] == [version]
        assert [a.id for a in store.find_artifacts(name=name)] == [version]


# --- merge rules (shared by both backends) --------------------------------------------------
def test_metadata_merges_recursively_and_native_rules_stand() -> None:
    a = Artifact(id="blake3:" + "a" * 64, name="x", metadata={"o": {"facets": {"s": 1}}})
    b = a.model_copy(update={"name": "y", "metadata": {"o": {"facets": {"s": 2, "d": 3}}, "k": 4}})
    merged = merge_node(a, b)
    assert merged.metadata == {"o": {"facets": {"s": 1, "d": 3}}, "k": 4}
    assert merged.name == "x"
    native = Transform(id="blake3:" + "1" * 64, operation="op", status="succeeded")
    failed = native.model_copy(update={"status": "failed", "metadata": {"new": 1}})
    assert merge_node(native, failed) == native  # succeeded never moves back
    assert merge_node(failed, native) == native


# --- CLI --------------------------------------------------------------------------------------
def test_cli_ingest_and_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from provenance.cli.app import main

    store_dir = tmp_path / "lineage.sqlite"
    events = tmp_path / "spark.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in ev.spark_events()))
    assert main(["ingest", str(events), "--store", str(store_dir)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("ingested 6 events: 3 run(s), 0 job definition(s), 6 dataset")
    assert len(out.splitlines()) == 1
    s = SQLiteStore(store_dir)
    before = snapshot(s)
    assert main(["ingest", str(events), "--store", str(store_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "events": 6,
        "runs": 3,
        "jobs": 0,
        "datasets": 6,
        "edges": 10,
    }
    assert snapshot(s) == before  # ingesting again changed nothing

    args = ["columns", "dataset:s3://lake:reports/daily", "revenue", "--store", str(store_dir)]
    assert main([*args, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [(x["depth"], x["field"]) for x in answer["sources"]][:3] == [
        (1, "total"),
        (2, "amount"),
        (2, "tax"),
    ]
    assert main([*args, "--depth", "1"]) == 0
    assert "cut at --depth" in capsys.readouterr().out

    # Bad input: one line on stderr naming file:line, exit 1, nothing written.
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        json.dumps(ev.job_event()) + "\n" + json.dumps(ev.bad_events()["no producer"])
    )
    assert main(["ingest", str(broken), "--store", str(store_dir)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{broken}:2: invalid OpenLineage event" in err[0], err
    assert snapshot(s) == before
    fresh = tmp_path / "fresh.sqlite"
    (tmp_path / "not.jsonl").write_text("not json at all\n")
    assert main(["ingest", str(tmp_path / "not.jsonl"), "--store", str(fresh)]) == 1
    assert "not.jsonl:1: not JSON" in capsys.readouterr().err
    assert not fresh.exists()  # the store is opened only once every event passed
    assert main([*args[:2], "nope", "--store", str(store_dir)]) == 1
    assert "has no column 'nope'" in capsys.readouterr().err
    s.close()


# --- the analyses on OpenLineage nodes, addressed the Marquez way --------------------------
def test_analyses_answer_for_openlineage_nodes(store: LineageStore, tmp_path: Path) -> None:
    """impact, audit, ancestry, descendants and loops on ingested runs and datasets, each
    given a ``dataset:``/``job:`` address. Hand-worked from the events: users.csv ->
    extract_users -> users table -> report -> report.csv, and orders.csv -> load_orders ->
    orders table -> report (notify reads and writes nothing)."""
    from provenance.analysis import audit, impact, loops

    ingest_events(store, ev.airflow_events(tmp_path))
    users_csv = resolve_id(store, f"dataset:file:{tmp_path / 'users.csv'}")
    report_csv = resolve_id(store, f"dataset:file:{tmp_path / 'report.csv'}")
    report_file = dataset_version_id("file", str(tmp_path / "report.csv"), ev.REPORT_RUN)
    assert report_csv == report_file

    # Deleting users.csv: the users table and the report go, extract and report re-run.
    plan = impact(store, [users_csv])
    assert {n.id for n in plan.must_delete} == {USERS_TABLE, report_file}
    assert plan.must_retrain == [] and plan.affected_predictions == []
    assert [step.transform.id for step in plan.steps] == [EXTRACT, REPORT]

    # Which data made the report: both files, through the three tasks (load_orders failed,
    # and is still where the orders table came from).
    report = audit(store, report_csv, check_reproducibility=False)
    assert sorted(x.name for x in report.sources) == [
        str(tmp_path / "orders.csv"),
        str(tmp_path / "users.csv"),
    ]
    assert {n.id for n in report.graph.transforms} == {EXTRACT, LOAD, REPORT}

    up = store.traverse(report_csv, Direction.UP)
    assert {n.id for n in up.artifacts} == {
        users_csv,
        resolve_id(store, f"dataset:file:{tmp_path / 'orders.csv'}"),
        USERS_TABLE,
        ORDERS_TABLE,
        report_file,
    }
    down = store.traverse(resolve_id(store, "job:airflow:shop_etl.extract_users"), Direction.DOWN)
    assert {n.id for n in down.nodes} == {EXTRACT, USERS_TABLE, REPORT, report_file}

    # A table rebuilt from its own previous version: every dim version reaches each later
    # one (7 versions: the first read, then one per run), a feed version reaches nothing.
    ingest_events(store, chained_events())
    found = loops(store)
    dims = [x for x in found.loops if x.line == "warehouse/dim"]
    assert len(dims) == 7 * 6 // 2 and all(x.kind == "dataset" for x in dims)
    assert sorted({len(x.path) for x in dims}) == [3, 5, 7, 9, 11, 13]
    assert not [x for x in found.loops if x.line != "warehouse/dim"]
    dim_now = resolve_id(store, "dataset:s3://lake:warehouse/dim")  # the latest version
    assert {x.target.id for x in dims if len(x.path) == 3} >= {dim_now}


def test_cli_verbs_take_marquez_addresses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's impact, audit, ancestry, descendants and show take ``dataset:``/``job:``
    addresses of ingested nodes and answer as for native ids."""
    from provenance.cli.app import main

    store_path = str(tmp_path / "lineage.sqlite")
    events = tmp_path / "airflow.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in ev.airflow_events(tmp_path)))
    assert main(["ingest", str(events), "--store", store_path]) == 0
    capsys.readouterr()
    users = f"dataset:file:{tmp_path / 'users.csv'}"
    report = f"dataset:file:{tmp_path / 'report.csv'}"
    report_file = dataset_version_id("file", str(tmp_path / "report.csv"), ev.REPORT_RUN)

    assert main(["impact", users, "--store", store_path, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert {n["id"] for n in plan["must_delete"]} == {USERS_TABLE, report_file}
    assert main(["audit", report, "--store", store_path, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["sources"]) == 2
    assert main(["ancestry", report, "--store", store_path, "--format", "json"]) == 0
    up = json.loads(capsys.readouterr().out)
    assert {n["id"] for n in up["nodes"]} >= {EXTRACT, LOAD, REPORT, USERS_TABLE, ORDERS_TABLE}
    assert main(["descendants", "job:airflow:shop_etl.extract_users", "--store", store_path,
                 "--format", "json"]) == 0  # fmt: skip
    down = json.loads(capsys.readouterr().out)
    assert {n["id"] for n in down["nodes"]} == {EXTRACT, USERS_TABLE, REPORT, report_file}
    assert main(["show", "job:airflow:shop_etl.load_orders", "--store", store_path, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == LOAD and shown["status"] == "failed"
    assert main(["impact", "dataset:file:/nowhere.csv", "--store", store_path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "dataset:file:/nowhere.csv" in err[0], err


# --- batched ingest writes what one write per event writes --------------------------------
def chained_events() -> list[dict[str, Any]]:
    """A job that rebuilds a table from its own previous version and a raw feed, 6 times:
    each run's inputs are versions written earlier, often by an earlier event of the same
    batch (START and COMPLETE both name them)."""
    events = []
    raw, dim = ev.ds(ev.LAKE, "raw/feed"), ev.ds(ev.LAKE, "warehouse/dim")
    for i in range(6):
        feed_run = f"01900000-0000-7000-8000-0000000bf{i:03d}"
        dim_run = f"01900000-0000-7000-8000-0000000bd{i:03d}"
        for kind, minute in (("START", 0), ("COMPLETE", 1)):
            events.append(
                ev.run_event(
                    kind,
                    ev.at(ev.T0, 60 * i + minute),
                    feed_run,
                    (ev.AIRFLOW, "feed"),
                    outputs=[raw],
                )
            )
        for kind, minute in (("START", 2), ("COMPLETE", 3)):
            events.append(
                ev.run_event(
                    kind,
                    ev.at(ev.T0, 60 * i + minute),
                    dim_run,
                    (ev.AIRFLOW, "dim"),
                    inputs=[raw, dim],
                    outputs=[dim],
                    run_facets={"parent": ev.parent()},
                )
            )
    return events


def check_chain(store: LineageStore) -> None:
    """In order, each dim run read the previous run's dim and the feed run just before it."""
    dims = sorted(store.find_transforms(operation="dim"), key=lambda t: t.started_at or ev.T0)
    assert len(dims) == 6
    for i, t in enumerate(dims):
        used = {e.target for e in store.transform_edges([t.id]) if e.type == "USED"}
        feed = f"01900000-0000-7000-8000-0000000bf{i:03d}"
        assert dataset_version_id(ev.LAKE, "raw/feed", feed) in used
        if i:
            previous = f"01900000-0000-7000-8000-0000000bd{i - 1:03d}"
            assert dataset_version_id(ev.LAKE, "warehouse/dim", previous) in used


def test_batches_write_what_single_writes_write(store: LineageStore, tmp_path: Path) -> None:
    """Mapped against the store plus the batch so far (PendingView), a batch of any size
    writes the graph that one write per event writes, on each backend."""
    events = [
        *ev.airflow_events(tmp_path),
        *chained_events(),
        *ev.spark_events(),
        ev.job_event(),
        ev.dataset_event(),
    ]
    shuffled = random.Random(3).sample(events, len(events))

    def graph(s: LineageStore) -> Any:
        counts, nodes, edges = snapshot(s)
        for n in nodes:  # a code version's created_at is when it was first recorded
            if n["node_type"] == "CodeVersion":
                n.pop("created_at")
        return counts, nodes, edges

    for order in (events, shuffled):
        reference = SQLiteStore(tmp_path / f"ref-{id(order)}.sqlite")
        single = ingest_events(reference, order, batch_size=1)
        expected = graph(reference)
        reference.close()
        for size in (5, 500):
            if isinstance(store, SQLiteStore):
                store = SQLiteStore(tmp_path / f"batch-{size}-{id(order)}.sqlite")
            else:
                store.clear()  # type: ignore[attr-defined]
            assert ingest_events(store, order, batch_size=size) == single
            assert graph(store) == expected, (size, order is shuffled)
            if order is events:
                check_chain(store)


def test_pending_view_answers_like_the_store(tmp_path: Path) -> None:
    """Each read of the view equals the read of a store holding the same writes."""
    events = [*ev.airflow_events(tmp_path), *chained_events()]
    written = SQLiteStore(tmp_path / "written.sqlite")
    base = SQLiteStore(tmp_path / "base.sqlite")
    ingest_events(base, events[:8], batch_size=1)
    ingest_events(written, events[:8], batch_size=1)
    view = PendingView(base)
    for event in events[8:]:
        mapped = map_event(view, event)
        view.add(mapped.nodes, mapped.edges)
        written.write(mapped.nodes, mapped.edges)
    ids = sorted(n.id for b in written.iter_nodes() for n in b)

    def dump(n: Any) -> dict[str, Any]:  # a code version's created_at: when first recorded
        return n.model_dump(exclude={"created_at"} if n.node_type == "CodeVersion" else None)

    assert [dump(n) for n in view.get_many(ids)] == [dump(n) for n in written.get_many(ids)]
    transforms = [i for i in ids if isinstance(written.get(i), Transform)]
    assert view.transform_edges(transforms) == written.transform_edges(transforms)
    for uri in {n.uri for n in written.find_artifacts() if n.uri}:
        for limit in (1, 2, None):
            assert [a.id for a in view.find_artifacts(uri=uri, limit=limit)] == [
                a.id for a in written.find_artifacts(uri=uri, limit=limit)
            ], (uri, limit)
    with pytest.raises(TypeError, match="by uri only"):
        view.find_artifacts(name="x")
