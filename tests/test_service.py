"""The lineage HTTP service over real HTTP, on both backends.

Each test starts the service (uvicorn with :func:`provenance.service.create_app`, in a
background thread, on a free port of 127.0.0.1; one test runs the ``provenance serve``
command itself in a subprocess). Events go in through the official ``openlineage-python``
client, unchanged (``HttpTransport``, gzip, API key), or as raw JSON bodies through
``requests`` for what that client cannot send (batches, broken bodies); answers are checked
through the GET API and through a second connection to the store.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    parent_run,
    schema_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.http import (
    ApiKeyTokenProvider,
    HttpCompression,
    HttpConfig,
    HttpTransport,
)

from provenance.cli.service import bind
from provenance.model import Transform
from provenance.openlineage.ingest import ingest_events
from provenance.openlineage.naming import (
    dataset_uri,
    dataset_version_id,
    job_definition_id,
    run_transform_id,
)
from provenance.service import create_app
from provenance.store import Direction, LineageStore, SQLiteStore, open_store
from tests import openlineage_events as ev

BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]
PRODUCER = "https://github.com/provenance/tests/test_service"


# --- the service ---------------------------------------------------------------------------
@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each backend, by URI (the service opens its own connection)."""
    if request.param == "sqlite":
        return str(tmp_path / "lineage.sqlite")
    server = request.getfixturevalue("neo4j_clean")
    return str(server.store_uri)


@pytest.fixture
def store(store_uri: str) -> Iterator[LineageStore]:
    """A second connection to the service's store, for checking what it wrote."""
    s = open_store(store_uri)
    yield s
    s.close()


@dataclass
class Service:
    url: str
    key: str | None

    def headers(self, **extra: str) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {"Content-Type": "application/json", **auth, **extra}

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.url + path, params=params, headers=self.headers(), timeout=30)

    def post(self, body: bytes, **headers: str) -> requests.Response:
        return requests.post(
            self.url + "/api/v1/lineage", data=body, headers=self.headers(**headers), timeout=30
        )


@contextmanager
def serving(store_uri: str, *, api_key: str | None = None, **kwargs: Any) -> Iterator[Service]:
    """uvicorn serving ``create_app(store_uri)`` on a free 127.0.0.1 port, in a thread."""
    app = create_app(store_uri, api_key=api_key, **kwargs)
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the service failed to start"
        assert time.monotonic() < deadline, "the service did not start within 60 s"
        time.sleep(0.02)
    try:
        yield Service(url=f"http://127.0.0.1:{sock.getsockname()[1]}", key=api_key)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
    assert not thread.is_alive()


@pytest.fixture
def service(store_uri: str) -> Iterator[Service]:
    """The service with an API key."""
    with serving(store_uri, api_key=secrets.token_urlsafe(16)) as s:
        yield s


def official_client(service: Service, key: str | None = None) -> OpenLineageClient:
    """The official client as its documentation configures it: HTTP, API key, gzip."""
    config = HttpConfig(
        url=service.url,
        auth=ApiKeyTokenProvider({"apiKey": key or service.key or ""}),
        compression=HttpCompression.GZIP,
        retry={"total": 0},
    )
    return OpenLineageClient(transport=HttpTransport(config))


# --- events: two days of an Airflow-like DAG -------------------------------------------------
NS = "airflow"
PG, ORDERS = "postgres://db:5432", "shop.public.orders"
LAKE, RAW, CLEAN = "s3://lake", "raw/orders.parquet", "clean/orders.parquet"


