"""Recorded runs out as OpenLineage events: counts, stable runIds, the provenance facet's digests,
FAIL + errorMessage, the vendored spec, FileTransport output, the tracker hook."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openlineage.client.event_v2 import RunEvent
from openlineage.client.serde import Serde
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.transport import Config, Transport
from referencing import Registry, Resource

from provenance import Tracker
from provenance.analysis.erasure import ErasureRecord, erase
from provenance.demo import DemoResult, run_demo
from provenance.hashing.core import digest_bytes, digest_json
from provenance.locations import uri_to_path
from provenance.model import Artifact, CodeVersion, Edge, Transform
from provenance.openlineage import export as ol_export
from provenance.openlineage.export import (
    FACET_SCHEMA_URL,
    dataset_name,
    emit,
    run_events,
    run_id,
    split_uri,
    to_jsonl,
    transform_events,
)
from provenance.openlineage.naming import dataset_uri, run_transform_id
from provenance.openlineage.schema import validate_event
from provenance.store import LineageStore, SQLiteStore
from provenance.store.base import AnyNode


@dataclass
class Demo:
    tracker: Tracker
    result: DemoResult
    failed_id: str
    erasure: ErasureRecord

    @property
    def store(self) -> LineageStore:
        return self.tracker.store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo pipeline, one failed run, and the erasure of the users source."""
    d = tmp_path_factory.mktemp("ol-demo")
    tracker = Tracker(str(d / "store") + "/")
    result = run_demo(tracker, d)
    with (
        pytest.raises(ValueError, match="bad threshold"),
        tracker.run("score", inputs={"model": result.model_v2}, params={"t": -1}) as run,
    ):
        raise ValueError("bad threshold -1")
    erasure = erase(tracker.store, result.users_source.id, reason="GDPR art. 17 #12")
    yield Demo(tracker, result, run.transform_id, erasure)
    tracker.close()


def transforms(store: LineageStore) -> list[Transform]:
    return [n for batch in store.iter_nodes() for n in batch if isinstance(n, Transform)]


def events_json(store: LineageStore, **kw: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in to_jsonl(store, **kw)]


def without_client_tags(event: dict[str, Any]) -> dict[str, Any]:
    """An event the client sent, less the ``tags`` run facet the client itself adds."""
    tags = event["run"]["facets"].pop("tags")
    assert [t["key"] for t in tags["tags"]] == ["openlineage_client_version"]
    return event


# --- counts and event types ----------------------------------------------------------------
def test_one_start_and_one_terminal_event_per_run(demo: Demo) -> None:
    runs = transforms(demo.store)
    events = events_json(demo.store)
    assert len(runs) == 15  # 13 demo runs, the failed run, the erasure
    assert len(events) == 2 * len(runs)
    per_run: dict[str, list[str]] = {}
    for e in events:
        per_run.setdefault(e["run"]["runId"], []).append(e["eventType"])
    assert len(per_run) == len(runs)
    assert all(types[0] == "START" and len(types) == 2 for types in per_run.values())
    terminal = Counter(types[1] for types in per_run.values())
    assert terminal == {"COMPLETE": len(runs) - 1, "FAIL": 1}


def test_events_come_oldest_run_first_start_before_end(demo: Demo) -> None:
    events = events_json(demo.store)
    starts = [e["eventTime"] for e in events if e["eventType"] == "START"]
    assert starts == sorted(starts)
    for start, end in zip(events[::2], events[1::2], strict=True):
        assert start["run"]["runId"] == end["run"]["runId"]
        assert start["eventTime"] <= end["eventTime"]


def test_event_times_are_the_transform_times(demo: Demo) -> None:
    t = next(t for t in transforms(demo.store) if t.operation == "split")
    start, end = list(transform_events(demo.store, [t.id]))
    assert start.eventTime.endswith("Z") and len(start.eventTime) == len(
        "2026-01-01T00:00:00.000000Z"
    )
    assert dt.datetime.fromisoformat(start.eventTime) == t.started_at
    assert dt.datetime.fromisoformat(end.eventTime) == t.ended_at


