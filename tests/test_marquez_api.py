"""Marquez's read API of ``provenance serve``, on both backends, through Marquez's own client.

One Airflow-like DAG run (``etl``: extract orders, extract customers, join them into a
report, then a notify task that fails) goes in through the official ``openlineage-python``
client; the answers are read back through ``marquez-python``'s ``MarquezClient`` (the client
Marquez's users have) and raw HTTP, against a real uvicorn server on 127.0.0.1. Every expected
value below is worked out by hand from the events (see ``EVENTS``), as Marquez derives them:
times are the events' ``eventTime``; run states COMPLETE → COMPLETED, FAIL → FAILED; a job
version is Marquez's ``UUID.nameUUIDFromBytes("ns:name:inputs:outputs")``; a dataset
version's UUID is the first 128 bits of its artifact id (this service's rule).

Every answer is also validated against Marquez's OpenAPI spec (vendored under
``provenance/service/spec/marquez/``), its component schemas resolved with ``jsonschema``,
with the spec's known defects read as Marquez's server behaves (``ERRATA``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import yaml
from marquez_client import MarquezClient
from marquez_client.errors import APIError
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    datasource_dataset,
    documentation_dataset,
    error_message_run,
    nominal_time_run,
    parent_run,
    schema_dataset,
)

import provenance.service
from provenance.openlineage.mapping import check_event
from provenance.openlineage.naming import dataset_version_id
from tests.test_service import Service, official_client, serving, store_uri

__all__ = ["store_uri"]  # the fixture: an empty store of each backend, by URI

SPEC = Path(provenance.service.__file__).parent / "spec" / "marquez" / "openapi.yml"
PRODUCER = "https://github.com/provenance/tests/test_marquez_api"
NS, PG, FILE = "shop", "postgres://db:5432", "file"
ORDERS, CUSTOMERS, REPORT = "public.orders", "public.customers", "/data/report.csv"


# --- Marquez's spec, and how its defects are read -------------------------------------------
ERRATA = """
1. No property is marked nullable, yet Marquez's server writes every absent value as null
   (Dropwizard's ObjectMapper; Optional.empty() -> null): every property may be null.
2. GraphNode.data is a oneOf of Dataset and Job with a discriminator on a `type` that holds
   DB_TABLE / BATCH, so no answer can match it: data is checked against Dataset for a DATASET
   node, Job for a JOB node.
3. NodeType lists JOB and DATASET, but GET /column-lineage answers DATASET_FIELD nodes, whose
   data (ColumnLineageNodeData) the spec does not describe: checked against COLUMN_NODE_DATA,
   written from Marquez's Java class.
4. DatasetVersion.tags says string; Marquez's model holds a set of tag names (an array).
5. Input/OutputDatasetVersion.facets says a map of strings; Marquez puts the facets (objects).
6. SearchResult.name / updatedAt have an empty `type:` (YAML null): read as no constraint.
7. Run is an anyOf of IncompleteRun and an unconstrained object, which any object matches;
   Marquez's Run has every IncompleteRun field and the others: read as allOf.
"""

COLUMN_NODE_DATA = {
    "type": "object",
    "required": ["namespace", "dataset", "field", "inputFields"],
    "properties": {
        "namespace": {"type": "string"},
        "dataset": {"type": "string"},
        "datasetVersion": {"type": ["string", "null"], "format": "uuid"},
        "field": {"type": "string"},
        "fieldType": {"type": ["string", "null"]},
        "transformationDescription": {"type": ["string", "null"]},
        "transformationType": {"type": ["string", "null"]},
        "inputFields": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["namespace", "dataset", "field"],
                "properties": {
                    "namespace": {"type": "string"},
                    "dataset": {"type": "string"},
                    "datasetVersion": {"type": ["string", "null"], "format": "uuid"},
                    "field": {"type": "string"},
                    "transformationDescription": {"type": ["string", "null"]},
                    "transformationType": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def _drop_null_types(node: Any) -> None:
    if isinstance(node, dict):
        if "type" in node and node["type"] is None:
            del node["type"]  # erratum 6
        for value in node.values():
            _drop_null_types(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_types(value)


@cache
def spec() -> dict[str, Any]:
    """The vendored spec with the errata applied (the file itself is unchanged)."""
    doc: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    _drop_null_types(schemas)
    schemas["GraphNode"]["properties"]["data"] = {"type": "object"}  # erratum 2
    schemas["NodeType"]["enum"] = ["JOB", "DATASET", "DATASET_FIELD"]  # erratum 3
    schemas["DatasetVersion"]["properties"]["tags"] = {  # erratum 4
        "type": "array",
        "items": {"type": "string"},
    }
    schemas["Run"]["allOf"] = schemas["Run"].pop("anyOf")  # erratum 7
    for name in ("InputDatasetVersion", "OutputDatasetVersion"):  # erratum 5
        schemas[name]["properties"]["facets"] = {"type": "object"}
    _nullable(schemas)  # erratum 1
    return doc


def _nullable(node: Any) -> None:
    """Every property, at any depth, may also be null."""
    if isinstance(node, dict):
        for value in node.values():
            _nullable(value)
        props = node.get("properties")
        if isinstance(props, dict):
            for key, prop in list(props.items()):
                props[key] = {"anyOf": [prop, {"type": "null"}]}
    elif isinstance(node, list):
        for value in node:
            _nullable(value)


def check_schema(name: str, instance: Any) -> None:
    """Validate against ``#/components/schemas/<name>`` (formats checked: date-time, uuid)."""
    validator = jsonschema.Draft4Validator(
        {**spec(), "$ref": f"#/components/schemas/{name}"},
        format_checker=jsonschema.FormatChecker(),
    )
    validator.validate(instance)


def check(path: str, body: Any, method: str = "get") -> Any:
    """Validate an answer against the 200 response of the spec's operation ``path``."""
    schema = spec()["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    ref = schema["schema"]["$ref"]
    check_schema(ref.rpartition("/")[2], body)
    if ref.endswith("/LineageGraph"):
        for node in body["graph"]:  # errata 2 and 3
            if node["type"] == "DATASET_FIELD":
                jsonschema.validate(
                    node["data"], COLUMN_NODE_DATA, format_checker=jsonschema.FormatChecker()
                )
            else:
                check_schema("Dataset" if node["type"] == "DATASET" else "Job", node["data"])
    return body


def test_the_vendored_spec_is_marquezs_and_the_validation_bites() -> None:
    text = SPEC.read_text()
    assert text.startswith("# SPDX-License-Identifier: Apache-2.0")
    assert (SPEC.parent / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert "a89b89cad27f87c90dd964c40dae8dfb3f64031f" in (SPEC.parent / "NOTICE.txt").read_text()
    # the checks fail on wrong answers: a bad enum, a bad time, a bad uuid, a missing field
    run = {"id": str(uuid.uuid4()), "state": "COMPLETED", "endedAt": None}
    check_schema("Run", run)
    for bad in (
        {**run, "state": "succeeded"},
        {**run, "endedAt": "yesterday"},
        {**run, "id": "blake3:abcd"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            check_schema("Run", bad)
    with pytest.raises(jsonschema.ValidationError):
        check_schema("DatasetVersion", {"id": {"namespace": "a", "name": "b"}})
    with pytest.raises(jsonschema.ValidationError):
        check("/lineage", {"graph": [{"id": "x", "type": "CODE", "data": {}}]})


# --- the events -------------------------------------------------------------------------------
def rid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"test-marquez/{name}"))


P, R1, R2, R3, R4 = (rid(n) for n in ("dag", "extract_orders", "extract_customers", "join", "nt"))


def at(clock: str) -> str:
    return f"2026-03-01T{clock}Z"


def _schema(*cols: tuple[str, str]) -> Any:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in cols]
    )


ORDERS_FACETS = {
    "schema": _schema(("id", "INTEGER"), ("customer_id", "INTEGER"), ("amount", "DECIMAL")),
    "documentation": documentation_dataset.DocumentationDatasetFacet(
        description="One row per order"
    ),
    "dataSource": datasource_dataset.DatasourceDatasetFacet(name="shopdb", uri=PG),
}
REPORT_FACETS = {
    "schema": _schema(("customer", "VARCHAR"), ("total", "DECIMAL")),
    "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "total": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(namespace=PG, name=ORDERS, field="amount")
                ],
                transformationDescription="sum",
                transformationType="AGGREGATION",
            ),
            "customer": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(namespace=PG, name=CUSTOMERS, field="name")
                ]
            ),
        }
    ),
}