def rid(name: str) -> str:
    """A fixed runId per name (UUID, as the spec wants)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"test-service/{name}"))


def at(day: int, minute: int) -> str:
    return f"2026-03-0{day}T02:{minute:02d}:00.000Z"


def _schema(*cols: str) -> dict[str, Any]:
    fields = [schema_dataset.SchemaDatasetFacetFields(name=c, type="BIGINT") for c in cols]
    return {"schema": schema_dataset.SchemaDatasetFacet(fields=fields)}


def _parent(day: int) -> dict[str, Any]:
    return {
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=rid(f"dag-{day}")),
            job=parent_run.Job(namespace=NS, name="etl"),
        )
    }


def task_run(
    day: int,
    task: str,
    minute: int,
    inputs: list[InputDataset],
    outputs: list[OutputDataset],
) -> list[RunEvent]:
    """START and COMPLETE of one task run, child of that day's DAG run."""
    run_id = rid(f"{task}-{day}")
    job = Job(namespace=NS, name=f"etl.{task}")
    return [
        RunEvent(
            eventType=state,
            eventTime=at(day, minute + offset),
            run=Run(runId=run_id, facets=_parent(day)),
            job=job,
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
        for state, offset in ((RunState.START, 0), (RunState.COMPLETE, 1))
    ]


def day_events(day: int) -> list[RunEvent]:
    """One DAG run: extract (orders table → raw file), then clean (raw → clean, with
    column lineage: clean.id ← raw.id, clean.amount ← raw.amount)."""
    dag = Job(namespace=NS, name="etl")
    dag_run = Run(runId=rid(f"dag-{day}"))
    columns = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            c: column_lineage_dataset.Fields(
                inputFields=[column_lineage_dataset.InputField(namespace=LAKE, name=RAW, field=c)],
                transformationType="IDENTITY",
            )
            for c in ("id", "amount")
        }
    )
    return [
        RunEvent(
            eventType=RunState.START, eventTime=at(day, 0), run=dag_run, job=dag, producer=PRODUCER
        ),
        *task_run(
            day,
            "extract",
            1,
            [InputDataset(namespace=PG, name=ORDERS, facets=_schema("id", "amount"))],
            [OutputDataset(namespace=LAKE, name=RAW, facets=_schema("id", "amount"))],
        ),
        *task_run(
            day,
            "clean",
            3,
            [InputDataset(namespace=LAKE, name=RAW)],
            [
                OutputDataset(
                    namespace=LAKE,
                    name=CLEAN,
                    facets={**_schema("id", "amount"), "columnLineage": columns},
                )
            ],
        ),
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=at(day, 9),
            run=dag_run,
            job=dag,
            producer=PRODUCER,
        ),
    ]


def as_dict(event: Any) -> dict[str, Any]:
    """The event exactly as the client serialises it."""
    data: dict[str, Any] = json.loads(Serde.to_json(event))
    return data


# The hand-worked graph of day 1 (ids from the naming rules of the design).
T_EXTRACT1, T_CLEAN1 = run_transform_id(rid("extract-1")), run_transform_id(rid("clean-1"))
T_EXTRACT2 = run_transform_id(rid("extract-2"))
A_ORDERS = dataset_version_id(PG, ORDERS, None)  # a raw source: no run produced it
A_RAW1, A_RAW2 = (
    dataset_version_id(LAKE, RAW, rid("extract-1")),
    dataset_version_id(LAKE, RAW, rid("extract-2")),
)
A_CLEAN1 = dataset_version_id(LAKE, CLEAN, rid("clean-1"))


def total(store: LineageStore) -> int:
    return sum(store.counts().values())


# --- writes --------------------------------------------------------------------------------
def test_official_client_posts_one_by_one_with_gzip_and_key(
    service: Service, store: LineageStore
) -> None:
    client = official_client(service)
    events = day_events(1)
    for event in events:
        client.emit(event)  # raises unless the service answered 2xx
    t1, t2 = store.get(T_EXTRACT1), store.get(T_CLEAN1)
    assert t1 is not None and t2 is not None
    assert (t1.status, t2.status) == ("succeeded", "succeeded")  # type: ignore[union-attr]
    assert {(e.type, e.target) for e in store.transform_edges([T_EXTRACT1])} >= {
        ("USED", A_ORDERS),
        ("PRODUCED", A_RAW1),
    }
    assert {(e.type, e.target) for e in store.transform_edges([T_CLEAN1])} >= {
        ("USED", A_RAW1),
        ("PRODUCED", A_CLEAN1),
    }
    # Re-posting the same events changes nothing (deterministic ids, merges).
    before = store.counts()
    for event in events:
        client.emit(event)
    assert store.counts() == before


