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
import pytest

from provenance.errors import OpenLineageEventError
from provenance.model import Artifact, Transform
from provenance.openlineage.mapping import SPEC_URL, event_time, map_event
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


def _facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": SPEC_URL, **fields}


def job_event(**parts: Any) -> dict[str, Any]:
    return {
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SPEC_URL + "#/$defs/JobEvent",
        "job": {"namespace": "airflow", "name": "etl.load", **parts.pop("job", {})},
        **parts,
    }


def test_a_job_event_keeps_its_datasets_input_and_output_facets(tmp_path: Path) -> None:
    quality = _facet(rowCount=10, bytes=100)
    stats = _facet(rowCount=3, size=30)
    event = job_event(
        inputs=[
            {
                "namespace": "file",
                "name": "/d/in.csv",
                "inputFacets": {"dataQualityMetrics": quality},
            }
        ],
        outputs=[
            {
                "namespace": "file",
                "name": "/d/out.csv",
                "outputFacets": {"outputStatistics": stats},
            }
        ],
    )
    mapped = map_event(store(tmp_path), event)
    arts = {n.name: n for n in mapped.nodes if isinstance(n, Artifact)}
    src, out = arts["/d/in.csv"], arts["/d/out.csv"]
    assert (src.id, src.row_count, src.size_bytes) == (
        version_id("file", "/d/in.csv", None),
        10,
        100,
    )
    assert src.metadata["openlineage"] == {
        "namespace": "file",
        "name": "/d/in.csv",
        "facets": {},
        "inputFacets": {"dataQualityMetrics": quality},
    }
    assert (out.row_count, out.size_bytes) == (3, 30)
    assert out.metadata["openlineage"] == {
        "namespace": "file",
        "name": "/d/out.csv",
        "facets": {},
        "outputFacets": {"outputStatistics": stats},
    }
    (job,) = [n for n in mapped.nodes if isinstance(n, Transform)]
    assert (job.name, job.operation, job.code_version_id) == ("etl.load", "etl.load", None)


def test_a_job_event_naming_a_stored_artifact_by_its_digest(tmp_path: Path) -> None:
    s = store(tmp_path)
    first = map_event(s, run_event("COMPLETE", outputs=[{"namespace": "file", "name": "/d/a"}]))
    s.write(first.nodes, first.edges)
    stored = version_id("file", "/d/a", "0176a8c2-fe01-7439-87e6-56a1a1b4029f")
    assert isinstance(s.get(stored), Artifact)
    mapped = map_event(s, job_event(inputs=[versioned("/d/a", stored)]))
    assert [e.target for e in mapped.edges] == [stored]
    (job,) = [n for n in mapped.nodes if isinstance(n, Transform)]
    assert job.input_ids == [stored]


def test_a_job_event_with_source_code_location_runs_that_code(tmp_path: Path) -> None:
    location = _facet(type="git", url="https://git.example/repo", version="abc123")
    event = job_event(job={"facets": {"sourceCodeLocation": location}})
    mapped = map_event(store(tmp_path), event)
    (job,) = [n for n in mapped.nodes if isinstance(n, Transform)]
    (cv,) = [n for n in mapped.nodes if n.node_type == "CodeVersion"]
    assert len(mapped.nodes) == 2
    # no path in the location: the entrypoint is the job's namespace and name
    assert (cv.entrypoint, cv.git_commit, cv.repo_root) == (
        "airflow:etl.load",
        "abc123",
        "https://git.example/repo",
    )
    assert cv.source_digest is None  # a commit, no source code: nothing to digest
    assert job.code_version_id == cv.id and job.name == "etl.load"
    assert [(e.source, e.target, e.type) for e in mapped.edges] == [(job.id, cv.id, "RAN")]
    # the same job's runs ran the same code version
    run = map_event(
        store(tmp_path), run_event("COMPLETE", job={"facets": {"sourceCodeLocation": location}})
    )
    assert cv.id in {n.id for n in run.nodes}
    assert (mapped.jobs, mapped.runs, mapped.datasets) == (1, 0, 0)