def _event(
    state: RunState,
    clock: str,
    run_id: str,
    job: str,
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
    **facets: Any,
) -> RunEvent:
    if job != "etl":
        facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=P), job=parent_run.Job(namespace=NS, name="etl")
        )
    return RunEvent(
        eventType=state,
        eventTime=at(clock),
        run=Run(runId=run_id, facets=facets),
        job=Job(namespace=NS, name=job),
        inputs=inputs or [],
        outputs=outputs or [],
        producer=PRODUCER,
    )


def events() -> list[RunEvent]:
    orders_out = [OutputDataset(namespace=PG, name=ORDERS, facets=ORDERS_FACETS)]
    nominal = nominal_time_run.NominalTimeRunFacet(
        nominalStartTime=at("10:00:00"), nominalEndTime=at("11:00:00")
    )
    join_in = [InputDataset(namespace=PG, name=ORDERS), InputDataset(namespace=PG, name=CUSTOMERS)]
    report_out = [OutputDataset(namespace=FILE, name=REPORT, facets=REPORT_FACETS)]
    report_in = [InputDataset(namespace=FILE, name=REPORT)]
    error = error_message_run.ErrorMessageRunFacet(
        message="smtp down", programmingLanguage="python"
    )
    customers = OutputDataset(
        namespace=PG,
        name=CUSTOMERS,
        facets={"schema": _schema(("id", "INTEGER"), ("name", "VARCHAR"))},
    )
    return [
        _event(RunState.START, "09:59:00", P, "etl"),
        _event(RunState.START, "10:00:00", R1, "etl.extract_orders", [], orders_out,
               nominalTime=nominal),
        _event(RunState.COMPLETE, "10:01:30.250", R1, "etl.extract_orders", [], orders_out,
               nominalTime=nominal),
        _event(RunState.COMPLETE, "10:02:00", R2, "etl.extract_customers", [], [customers]),
        _event(RunState.START, "10:05:00", R3, "etl.join", join_in, report_out),
        _event(RunState.COMPLETE, "10:07:00", R3, "etl.join", join_in, report_out),
        _event(RunState.START, "11:00:00", R4, "etl.notify", report_in),
        _event(RunState.FAIL, "11:00:45", R4, "etl.notify", report_in, errorMessage=error),
        _event(RunState.COMPLETE, "11:05:00", P, "etl"),
    ]  # fmt: skip