# --- validity ------------------------------------------------------------------------------
def test_every_event_validates_against_the_vendored_spec(demo: Demo) -> None:
    events = events_json(demo.store)
    assert events
    for e in events:
        validate_event(e)


def _facet_validator() -> jsonschema.Draft202012Validator:
    spec_dir = resources.files("provenance.openlineage").joinpath("spec")
    facet_schema = json.loads(spec_dir.joinpath("ProvenanceRunFacet.json").read_text())
    ol_schema = json.loads(spec_dir.joinpath("OpenLineage.json").read_text())
    registry: Registry[Any] = Registry().with_resources(
        [
            (facet_schema["$id"], Resource.from_contents(facet_schema)),
            (ol_schema["$id"], Resource.from_contents(ol_schema)),
        ]
    )
    jsonschema.Draft202012Validator.check_schema(facet_schema)
    return jsonschema.Draft202012Validator(
        {"$ref": FACET_SCHEMA_URL},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_facet_schema_url_names_the_shipped_schema(demo: Demo) -> None:
    spec = resources.files("provenance.openlineage").joinpath("spec/ProvenanceRunFacet.json")
    schema = json.loads(spec.read_text())
    base, _, pointer = FACET_SCHEMA_URL.partition("#")
    assert schema["$id"] == base
    assert pointer == "/$defs/ProvenanceRunFacet" and "ProvenanceRunFacet" in schema["$defs"]
    facets = [e["run"]["facets"]["provenance"] for e in events_json(demo.store)]
    assert {f["_schemaURL"] for f in facets} == {FACET_SCHEMA_URL}


def test_every_provenance_facet_validates_against_its_schema(demo: Demo) -> None:
    validator = _facet_validator()
    facets = [e["run"]["facets"]["provenance"] for e in events_json(demo.store)]
    for f in facets:
        validator.validate(f)
    broken = {k: v for k, v in facets[0].items() if k != "transformId"}
    with pytest.raises(jsonschema.ValidationError, match="transformId"):
        validator.validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**facets[0], "status": "exploded"})


def test_json_lines_round_trip_through_the_client_serde(demo: Demo) -> None:
    lines = list(to_jsonl(demo.store))
    events = list(run_events(demo.store))
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        assert line.endswith("\n") and "\n" not in line[:-1]
        assert line == Serde.to_json(event) + "\n"
        assert Serde.to_json(json.loads(line)) + "\n" == line
        assert json.loads(line) == Serde.to_dict(event)


# --- identity ------------------------------------------------------------------------------
def test_run_ids_are_stable_across_exports_and_distinct_per_run(demo: Demo) -> None:
    first, second = list(to_jsonl(demo.store)), list(to_jsonl(demo.store))
    assert first == second  # byte for byte
    by_transform = {
        e["run"]["facets"]["provenance"]["transformId"]: e["run"]["runId"]
        for e in map(json.loads, first)
    }
    assert len(set(by_transform.values())) == len(by_transform) == 15
    for tid, rid in by_transform.items():
        assert uuid.UUID(rid).version == 5
        assert rid == str(uuid.uuid5(ol_export._RUN_ID_NAMESPACE, tid))


def test_jobs_are_operations_in_the_provenance_namespace(demo: Demo) -> None:
    events = events_json(demo.store)
    assert {e["job"]["namespace"] for e in events} == {"provenance"}
    assert {e["job"]["name"] for e in events} == {t.operation for t in transforms(demo.store)}
    renamed = events_json(demo.store, namespace="acme")
    assert {e["job"]["namespace"] for e in renamed} == {"acme"}
    # artifacts without a uri take the namespace too; file artifacts stay in `file`
    namespaces = {d["namespace"] for e in renamed for d in e["inputs"] + e["outputs"]}
    assert namespaces == {"acme", "file"}