def test_raw_json_single_event_answers_201_with_a_summary(service: Service) -> None:
    r = service.post(json.dumps(as_dict(day_events(1)[0])).encode())
    assert r.status_code == 201, r.text
    assert r.json()["received"] == 1


def test_batch_array_gzip(service: Service, store: LineageStore) -> None:
    batch = [as_dict(e) for e in day_events(1)]
    batch += [
        as_dict(
            DatasetEvent(
                eventTime=at(1, 30),
                dataset=StaticDataset(namespace="file", name="/data/users.csv"),
                producer=PRODUCER,
            )
        ),
        as_dict(
            JobEvent(
                eventTime=at(1, 31),
                job=Job(namespace=NS, name="etl.report"),
                inputs=[InputDataset(namespace="file", name="/data/users.csv")],
                producer=PRODUCER,
            )
        ),
    ]
    r = service.post(gzip.compress(json.dumps(batch).encode()), **{"Content-Encoding": "gzip"})
    assert r.status_code == 201, r.text
    assert r.json()["received"] == len(batch) == 8
    assert {store.get(i) is not None for i in (T_EXTRACT1, T_CLEAN1, A_RAW1, A_CLEAN1)} == {True}
    assert store.find_artifacts(uri=dataset_uri("file", "/data/users.csv"))
    assert store.get(job_definition_id(NS, "etl.report")) is not None
    # An empty batch is fine and writes nothing.
    before = total(store)
    assert service.post(b"[]").status_code == 201
    assert total(store) == before