def test_a_dataset_event_writes_one_dataset(tmp_path: Path) -> None:
    event = {
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SPEC_URL + "#/$defs/DatasetEvent",
        "dataset": {"namespace": "file", "name": "/d/x.csv"},
    }
    mapped = map_event(store(tmp_path), event)
    assert (mapped.datasets, mapped.runs, mapped.jobs) == (1, 0, 0)
    assert [n.id for n in mapped.nodes] == [version_id("file", "/d/x.csv", None)]


def test_a_code_location_without_a_commit_is_digested(tmp_path: Path) -> None:
    location = _facet(type="git", url="https://git.example/repo", path="dags/etl.py")
    mapped = map_event(
        store(tmp_path), run_event("COMPLETE", job={"facets": {"sourceCodeLocation": location}})
    )
    (cv,) = [n for n in mapped.nodes if n.node_type == "CodeVersion"]
    where = (
        '{"branch":null,"path":"dags/etl.py","repoUrl":null,"tag":null,"type":"git",'
        '"url":"https://git.example/repo"}'
    )
    expected = blake3.blake3(b"provenance:openlineage-code-location:v1\n" + where.encode())
    assert cv.source_digest == "blake3:" + expected.hexdigest()
    assert (cv.git_commit, cv.entrypoint) == (None, "dags/etl.py")


def test_event_time_says_what_is_wrong() -> None:
    cases = {
        None: "expected a date-time string",
        "yesterday": "'yesterday' is not an ISO 8601 date-time",
        "2026-01-01T00:00:00": "'2026-01-01T00:00:00' has no time zone",
    }
    for text, reason in cases.items():
        with pytest.raises(OpenLineageEventError) as info:
            event_time({"eventTime": text})
        assert str(info.value) == f"invalid OpenLineage event at eventTime: {reason}"


def test_a_malformed_parent_facet_says_what_it_needs(tmp_path: Path) -> None:
    run_id = "0176a8c2-fe01-7439-87e6-56a1a1b4029f"
    job = {"namespace": "airflow", "name": "dag"}
    cases = [
        (
            {"run": {}, "job": job},
            "run.facets.parent.run.runId: the parent run facet needs the parent's runId",
        ),
        (
            {"run": {"runId": "0176a8c2-fe01-7439-87e6-000000000000"}, "job": {"name": "dag"}},
            "run.facets.parent.job: the parent run facet needs the job namespace and name",
        ),
    ]
    for parent, message in cases:
        event = run_event("START", run={"runId": run_id, "facets": {"parent": parent}})
        with pytest.raises(OpenLineageEventError) as info:
            map_event(store(tmp_path), event)
        assert str(info.value) == f"invalid OpenLineage event at {message}"


def test_deleted_facets_are_left_out(tmp_path: Path) -> None:
    run_id = "0176a8c2-fe01-7439-87e6-56a1a1b4029f"
    parent = {
        "_deleted": True,
        "run": {"runId": "0176a8c2-fe01-7439-87e6-000000000000"},
        "job": {"namespace": "airflow", "name": "dag"},
    }
    doc = _facet(description="kept")
    event = run_event(
        "START",
        run={"runId": run_id, "facets": {"parent": parent}},
        outputs=[
            {
                "namespace": "file",
                "name": "/d/o",
                "facets": {"documentation": doc, "schema": {"_deleted": True}},
            }
        ],
    )
    mapped = map_event(store(tmp_path), event)
    assert [e.type for e in mapped.edges] == ["PRODUCED"]  # no PARENT edge
    (out,) = [n for n in mapped.nodes if isinstance(n, Artifact)]
    assert out.metadata["openlineage"]["facets"] == {"documentation": doc}
    (run,) = [n for n in mapped.nodes if isinstance(n, Transform)]
    assert run.metadata["openlineage"]["facets"]["run"] == {}


def test_an_empty_dataset_version_is_no_version(tmp_path: Path) -> None:
    event = run_event("COMPLETE", outputs=[versioned("/d/o", "")])
    mapped = map_event(store(tmp_path), event)
    (out,) = [n for n in mapped.nodes if isinstance(n, Artifact)]
    assert out.id == version_id("file", "/d/o", "0176a8c2-fe01-7439-87e6-56a1a1b4029f")


RUN_A = "0176a8c2-fe01-7439-87e6-00000000000a"
RUN_B = "0176a8c2-fe01-7439-87e6-00000000000b"
RUN_C = "0176a8c2-fe01-7439-87e6-00000000000c"