# --- the provenance facet ------------------------------------------------------------------
def _terminal(demo: Demo) -> dict[str, dict[str, Any]]:
    """Terminal event of each run, by transform id."""
    return {
        e["run"]["facets"]["provenance"]["transformId"]: e
        for e in events_json(demo.store)
        if e["eventType"] != "START"
    }


def test_facet_digests_are_the_stores_ids(demo: Demo) -> None:
    store = demo.store
    terminal = _terminal(demo)
    assert set(terminal) == {t.id for t in transforms(store)}
    for tid, event in terminal.items():
        facet = event["run"]["facets"]["provenance"]
        edges = store.transform_edges([tid])
        used = {(e.target, e.role) for e in edges if e.type == "USED"}
        used |= {(e.target, e.role or "model") for e in edges if e.type == "USED_MODEL"}
        produced = {(e.target, e.role) for e in edges if e.type == "PRODUCED"}
        assert {(r["id"], r.get("role")) for r in facet["inputs"]} == used
        assert {(r["id"], r.get("role")) for r in facet["outputs"]} == produced
        for ref in facet["inputs"] + facet["outputs"]:
            node = store.get(ref["id"])
            assert isinstance(node, Artifact) and ref["name"] == node.name
        # each dataset's version facet is the artifact id, in the same order
        assert [d["facets"]["version"]["datasetVersion"] for d in event["inputs"]] == [
            r["id"] for r in facet["inputs"]
        ]
        if facet["status"] != "failed":
            versions = [d["facets"]["version"]["datasetVersion"] for d in event["outputs"]]
            expected = [r["id"] for r in facet["outputs"]]
            expected += [r["id"] for r in facet.get("invalidated", [])]
            assert versions == expected


def test_facet_carries_seed_hyperparameters_code_model_environment(demo: Demo) -> None:
    store = demo.store
    terminal = _terminal(demo)
    v2_producer = next(
        t
        for t in transforms(store)
        if t.operation == "train" and "pseudo_label_weight" in t.hyperparameters
    )
    facet = terminal[v2_producer.id]["run"]["facets"]["provenance"]
    assert facet["operation"] == "train" and facet["status"] == "succeeded"
    assert facet["hyperparameters"] == v2_producer.hyperparameters
    assert facet["seedState"]["masterSeed"] == 1234
    assert facet["seedState"]["reproducibility"] == v2_producer.seed_state.reproducibility  # type: ignore[union-attr]
    assert facet["seedState"]["numpySeed"] == v2_producer.seed_state.numpy_seed  # type: ignore[union-attr]
    assert facet["outputs"] == [
        {
            "id": demo.result.model_v2.id,
            "name": "churn_model",
            "kind": "model",
            "role": "churn_model",
        }
    ]
    code = store.get(v2_producer.code_version_id or "")
    assert isinstance(code, CodeVersion)
    assert facet["codeVersion"]["id"] == code.id
    assert facet["codeVersion"].get("gitCommit") == code.git_commit
    assert facet["codeVersion"].get("sourceDigest") == code.source_digest
    assert facet["codeVersion"]["entrypoint"] == code.entrypoint
    assert facet["environmentDigest"] == v2_producer.environment.digest  # type: ignore[union-attr]
    assert facet["cost"]["amount"] == 0.57 and facet["cost"]["experiment"] == "churn-v2"
    if code.git_commit:
        location = terminal[v2_producer.id]["job"]["facets"]["sourceCodeLocation"]
        assert location["version"] == code.git_commit and location["type"] == "git"

    inference = next(t for t in transforms(store) if t.operation == "inference")
    event = terminal[inference.id]
    assert event["run"]["facets"]["provenance"]["modelId"] == demo.result.model_v1.id
    # the model is an input dataset too (its version facet = its id)
    versions = [d["facets"]["version"]["datasetVersion"] for d in event["inputs"]]
    assert demo.result.model_v1.id in versions