# Dataset versions: each output of a run is the version that run wrote (naming rules); the
# API names it by the first 128 bits of that id.
def vuuid(namespace: str, name: str, run_id: str) -> str:
    return str(uuid.UUID(hex=dataset_version_id(namespace, name, run_id).split(":")[1][:32]))


V_ORDERS, V_CUSTOMERS, V_REPORT = (
    vuuid(PG, ORDERS, R1),
    vuuid(PG, CUSTOMERS, R2),
    vuuid(FILE, REPORT, R3),
)


def job_version(text: str) -> str:
    """Marquez's ``UUID.nameUUIDFromBytes(text)`` (an MD5, version 3 UUID)."""
    return str(uuid.UUID(bytes=hashlib.md5(text.encode()).digest(), version=3))


@pytest.fixture
def marquez(store_uri: str) -> Iterator[tuple[MarquezClient, Service]]:
    """The service with an API key, holding the DAG run; Marquez's client pointed at it."""
    key = "mq-" + uuid.uuid4().hex[:8]
    with serving(store_uri, api_key=key) as service:
        client = official_client(service)
        for event in events():
            client.emit(event)
        yield MarquezClient(service.url, api_key=key), service


def field(name: str, type_: str) -> dict[str, Any]:
    return {"name": name, "type": type_, "tags": [], "description": None}


