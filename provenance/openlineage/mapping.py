"""One OpenLineage event as the nodes and edges of this graph (what ingest writes).

* **RunEvent** → the run's Transform (id :func:`~provenance.openlineage.naming.run_transform_id`
  of the runId; ``operation`` and ``name`` = the job name; ``metadata["openlineage"]`` =
  ``{"kind": "run", "runId", "job": {"namespace", "name"}, "events": [{"eventType",
  "eventTime"}], "facets": {"run": {...}, "job": {...}}, "producer"}``); its status follows
  the event type (START/RUNNING → running, COMPLETE → succeeded, FAIL/ABORT → failed; OTHER
  changes nothing), and the store folds the events of one run together whatever order they
  arrive in (:func:`provenance.store.merge.fold_openlineage`). The ``errorMessage`` run facet
  of a FAIL/ABORT event is the transform's ``error``.
* **Datasets** → Artifacts of kind ``dataset``, ``name`` = the dataset name, ``uri`` =
  :func:`~provenance.openlineage.naming.dataset_uri`, ``created_at`` = the earliest eventTime
  of the events that named the version (whatever order they arrive in:
  :func:`~provenance.store.merge.merge_node`), ``metadata["openlineage"]`` = ``{"namespace", "name",
  "facets", "inputFacets" | "outputFacets"}`` (every facet kept, unknown ones too; a facet
  marked ``_deleted`` is left out). ``ownership`` → ``owner``; ``outputStatistics`` (rowCount,
  size) and ``dataQualityMetrics`` (rowCount, bytes) → ``row_count``, ``size_bytes``.
* **Output version**: the ``version`` facet, else the runId (so each run writes a new version);
  an output without a version facet that the run already produced (an earlier event of the
  run) is that version again.
* **Input version**: the ``version`` facet; else **by time**
  (:func:`~provenance.openlineage.binding.bind`): the artifact with that uri, native or
  OpenLineage, written most recently at or before the run's start (its ``started_at``: the
  earliest START eventTime, else the earliest eventTime of the run), except this run's own
  outputs (so a native run and an Airflow task reading the same file meet at one node); else
  the unversioned stand-in ``dataset_version_id(namespace, name, None)``. Such inputs are
  listed in ``metadata["openlineage"]["inputsByTime"]`` (uri → namespace and name), and
  :func:`~provenance.openlineage.binding.rebind` keeps them right when events arrive out of
  order. A ``version`` facet that is the full digest of an artifact already stored (what
  :mod:`provenance.openlineage.export` writes) names that artifact.
* **parent** run facet → a ``PARENT`` edge to the parent run's Transform, written as a
  placeholder (no events, status running) when the parent's own events have not arrived.
* **sourceCodeLocation** / **sourceCode** job facets → a CodeVersion the run RAN (git commit =
  the location's ``version``, ``repo_root`` its repoUrl or url, ``entrypoint`` its path or the
  job name, ``source_digest`` the digest of the source code, or of the location when there is
  neither commit nor code).
* **JobEvent** → the job-definition Transform (id
  :func:`~provenance.openlineage.naming.job_definition_id`, ``metadata["openlineage"]["kind"]``
  ``"job"``) with USED / PRODUCED edges to the datasets it names: their ``version`` facet's
  version, else the unversioned stand-in (a definition names datasets, not versions).
* **DatasetEvent** → the dataset's version (version facet, else the version written most
  recently at or before the event's time, else the stand-in) with the event's facets merged
  in. (It is bound when ingested; a version arriving later does not move the facets.)

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> event = {
    ...     "eventType": "START", "eventTime": "2026-01-01T00:00:00Z",
    ...     "producer": "https://example.com/p", "schemaURL": SPEC_URL + "#/$defs/RunEvent",
    ...     "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
    ...     "job": {"namespace": "airflow", "name": "etl.load"},
    ...     "inputs": [{"namespace": "file", "name": "/data/in.csv"}],
    ...     "outputs": [{"namespace": "postgres://db:5432", "name": "shop.public.orders"}]}
    >>> mapped = map_event(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), event)  # START: 0:00
    >>> sorted(n.node_type for n in mapped.nodes), sorted(e.type for e in mapped.edges)
    (['Artifact', 'Artifact', 'Transform'], ['PRODUCED', 'USED'])
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from provenance.errors import OpenLineageEventError
from provenance.hashing.core import digest_json, is_digest
from provenance.model import Artifact, CodeVersion, Edge, Transform
from provenance.openlineage.binding import BOUND_KEY, bind
from provenance.openlineage.naming import (
    dataset_uri,
    dataset_version_id,
    job_definition_id,
    run_transform_id,
)
from provenance.openlineage.schema import SPEC_URL, event_type, validate_event
from provenance.store.base import PARENT, PRODUCED, RAN, USED, AnyNode, NodeReads, VersionReads
from provenance.store.merge import EVENT_STATUS, merge_node
from provenance.store.scrub import scrub_metadata

__all__ = ["SPEC_URL", "Mapped", "check_event", "event_time", "input_node", "map_event"]

_TERMINAL = frozenset({"COMPLETE", "ABORT", "FAIL"})


@dataclass
class Mapped:
    """The nodes and edges of one event, for one ``store.write``, and what they hold."""

    nodes: list[AnyNode] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    #: Run transforms written (the event's own run; parent placeholders are not counted).
    runs: int = 0
    #: Job-definition transforms written (JobEvents).
    jobs: int = 0
    #: Dataset versions (artifacts) written.
    datasets: int = 0


# --- checks -------------------------------------------------------------------------------
def _fail(where: str, message: str) -> OpenLineageEventError:
    return OpenLineageEventError(f"invalid OpenLineage event at {where}: {message}")


def event_time(event: dict[str, Any]) -> _dt.datetime:
    """The event's ``eventTime`` as an aware UTC datetime (microseconds).

    Example:
        >>> event_time({"eventTime": "2026-01-01T01:00:00.123456789+01:00"}).isoformat()
        '2026-01-01T00:00:00.123456+00:00'
    """
    text = event.get("eventTime")
    if not isinstance(text, str):
        raise _fail("eventTime", "expected a date-time string")
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail("eventTime", f"{text!r} is not an ISO 8601 date-time") from None
    if when.tzinfo is None:
        raise _fail("eventTime", f"{text!r} has no time zone")
    return when.astimezone(_dt.UTC)


def _iso(when: _dt.datetime) -> str:
    """Fixed-width UTC text: sorts as the times do."""
    return when.astimezone(_dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _parent(event: dict[str, Any]) -> tuple[str, str, str] | None:
    """``(runId, job namespace, job name)`` of the parent run facet, if any."""
    facets = (event.get("run") or {}).get("facets") or {}
    parent = facets.get("parent")
    if parent is None or parent.get("_deleted") is True:
        return None
    run, job = parent.get("run"), parent.get("job")
    if not isinstance(run, dict) or not isinstance(run.get("runId"), str) or not run["runId"]:
        raise _fail("run.facets.parent.run.runId", "the parent run facet needs the parent's runId")
    if (
        not isinstance(job, dict)
        or not isinstance(job.get("namespace"), str)
        or not isinstance(job.get("name"), str)
    ):
        raise _fail(
            "run.facets.parent.job", "the parent run facet needs the job namespace and name"
        )
    return run["runId"], job["namespace"], job["name"]


def check_event(event: Any) -> str:
    """Validate ``event`` against the spec and what the mapping needs; its type.

    Raises :class:`~provenance.errors.OpenLineageEventError` (one line) on the first
    problem. Returns ``"RunEvent"``, ``"DatasetEvent"`` or ``"JobEvent"``.

    Example:
        >>> check_event({"eventTime": "2026-01-01T00:00:00Z", "producer": "https://x.io/p",
        ...              "schemaURL": SPEC_URL, "dataset": {"namespace": "file", "name": "/x"}})
        'DatasetEvent'
        >>> check_event([])
        Traceback (most recent call last):
        ...
        provenance.errors.OpenLineageEventError: invalid OpenLineage event: expected a JSON ...
    """
    validate_event(event)
    kind = event_type(event)
    event_time(event)
    if kind == "RunEvent":
        _parent(event)
    return kind


# --- facets -------------------------------------------------------------------------------
def _facets(holder: dict[str, Any], key: str = "facets") -> dict[str, Any]:
    """The facets of ``holder[key]``, without those marked ``_deleted``."""
    facets = holder.get(key)
    if not isinstance(facets, dict):
        return {}
    return {
        k: v for k, v in facets.items() if not (isinstance(v, dict) and v.get("_deleted") is True)
    }


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _version(facets: dict[str, Any]) -> str | None:
    version = facets.get("version")
    value = version.get("datasetVersion") if isinstance(version, dict) else None
    return value if isinstance(value, str) and value else None


def _owner(facets: dict[str, Any]) -> str | None:
    ownership = facets.get("ownership")
    owners = ownership.get("owners") if isinstance(ownership, dict) else None
    if not isinstance(owners, list):
        return None
    names = [o["name"] for o in owners if isinstance(o, dict) and isinstance(o.get("name"), str)]
    return ", ".join(names) or None


def _sizes(*facet_sets: dict[str, Any]) -> tuple[int | None, int | None]:
    """``(row_count, size_bytes)`` from outputStatistics / dataQualityMetrics facets."""
    rows = size = None
    for facets in facet_sets:
        stats = facets.get("outputStatistics")
        if isinstance(stats, dict):
            rows = rows if rows is not None else _count(stats.get("rowCount"))
            size = size if size is not None else _count(stats.get("size"))
        quality = facets.get("dataQualityMetrics")
        if isinstance(quality, dict):
            rows = rows if rows is not None else _count(quality.get("rowCount"))
            size = size if size is not None else _count(quality.get("bytes"))
    return rows, size


def _code_version(job: dict[str, Any], facets: dict[str, Any]) -> CodeVersion | None:
    """The CodeVersion of the sourceCodeLocation / sourceCode job facets, if any."""
    location = facets.get("sourceCodeLocation")
    location = location if isinstance(location, dict) else {}
    code = facets.get("sourceCode")
    source = code.get("sourceCode") if isinstance(code, dict) else None
    if not location and not isinstance(source, str):
        return None

    def text(key: str) -> str | None:
        value = location.get(key)
        return value if isinstance(value, str) and value else None

    commit = text("version")
    source_digest = None
    if isinstance(source, str):
        source_digest = digest_json(source, domain="openlineage-source-code")
    elif commit is None:
        where = {k: text(k) for k in ("type", "url", "repoUrl", "path", "tag", "branch")}
        source_digest = digest_json(where, domain="openlineage-code-location")
    entrypoint = text("path") or f"{job['namespace']}:{job['name']}"
    return CodeVersion(
        id=CodeVersion.make_id(
            entrypoint=entrypoint, git_commit=commit, diff_digest=None, source_digest=source_digest
        ),
        entrypoint=entrypoint,
        git_commit=commit,
        git_branch=text("branch"),
        source_digest=source_digest,
        repo_root=text("repoUrl") or text("url"),
    )


# --- datasets -----------------------------------------------------------------------------
@dataclass
class _Bindings:
    """What the run already recorded: the versions it produced, by uri."""

    produced: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, store: NodeReads, transform_id: str) -> _Bindings:
        edges = [e for e in store.transform_edges([transform_id]) if e.type == PRODUCED]
        if not edges:
            return cls()
        nodes = {n.id: n for n in store.get_many([e.target for e in edges])}
        out = cls()
        for e in edges:
            node = nodes.get(e.target)
            if isinstance(node, Artifact) and node.uri:
                out.produced.setdefault(node.uri, node.id)
        return out


def _named_version(store: NodeReads, namespace: str, name: str, version: str) -> str:
    """The artifact id of a dataset's ``version`` facet: a stored artifact's own digest when
    the version is one, else :func:`dataset_version_id`."""
    if is_digest(version) and isinstance(store.get(version), Artifact):
        return version
    return dataset_version_id(namespace, name, version)


def _dataset_node(
    artifact_id: str,
    dataset: dict[str, Any],
    when: _dt.datetime,
    extra_key: str | None,
) -> Artifact:
    namespace, name = dataset["namespace"], dataset["name"]
    facets = _facets(dataset)
    extra = _facets(dataset, extra_key) if extra_key else {}
    rows, size = _sizes(extra, facets)
    meta: dict[str, Any] = {"namespace": namespace, "name": name, "facets": facets}
    if extra_key and extra:
        meta[extra_key] = extra
    return Artifact(
        id=artifact_id,
        name=name,
        kind="dataset",
        uri=dataset_uri(namespace, name),
        row_count=rows,
        size_bytes=size,
        owner=_owner(facets),
        created_at=when,
        metadata={"openlineage": meta},
    )


def _current_version(
    store: VersionReads, dataset: dict[str, Any], at: _dt.datetime, exclude: Iterable[str] = ()
) -> str:
    """The version a dataset named at time ``at`` binds to: its version facet, else the one
    written most recently at or before ``at``, else the unversioned stand-in."""
    namespace, name = dataset["namespace"], dataset["name"]
    version = _version(_facets(dataset))
    if version is not None:
        return _named_version(store, namespace, name, version)
    return bind(store, namespace, name, at, set(exclude))


# --- events -------------------------------------------------------------------------------
def _datasets(event: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = event.get(key)
    return [d for d in items if isinstance(d, dict)] if isinstance(items, list) else []


def _run_outputs(
    store: NodeReads, event: dict[str, Any], bound: _Bindings, run_id: str
) -> list[tuple[str, dict[str, Any]]]:
    """The run's outputs, each with its version's id: the dataset's own version facet, else
    the version this run already produced of it (an earlier event of the run), else a new one
    for this run."""
    outputs: list[tuple[str, dict[str, Any]]] = []
    for d in _datasets(event, "outputs"):
        version = _version(_facets(d))
        uri = dataset_uri(d["namespace"], d["name"])
        if version is not None:
            oid = _named_version(store, d["namespace"], d["name"], version)
        else:
            oid = bound.produced.get(uri) or dataset_version_id(d["namespace"], d["name"], run_id)
        outputs.append((oid, d))
    return outputs


def _run_inputs(
    store: VersionReads, event: dict[str, Any], started: _dt.datetime, own: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    """The run's inputs, each with its version's id: its version facet's, else the one
    written most recently at or before the run's start (never one this run produced)."""
    return [(_current_version(store, d, started, own), d) for d in _datasets(event, "inputs")]