def test_failed_run_gives_fail_with_error_message_and_no_outputs(demo: Demo) -> None:
    start, end = list[Any](transform_events(demo.store, [demo.failed_id]))
    assert start.eventType.value == "START"
    assert end.eventType.value == "FAIL"
    error = end.run.facets["errorMessage"]
    assert "ValueError: bad threshold -1" in error.message
    assert error.programmingLanguage == "PYTHON"
    assert "errorMessage" not in start.run.facets
    assert end.outputs == []
    facet = end.run.facets["provenance"]
    assert facet.status == "failed" and "bad threshold" in (facet.error or "")
    assert [d.name for d in end.inputs] == ["churn_model"]
    ok = next(t for t in transforms(demo.store) if t.operation == "clean")
    _, ok_end = list[Any](transform_events(demo.store, [ok.id]))
    assert ok_end.eventType.value == "COMPLETE" and "errorMessage" not in ok_end.run.facets


def test_erasure_run_drops_the_erased_dataset(demo: Demo) -> None:
    _, end = list[Any](transform_events(demo.store, [demo.erasure.transform_id]))
    facet = end.run.facets["provenance"]
    assert facet.invalidated == [
        {
            "id": demo.result.users_source.id,
            "name": "users.csv",
            "kind": "dataset",
            "role": "erased",
        }
    ]
    assert facet.outputs == [] and facet.hyperparameters == {"reason": "GDPR art. 17 #12"}
    [dropped] = end.outputs
    assert dropped.facets["lifecycleStateChange"].lifecycleStateChange.value == "DROP"
    assert dropped.facets["version"].datasetVersion == demo.result.users_source.id
    # the erased source lost its uri: it is named by its name now, in every run that used it
    assert (dropped.namespace, dropped.name) == ("provenance", "users.csv")


def test_dataset_names_and_facets(demo: Demo) -> None:
    events_src = demo.result.events_source
    assert events_src.uri and events_src.uri.startswith("file://")
    ingest = next(
        e
        for e in events_json(demo.store)
        if e["eventType"] == "COMPLETE"
        and any(d["facets"]["version"]["datasetVersion"] == events_src.id for d in e["inputs"])
        and e["job"]["name"] == "ingest"
    )
    [source] = ingest["inputs"]
    assert (source["namespace"], source["name"]) == ("file", uri_to_path(events_src.uri).as_posix())
    assert dataset_uri(source["namespace"], source["name"]) == events_src.uri
    assert source["facets"]["ownership"]["owners"][0]["name"] == events_src.owner
    [out] = ingest["outputs"]
    assert (out["namespace"], out["name"]) == ("provenance", "events")
    node = demo.store.get(out["facets"]["version"]["datasetVersion"])
    assert isinstance(node, Artifact) and node.feature_stats is not None
    assert [f["name"] for f in out["facets"]["schema"]["fields"]] == list(
        node.feature_stats["columns"]
    )
    assert out["outputFacets"]["outputStatistics"]["rowCount"] == node.row_count == 4000


@pytest.mark.parametrize(
    ("namespace", "name"),
    [
        ("file", "/data/raw/users.csv"),
        ("s3://bucket", "raw/users.csv"),
        ("postgres://db:5432", "shop.public.orders"),
        ("bigquery", "proj.ds.users"),
        ("kafka://broker:9092", "events"),
    ],
)
def test_split_uri_inverts_dataset_uri(namespace: str, name: str) -> None:
    assert split_uri(dataset_uri(namespace, name)) == (namespace, name)