# --- Marquez's client ------------------------------------------------------------------------
def test_namespaces_and_datasets_through_marquez_client(
    marquez: tuple[MarquezClient, Service],
) -> None:
    client, _ = marquez
    got = check("/namespaces", client.list_namespaces())
    assert got == {
        "namespaces": [
            # file: the report, named by the join (10:05, 10:07) and notify (11:00, 11:00:45)
            {"name": FILE, "createdAt": at("10:05:00"), "updatedAt": at("11:00:45"),
             "ownerName": "anonymous", "description": None, "isHidden": False},
            # postgres: orders (10:00 .. 10:07 when the join read it), customers (10:02 ..)
            {"name": PG, "createdAt": at("10:00:00"), "updatedAt": at("10:07:00"),
             "ownerName": "anonymous", "description": None, "isHidden": False},
            # shop: the jobs, the DAG's START (09:59) to its COMPLETE (11:05)
            {"name": NS, "createdAt": at("09:59:00"), "updatedAt": at("11:05:00"),
             "ownerName": "anonymous", "description": None, "isHidden": False},
        ]
    }  # fmt: skip
    assert check("/namespaces/{namespace}", client.get_namespace(PG))["name"] == PG

    orders = check("/namespaces/{namespace}/datasets/{dataset}", client.get_dataset(PG, ORDERS))
    facets = orders.pop("facets")
    assert orders == {
        "id": {"namespace": PG, "name": ORDERS},
        "type": "DB_TABLE",
        "name": ORDERS,
        "physicalName": ORDERS,
        "createdAt": at("10:00:00"),
        "updatedAt": at("10:07:00"),
        "namespace": PG,
        "sourceName": "shopdb",  # its dataSource facet
        "fields": [field("id", "INTEGER"), field("customer_id", "INTEGER"),
                   field("amount", "DECIMAL")],
        "tags": [],
        "lastModifiedAt": at("10:01:30.250"),  # the COMPLETE of the run that wrote it
        "lastLifecycleState": "",
        "description": "One row per order",
        "currentVersion": V_ORDERS,
        "deleted": False,
    }  # fmt: skip
    assert sorted(facets) == ["dataSource", "documentation", "schema"]
    assert facets["schema"]["fields"][2]["type"] == "DECIMAL"
    assert facets["dataSource"]["name"] == "shopdb"

    listed = check("/namespaces/{namespace}/datasets", client.list_datasets(PG))
    assert [d["name"] for d in listed["datasets"]] == [CUSTOMERS, ORDERS]  # by name
    assert listed["totalCount"] == 2
    assert listed["datasets"][0]["sourceName"] == "default"  # no dataSource facet
    assert listed["datasets"][0]["lastModifiedAt"] == at("10:02:00")

    versions = check(
        "/namespaces/{namespace}/datasets/{dataset}/versions",
        client.list_dataset_versions(FILE, REPORT),
    )
    assert versions["totalCount"] == 1
    (version,) = versions["versions"]
    assert version["id"] == {"namespace": FILE, "name": REPORT, "version": V_REPORT}
    assert (version["version"], version["createdAt"]) == (V_REPORT, at("10:05:00"))
    assert version["fields"] == [field("customer", "VARCHAR"), field("total", "DECIMAL")]
    assert version["createdByRun"]["id"] == R3
    assert version["createdByRun"]["state"] == "COMPLETED"
    one = check(
        "/namespaces/{namespace}/datasets/{dataset}/versions/{version}",
        client.get_dataset_version(FILE, REPORT, V_REPORT),
    )
    assert one == version


