"""Marquez's read model over the lineage graph: namespaces, datasets, jobs, runs, the
job/dataset lineage graph and the column graph, as Marquez answers them
(:mod:`provenance.service.marquez_models`).

The graph holds dataset *versions* (artifacts) and *runs* (transforms); Marquez shows
datasets and jobs. :class:`Catalog` folds one into the other:

* a **dataset** ``(namespace, name)`` is every version with that OpenLineage name (a native
  artifact logged from a file is a version of dataset ``file`` / its path; another native
  artifact one of ``provenance`` / its name); its current version is the newest
  (:func:`~provenance.openlineage.lookup.latest_dataset_version`'s rule);
* a **job** ``(namespace, name)`` is every run with that OpenLineage job (a native transform
  is a run of ``provenance`` / its operation), plus its JobEvent definition; its inputs and
  outputs are those of its newest finished run (else its newest run, else its definition);
* a **run** is named by its OpenLineage runId (a native transform's by the first 128 bits of
  its id, as a UUID); its state follows its latest event (COMPLETE: ``COMPLETED``, FAIL:
  ``FAILED``, ABORT: ``ABORTED``, any other: ``RUNNING``);
* a dataset **version** is named by a UUID: the first 128 bits of its artifact id.

Times are the events' ``eventTime`` (Marquez stamps its rows with them too): a dataset's
``createdAt`` / ``updatedAt`` are the first and last event time of an event that named one of
its versions, a job's those of its runs' events.

Example:
    >>> marquez_job_version("ns", "job", [("ns", "in")], [("ns", "out")], None)
    '...'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from provenance.errors import BodyError, NotFoundError
from provenance.model import Artifact, Transform
from provenance.olmeta import OpenLineageMeta, openlineage_meta
from provenance.openlineage.columns import ColumnSource, column_lineage
from provenance.openlineage.naming import (
    NATIVE_NAMESPACE,
    dataset_version_id,
    parse_node_id,
    run_transform_id,
)
from provenance.openlineage.schema import SPEC_URL
from provenance.service.marquez_models import (
    ColumnLineageInput,
    ColumnNodeData,
    DatasetField,
    DatasetId,
    DatasetVersionId,
    IODatasetVersion,
    JobId,
    JobVersionId,
    MarquezDataset,
    MarquezDatasetData,
    MarquezDatasetVersion,
    MarquezEdge,
    MarquezGraph,
    MarquezJob,
    MarquezJobData,
    MarquezNamespace,
    MarquezNode,
    MarquezRun,
    RunState,
    SearchResult,
    java_instant,
)
from provenance.store.base import PRODUCED, USED, LineageStore

__all__ = [
    "Catalog",
    "marquez_job_version",
    "node_id",
    "version_uuid",
]

Key = tuple[str, str]
_STATES: dict[str, RunState] = {"COMPLETE": "COMPLETED", "FAIL": "FAILED", "ABORT": "ABORTED"}
_STATUS: dict[str, RunState] = {"succeeded": "COMPLETED", "failed": "FAILED"}
_DONE = frozenset({"COMPLETED", "FAILED", "ABORTED"})
_EPOCH = _dt.datetime.min.replace(tzinfo=_dt.UTC)
#: Marquez's ``DEFAULT_SOURCE_NAME``: a dataset's source without a ``dataSource`` facet.
DEFAULT_SOURCE = "default"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


# --- small helpers --------------------------------------------------------------------------
def version_uuid(node_id: str) -> str:
    """The UUID naming a dataset version (or a native run): the first 128 bits of its id.

    Example:
        >>> version_uuid("blake3:" + "0123456789abcdef" * 4)
        '01234567-89ab-cdef-0123-456789abcdef'
    """
    return str(uuid.UUID(hex=node_id.rpartition(":")[2][:32]))


def marquez_job_version(
    namespace: str,
    name: str,
    inputs: Iterable[Key],
    outputs: Iterable[Key],
    location: str | None,
) -> str:
    """The job version Marquez computes for a finished run (``Utils.newJobVersionFor``):
    ``UUID.nameUUIDFromBytes`` of namespace, name, the sorted inputs, the sorted outputs and
    the location, joined by ``:`` (nulls skipped).

    Example:
        >>> marquez_job_version("ns", "job", [], [], None) == marquez_job_version(
        ...     "ns", "job", [], [], None)
        True
    """

    def ids(keys: Iterable[Key]) -> str:
        return ":".join(part for key in sorted(set(keys)) for part in key)

    parts = [namespace, name, ids(inputs), ids(outputs), location]
    data = ":".join(p for p in parts if p is not None).encode()
    return str(uuid.UUID(bytes=hashlib.md5(data, usedforsecurity=False).digest(), version=3))


def _time(text: Any) -> _dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _aware(when: _dt.datetime | None) -> _dt.datetime | None:
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _span(
    times: Iterable[_dt.datetime | None],
) -> tuple[_dt.datetime | None, _dt.datetime | None]:
    known = [t for t in times if t is not None]
    return (min(known), max(known)) if known else (None, None)


def node_id(kind: str, key: Key) -> str:
    """Marquez's node id of a dataset or job.

    Example:
        >>> node_id("dataset", ("s3://lake", "raw/orders"))
        'dataset:s3://lake:raw/orders'
    """
    return f"{kind}:{key[0]}:{key[1]}"


def _field_id(key: Key, column: str) -> str:
    return f"datasetField:{key[0]}:{key[1]}:{column}"


# --- runs -------------------------------------------------------------------------------------
@dataclass
class Run:
    """One run as Marquez sees it: its transform, job, events and datasets."""

    transform: Transform
    meta: OpenLineageMeta
    job: Key
    run_id: str
    events: list[tuple[_dt.datetime, str]]
    used: list[str] = field(default_factory=list)
    produced: list[str] = field(default_factory=list)

    @property
    def state(self) -> RunState:
        """Marquez's state: that of the latest event (a terminal one last among ties)."""
        if not self.events:
            return _STATUS.get(self.transform.status, "RUNNING")
        latest = max(self.events, key=lambda e: (e[0], e[1] in _STATES))
        return _STATES.get(latest[1], "RUNNING")

    @property
    def created(self) -> _dt.datetime | None:
        """The first event's time (a native run's start)."""
        if self.events:
            return self.events[0][0]
        return _aware(self.transform.started_at or self.transform.ended_at)

    @property
    def updated(self) -> _dt.datetime | None:
        """The last event's time (a native run's end)."""
        if self.events:
            return self.events[-1][0]
        return _aware(self.transform.ended_at or self.transform.started_at)

    @property
    def started(self) -> _dt.datetime | None:
        """The first START / RUNNING event's time."""
        if not self.events:
            return _aware(self.transform.started_at)
        starts = [t for t, kind in self.events if kind in ("START", "RUNNING")]
        return starts[0] if starts else None

    @property
    def ended(self) -> _dt.datetime | None:
        """The last terminal event's time."""
        if not self.events:
            return _aware(self.transform.ended_at)
        ends = [t for t, kind in self.events if kind in _STATES]
        return ends[-1] if ends else None

    @property
    def facets(self) -> dict[str, Any]:
        """The run facets, merged over its events."""
        return dict(_dict(self.meta.facets.get("run")))

    @property
    def job_facets(self) -> dict[str, Any]:
        """The job facets its events carried, merged."""
        return dict(_dict(self.meta.facets.get("job")))

    @property
    def parent(self) -> tuple[str | None, str | None, str | None]:
        """``(runId, job namespace, job name)`` of its ``parent`` facet."""
        parent = _dict(self.facets.get("parent"))
        run, job = _dict(parent.get("run")), _dict(parent.get("job"))
        return _str(run.get("runId")), _str(job.get("namespace")), _str(job.get("name"))

    @property
    def sort_key(self) -> tuple[_dt.datetime, str]:
        """Newest last."""
        return self.created or _EPOCH, self.run_id