# --- runs that came from OpenLineage -------------------------------------------------------
def _ol_graph(store: LineageStore) -> tuple[Transform, Artifact, Artifact]:
    """An ingested-looking run: metadata["openlineage"] on the transform and its datasets."""
    producer = "https://github.com/apache/airflow"
    facet = {"_producer": producer, "_schemaURL": "https://example.com/Facet.json"}
    src = Artifact(
        id=digest_json({"n": "in"}, domain="test"),
        name="public.orders",
        uri=dataset_uri("postgres://db:5432", "public.orders"),
        metadata={
            "openlineage": {
                "namespace": "postgres://db:5432",
                "name": "public.orders",
                "facets": {"dataSource": {**facet, "name": "db"}, "junk": {"x": 1}},
            }
        },
    )
    dst = Artifact(
        id=digest_json({"n": "out"}, domain="test"),
        name="orders_daily",
        uri="s3://lake/orders_daily",
        metadata={"openlineage": {"namespace": "s3://lake", "name": "orders_daily"}},
    )
    rid = "0176a8c2-fe01-7439-87e6-56a1a1b4029f"
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    t = Transform(
        id=run_transform_id(rid),
        operation="etl.daily",
        name="etl.daily",
        started_at=when,
        ended_at=when + dt.timedelta(minutes=5),
        metadata={
            "openlineage": {
                "kind": "run",
                "runId": rid,
                "job": {"namespace": "airflow", "name": "etl.daily"},
                "events": [{"eventType": "START", "eventTime": when.isoformat()}],
                "facets": {
                    "run": {"nominalTime": {**facet, "nominalStartTime": when.isoformat()}},
                    "job": {"documentation": {**facet, "description": "daily orders"}},
                },
            }
        },
    )
    store.write(
        [src, dst, t],
        [
            Edge(source=t.id, target=src.id, type="USED"),
            Edge(source=t.id, target=dst.id, type="PRODUCED"),
        ],
    )
    return t, src, dst


def test_openlineage_runs_keep_their_run_id_job_and_facets(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "l.sqlite")
    t, _, _ = _ol_graph(store)
    start, end = events_json(store)
    for e in (start, end):
        validate_event(e)
        assert e["run"]["runId"] == "0176a8c2-fe01-7439-87e6-56a1a1b4029f" == run_id(t)
        assert (e["job"]["namespace"], e["job"]["name"]) == ("airflow", "etl.daily")
        assert e["run"]["facets"]["nominalTime"]["nominalStartTime"].startswith("2026-03-01")
        assert e["job"]["facets"]["documentation"]["description"] == "daily orders"
        assert e["run"]["facets"]["provenance"]["transformId"] == t.id
    [inp] = end["inputs"]
    assert (inp["namespace"], inp["name"]) == ("postgres://db:5432", "public.orders")
    assert inp["facets"]["dataSource"]["name"] == "db"
    assert "junk" not in inp["facets"]  # not a facet: no _producer / _schemaURL
    [out] = end["outputs"]
    assert (out["namespace"], out["name"]) == ("s3://lake", "orders_daily")
    assert end["eventTime"] == "2026-03-01T12:05:00.000000Z"
    store.close()


def test_job_definitions_and_placeholders_are_not_runs(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "l.sqlite")
    job_def = Transform(
        id=digest_json({"j": 1}, domain="test"),
        operation="etl.daily",
        metadata={"openlineage": {"kind": "job", "job": {"namespace": "a", "name": "b"}}},
    )
    placeholder = Transform(id=digest_json({"p": 1}, domain="test"), operation="parent")
    store.write([job_def, placeholder], [])
    assert list(run_events(store)) == []
    assert emit(store, _ListTransport()) == 0
    store.close()