def test_jobs_and_runs_through_marquez_client(marquez: tuple[MarquezClient, Service]) -> None:
    client, _ = marquez
    runs = check(
        "/namespaces/{namespace}/jobs/{job}/runs",
        client.list_job_runs(NS, "etl.extract_orders"),
    )
    assert runs["totalCount"] == 1
    (run,) = runs["runs"]
    run_facets = run.pop("facets")
    assert run == {
        "id": R1,
        "createdAt": at("10:00:00"),
        "updatedAt": at("10:01:30.250"),
        "nominalStartTime": at("10:00:00"),
        "nominalEndTime": at("11:00:00"),
        "state": "COMPLETED",
        "startedAt": at("10:00:00"),
        "endedAt": at("10:01:30.250"),
        "durationMs": 90_250,
        "args": {  # Marquez's run args: the nominal times and the parent run
            "nominal_start_time": at("10:00:00"),
            "nominal_end_time": at("11:00:00"),
            "run_id": P,
            "name": "etl",
            "namespace": NS,
        },
        "jobVersion": {
            "namespace": NS,
            "name": "etl.extract_orders",
            "version": job_version(f"{NS}:etl.extract_orders::{PG}:{ORDERS}"),
        },
        "inputDatasetVersions": [],
        "outputDatasetVersions": [
            {"datasetVersionId": {"namespace": PG, "name": ORDERS, "version": V_ORDERS},
             "facets": {}}
        ],
    }  # fmt: skip
    assert {"nominalTime", "parent"} <= set(run_facets)
    assert run_facets["parent"]["run"]["runId"] == P

    # By runId: a run with only a COMPLETE has no start and no duration; a failed one.
    only_complete = check("/jobs/runs/{id}", client.get_job_run(R2))
    assert (only_complete["state"], only_complete["startedAt"]) == ("COMPLETED", None)
    assert (only_complete["endedAt"], only_complete["durationMs"]) == (at("10:02:00"), None)
    failed = check("/jobs/runs/{id}", client.get_job_run(R4))
    assert (failed["state"], failed["durationMs"]) == ("FAILED", 45_000)
    assert failed["facets"]["errorMessage"]["message"] == "smtp down"
    assert failed["jobVersion"]["version"] == job_version(f"{NS}:etl.notify:{FILE}:{REPORT}:")
    assert failed["inputDatasetVersions"] == [
        {"datasetVersionId": {"namespace": FILE, "name": REPORT, "version": V_REPORT},
         "facets": {}}
    ]  # fmt: skip
    dag = check("/jobs/runs/{id}", client.get_job_run(P))
    assert (dag["startedAt"], dag["endedAt"], dag["durationMs"]) == (
        at("09:59:00"),
        at("11:05:00"),
        66 * 60_000,
    )
    assert dag["args"] == {}

    join = check("/namespaces/{namespace}/jobs/{job}", client.get_job(NS, "etl.join"))
    assert {k: join[k] for k in ("id", "type", "name", "simpleName", "parentJobName")} == {
        "id": {"namespace": NS, "name": "etl.join"},
        "type": "BATCH",
        "name": "etl.join",
        "simpleName": "join",
        "parentJobName": "etl",
    }
    assert join["inputs"] == [
        {"namespace": PG, "name": CUSTOMERS},
        {"namespace": PG, "name": ORDERS},
    ]
    assert join["outputs"] == [{"namespace": FILE, "name": REPORT}]
    assert (join["createdAt"], join["updatedAt"]) == (at("10:05:00"), at("10:07:00"))
    assert join["latestRun"]["id"] == R3 and [r["id"] for r in join["latestRuns"]] == [R3]
    assert join["currentVersion"] == job_version(
        f"{NS}:etl.join:{PG}:{CUSTOMERS}:{PG}:{ORDERS}:{FILE}:{REPORT}"
    )
    jobs = check("/namespaces/{namespace}/jobs", client.list_jobs(NS))
    assert [j["name"] for j in jobs["jobs"]] == [
        "etl",
        "etl.extract_customers",
        "etl.extract_orders",
        "etl.join",
        "etl.notify",
    ]
    assert jobs["totalCount"] == 5