def test_schema_violation_is_400_and_writes_nothing(service: Service, store: LineageStore) -> None:
    good = [as_dict(e) for e in day_events(1)]
    bad = json.loads(json.dumps(good[2]))
    bad["run"]["runId"] = "not-a-uuid"
    before = total(store)
    r = service.post(json.dumps([*good[:2], bad, *good[3:]]).encode())
    assert r.status_code == 400
    error = r.json()["error"]
    assert error.startswith("event 2 of the batch: invalid OpenLineage event at run.runId")
    assert "\n" not in error
    assert total(store) == before == 0
    # One event alone: the same, without the batch position.
    r = service.post(gzip.compress(json.dumps(bad).encode()), **{"Content-Encoding": "gzip"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("invalid OpenLineage event at run.runId")
    missing = {k: v for k, v in good[0].items() if k != "eventTime"}
    r = service.post(json.dumps(missing).encode())
    assert r.json() == {"error": "invalid OpenLineage event: 'eventTime' is a required property"}
    assert total(store) == 0


@pytest.mark.parametrize(
    ("body", "headers", "status", "starts"),
    [
        (b'{"eventType": "START",', {}, 400, "malformed JSON: "),
        (b"", {}, 400, "empty body"),
        (b"\xff\xfe{", {}, 400, "malformed JSON: "),
        (b"[1, 2]", {}, 400, "event 0 of the batch: invalid OpenLineage event: expected a JSON"),
        (b"not gzip at all", {"Content-Encoding": "gzip"}, 400, "bad compressed body"),
        (gzip.compress(b"[]")[:-6], {"Content-Encoding": "gzip"}, 400, "bad compressed body"),
        (b"[]", {"Content-Encoding": "br"}, 415, "unsupported Content-Encoding 'br'"),
    ],
)
def test_malformed_bodies(
    service: Service,
    store: LineageStore,
    body: bytes,
    headers: dict[str, str],
    status: int,
    starts: str,
) -> None:
    r = service.post(body, **headers)
    assert r.status_code == status
    assert r.json()["error"].startswith(starts), r.json()
    assert total(store) == 0


def test_api_key(store_uri: str, store: LineageStore) -> None:
    key = "k-" + secrets.token_hex(8)
    with serving(store_uri, api_key=key) as s:
        event = day_events(1)[0]
        body = json.dumps(as_dict(event)).encode()
        url = s.url + "/api/v1/lineage"
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": key},  # no scheme
            {"Authorization": f"Basic {key}"},
        ):
            r = requests.post(url, data=body, headers=headers, timeout=30)
            assert r.status_code == 401, headers
            assert r.headers["WWW-Authenticate"] == "Bearer"
            assert r.json() == {
                "error": "missing or wrong bearer token (send Authorization: Bearer <key>)"
            }
            assert key not in r.text
        assert requests.get(s.url + "/api/v1/provenance/nodes/abcd", timeout=30).status_code == 401
        with pytest.raises(requests.HTTPError, match="401"):
            official_client(s, key="wrong").emit(event)
        assert total(store) == 0
        official_client(s).emit(event)  # the right key: 201
        assert store.get(run_transform_id(rid("dag-1"))) is not None
        assert requests.get(s.url + "/health", timeout=30).status_code == 200  # open


def test_body_limit_413(store_uri: str, store: LineageStore) -> None:
    with serving(store_uri, max_body_bytes=4096) as s:
        big = [as_dict(e) for e in day_events(1) * 4]
        body = json.dumps(big).encode()
        assert len(body) > 4096
        r = s.post(body)
        assert r.status_code == 413
        assert (
            r.json()["error"]
            == f"request body of {len(body)} bytes is over the limit of 4096 bytes"
        )
        # Small on the wire, over the limit once inflated (a gzip bomb in miniature).
        packed = gzip.compress(body)
        assert len(packed) < 4096
        r = s.post(packed, **{"Content-Encoding": "gzip"})
        assert r.status_code == 413
        assert r.json()["error"].startswith("decompressed body of more than 4096 bytes")
        # Chunked (no Content-Length): counted as it arrives.
        r = requests.post(
            s.url + "/api/v1/lineage",
            data=iter([body[:3000], body[3000:]]),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert r.status_code == 413
        assert total(store) == 0
        assert s.post(json.dumps(as_dict(day_events(1)[0])).encode()).status_code == 201


def snapshot(store: LineageStore) -> tuple[dict[str, int], list[Any], list[Any]]:
    """Everything a store holds, comparably (a CodeVersion's ``created_at`` is when ingest
    first saw it, not a time from the events, so it is left out)."""
    nodes = sorted(
        (n.model_dump(mode="json") for b in store.iter_nodes() for n in b), key=lambda d: d["id"]
    )
    for n in nodes:
        if n["node_type"] == "CodeVersion":
            n.pop("created_at")
    return store.counts(), nodes, sorted(e.key for b in store.iter_edges() for e in b)


def test_fixture_events_over_http_are_what_the_library_ingests(
    service: Service, store: LineageStore, tmp_path: Path
) -> None:
    """tests/openlineage_events.py's events (Airflow DAG out of order, Spark re-runs, a
    JobEvent, a DatasetEvent) through the official client's HttpTransport (gzip, API key):
    the store then holds exactly what ``ingest_events`` makes of the same events, and the
    read API gives the ingest tests' hand-worked answers."""
    events = [
        *ev.airflow_events(tmp_path / "data"),
        *ev.spark_events(),
        ev.job_event(),
        ev.dataset_event(),
    ]
    transport = official_client(service).transport  # the fixtures are dicts, not client objects
    for event in events:
        transport.emit(event)  # raises unless 2xx
    wire = [json.loads(Serde.to_json(e)) for e in events]  # exactly what went over HTTP
    reference = SQLiteStore(tmp_path / "reference.sqlite")
    ingest_events(reference, wire)
    assert snapshot(store) == snapshot(reference)
    reference.close()

    # Hand-worked answers (tests/test_openlineage_ingest.py) through the read API.
    e1, e2 = (dataset_version_id(ev.LAKE, "curated/orders_enriched", v) for v in ("e1", "e2"))
    v2 = dataset_version_id(ev.LAKE, "raw/orders", "v2")
    c1 = dataset_version_id(ev.LAKE, "raw/customers", "c1")
    run1, run2 = run_transform_id(ev.ENRICH_RUN_1), run_transform_id(ev.ENRICH_RUN_2)
    r = service.get(
        "/api/v1/provenance/namespaces/spark:%2F%2Fspark-master:7077/jobs/orders_enrich/runs"
    )
    assert [x["id"] for x in r.json()["runs"]] == [run2, run1]
    r = service.get(
        "/api/v1/provenance/namespaces/s3:%2F%2Flake/datasets/curated/orders_enriched/versions"
    )
    assert [v["id"] for v in r.json()["versions"]] == [e2, e1]
    assert (
        service.get("/api/v1/provenance/nodes/dataset:s3://lake:curated/orders_enriched").json()[
            "id"
        ]
        == e2
    )
    r = service.get(
        "/api/v1/provenance/column-lineage", nodeId="datasetField:s3://lake:reports/daily:revenue"
    )
    got = [
        (s["depth"], s["dataset_id"], s["name"], s["field"], s["dataset_wide"])
        for s in r.json()["sources"]
    ]
    assert got == [
        (1, e2, "curated/orders_enriched", "total", False),
        (2, v2, "raw/orders", "amount", False),
        (2, v2, "raw/orders", "tax", False),
        (2, v2, "raw/orders", "customer_id", True),
        (2, c1, "raw/customers", "id", True),
    ]
    # The Airflow report task: its inputs (both tables) and output; PARENT edges are a
    # record, not data flow, so the DAG run is not in its lineage.
    report, dag = run_transform_id(ev.REPORT_RUN), run_transform_id(ev.DAG_RUN)
    users = dataset_version_id(ev.POSTGRES, "shop.public.users", ev.EXTRACT_RUN)
    orders = dataset_version_id(ev.POSTGRES, "shop.public.orders", ev.LOAD_RUN)
    r = service.get("/api/v1/provenance/lineage", nodeId="job:airflow:shop_etl.report", depth=1)
    graph = {n["id"]: n for n in r.json()["graph"]}
    assert report in graph and dag not in graph
    assert graph[report]["type"] == "JOB"
    assert {e["origin"] for e in graph[report]["inEdges"] if e["type"] == "USED"} == {
        users,
        orders,
    }
    assert all(e["type"] != "PARENT" for n in graph.values() for e in n["inEdges"])
    assert service.get("/health").json()["counts"] == store.counts()


def test_fixture_bad_events_are_400_and_write_nothing(
    service: Service, store: LineageStore
) -> None:
    for what, event in ev.bad_events().items():
        r = service.post(json.dumps(event).encode())
        assert r.status_code == 400, what
        error = r.json()["error"]
        assert "\n" not in error and "invalid OpenLineage event" in error, (what, error)
    assert total(store) == 0


# --- reads ---------------------------------------------------------------------------------
@pytest.fixture
def two_days(service: Service) -> Service:
    """The service holding two days of the DAG, posted by the official client."""
    client = official_client(service)
    for event in day_events(1) + day_events(2):
        client.emit(event)
    return service


def test_lineage_graph_in_marquez_shape(two_days: Service) -> None:
    r = two_days.get("/api/v1/provenance/lineage", nodeId=f"dataset:{LAKE}:{CLEAN}", depth=20)
    assert r.status_code == 200, r.text
    graph = {n["id"]: n for n in r.json()["graph"]}
    # dataset:NS:NAME names the newest version: day 2's clean output, made from day 2's raw.
    A_CLEAN2 = dataset_version_id(LAKE, CLEAN, rid("clean-2"))
    T_CLEAN2 = run_transform_id(rid("clean-2"))
    assert set(graph) == {A_CLEAN2, T_CLEAN2, A_RAW2, T_EXTRACT2, A_ORDERS}
    assert {i: n["type"] for i, n in graph.items()} == {
        A_CLEAN2: "DATASET",
        T_CLEAN2: "JOB",
        A_RAW2: "DATASET",
        T_EXTRACT2: "JOB",
        A_ORDERS: "DATASET",
    }
    flows = {
        (e["origin"], e["destination"], e["type"]) for n in graph.values() for e in n["outEdges"]
    }
    assert flows == {
        (A_ORDERS, T_EXTRACT2, "USED"),
        (T_EXTRACT2, A_RAW2, "PRODUCED"),
        (A_RAW2, T_CLEAN2, "USED"),
        (T_CLEAN2, A_CLEAN2, "PRODUCED"),
    }
    assert flows == {
        (e["origin"], e["destination"], e["type"]) for n in graph.values() for e in n["inEdges"]
    }
    assert graph[A_CLEAN2]["data"]["uri"] == dataset_uri(LAKE, CLEAN)
    assert graph[T_CLEAN2]["data"]["status"] == "succeeded"
    # From the raw source, going down: both days' runs and everything they made.
    r = two_days.get("/api/v1/provenance/lineage", nodeId=A_ORDERS)
    down = {n["id"] for n in r.json()["graph"]}
    assert {T_EXTRACT1, T_EXTRACT2, A_RAW1, A_RAW2, A_CLEAN1, A_CLEAN2} <= down
    # depth bounds the walk (transforms each way); a prefix names the node too.
    r = two_days.get("/api/v1/provenance/lineage", nodeId=A_CLEAN2.split(":")[1][:16], depth=1)
    assert {n["id"] for n in r.json()["graph"]} == {A_CLEAN2, T_CLEAN2, A_RAW2}
    r = two_days.get("/api/v1/provenance/lineage", nodeId=A_RAW2, direction="up")
    assert {n["id"] for n in r.json()["graph"]} == {A_RAW2, T_EXTRACT2, A_ORDERS}
    # job:NS:NAME names the newest run.
    r = two_days.get("/api/v1/provenance/lineage", nodeId=f"job:{NS}:etl.extract", depth=0)
    assert {n["id"] for n in r.json()["graph"]} >= {T_EXTRACT2}


def test_node_versions_runs(two_days: Service, store: LineageStore) -> None:
    r = two_days.get(f"/api/v1/provenance/nodes/{T_EXTRACT1}")
    assert r.status_code == 200
    assert r.json() == store.get(T_EXTRACT1).model_dump(mode="json")  # type: ignore[union-attr]
    r = two_days.get(f"/api/v1/provenance/nodes/dataset:{LAKE}:{RAW}")
    assert r.json()["id"] == A_RAW2
    # The namespace holds "/": percent-encoded; the name may be either.
    for name in ("raw%2Forders.parquet", "raw/orders.parquet"):
        r = two_days.get(f"/api/v1/provenance/namespaces/s3:%2F%2Flake/datasets/{name}/versions")
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["namespace"], body["name"], body["totalCount"]) == (LAKE, RAW, 2)
        assert [v["id"] for v in body["versions"]] == [A_RAW2, A_RAW1]  # newest first
    r = two_days.get(f"/api/v1/provenance/namespaces/{NS}/jobs/etl.extract/runs")
    assert r.status_code == 200, r.text
    runs = r.json()["runs"]
    assert [x["id"] for x in runs] == [T_EXTRACT2, T_EXTRACT1]
    assert [x["runId"] for x in runs] == [rid("extract-2"), rid("extract-1")]
    assert [(x["inputs"], x["outputs"], x["status"]) for x in runs] == [
        ([A_ORDERS], [A_RAW2], "succeeded"),
        ([A_ORDERS], [A_RAW1], "succeeded"),
    ]
    assert runs[0]["startedAt"].startswith("2026-03-02T02:01")
    r = two_days.get(f"/api/v1/provenance/namespaces/{NS}/jobs/etl.extract/runs", limit=1, offset=1)
    assert [x["id"] for x in r.json()["runs"]] == [T_EXTRACT1]


def test_column_lineage(two_days: Service) -> None:
    r = two_days.get(
        "/api/v1/provenance/column-lineage", nodeId=f"datasetField:{LAKE}:{CLEAN}:amount"
    )
    assert r.status_code == 200, r.text
    body = r.json()
    A_CLEAN2 = dataset_version_id(LAKE, CLEAN, rid("clean-2"))
    assert (body["root"]["dataset_id"], body["root"]["field"]) == (A_CLEAN2, "amount")
    # clean.amount <- raw.amount of the raw version day 2's clean run USED; nothing further
    # (the extract run's output carries no column lineage).
    assert [(s["depth"], s["dataset_id"], s["name"], s["field"]) for s in body["sources"]] == [
        (1, A_RAW2, RAW, "amount")
    ]
    assert body["sources"][0]["run_id"] == run_transform_id(rid("clean-2"))
    same = two_days.get("/api/v1/provenance/column-lineage", nodeId=A_CLEAN2, column="amount")
    assert same.json() == body
    missing = two_days.get(
        "/api/v1/provenance/column-lineage", nodeId=f"datasetField:{LAKE}:{CLEAN}:nope"
    )
    assert missing.status_code == 404
    assert set(missing.json()) == {"error"}


@pytest.mark.parametrize(
    ("path", "params", "status", "starts"),
    [
        ("/api/v1/provenance/nodes/blake3:" + "0" * 64, {}, 404, "no node with id"),
        ("/api/v1/provenance/nodes/dataset:nowhere:nothing", {}, 404, ""),
        ("/api/v1/provenance/lineage", {"nodeId": "ffff0000"}, 404, "no node with id"),
        ("/api/v1/provenance/lineage", {}, 400, "nodeId: Field required"),
        ("/api/v1/provenance/lineage", {"nodeId": "x", "depth": -1}, 400, "depth: "),
        ("/api/v1/provenance/namespaces/nowhere/datasets/nothing/versions", {}, 404, "no dataset"),
        ("/api/v1/provenance/namespaces/nowhere/jobs/nothing/runs", {}, 404, "no job"),
        ("/api/v1/provenance/column-lineage", {"nodeId": "blake3:abcd"}, 400, "say which column"),
        ("/api/v1/no-such-route", {}, 404, "Not Found"),
    ],
)
def test_errors(
    service: Service, path: str, params: dict[str, Any], status: int, starts: str
) -> None:
    r = service.get(path, **params)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"}
    assert r.json()["error"].startswith(starts)


def test_health_docs_openapi(two_days: Service, store: LineageStore, store_uri: str) -> None:
    r = requests.get(two_days.url + "/health", timeout=30)
    assert r.status_code == 200
    health = r.json()
    assert health["status"] == "ok"
    assert health["counts"] == store.counts()
    assert health["store"] == store.uri
    assert "***" in health["store"] or "neo4j" not in store_uri
    password = store_uri.partition("@")[0].rpartition(":")[2] if "@" in store_uri else None
    assert not password or password not in r.text
    docs = requests.get(two_days.url + "/docs", timeout=30)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = requests.get(two_days.url + "/openapi.json", timeout=30).json()
    paths = spec["paths"]
    assert set(paths) >= {
        "/api/v1/lineage",
        "/api/v1/provenance/lineage",
        "/api/v1/provenance/nodes/{node_id}",
        "/api/v1/provenance/namespaces/{namespace}/datasets/{name}/versions",
        "/api/v1/provenance/namespaces/{namespace}/jobs/{name}/runs",
        "/api/v1/provenance/column-lineage",
        "/health",
    }
    # Our version-level graph under its own prefix; /api/v1/lineage is Marquez's
    # (tests/test_marquez_api.py), its POST the OpenLineage endpoint.
    own = paths["/api/v1/provenance/lineage"]["get"]["responses"]["200"]["content"]
    assert own["application/json"]["schema"] == {"$ref": "#/components/schemas/LineageResponse"}
    ok = paths["/api/v1/lineage"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/MarquezGraph"}
    assert "201" in paths["/api/v1/lineage"]["post"]["responses"]
    # the old unprefixed version-level reads are gone, not silently answering another shape
    assert "/api/v1/nodes/{node_id}" not in paths
    assert two_days.get("/api/v1/nodes/abcd").status_code == 404
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


# --- the CLI -------------------------------------------------------------------------------
def test_provenance_serve_command(store_uri: str, store: LineageStore) -> None:
    key = "cli-" + secrets.token_hex(8)
    env = {**os.environ, "PROVENANCE_STORE": store_uri, "PROVENANCE_API_KEY": key}
    proc = subprocess.Popen(
        [sys.executable, "-m", "provenance", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("provenance lineage service on http://127.0.0.1:"), line
        assert "API key required" in line and key not in line
        url = line.split(" on ", 1)[1].split()[0]
        service = Service(url=url, key=key)
        for event in day_events(1):
            official_client(service).emit(event)
        assert store.get(T_CLEAN1) is not None
        assert service.get("/api/v1/provenance/nodes/" + T_CLEAN1).json()["status"] == "succeeded"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert key not in out + err


def test_bind_makes_a_tcp_socket_so_responses_are_not_delayed() -> None:
    """asyncio sets TCP_NODELAY only on sockets created with proto IPPROTO_TCP; without it
    each keep-alive response (the official client keeps its connection) waited ~40 ms."""
    import socket

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_keep_alive_requests_share_one_connection(service: Service) -> None:
    """The service keeps connections alive: 21 requests of one client, one TCP connection.
    (What TCP_NODELAY saves on each of them, against a socket without it:
    bench/bench_claims.py.)"""
    import http.client
    from urllib.parse import urlsplit

    conn = http.client.HTTPConnection(urlsplit(service.url).netloc, timeout=30)
    ends = set()
    try:
        for _ in range(21):
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
            assert conn.sock is not None
            ends.add(conn.sock.getsockname())  # this end of the connection the request used
    finally:
        conn.close()
    assert len(ends) == 1


def test_serve_refuses_a_store_it_cannot_open(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "provenance", "serve", "--store", "bolt://u:s3cretpw@127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.startswith("error: cannot reach Neo4j at bolt://u:***@127.0.0.1:1")
    assert "s3cretpw" not in r.stderr


# --- out: the tracker's runs sent to a lineage service by the official client --------------
def test_tracker_emits_its_runs_over_http_and_to_the_console(
    service: Service, store: LineageStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A tracker with the official client's HttpTransport (gzip, API key) sends each run, as
    it records it, to a lineage service (here this project's: Marquez and DataHub take the
    same requests); the service then holds the runs, with our facet. The ConsoleTransport
    logs the same events."""
    import logging

    from openlineage.client.transport.console import ConsoleConfig, ConsoleTransport

    from provenance import Tracker
    from provenance.openlineage import NATIVE_NAMESPACE
    from provenance.reader import resolve_id

    http = official_client(service).transport
    with Tracker(str(tmp_path / "local") + "/", openlineage=http) as t:
        raw = t.log_artifact(b"x,y\n1,2\n", name="raw")
        with t.run("copy", inputs=[raw], params={"k": 1}, seed=3) as run:
            out = run.output(b"x,y\n1,2\n3,4\n", name="copied")
        with pytest.raises(RuntimeError), t.run("boom", inputs=[out]):
            raise RuntimeError("no")
    copy = resolve_id(store, f"job:{NATIVE_NAMESPACE}:copy")
    boom = resolve_id(store, f"job:{NATIVE_NAMESPACE}:boom")
    copied = store.get(copy)
    failed = store.get(boom)
    assert isinstance(copied, Transform) and isinstance(failed, Transform)
    assert (copied.status, failed.status) == ("succeeded", "failed")
    facet = copied.metadata["openlineage"]["facets"]["run"]["provenance"]
    assert facet["transformId"] == run.transform_id and facet["seedState"]["masterSeed"] == 3
    assert facet["outputs"][0]["id"] == out.id
    # boom read what copy wrote: the service's graph links the two runs through it
    assert copy in {n.id for n in store.traverse(boom, Direction.UP).transforms}

    caplog.set_level(logging.INFO, logger="openlineage.client.transport.console")
    console = ConsoleTransport(ConsoleConfig())
    with Tracker(str(tmp_path / "console") + "/", openlineage=console) as t, t.run("echo"):
        pass
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name.endswith("console")]
    assert [(e["job"]["name"], e["eventType"]) for e in logged] == [
        ("echo", "START"),
        ("echo", "COMPLETE"),
    ]