def test_running_and_untimed_runs(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "l.sqlite")
    a = Artifact(id=digest_bytes(b"a"), name="a", created_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    running = Transform(
        id=digest_json({"r": 1}, domain="test"),
        operation="long",
        status="running",
        started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    untimed = Transform(id=digest_json({"u": 1}, domain="test"), operation="synthetic")
    store.write(
        [a, running, untimed],
        [Edge(source=untimed.id, target=a.id, type="PRODUCED", role="out")],
    )
    events = events_json(store)
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        ("synthetic", "START"),
        ("synthetic", "COMPLETE"),
        ("long", "START"),
    ]
    assert events[0]["eventTime"] == events[1]["eventTime"] == "2026-01-02T00:00:00.000000Z"
    for e in events:
        validate_event(e)
    store.close()


# --- transports ----------------------------------------------------------------------------
class _ListTransport(Transport):
    kind = "list"
    config_class = Config

    def __init__(self, fail: bool = False) -> None:
        self.events: list[Any] = []
        self.fail = fail

    def emit(self, event: Any) -> Any:
        if self.fail:
            raise ConnectionError("lineage backend down")
        self.events.append(event)


def test_emit_sends_every_event_through_the_client(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    sent = emit(demo.store, FileTransport(FileConfig(log_file_path=str(path), append=True)))
    lines = path.read_text().splitlines(keepends=True)
    assert sent == len(lines) == 30
    assert [without_client_tags(json.loads(x)) for x in lines] == events_json(demo.store)
    calls: list[tuple[int, int]] = []
    transport = _ListTransport()
    assert emit(demo.store, transport, progress=lambda d, n: calls.append((d, n))) == 30
    assert all(isinstance(e, RunEvent) for e in transport.events)
    assert calls[0] == (0, 15) and calls[-1] == (15, 15)


def test_emit_propagates_transport_errors(demo: Demo) -> None:
    with pytest.raises(ConnectionError, match="down"):
        emit(demo.store, _ListTransport(fail=True))


# --- the tracker hook ----------------------------------------------------------------------
def test_tracker_hook_writes_each_run_to_a_file_transport(tmp_path: Path) -> None:
    path = tmp_path / "ol" / "events.jsonl"
    path.parent.mkdir()
    transport = FileTransport(FileConfig(log_file_path=str(path), append=True))
    with Tracker(str(tmp_path / "store") + "/", openlineage=transport) as t:
        raw = t.log_artifact(b"x,y\n1,2\n", name="raw")
        with t.run("copy", inputs=[raw], params={"k": 1}, seed=3) as run:
            out = run.output(b"x,y\n1,2\n3,4\n", name="copied")
        with pytest.raises(RuntimeError), t.run("boom", inputs=[out]):
            raise RuntimeError("no")
        delivered = [without_client_tags(json.loads(x)) for x in path.read_text().splitlines()]
        exported = events_json(t.store)
    assert [(e["job"]["name"], e["eventType"]) for e in delivered] == [
        ("copy", "START"),
        ("copy", "COMPLETE"),
        ("boom", "START"),
        ("boom", "FAIL"),
    ]
    for e in delivered:
        validate_event(e)
    # what the hook sent is what an export of the store gives
    assert delivered == exported
    facet = delivered[1]["run"]["facets"]["provenance"]
    assert facet["transformId"] == run.transform_id
    assert facet["outputs"][0]["id"] == out.id and facet["seedState"]["masterSeed"] == 3


def test_tracker_hook_failure_never_fails_the_pipeline(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Tracker(str(tmp_path / "store") + "/", openlineage=_ListTransport(fail=True)) as t:
        with caplog.at_level(logging.WARNING), t.run("ok") as run:
            run.output(b"1", name="one")
        stored = t.store.get(run.transform_id)
    assert isinstance(stored, Transform) and stored.status == "succeeded"
    assert "lineage backend down" in caplog.text


def test_tracker_without_hook_emits_nothing(tmp_path: Path) -> None:
    transport = _ListTransport()
    with Tracker(str(tmp_path / "a") + "/") as t, t.run("ok"):
        pass
    assert transport.events == []
    with Tracker(str(tmp_path / "b") + "/", openlineage=transport) as t, t.run("ok"):
        pass
    assert [e.eventType.value for e in transport.events] == ["START", "COMPLETE"]


# --- both backends -------------------------------------------------------------------------
BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LineageStore]:
    """An empty store of each backend (as in tests/test_parity.py)."""
    if request.param == "sqlite":
        s: LineageStore = SQLiteStore(f"{tmp_path}/lineage.sqlite")
    else:
        request.getfixturevalue("neo4j_clean")
        server = request.getfixturevalue("neo4j_server")
        from provenance.store import open_store

        s = open_store(server.store_uri)
    yield s
    s.close()


def _fixed_graph() -> tuple[list[AnyNode], list[Edge]]:
    code = CodeVersion(
        id=CodeVersion.make_id(
            entrypoint="m:f", git_commit="a" * 40, diff_digest=None, source_digest=None
        ),
        entrypoint="m:f",
        git_commit="a" * 40,
        git_dirty=False,
    )
    t0 = dt.datetime(2026, 5, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
    raw = Artifact(id=digest_bytes(b"raw"), name="raw", uri="file:///d/raw.csv", created_at=t0)
    mid = Artifact(id=digest_bytes(b"mid"), name="mid", row_count=3, created_at=t0)
    ok = Transform(
        id=digest_json({"t": "ok"}, domain="test"),
        operation="clean",
        hyperparameters={"drop": ["a"], "q": 0.5},
        code_version_id=code.id,
        started_at=t0,
        ended_at=t0 + dt.timedelta(seconds=2),
    )
    bad = Transform(
        id=digest_json({"t": "bad"}, domain="test"),
        operation="fit",
        status="failed",
        error="KeyError: 'y'",
        started_at=t0 + dt.timedelta(seconds=3),
        ended_at=t0 + dt.timedelta(seconds=4),
    )
    edges = [
        Edge(source=ok.id, target=raw.id, type="USED", role="input"),
        Edge(source=ok.id, target=mid.id, type="PRODUCED", role="mid"),
        Edge(source=ok.id, target=code.id, type="RAN"),
        Edge(source=bad.id, target=mid.id, type="USED", role="input"),
    ]
    return [code, raw, mid, ok, bad], edges


def test_backends_export_the_same_events(store: LineageStore, tmp_path: Path) -> None:
    nodes, edges = _fixed_graph()
    store.write(nodes, edges)
    got = events_json(store)
    reference = SQLiteStore(tmp_path / "reference.sqlite")
    reference.write(nodes, edges)
    assert got == events_json(reference)
    reference.close()
    assert [(e["job"]["name"], e["eventType"]) for e in got] == [
        ("clean", "START"),
        ("clean", "COMPLETE"),
        ("fit", "START"),
        ("fit", "FAIL"),
    ]
    assert got[0]["eventTime"] == "2026-05-01T08:00:00.123456Z"
    assert got[3]["run"]["facets"]["errorMessage"]["message"] == "KeyError: 'y'"
    assert got[1]["job"]["facets"]["sourceCodeLocation"]["version"] == "a" * 40
    assert got[1]["run"]["facets"]["provenance"]["hyperparameters"] == {"drop": ["a"], "q": 0.5}
    for e in got:
        validate_event(e)


def test_dataset_name_prefers_openlineage_names() -> None:
    a = Artifact(
        id=digest_bytes(b"z"),
        name="local",
        uri="file:///tmp/x",
        metadata={"openlineage": {"namespace": "hdfs://nn", "name": "/x"}},
    )
    assert dataset_name(a) == ("hdfs://nn", "/x")
    assert dataset_name(a.model_copy(update={"metadata": {}})) == ("file", "/tmp/x")


# --- the CLI -------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROVENANCE_STORE"}
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_exports_openlineage_json_lines(demo: Demo, tmp_path: Path) -> None:
    store = demo.store.uri
    out = tmp_path / "events.jsonl"
    r = _cli("export", "--format", "openlineage", "-o", str(out), "--store", store, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.read_text().splitlines(keepends=True) == list(to_jsonl(demo.store))
    r = _cli("export", "-f", "openlineage", "--namespace", "acme", "--store", store, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    events = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(events) == 30 and {e["job"]["namespace"] for e in events} == {"acme"}
    for e in events:
        validate_event(e)