def _by_time(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The event's inputs without a version facet: ``{uri: {"namespace", "name", "facets",
    "inputFacets"}}``, facets as the run saw them (for the version a re-binding picks) less
    every value of the data (:func:`~provenance.store.scrub.scrub_metadata`: column metrics'
    min/max/quantiles...), so the run holds no value an erasure of the version would have to
    reach."""
    out: dict[str, dict[str, Any]] = {}
    for d in _datasets(event, "inputs"):
        if _version(_facets(d)) is None:
            record: dict[str, Any] = {"namespace": d["namespace"], "name": d["name"]}
            for key in ("facets", "inputFacets"):
                if facets := scrub_metadata(_facets(d, key)):
                    record[key] = facets
            out[dataset_uri(d["namespace"], d["name"])] = record
    return out


def input_node(artifact_id: str, dataset: dict[str, Any], started: _dt.datetime) -> Artifact:
    """The record a run's input without a version facet adds to the version it binds to:
    its facets, dated at the run's start (so a stand-in dates from its earliest reader).

    Example:
        >>> import datetime as dt
        >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        >>> input_node("blake3:" + "a" * 64, {"namespace": "file", "name": "/x"}, at).uri
        'file:///x'
    """
    return _dataset_node(artifact_id, dataset, started, "inputFacets")


def _parent_placeholder(run_id: str, namespace: str, name: str) -> Transform:
    """The node of a parent run known only from a child's ``parent`` facet (its own events
    fill it in when they arrive)."""
    return Transform(
        id=run_transform_id(run_id),
        operation=name,
        name=name,
        status="running",
        metadata={
            "openlineage": {
                "kind": "run",
                "runId": run_id,
                "job": {"namespace": namespace, "name": name},
                "events": [],
                "facets": {"run": {}, "job": {}},
            }
        },
    )


def _map_run(store: VersionReads, event: dict[str, Any]) -> Mapped:
    when = event_time(event)
    run_id: str = event["run"]["runId"]
    job = {"namespace": event["job"]["namespace"], "name": event["job"]["name"]}
    kind = event.get("eventType") or "OTHER"
    tid = run_transform_id(run_id)
    stored = store.get(tid)
    bound = _Bindings.of(store, tid) if stored is not None else _Bindings()
    out = Mapped(runs=1)
    nodes: dict[str, AnyNode] = {}

    run_facets, job_facets = _facets(event["run"]), _facets(event["job"])
    error = run_facets.get("errorMessage")
    message = error.get("message") if isinstance(error, dict) else None
    stamp = _dt.datetime.fromisoformat(_iso(when))
    meta: dict[str, Any] = {
        "kind": "run",
        "runId": run_id,
        "job": job,
        "events": [{"eventType": kind, "eventTime": _iso(when)}],
        "facets": {"run": run_facets, "job": job_facets},
        "producer": event.get("producer"),
    }
    by_time = _by_time(event)
    if by_time:
        meta[BOUND_KEY] = by_time
    transform = Transform(
        id=tid,
        operation=job["name"],
        name=job["name"],
        started_at=stamp,
        ended_at=stamp if kind in _TERMINAL else None,
        status=EVENT_STATUS.get(kind, "running"),
        error=message if isinstance(message, str) and kind in ("FAIL", "ABORT") else None,
        metadata={"openlineage": meta},
    )
    # Inputs bind at the run's start as known with this event: the earliest of its events.
    folded = merge_node(stored, transform) if isinstance(stored, Transform) else transform
    started = folded.started_at if isinstance(folded, Transform) else None

    outputs = _run_outputs(store, event, bound, run_id)
    own = {oid for oid, _ in outputs} | set(bound.produced.values())
    inputs = _run_inputs(store, event, started or stamp, own)

    edges: list[Edge] = []
    for iid, d in inputs:
        dated = when if _version(_facets(d)) is not None else (started or stamp)
        nodes.setdefault(iid, _dataset_node(iid, d, dated, "inputFacets"))
        edges.append(Edge(source=tid, target=iid, type=USED, role="input"))
    for oid, d in outputs:
        node = merge_node(nodes.get(oid), _dataset_node(oid, d, when, "outputFacets"))
        nodes[oid] = node
        edges.append(Edge(source=tid, target=oid, type=PRODUCED, role="output"))

    code = _code_version(job, job_facets)
    if code is not None:
        nodes.setdefault(code.id, code)
        edges.append(Edge(source=tid, target=code.id, type=RAN))

    parent = _parent(event)
    if parent is not None and run_transform_id(parent[0]) != tid:
        parent_run, parent_ns, parent_name = parent
        pid = run_transform_id(parent_run)
        if pid not in nodes:
            nodes[pid] = _parent_placeholder(parent_run, parent_ns, parent_name)
        edges.append(Edge(source=tid, target=pid, type=PARENT, role="parent"))

    transform = transform.model_copy(
        update={
            "input_ids": sorted({iid for iid, _ in inputs}),
            "code_version_id": code.id if code else None,
        }
    )
    out.nodes = [transform, *nodes.values()]
    out.edges = edges
    out.datasets = sum(isinstance(n, Artifact) for n in nodes.values())
    return out


def _map_job(store: NodeReads, event: dict[str, Any]) -> Mapped:
    when = event_time(event)
    job = {"namespace": event["job"]["namespace"], "name": event["job"]["name"]}
    tid = job_definition_id(job["namespace"], job["name"])
    nodes: dict[str, AnyNode] = {}
    edges: list[Edge] = []
    used: set[str] = set()
    for key, etype, extra in (
        ("inputs", USED, "inputFacets"),
        ("outputs", PRODUCED, "outputFacets"),
    ):
        for d in _datasets(event, key):
            version = _version(_facets(d))
            did = (
                _named_version(store, d["namespace"], d["name"], version)
                if version is not None
                else dataset_version_id(d["namespace"], d["name"], None)
            )
            nodes.setdefault(did, _dataset_node(did, d, when, extra))
            edges.append(Edge(source=tid, target=did, type=etype, role=key[:-1]))
            if etype == USED:
                used.add(did)
    job_facets = _facets(event["job"])
    code = _code_version(job, job_facets)
    if code is not None:
        nodes.setdefault(code.id, code)
        edges.append(Edge(source=tid, target=code.id, type=RAN))
    transform = Transform(
        id=tid,
        operation=job["name"],
        name=job["name"],
        input_ids=sorted(used),
        code_version_id=code.id if code else None,
        metadata={
            "openlineage": {
                "kind": "job",
                "job": job,
                "events": [],
                "facets": {"job": job_facets},
                "producer": event.get("producer"),
            }
        },
    )
    datasets = sum(isinstance(n, Artifact) for n in nodes.values())
    return Mapped(nodes=[transform, *nodes.values()], edges=edges, jobs=1, datasets=datasets)


def _map_dataset(store: VersionReads, event: dict[str, Any]) -> Mapped:
    dataset, when = event["dataset"], event_time(event)
    did = _current_version(store, dataset, when)
    return Mapped(nodes=[_dataset_node(did, dataset, when, None)], datasets=1)


def map_event(store: VersionReads, event: dict[str, Any]) -> Mapped:
    """The nodes and edges one event adds to ``store`` (read, never written, here).

    ``event`` must have passed :func:`check_event` (only what the mapping itself needs is
    checked again). See the module docs for the mapping.
    """
    kind = event_type(event)
    if kind == "DatasetEvent":
        return _map_dataset(store, event)
    if kind == "JobEvent":
        return _map_job(store, event)
    return _map_run(store, event)