def _events(meta: OpenLineageMeta) -> list[tuple[_dt.datetime, str]]:
    found = [(_time(e["eventTime"]), e["eventType"]) for e in meta.events]
    return sorted(((t, k) for t, k in found if t is not None), key=lambda e: e[0])


# --- the catalog ------------------------------------------------------------------------------
class Catalog:
    """Datasets, jobs, runs and namespaces of one store, read once (see the module docs).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> Catalog(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")).namespaces()
        []
    """

    def __init__(self, store: LineageStore) -> None:
        self.store = store
        self.artifacts: dict[str, Artifact] = {}
        self.dataset_of: dict[str, Key] = {}
        self.datasets: dict[Key, list[Artifact]] = {}
        self.runs: dict[str, Run] = {}
        self.jobs: dict[Key, list[Run]] = {}
        self.definitions: dict[Key, Transform] = {}
        self._touched: dict[Key, list[_dt.datetime]] = {}
        self._producers: dict[str, list[Run]] = {}
        for a in store.recent_nodes(node_type="Artifact"):
            assert isinstance(a, Artifact)
            key = _dataset_key(a)
            self.artifacts[a.id] = a
            self.dataset_of[a.id] = key
            self.datasets.setdefault(key, []).append(a)
            self._touched.setdefault(key, []).append(_aware(a.created_at) or _EPOCH)
        for versions in self.datasets.values():
            versions.sort(key=lambda a: (_aware(a.created_at) or _EPOCH, a.id), reverse=True)
        transforms = [t for t in store.recent_nodes(node_type="Transform")]
        for t in transforms:
            assert isinstance(t, Transform)
            meta = openlineage_meta(t) or OpenLineageMeta()
            job = meta.job or (NATIVE_NAMESPACE, t.operation)
            if meta.kind == "job":
                self.definitions[job] = t
                continue
            run_id = meta.run_id or version_uuid(t.id)
            run = Run(transform=t, meta=meta, job=job, run_id=run_id, events=_events(meta))
            self.runs[t.id] = run
            self.jobs.setdefault(job, []).append(run)
        ids = sorted(t.id for t in transforms)
        self._io: dict[str, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
        for e in store.transform_edges(ids) if ids else []:
            if e.target in self.artifacts and e.type in (USED, PRODUCED):
                self._io[e.source][0 if e.type == USED else 1].append(e.target)
        for used, produced in self._io.values():
            used.sort(key=lambda i: (self.dataset_of[i], i))
            produced.sort(key=lambda i: (self.dataset_of[i], i))
        for run in self.runs.values():
            run.used, run.produced = self._io[run.transform.id]
            for aid in run.used + run.produced:
                key = self.dataset_of[aid]
                self._touched[key] += [t for t, _ in run.events]
            for aid in run.produced:
                self._producers.setdefault(aid, []).append(run)
        for runs in self.jobs.values():
            runs.sort(key=lambda r: r.sort_key, reverse=True)

    # -- lookups -----------------------------------------------------------------------------
    def namespaces(self) -> list[MarquezNamespace]:
        """Every namespace of a dataset or a job, by name."""
        spans: dict[str, list[_dt.datetime | None]] = {}
        for key in self.datasets:
            spans.setdefault(key[0], []).extend(self._dataset_span(key))
        for key in self.jobs.keys() | self.definitions.keys():
            spans.setdefault(key[0], []).extend(self._job_span(key))
        out = []
        for name in sorted(spans):
            created, updated = _span(spans[name])
            out.append(MarquezNamespace(name=name, createdAt=created, updatedAt=updated))
        return out

    def namespace(self, name: str) -> MarquezNamespace:
        """One namespace; NotFoundError when nothing is in it."""
        for ns in self.namespaces():
            if ns.name == name:
                return ns
        raise NotFoundError(f"no namespace {name!r}")

    def dataset_keys(self, namespace: str) -> list[Key]:
        """The datasets of a namespace, by name."""
        return sorted(k for k in self.datasets if k[0] == namespace)

    def job_keys(self, namespace: str) -> list[Key]:
        """The jobs of a namespace, by name."""
        return sorted(k for k in self.jobs.keys() | self.definitions.keys() if k[0] == namespace)

    def versions(self, namespace: str, name: str) -> list[Artifact]:
        """A dataset's versions, newest first; NotFoundError for an unknown dataset."""
        found = self.datasets.get((namespace, name))
        if not found:
            raise NotFoundError(f"no dataset {name!r} in namespace {namespace!r}")
        return found

    def current(self, key: Key) -> Artifact:
        """A dataset's current version: the newest, the unversioned stand-in last."""
        versions = self.versions(*key)
        stand_in = dataset_version_id(key[0], key[1], None)
        return next((a for a in versions if a.id != stand_in), versions[0])

    def job_runs(self, namespace: str, name: str) -> list[Run]:
        """A job's runs, newest first; NotFoundError for an unknown job."""
        key = (namespace, name)
        if key not in self.jobs and key not in self.definitions:
            raise NotFoundError(f"no job {name!r} in namespace {namespace!r}")
        return self.jobs.get(key, [])

    def run_by_id(self, run_id: str) -> Run:
        """A run by its runId (a native run by its UUID); NotFoundError otherwise."""
        if not _UUID.match(run_id):
            raise BodyError(400, f"run id {run_id!r} is not a UUID")
        for candidate in (run_id, run_id.lower()):
            found = self.runs.get(run_transform_id(candidate))
            if found is not None:
                return found
        hexed = run_id.replace("-", "").lower()
        for run in self.runs.values():
            if run.transform.id.rpartition(":")[2].startswith(hexed) and not run.meta.run_id:
                return run
        raise NotFoundError(f"no run with id {run_id!r}")

    def version_by_uuid(self, namespace: str, name: str, version: str) -> Artifact:
        """One version of a dataset by its UUID; NotFoundError otherwise."""
        for a in self.versions(namespace, name):
            if version_uuid(a.id) == version.lower():
                return a
        raise NotFoundError(f"no version {version!r} of dataset {name!r} in {namespace!r}")

    def find(self, address: str, kinds: tuple[str, ...] = ("dataset", "job")) -> tuple[str, Key]:
        """``(kind, key)`` a Marquez node id names (``dataset:NS:NAME`` / ``job:NS:NAME``);
        400 for something else, NotFoundError when nothing matches."""
        readings = [r for r in parse_node_id(address) if r.kind in kinds]
        if not readings:
            shapes = " or ".join(f"{k}:NAMESPACE:NAME" for k in kinds)
            raise BodyError(400, f"nodeId {address!r} is not {shapes}")
        for r in readings:
            key = (r.namespace, r.name)
            if r.kind == "dataset" and key in self.datasets:
                return "dataset", key
            if r.kind == "job" and (key in self.jobs or key in self.definitions):
                return "job", key
        raise NotFoundError(f"no {readings[0].kind} {address!r}")

    # -- datasets ----------------------------------------------------------------------------
    def _dataset_span(self, key: Key) -> tuple[_dt.datetime | None, _dt.datetime | None]:
        return _span(self._touched.get(key, []))

    def _source(self, key: Key) -> str:
        for a in self.versions(*key):
            source = _dict(_facets(a).get("dataSource"))
            if isinstance(source.get("name"), str):
                return str(source["name"])
        return DEFAULT_SOURCE

    def _fields(self, a: Artifact) -> list[DatasetField]:
        schema = _dict(_facets(a).get("schema"))
        fields = schema.get("fields")
        return [
            DatasetField(
                name=f["name"], type=_str(f.get("type")), description=_str(f.get("description"))
            )
            for f in (fields if isinstance(fields, list) else [])
            if isinstance(f, dict) and isinstance(f.get("name"), str)
        ]

    def _schema_version(self, key: Key) -> Artifact:
        """The newest version with a schema facet (else the current one)."""
        for a in self.versions(*key):
            if "schema" in _facets(a):
                return a
        return self.current(key)

    def _last_modified(self, key: Key) -> _dt.datetime | None:
        ends = [
            r.ended
            for a in self.versions(*key)
            for r in self._producers.get(a.id, [])
            if r.state == "COMPLETED"
        ]
        return max((e for e in ends if e is not None), default=None)

    def dataset_data(self, key: Key) -> MarquezDatasetData:
        """A dataset as a lineage node's ``data``."""
        return MarquezDatasetData(**self._dataset_fields(key))

    def _dataset_fields(self, key: Key) -> dict[str, Any]:
        current = self.current(key)
        facets = _facets(current)
        created, updated = self._dataset_span(key)
        return {
            "id": DatasetId(namespace=key[0], name=key[1]),
            "name": key[1],
            "physicalName": key[1],
            "createdAt": created,
            "updatedAt": updated,
            "namespace": key[0],
            "sourceName": self._source(key),
            "fields": self._fields(self._schema_version(key)),
            "lastModifiedAt": self._last_modified(key),
            "lastLifecycleState": _lifecycle(facets),
            "description": _description(facets),
        }

    def dataset(self, namespace: str, name: str) -> MarquezDataset:
        """``GET /namespaces/{ns}/datasets/{name}``."""
        key = (namespace, name)
        current = self.current(key)
        return MarquezDataset(
            **self._dataset_fields(key),
            currentVersion=version_uuid(current.id),
            facets=_facets(current),
        )

    def dataset_version(self, a: Artifact) -> MarquezDatasetVersion:
        """One version of a dataset (Marquez's ``DatasetVersion``)."""
        key = self.dataset_of[a.id]
        facets = _facets(a)
        producers = sorted(self._producers.get(a.id, []), key=lambda r: r.sort_key)
        version = version_uuid(a.id)
        return MarquezDatasetVersion(
            id=DatasetVersionId(namespace=key[0], name=key[1], version=version),
            name=key[1],
            physicalName=key[1],
            createdAt=_aware(a.created_at),
            version=version,
            namespace=key[0],
            sourceName=_source_of(a) or self._source(key),
            fields=self._fields(a),
            lifecycleState=_lifecycle(facets),
            description=_description(facets),
            createdByRun=self.run(producers[0]) if producers else None,
            facets=facets,
        )

    # -- runs and jobs -----------------------------------------------------------------------
    def _io_keys(self, ids: Iterable[str]) -> list[Key]:
        return sorted({self.dataset_of[i] for i in ids})

    def _location(self, facets: dict[str, Any]) -> str | None:
        return _str(_dict(facets.get("sourceCodeLocation")).get("url"))

    def run(self, r: Run) -> MarquezRun:
        """A run in Marquez's shape."""
        facets = r.facets
        nominal = _dict(facets.get("nominalTime"))
        start, end = _time(nominal.get("nominalStartTime")), _time(nominal.get("nominalEndTime"))
        args: dict[str, str] = {}
        if start is not None:
            args["nominal_start_time"] = java_instant(start)
            if end is not None:
                args["nominal_end_time"] = java_instant(end)
        parent_run, parent_ns, parent_name = r.parent
        if parent_run and parent_ns and parent_name:
            args.update(run_id=parent_run, name=parent_name, namespace=parent_ns)
        started, ended = r.started, r.ended
        state = r.state
        version = None
        if state in _DONE:
            version = JobVersionId(
                namespace=r.job[0],
                name=r.job[1],
                version=marquez_job_version(
                    *r.job,
                    self._io_keys(r.used),
                    self._io_keys(r.produced),
                    self._location(r.job_facets),
                ),
            )
        return MarquezRun(
            id=r.run_id,
            createdAt=r.created,
            updatedAt=r.updated,
            nominalStartTime=start,
            nominalEndTime=end,
            state=state,
            startedAt=started,
            endedAt=ended,
            durationMs=int((ended - started).total_seconds() * 1000) if started and ended else None,
            args=args,
            jobVersion=version,
            inputDatasetVersions=[self._io_version(i, "inputFacets") for i in r.used],
            outputDatasetVersions=[self._io_version(i, "outputFacets") for i in r.produced],
            facets=facets,
        )

    def _io_version(self, artifact_id: str, which: str) -> IODatasetVersion:
        a = self.artifacts[artifact_id]
        key = self.dataset_of[artifact_id]
        meta = openlineage_meta(a)
        raw = a.metadata.get("openlineage") if meta is not None else None
        facets = _dict(_dict(raw).get(which))
        return IODatasetVersion(
            datasetVersionId=DatasetVersionId(
                namespace=key[0], name=key[1], version=version_uuid(a.id)
            ),
            facets=facets,
        )

    def _job_span(self, key: Key) -> tuple[_dt.datetime | None, _dt.datetime | None]:
        runs = self.jobs.get(key, [])
        return _span([r.created for r in runs] + [r.updated for r in runs])

    def job_io(self, key: Key) -> tuple[list[Key], list[Key]]:
        """A job's inputs and outputs: its newest finished run's (completed, failed or
        aborted: Marquez's current job version), else its newest run's, else its
        definition's."""
        runs = self.jobs.get(key, [])
        done = [r for r in runs if r.state in _DONE]
        for r in done[:1] or runs[:1]:
            return self._io_keys(r.used), self._io_keys(r.produced)
        definition = self.definitions.get(key)
        if definition is None:
            return [], []
        used, produced = self._io.get(definition.id, ([], []))
        return self._io_keys(used), self._io_keys(produced)

    def _job_facets(self, key: Key) -> dict[str, Any]:
        runs = self.jobs.get(key, [])
        if runs:
            return runs[0].job_facets
        definition = self.definitions.get(key)
        meta = openlineage_meta(definition) if definition is not None else None
        return dict(_dict(meta.facets.get("job"))) if meta is not None else {}

    def _job_fields(self, key: Key) -> dict[str, Any]:
        runs = self.jobs.get(key, [])
        facets = self._job_facets(key)
        inputs, outputs = self.job_io(key)
        parent_name = runs[0].parent[2] if runs else None
        simple = key[1]
        if parent_name and key[1].startswith(parent_name + "."):
            simple = key[1][len(parent_name) + 1 :]
        created, updated = self._job_span(key)
        job_type = _dict(facets.get("jobType")).get("processingType")
        return {
            "id": JobId(namespace=key[0], name=key[1]),
            "type": "STREAM" if job_type == "STREAMING" else "BATCH",
            "name": key[1],
            "simpleName": simple,
            "parentJobName": parent_name,
            "createdAt": created,
            "updatedAt": updated,
            "namespace": key[0],
            "inputs": [DatasetId(namespace=n, name=m) for n, m in inputs],
            "outputs": [DatasetId(namespace=n, name=m) for n, m in outputs],
            "location": self._location(facets),
            "description": _str(_dict(facets.get("documentation")).get("description")),
            "latestRun": self.run(runs[0]) if runs else None,
        }

    def job_data(self, key: Key) -> MarquezJobData:
        """A job as a lineage node's ``data``."""
        runs = self.jobs.get(key, [])
        return MarquezJobData(
            **self._job_fields(key), currentRunUuid=runs[0].run_id if runs else None
        )

    def job(self, namespace: str, name: str) -> MarquezJob:
        """``GET /namespaces/{ns}/jobs/{name}``."""
        key = (namespace, name)
        runs = self.job_runs(namespace, name)
        done = [r for r in runs if r.state in _DONE]
        current = self.run(done[0]).jobVersion if done else None
        return MarquezJob(
            **self._job_fields(key),
            latestRuns=[self.run(r) for r in runs[:10]],
            facets=self._job_facets(key),
            currentVersion=current.version if current else None,
        )

    # -- graphs ------------------------------------------------------------------------------
    def lineage(self, address: str, depth: int) -> MarquezGraph:
        """Marquez's lineage graph around a dataset or job: from the job (for a dataset: its
        newest producer, else its newest consumer), the jobs connected through shared
        datasets up to ``depth`` jobs away, with every input and output of each."""
        kind, key = self.find(address)
        io = {j: self.job_io(j) for j in self.jobs.keys() | self.definitions.keys()}
        touching: dict[Key, set[Key]] = {}
        for j, (ins, outs) in io.items():
            for d in ins + outs:
                touching.setdefault(d, set()).add(j)
        level = {key} if kind == "job" else self._start_job(key, io)
        jobs = set(level)
        for _ in range(depth):
            near = {j for k in level for d in io[k][0] + io[k][1] for j in touching[d]} - jobs
            if not near:
                break
            jobs |= near
            level = near
        edges: list[tuple[str, str]] = []
        datasets = {key} if kind == "dataset" else set()
        for j in jobs:
            ins, outs = io[j]
            datasets.update(ins + outs)
            edges += [(node_id("dataset", d), node_id("job", j)) for d in ins]
            edges += [(node_id("job", j), node_id("dataset", d)) for d in outs]
        nodes = {
            node_id("dataset", d): MarquezNode(
                id=node_id("dataset", d), type="DATASET", data=self.dataset_data(d)
            )
            for d in datasets
            if d in self.datasets
        }
        nodes.update(
            {
                node_id("job", j): MarquezNode(
                    id=node_id("job", j), type="JOB", data=self.job_data(j)
                )
                for j in jobs
            }
        )
        for origin, destination in sorted(set(edges)):
            edge = MarquezEdge(origin=origin, destination=destination)
            if origin in nodes and destination in nodes:
                nodes[origin].outEdges.append(edge)
                nodes[destination].inEdges.append(edge)
        return MarquezGraph(graph=[nodes[i] for i in sorted(nodes)])

    def _start_job(self, key: Key, io: dict[Key, tuple[list[Key], list[Key]]]) -> set[Key]:
        """Marquez's one job for a dataset: its newest producer, else its newest consumer."""
        for side in (1, 0):
            jobs = [j for j, sides in io.items() if key in sides[side]]
            if jobs:
                return {max(jobs, key=lambda j: (self._job_span(j)[1] or _EPOCH, j))}
        return set()

    def _columns(self, a: Artifact) -> list[str]:
        names = [f.name for f in self._fields(a)]
        lineage = _dict(_dict(_facets(a).get("columnLineage")).get("fields"))
        return names + [c for c in lineage if c not in names]

    def _field_type(self, a: Artifact, column: str) -> str | None:
        return next((f.type for f in self._fields(a) if f.name == column), None)

    def column_lineage(self, address: str, depth: int, downstream: bool) -> MarquezGraph:
        """Marquez's column graph: ``datasetField:NS:NAME:FIELD`` nodes, each with the input
        fields it is computed from (its ``columnLineage`` facet), upstream of the asked
        field(s) to ``depth`` steps, and downstream too with ``downstream``."""
        starts = self._column_starts(address)
        steps: dict[tuple[str, str], list[ColumnSource]] = {}
        for artifact_id, column in starts:
            found = column_lineage(self.store, artifact_id, column, depth=max(depth, 1))
            for s in found.sources:
                if not s.dataset_wide and s.feeds.dataset_id is not None:
                    steps.setdefault((s.feeds.dataset_id, s.feeds.field), []).append(s)
        if downstream:
            self._downstream(starts, depth, steps)
        return self._column_graph(starts, steps)

    def _column_starts(self, address: str) -> list[tuple[str, str]]:
        text, _, version = address.partition("#")
        if text.startswith("datasetField:"):
            rest, sep, column = text[len("datasetField:") :].rpartition(":")
            if not sep or not column:
                raise BodyError(400, f"nodeId {address!r} is not datasetField:NS:NAME:FIELD")
            _, key = self.find(f"dataset:{rest}", ("dataset",))
            a = self.version_by_uuid(*key, version) if version else self.current(key)
            if column not in self._columns(a):
                raise NotFoundError(f"dataset {key[1]!r} has no field {column!r}")
            return [(a.id, column)]
        kind, key = self.find(text)
        if kind == "dataset":
            a = self.version_by_uuid(*key, version) if version else self.current(key)
            return [(a.id, c) for c in self._columns(a)]
        runs = self.jobs.get(key, [])
        outputs = runs[0].produced if runs else []
        return [(i, c) for i in outputs for c in self._columns(self.artifacts[i])]

    def _downstream(
        self,
        starts: list[tuple[str, str]],
        depth: int,
        steps: dict[tuple[str, str], list[ColumnSource]],
    ) -> None:
        readers: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        for a in self.artifacts.values():
            lineage = _dict(_dict(_facets(a).get("columnLineage")).get("fields"))
            for column, entry in lineage.items():
                for f in _dict(entry).get("inputFields") or []:
                    f = _dict(f)
                    if all(isinstance(f.get(k), str) for k in ("namespace", "name", "field")):
                        ref = (f["namespace"], f["name"], f["field"])
                        readers.setdefault(ref, []).append((a.id, column))
        frontier, seen = list(starts), set(starts)
        for _ in range(max(depth, 1)):
            upcoming = []
            for artifact_id, column in frontier:
                key = self.dataset_of[artifact_id]
                for reader in readers.get((key[0], key[1], column), []):
                    if reader in seen:
                        continue
                    found = column_lineage(self.store, reader[0], reader[1], depth=1)
                    own = [s for s in found.sources if not s.dataset_wide]
                    if any(s.dataset_id == artifact_id and s.field == column for s in own):
                        steps[reader] = own
                        seen.add(reader)
                        upcoming.append(reader)
            frontier = upcoming

    def _column_graph(
        self,
        starts: list[tuple[str, str]],
        steps: dict[tuple[str, str], list[ColumnSource]],
    ) -> MarquezGraph:
        nodes: dict[str, MarquezNode] = {}
        edges: set[tuple[str, str]] = set()  # (consumer, input)

        def ensure(nid: str, data: ColumnNodeData) -> None:
            nodes.setdefault(nid, MarquezNode(id=nid, type="DATASET_FIELD", data=data))

        for (artifact_id, column), sources in steps.items():
            key = self.dataset_of[artifact_id]
            inputs = [
                ColumnLineageInput(
                    namespace=s.namespace,
                    dataset=s.name,
                    datasetVersion=version_uuid(s.dataset_id) if s.dataset_id else None,
                    field=s.field,
                    transformationDescription=s.description,
                    transformationType=s.transformation_type,
                )
                for s in sources
            ]
            inputs = list({(i.namespace, i.dataset, i.field): i for i in inputs}.values())
            nid = _field_id(key, column)
            nodes[nid] = MarquezNode(
                id=nid,
                type="DATASET_FIELD",
                data=ColumnNodeData(
                    namespace=key[0],
                    dataset=key[1],
                    datasetVersion=version_uuid(artifact_id),
                    field=column,
                    fieldType=self._field_type(self.artifacts[artifact_id], column),
                    transformationDescription=inputs[0].transformationDescription,
                    transformationType=inputs[0].transformationType,
                    inputFields=inputs,
                ),
            )
            for i in inputs:
                edges.add((nid, _field_id((i.namespace, i.dataset), i.field)))
        for artifact_id, column in starts:
            key = self.dataset_of[artifact_id]
            start = _leaf(key, version_uuid(artifact_id), column)
            start.fieldType = self._field_type(self.artifacts[artifact_id], column)
            ensure(_field_id(key, column), start)
        for sources in steps.values():
            for s in sources:
                v = version_uuid(s.dataset_id) if s.dataset_id else None
                ensure(
                    _field_id((s.namespace, s.name), s.field),
                    _leaf((s.namespace, s.name), v, s.field),
                )
        for consumer, source in sorted(edges):
            nodes[consumer].inEdges.append(MarquezEdge(origin=consumer, destination=source))
            nodes[source].outEdges.append(MarquezEdge(origin=source, destination=consumer))
        for n in nodes.values():
            n.inEdges.sort(key=lambda e: (e.origin, e.destination))
            n.outEdges.sort(key=lambda e: (e.origin, e.destination))
        return MarquezGraph(graph=[nodes[i] for i in sorted(nodes)])

    # -- search and events -------------------------------------------------------------------
    def search(self, pattern: str) -> list[SearchResult]:
        """Datasets and jobs whose name matches ``pattern`` anywhere, case-insensitively
        (``%``: any characters, ``_``: one; SQL ``ILIKE '%q%'``), by name."""
        regex = re.compile(
            "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern),
            re.IGNORECASE | re.DOTALL,
        )
        found = [
            SearchResult(
                type="DATASET",
                name=k[1],
                updatedAt=self._dataset_span(k)[1],
                namespace=k[0],
                nodeId=node_id("dataset", k),
            )
            for k in self.datasets
            if regex.search(k[1])
        ]
        found += [
            SearchResult(
                type="JOB",
                name=k[1],
                updatedAt=self._job_span(k)[1],
                namespace=k[0],
                nodeId=node_id("job", k),
            )
            for k in self.jobs.keys() | self.definitions.keys()
            if regex.search(k[1])
        ]
        return sorted(found, key=lambda r: (r.name, r.type, r.namespace))

    def events(self) -> list[dict[str, Any]]:
        """The runs' events, rebuilt: one per (eventType, eventTime) each run recorded, each
        with the run's merged facets and all its inputs and outputs (oldest first)."""
        out: list[tuple[_dt.datetime, str, dict[str, Any]]] = []
        for r in self.runs.values():
            if not r.meta.run_id:
                continue
            inputs = [self._event_dataset(i, "inputFacets") for i in r.used]
            outputs = [self._event_dataset(i, "outputFacets") for i in r.produced]
            for when, kind in r.events:
                event: dict[str, Any] = {
                    "eventType": kind,
                    "eventTime": java_instant(when),
                    "run": {"runId": r.run_id, "facets": r.facets},
                    "job": {"namespace": r.job[0], "name": r.job[1], "facets": r.job_facets},
                    "inputs": inputs,
                    "outputs": outputs,
                    "schemaURL": f"{SPEC_URL}#/$defs/RunEvent",
                    "producer": _str(
                        _dict(r.transform.metadata.get("openlineage")).get("producer")
                    ),
                }
                out.append((when, r.run_id, event))
        out.sort(key=lambda e: (e[0], e[1], e[2]["eventType"]))
        return [e for _, _, e in out]

    def _event_dataset(self, artifact_id: str, which: str) -> dict[str, Any]:
        a = self.artifacts[artifact_id]
        key = self.dataset_of[artifact_id]
        raw = _dict(a.metadata.get("openlineage"))
        out: dict[str, Any] = {"namespace": key[0], "name": key[1], "facets": _facets(a)}
        if _dict(raw.get(which)):
            out[which] = _dict(raw.get(which))
        return out


# --- artifacts ------------------------------------------------------------------------------
def _dataset_key(a: Artifact) -> Key:
    meta = openlineage_meta(a)
    if meta is not None and meta.namespace and meta.name:
        return meta.namespace, meta.name
    if a.uri and a.uri.startswith("file://"):
        from provenance.locations import uri_to_path

        return "file", uri_to_path(a.uri).as_posix()
    return NATIVE_NAMESPACE, a.name


def _facets(a: Artifact) -> dict[str, Any]:
    meta = openlineage_meta(a)
    return dict(meta.facets) if meta is not None else {}


def _source_of(a: Artifact) -> str | None:
    return _str(_dict(_facets(a).get("dataSource")).get("name"))


def _lifecycle(facets: dict[str, Any]) -> str:
    change = _dict(facets.get("lifecycleStateChange")).get("lifecycleStateChange")
    return change if isinstance(change, str) else ""


def _description(facets: dict[str, Any]) -> str | None:
    return _str(_dict(facets.get("documentation")).get("description"))


def _leaf(key: Key, version: str | None, column: str) -> ColumnNodeData:
    """A field reached only as an input (Marquez: ``fieldType`` "", no inputs)."""
    return ColumnNodeData(
        namespace=key[0], dataset=key[1], datasetVersion=version, field=column, fieldType=""
    )