def test_column_lineage_through_marquez_client(marquez: tuple[MarquezClient, Service]) -> None:
    client, _ = marquez
    total, amount = f"datasetField:{FILE}:{REPORT}:total", f"datasetField:{PG}:{ORDERS}:amount"
    got = check(
        "/column-lineage", client.get_column_lineage_by_dataset_field(FILE, REPORT, "total")
    )
    assert got == {
        "graph": [
            {
                "id": total,
                "type": "DATASET_FIELD",
                "data": {
                    "namespace": FILE,
                    "dataset": REPORT,
                    "datasetVersion": V_REPORT,
                    "field": "total",
                    "fieldType": "DECIMAL",
                    "transformationDescription": "sum",
                    "transformationType": "AGGREGATION",
                    "inputFields": [
                        {
                            "namespace": PG,
                            "dataset": ORDERS,
                            "datasetVersion": V_ORDERS,
                            "field": "amount",
                            "transformationDescription": "sum",
                            "transformationType": "AGGREGATION",
                        }
                    ],
                },
                # Marquez's edges: a node's in-edge goes from it to its input
                "inEdges": [{"origin": total, "destination": amount}],
                "outEdges": [],
            },
            {
                "id": amount,
                "type": "DATASET_FIELD",
                "data": {
                    "namespace": PG,
                    "dataset": ORDERS,
                    "datasetVersion": V_ORDERS,
                    "field": "amount",
                    "fieldType": "",  # reached as an input only
                    "transformationDescription": None,
                    "transformationType": None,
                    "inputFields": [],
                },
                "inEdges": [],
                "outEdges": [{"origin": amount, "destination": total}],
            },
        ]
    }
    # From the source column: alone upstream; with its downstream, the report's total.
    up = check("/column-lineage", client.get_column_lineage_by_dataset_field(PG, ORDERS, "amount"))
    assert [(n["id"], n["data"]["fieldType"]) for n in up["graph"]] == [(amount, "DECIMAL")]
    down = check(
        "/column-lineage",
        client.get_column_lineage_by_dataset_field(PG, ORDERS, "amount", with_downstream=True),
    )
    assert [n["id"] for n in down["graph"]] == [total, amount]
    assert down["graph"][0]["data"] == got["graph"][0]["data"]
    # A whole dataset: each of its fields with its inputs.
    report = check("/column-lineage", client.get_column_lineage_by_dataset(FILE, REPORT))
    assert {n["id"]: [i["field"] for i in n["data"]["inputFields"]] for n in report["graph"]} == {
        f"datasetField:{FILE}:{REPORT}:customer": ["name"],
        total: ["amount"],
        f"datasetField:{PG}:{CUSTOMERS}:name": [],
        amount: [],
    }
    # A version by its UUID (Marquez's NODE#VERSION).
    pinned = client.get_column_lineage_by_dataset_field(FILE, REPORT, "total", version=V_REPORT)
    assert check("/column-lineage", pinned) == got


def test_marquez_client_writes_are_refused_with_one_line(
    marquez: tuple[MarquezClient, Service],
) -> None:
    client, service = marquez
    with pytest.raises(APIError) as caught:
        client.create_namespace("new", "me")
    response = caught.value.__cause__.response  # type: ignore[union-attr]
    assert response.status_code == 501
    assert response.json() == {
        "error": "PUT /api/v1/namespaces/new is not supported here (Marquez's creating a "
        "namespace); lineage is recorded from OpenLineage events: POST /api/v1/lineage"
    }
    with pytest.raises(APIError):
        client.tag_dataset(PG, ORDERS, "PII")
    for method, path in (
        ("POST", f"/api/v1/namespaces/{NS}/datasets/x/fields/y/tags/PII"),
        ("POST", f"/api/v1/jobs/runs/{R1}/complete"),
        ("PUT", "/api/v1/sources/shopdb"),
        ("GET", "/api/v1/tags"),
        ("DELETE", f"/api/v1/namespaces/{NS}/jobs/etl"),
    ):
        r = requests.request(method, service.url + path, headers=service.headers(), timeout=30)
        assert r.status_code == 501, (method, path, r.text)
        assert set(r.json()) == {"error"} and "\n" not in r.json()["error"]
    r = requests.delete(service.url + "/api/v1/search", headers=service.headers(), timeout=30)
    assert (r.status_code, r.json()) == (405, {"error": "Method Not Allowed"})


# --- lineage, search, events -----------------------------------------------------------------
def _graph(body: dict[str, Any]) -> tuple[list[str], set[tuple[str, str]]]:
    ids = [n["id"] for n in body["graph"]]
    edges = {(e["origin"], e["destination"]) for n in body["graph"] for e in n["outEdges"]}
    assert edges == {(e["origin"], e["destination"]) for n in body["graph"] for e in n["inEdges"]}
    return ids, edges


D_ORDERS, D_CUSTOMERS, D_REPORT = (
    f"dataset:{PG}:{ORDERS}",
    f"dataset:{PG}:{CUSTOMERS}",
    f"dataset:{FILE}:{REPORT}",
)
J_ORDERS, J_CUSTOMERS, J_JOIN, J_NOTIFY = (
    f"job:{NS}:etl.{j}" for j in ("extract_orders", "extract_customers", "join", "notify")
)


