"""Tests that kill surviving mutants of ``provenance.openlineage.mapping`` (issue 21, mutation
testing; tests/README.md). Expected ids follow the documented recipe (``dataset_version_id``:
BLAKE3 of ``provenance:openlineage-dataset:v1\\n`` + canonical JSON of namespace, name and
version), computed here with ``blake3`` directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import blake3

from provenance.model import Artifact, Transform
from provenance.openlineage.mapping import SPEC_URL, map_event
from provenance.store import SQLiteStore

PRODUCER = "https://example.com/producer"


def version_id(namespace: str, name: str, version: str | None) -> str:
    doc = json.dumps(
        {"name": name, "namespace": namespace, "version": version}, separators=(",", ":")
    )
    prefix = b"provenance:openlineage-dataset:v1\n"
    return "blake3:" + blake3.blake3(prefix + doc.encode()).hexdigest()


def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(str(tmp_path / "lineage.sqlite"))


def versioned(name: str, version: str) -> dict[str, Any]:
    return {
        "namespace": "file",
        "name": name,
        "facets": {
            "version": {"_producer": PRODUCER, "_schemaURL": SPEC_URL, "datasetVersion": version}
        },
    }


def test_a_digest_shaped_version_of_no_stored_artifact_is_a_plain_version(
    tmp_path: Path,
) -> None:
    digest = "blake3:" + "f" * 64  # looks like an artifact id, but none is stored
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SPEC_URL + "#/$defs/RunEvent",
        "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
        "job": {"namespace": "airflow", "name": "etl.load"},
        "outputs": [versioned("/d/out.csv", digest)],
    }
    mapped = map_event(store(tmp_path), event)
    arts = [n for n in mapped.nodes if isinstance(n, Artifact)]
    assert [a.id for a in arts] == [version_id("file", "/d/out.csv", digest)]


def test_a_job_event_keeps_its_producer(tmp_path: Path) -> None:
    event = {
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SPEC_URL + "#/$defs/JobEvent",
        "job": {"namespace": "airflow", "name": "etl.load"},
        "inputs": [{"namespace": "file", "name": "/d/in.csv"}],
        "outputs": [versioned("/d/out.csv", "v7")],
    }
    mapped = map_event(store(tmp_path), event)
    (job,) = [n for n in mapped.nodes if isinstance(n, Transform)]
    assert job.metadata["openlineage"] == {
        "kind": "job",
        "job": {"namespace": "airflow", "name": "etl.load"},
        "events": [],
        "facets": {"job": {}},
        "producer": PRODUCER,
    }
    assert job.input_ids == [version_id("file", "/d/in.csv", None)]
    assert (mapped.jobs, mapped.runs, mapped.datasets) == (1, 0, 2)
    assert sorted((e.type, e.target, e.role) for e in mapped.edges) == sorted(
        [
            ("USED", version_id("file", "/d/in.csv", None), "input"),
            ("PRODUCED", version_id("file", "/d/out.csv", "v7"), "output"),
        ]
    )


def test_zero_counts_are_counts(tmp_path: Path) -> None:
    # outputStatistics rowCount 0 / size 0: an empty output, not an unknown size.
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SPEC_URL + "#/$defs/RunEvent",
        "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
        "job": {"namespace": "airflow", "name": "etl.load"},
        "outputs": [
            {
                "namespace": "file",
                "name": "/d/empty.csv",
                "outputFacets": {
                    "outputStatistics": {
                        "_producer": PRODUCER,
                        "_schemaURL": SPEC_URL,
                        "rowCount": 0,
                        "size": 0,
                    }
                },
            },
            {
                "namespace": "file",
                "name": "/d/bad.csv",
                "outputFacets": {"outputStatistics": {"rowCount": -1, "size": True}},
            },
        ],
    }
    mapped = map_event(store(tmp_path), event)
    arts = {n.name: n for n in mapped.nodes if isinstance(n, Artifact)}
    assert (arts["/d/empty.csv"].row_count, arts["/d/empty.csv"].size_bytes) == (0, 0)
    assert (arts["/d/bad.csv"].row_count, arts["/d/bad.csv"].size_bytes) == (None, None)


def run_event(kind: str, **parts: Any) -> dict[str, Any]:
    return {
        "eventType": kind,
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SPEC_URL + "#/$defs/RunEvent",
        "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
        "job": {"namespace": "airflow", "name": "etl.load", **parts.pop("job", {})},
        **parts,
    }


def test_a_run_reading_what_it_writes_reads_the_version_before(tmp_path: Path) -> None:
    s = store(tmp_path)
    x = {"namespace": "file", "name": "/d/x.csv"}
    first = map_event(s, run_event("START", outputs=[x]))
    s.write(first.nodes, first.edges)
    second = map_event(s, run_event("COMPLETE", inputs=[x], outputs=[x]))
    own = version_id("file", "/d/x.csv", "0176a8c2-fe01-7439-87e6-56a1a1b4029f")
    # The output is this run's version; the input is not it (no earlier version: the
    # unversioned stand-in).
    assert sorted((e.type, e.target, e.role) for e in second.edges) == sorted(
        [("PRODUCED", own, "output"), ("USED", version_id("file", "/d/x.csv", None), "input")]
    )
    assert (second.runs, second.jobs, second.datasets) == (1, 0, 2)


def test_source_code_facets_make_the_code_version(tmp_path: Path) -> None:
    code = "print('hi')"
    facets = {
        "sourceCode": {
            "_producer": PRODUCER,
            "_schemaURL": SPEC_URL,
            "language": "python",
            "sourceCode": code,
        },
        "sourceCodeLocation": {
            "_producer": PRODUCER,
            "_schemaURL": SPEC_URL,
            "type": "git",
            "url": "https://git.example/repo",
            "version": "",
            "path": "dags/etl.py",
        },
    }
    mapped = map_event(store(tmp_path), run_event("COMPLETE", job={"facets": facets}))
    (cv,) = [n for n in mapped.nodes if n.node_type == "CodeVersion"]
    expected = blake3.blake3(
        b"provenance:openlineage-source-code:v1\n" + json.dumps(code).encode()
    ).hexdigest()
    assert cv.source_digest == "blake3:" + expected
    # An empty version is no commit.
    assert (cv.git_commit, cv.entrypoint, cv.repo_root) == (
        None,
        "dags/etl.py",
        "https://git.example/repo",
    )