def _run(kind: str, run_id: str, **parts: Any) -> dict[str, Any]:
    return run_event(kind, run={"runId": run_id, **parts.pop("run", {})}, **parts)


def test_a_later_event_of_a_run_keeps_the_versions_it_bound(tmp_path: Path) -> None:
    s = store(tmp_path)
    x = {"namespace": "file", "name": "/d/x"}
    for event in (
        _run("COMPLETE", RUN_A, outputs=[x]),
        _run("START", RUN_B, inputs=[x], outputs=[versioned("/d/y", "v1")]),
        _run("COMPLETE", RUN_C, outputs=[x]),
    ):
        mapped = map_event(s, event)
        s.write(mapped.nodes, mapped.edges)
    y = {"namespace": "file", "name": "/d/y"}
    later = map_event(s, _run("COMPLETE", RUN_B, inputs=[x], outputs=[y]))
    assert sorted((e.type, e.target) for e in later.edges) == sorted(
        [
            ("USED", version_id("file", "/d/x", RUN_A)),  # not RUN_C's newer version
            ("PRODUCED", version_id("file", "/d/y", "v1")),  # the version it produced
        ]
    )


def test_a_parent_placeholder_and_a_run_that_names_itself_as_parent(tmp_path: Path) -> None:
    parent = {"run": {"runId": RUN_A}, "job": {"namespace": "airflow", "name": "dag"}}
    mapped = map_event(store(tmp_path), _run("START", RUN_B, run={"facets": {"parent": parent}}))
    placeholder = next(n for n in mapped.nodes if isinstance(n, Transform) and n.name == "dag")
    assert (placeholder.operation, placeholder.status) == ("dag", "running")
    assert placeholder.metadata == {
        "openlineage": {
            "kind": "run",
            "runId": RUN_A,
            "job": {"namespace": "airflow", "name": "dag"},
            "events": [],
            "facets": {"run": {}, "job": {}},
        }
    }
    assert [(e.type, e.target) for e in mapped.edges] == [("PARENT", placeholder.id)]
    itself = {"run": {"runId": RUN_B}, "job": {"namespace": "airflow", "name": "etl.load"}}
    alone = map_event(store(tmp_path), _run("START", RUN_B, run={"facets": {"parent": itself}}))
    assert alone.edges == [] and len(alone.nodes) == 1


def test_terminal_events_end_the_run_and_aborts_keep_their_error(tmp_path: Path) -> None:
    error = {"errorMessage": _facet(message="boom", programmingLanguage="python")}
    for kind, ended, failed in (
        ("COMPLETE", True, False),
        ("ABORT", True, True),
        ("FAIL", True, True),
        ("START", False, False),
    ):
        mapped = map_event(store(tmp_path), _run(kind, RUN_A, run={"facets": error}))
        (run,) = mapped.nodes
        assert isinstance(run, Transform)
        assert run.started_at is not None and run.started_at.isoformat() == (
            "2026-01-01T00:00:00+00:00"
        )
        assert run.ended_at == (run.started_at if ended else None)
        assert run.error == ("boom" if failed else None)


def test_code_versions_differ_by_commit_source_and_keep_the_repo_url(tmp_path: Path) -> None:
    def code_of(facets: dict[str, Any]) -> Any:
        mapped = map_event(store(tmp_path), run_event("COMPLETE", job={"facets": facets}))
        (cv,) = [n for n in mapped.nodes if n.node_type == "CodeVersion"]
        return cv

    def location(version: str) -> dict[str, Any]:
        return {
            "sourceCodeLocation": _facet(
                type="git",
                url="https://git.example/web",
                repoUrl="git@git.example:repo.git",
                version=version,
                path="p.py",
            )
        }

    a, b = code_of(location("abc")), code_of(location("def"))
    assert a.repo_root == "git@git.example:repo.git"  # repoUrl before url
    assert (a.git_commit, b.git_commit) == ("abc", "def") and a.id != b.id
    source = {"sourceCode": _facet(language="python", sourceCode="x = 1")}
    other = {"sourceCode": _facet(language="python", sourceCode="x = 2")}
    assert code_of(source).id != code_of(other).id