def test_lineage_is_marquezs_graph_to_depth(marquez: tuple[MarquezClient, Service]) -> None:
    _, service = marquez

    def lineage(node: str, depth: int | None = None) -> dict[str, Any]:
        params = {"nodeId": node} if depth is None else {"nodeId": node, "depth": depth}
        r = service.get("/api/v1/lineage", **params)
        assert r.status_code == 200, r.text
        return check("/lineage", r.json())  # type: ignore[no-any-return]

    # A dataset starts from its producer job; depth counts jobs sharing a dataset.
    assert _graph(lineage(D_CUSTOMERS, 0)) == (
        [D_CUSTOMERS, J_CUSTOMERS],
        {(J_CUSTOMERS, D_CUSTOMERS)},
    )
    # One job further: the join, with every input (orders too, which customers does not
    # feed) and its output.
    ids, edges = _graph(lineage(D_CUSTOMERS, 1))
    assert ids == [D_REPORT, D_CUSTOMERS, D_ORDERS, J_CUSTOMERS, J_JOIN]  # sorted by id
    assert edges == {
        (J_CUSTOMERS, D_CUSTOMERS),
        (D_CUSTOMERS, J_JOIN),
        (D_ORDERS, J_JOIN),
        (J_JOIN, D_REPORT),
    }
    everything = lineage(D_CUSTOMERS)  # depth 20: the whole connected graph
    ids, edges = _graph(everything)
    assert ids == [D_REPORT, D_CUSTOMERS, D_ORDERS, J_CUSTOMERS, J_ORDERS, J_JOIN, J_NOTIFY]
    assert edges - _graph(lineage(D_CUSTOMERS, 1))[1] == {
        (J_ORDERS, D_ORDERS),
        (D_REPORT, J_NOTIFY),
    }
    assert _graph(lineage(J_NOTIFY, 2)) == _graph(everything)
    nodes = {n["id"]: n for n in everything["graph"]}
    assert nodes[J_NOTIFY]["data"]["latestRun"]["state"] == "FAILED"
    assert nodes[J_JOIN]["data"]["currentRunUuid"] == R3
    assert nodes[D_ORDERS]["data"]["sourceName"] == "shopdb"
    assert "currentVersion" not in nodes[D_ORDERS]["data"]  # DatasetData has none


def test_search_and_events(marquez: tuple[MarquezClient, Service]) -> None:
    _, service = marquez

    def search(**params: Any) -> list[tuple[str, str]]:
        r = service.get("/api/v1/search", **params)
        assert r.status_code == 200, r.text
        body = check("/search", r.json())
        assert body["totalCount"] == len(body["results"])
        return [(x["type"], x["nodeId"]) for x in body["results"]]

    assert search(q="ORDER") == [("JOB", J_ORDERS), ("DATASET", D_ORDERS)]  # by name
    assert search(q="etl._oin") == [("JOB", J_JOIN)]  # _: one character
    assert search(q="%customers", filter="dataset") == [("DATASET", D_CUSTOMERS)]
    # newest first: the DAG (11:05), then the report and notify (both last named 11:00:45)
    newest = search(q="e", sort="UPDATE_AT", limit=3)
    assert newest[0] == ("JOB", f"job:{NS}:etl")
    assert set(newest[1:]) == {("DATASET", D_REPORT), ("JOB", J_NOTIFY)}
    assert search(q="orders", before="2026-03-01") == []

    r = service.get("/api/v1/events/lineage", sortDirection="asc")
    body = check("/events/lineage", r.json())
    assert body["totalCount"] == 9
    assert [(e["eventType"], e["eventTime"], e["run"]["runId"]) for e in body["events"]] == [
        ("START", at("09:59:00"), P),
        ("START", at("10:00:00"), R1),
        ("COMPLETE", at("10:01:30.250"), R1),
        ("COMPLETE", at("10:02:00"), R2),
        ("START", at("10:05:00"), R3),
        ("COMPLETE", at("10:07:00"), R3),
        ("START", at("11:00:00"), R4),
        ("FAIL", at("11:00:45"), R4),
        ("COMPLETE", at("11:05:00"), P),
    ]
    for event in body["events"]:
        check_event(event)  # each rebuilt event is a valid OpenLineage RunEvent
    join = body["events"][5]
    assert [(d["namespace"], d["name"]) for d in join["inputs"]] == [  # by name
        (PG, CUSTOMERS),
        (PG, ORDERS),
    ]
    assert sorted(join["outputs"][0]["facets"]) == ["columnLineage", "schema"]
    newest = service.get("/api/v1/events/lineage", limit=2, offset=1).json()
    assert [e["eventTime"] for e in newest["events"]] == [at("11:00:45"), at("11:00:00")]
    after = service.get("/api/v1/events/lineage", after=at("11:00:00")).json()
    assert [e["eventTime"] for e in after["events"]] == [at("11:05:00"), at("11:00:45")]


@pytest.mark.parametrize(
    ("path", "params", "status", "starts"),
    [
        ("/api/v1/namespaces/nowhere", {}, 404, "no namespace 'nowhere'"),
        ("/api/v1/namespaces/shop/datasets/nothing", {}, 404, "no dataset 'nothing'"),
        ("/api/v1/namespaces/shop/jobs/nothing/runs", {}, 404, "no job 'nothing'"),
        (f"/api/v1/namespaces/{FILE}/datasets/%2Fdata%2Freport.csv/versions/"
         "00000000-0000-0000-0000-000000000000", {}, 404, "no version"),
        ("/api/v1/jobs/runs/not-a-uuid", {}, 400, "run id 'not-a-uuid' is not a UUID"),
        (f"/api/v1/jobs/runs/{uuid.uuid4()}", {}, 404, "no run with id"),
        ("/api/v1/lineage", {}, 400, "nodeId: Field required"),
        ("/api/v1/lineage", {"nodeId": "blake3:abcd"}, 400, "nodeId 'blake3:abcd' is not"),
        ("/api/v1/lineage", {"nodeId": D_ORDERS, "depth": -1}, 400, "depth: "),
        ("/api/v1/lineage", {"nodeId": "dataset:nowhere:x"}, 404, "no dataset"),
        ("/api/v1/column-lineage", {"nodeId": f"datasetField:{FILE}:{REPORT}:nope"}, 404,
         "dataset '/data/report.csv' has no field 'nope'"),
        ("/api/v1/column-lineage", {"nodeId": "datasetField:x"}, 400, "nodeId 'datasetField:x'"),
        ("/api/v1/column-lineage", {"nodeId": D_ORDERS, "withDownstream": "maybe"}, 400,
         "withDownstream: "),
        ("/api/v1/search", {}, 400, "q: Field required"),
        ("/api/v1/search", {"q": "x", "filter": "table"}, 400, "filter: 'table'"),
        ("/api/v1/search", {"q": "x", "before": "March"}, 400, "before: 'March' is not a date"),
        ("/api/v1/events/lineage", {"before": "then"}, 400, "before: 'then' is not"),
        ("/api/v1/events/lineage", {"sortDirection": "up"}, 400, "sortDirection: "),
    ],
)  # fmt: skip
def test_bad_requests_are_4xx_with_one_line(
    marquez: tuple[MarquezClient, Service],
    path: str,
    params: dict[str, Any],
    status: int,
    starts: str,
) -> None:
    _, service = marquez
    r = service.get(path, **params)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and "\n" not in r.json()["error"]
    assert r.json()["error"].startswith(starts), r.json()


def test_both_backends_answer_the_same(store_uri: str, tmp_path: Path) -> None:
    """The same events on this backend and on a fresh SQLite store: every Marquez answer
    byte for byte the same (with the hand-worked tests above on both backends, parity)."""
    paths = [
        "/api/v1/namespaces",
        f"/api/v1/namespaces/{NS}/jobs",
        "/api/v1/namespaces/postgres:%2F%2Fdb:5432/datasets",
        f"/api/v1/namespaces/{FILE}/datasets/%2Fdata%2Freport.csv/versions",
        f"/api/v1/lineage?nodeId={D_CUSTOMERS}",
        f"/api/v1/column-lineage?nodeId={D_REPORT}&withDownstream=true",
        "/api/v1/events/lineage",
    ]
    answers = []
    for uri in (store_uri, str(tmp_path / "other.sqlite")):
        with serving(uri, api_key="k") as service:
            client = official_client(service)
            for event in events():
                client.emit(event)
            answers.append([json.dumps(service.get(p).json(), sort_keys=True) for p in paths])
    assert answers[0] == answers[1]
