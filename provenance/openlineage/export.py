"""Recorded runs out as OpenLineage: RunEvents built with the official ``openlineage-python``.

Every run (Transform) of a store becomes a ``START`` event at its ``started_at`` and a
``COMPLETE`` (succeeded) or ``FAIL`` (failed) event at its ``ended_at``; a run still
``running`` gets its ``START`` only. Events come oldest run first.

* **Job**: namespace ``provenance`` (:data:`~provenance.openlineage.naming.NATIVE_NAMESPACE`,
  the ``namespace`` argument overrides it), name = the transform's ``operation``. A run that
  came *from* OpenLineage (``metadata["openlineage"]["runId"]``) keeps its own runId, job
  namespace and name, and its original run and job facets.
* **runId**: :func:`run_id`, a UUID derived from the transform id (uuid5), so every export of
  a store, and the events the tracker emits as it records, name a run alike.
* **Datasets**: :func:`dataset_name` of each artifact (``file://`` URIs → namespace ``file``,
  name = the path; ``s3://bucket/key`` → ``s3://bucket`` + ``key``; ``bigquery:p.d.t`` →
  ``bigquery`` + ``p.d.t``; no URI → namespace ``provenance``, name = the artifact's name),
  with facets ``version`` (``datasetVersion`` = the artifact id), ``schema`` (the columns of
  its feature statistics), ``ownership`` (its owner) and, on outputs, ``outputStatistics``
  (rows, bytes). The model a run used is an input. An erasure run's erased artifact is an
  output with ``lifecycleStateChange: DROP``.
* **Run facets**: ``provenance`` (:class:`ProvenanceRunFacet`, schema
  :data:`FACET_SCHEMA_URL`, shipped as ``spec/ProvenanceRunFacet.json``): transform id,
  operation, status, error, input/output/invalidated artifact ids with roles, model id,
  hyperparameters, seed state, code version, environment digest and cost;
  ``errorMessage`` on ``FAIL``; ``processing_engine``. **Job facets**: ``jobType`` and
  ``sourceCodeLocation`` (git commit and branch of the code version, when known).

A transform with no recorded time (a synthetic or bulk-loaded graph) takes the time its
artifacts were recorded (the latest ``created_at``). Left out: job-definition transforms (from
OpenLineage JobEvents, not runs) and transforms with neither times nor artifacts (placeholders
for parent runs whose events never arrived). The ``parent`` facet is not written.

Example:
    >>> import tempfile
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/")
    >>> raw = t.log_artifact(b"a,b\\n1,2\\n", name="raw")
    >>> with t.run("copy", inputs=[raw]) as run:
    ...     out = run.output(b"a,b\\n1,2\\n3,4\\n", name="copied")
    >>> [e.eventType.value for e in run_events(t.store)]
    ['START', 'COMPLETE']
    >>> facet = next(run_events(t.store)).run.facets["provenance"]
    >>> facet.transformId == run.transform_id, facet.inputs[0]["id"] == raw.id
    (True, True)
"""

from __future__ import annotations

import datetime as _dt
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import attr
from openlineage.client.client import OpenLineageClient
from openlineage.client.constants import __version__ as _OL_CLIENT_VERSION
from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import (
    DatasetFacet,
    JobFacet,
    OutputDatasetFacet,
    RunFacet,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    lifecycle_state_change_dataset,
    output_statistics_output_dataset,
    ownership_dataset,
    processing_engine_run,
    schema_dataset,
    source_code_location_job,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.transport import Transport

from provenance.locations import path_to_uri, uri_to_path
from provenance.model import Artifact, CodeVersion, Edge, Transform
from provenance.olmeta import OpenLineageMeta, openlineage_meta
from provenance.openlineage.naming import NATIVE_NAMESPACE
from provenance.store.base import AnyNode, LineageStore

__all__ = [
    "FACET_SCHEMA_URL",
    "PRODUCER",
    "ProvenanceRunFacet",
    "as_client",
    "dataset_name",
    "emit",
    "emit_transform",
    "run_events",
    "run_id",
    "to_jsonl",
    "transform_events",
]

log = logging.getLogger(__name__)


def _package_version() -> str:
    from provenance import __version__

    return __version__


#: The ``producer`` of every event this module builds (and of its facets).
PRODUCER = f"https://provenance.dev/releases/{_package_version()}"
#: The ``_schemaURL`` of the ``provenance`` run facet: the JSON schema shipped in this package
#: as ``provenance/openlineage/spec/ProvenanceRunFacet.json`` (its ``$id``, plus the pointer).
FACET_SCHEMA_URL = (
    "https://provenance.dev/spec/facets/1-0-0/ProvenanceRunFacet.json#/$defs/ProvenanceRunFacet"
)
#: The uuid5 namespace of native runIds.
_RUN_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://provenance.dev/openlineage/run")
#: Transforms fetched per store round trip.
_BATCH = 500


@attr.define
class ProvenanceRunFacet(RunFacet):
    """The ``provenance`` run facet: what the lineage graph recorded about the run.

    Field by field in ``spec/ProvenanceRunFacet.json`` (schema URL :data:`FACET_SCHEMA_URL`).
    Artifact references are ``{"id", "name", "kind", "role"}`` dicts; ``id`` is the content
    digest, the graph's node id.

    Example:
        >>> f = ProvenanceRunFacet(transformId="blake3:00", operation="x", status="succeeded")
        >>> f._schemaURL == FACET_SCHEMA_URL, f.inputs
        (True, [])
    """

    transformId: str
    operation: str
    status: str
    name: str | None = attr.field(default=None)
    error: str | None = attr.field(default=None)
    inputs: list[dict[str, Any]] = attr.field(factory=list)
    outputs: list[dict[str, Any]] = attr.field(factory=list)
    invalidated: list[dict[str, Any]] | None = attr.field(default=None)
    modelId: str | None = attr.field(default=None)
    hyperparameters: dict[str, Any] = attr.field(factory=dict)
    seedState: dict[str, Any] | None = attr.field(default=None)
    codeVersion: dict[str, Any] | None = attr.field(default=None)
    environmentDigest: str | None = attr.field(default=None)
    cost: dict[str, Any] | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return FACET_SCHEMA_URL


# --- names ---------------------------------------------------------------------------------
def _meta(node: Artifact | Transform) -> OpenLineageMeta:
    """The node's ``metadata["openlineage"]`` (every field empty for a native node)."""
    return openlineage_meta(node) or OpenLineageMeta()


def run_id(transform: Transform) -> str:
    """The OpenLineage runId of a transform: its own for runs that came from OpenLineage,
    else a UUID derived from the transform id (the same in every export).

    Example:
        >>> t = Transform(id="blake3:" + "1" * 64, operation="clean")
        >>> run_id(t) == run_id(t.model_copy())
        True
        >>> uuid.UUID(run_id(t)).version
        5
    """
    given = _meta(transform).run_id
    if given:
        return given
    return str(uuid.uuid5(_RUN_ID_NAMESPACE, transform.id))


def _job_name(transform: Transform, namespace: str) -> tuple[str, str]:
    meta = _meta(transform)
    if meta.job_namespace and meta.job_name:
        return meta.job_namespace, meta.job_name
    return namespace, transform.operation


def split_uri(uri: str) -> tuple[str, str]:
    """``(namespace, name)`` of a dataset URI, following OpenLineage's naming conventions.

    The inverse of :func:`provenance.openlineage.naming.dataset_uri`: ``file`` URIs (and
    plain paths) give namespace ``file`` and the absolute path; ``scheme://authority/path``
    gives ``scheme://authority`` and the path; ``namespace:name`` splits at the first colon.

    Example:
        >>> split_uri("file:///data/users.csv")
        ('file', '/data/users.csv')
        >>> split_uri("s3://bucket/raw/users.csv")
        ('s3://bucket', 'raw/users.csv')
        >>> split_uri("postgres://db:5432/shop.public.orders")
        ('postgres://db:5432', 'shop.public.orders')
        >>> split_uri("bigquery:proj.ds.users")
        ('bigquery', 'proj.ds.users')
    """
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        return "file", uri_to_path(uri).as_posix()
    if "://" in uri:
        authority = f"{parts.scheme}://{parts.netloc}"
        rest = uri[len(authority) :].lstrip("/")
        return (authority, rest) if rest else (parts.scheme, parts.netloc)
    namespace, _, name = uri.partition(":")
    return namespace, name


def dataset_name(artifact: Artifact, *, namespace: str = NATIVE_NAMESPACE) -> tuple[str, str]:
    """The OpenLineage ``(namespace, name)`` of an artifact's dataset.

    An artifact that came from OpenLineage keeps its own; otherwise :func:`split_uri` of its
    URI, and without a URI (in-memory data, erased artifacts) ``namespace`` and its name.

    Example:
        >>> a = Artifact(id="blake3:" + "a" * 64, name="users", uri="file:///d/users.csv")
        >>> dataset_name(a), dataset_name(a.model_copy(update={"uri": None}))
        (('file', '/d/users.csv'), ('provenance', 'users'))
    """
    meta = _meta(artifact)
    if meta.namespace and meta.name:
        return meta.namespace, meta.name
    if artifact.uri:
        return split_uri(artifact.uri)
    return namespace, artifact.name


# --- facets --------------------------------------------------------------------------------
def _carried(facets: Any) -> dict[str, Any]:
    """Facets kept from an ingested event: well-formed ones (``_producer`` + ``_schemaURL``)."""
    if not isinstance(facets, dict):
        return {}
    return {
        k: v
        for k, v in facets.items()
        if isinstance(v, dict)
        and isinstance(v.get("_producer"), str)
        and isinstance(v.get("_schemaURL"), str)
    }


def _ref(artifact: Artifact | None, artifact_id: str, role: str | None) -> dict[str, Any]:
    ref: dict[str, Any] = {"id": artifact_id}
    if artifact is not None:
        ref["name"] = artifact.name
        ref["kind"] = artifact.kind
    if role:
        ref["role"] = role
    return ref


def _seed_state(transform: Transform) -> dict[str, Any] | None:
    s = transform.seed_state
    if s is None:
        return None
    return {
        "masterSeed": s.master_seed,
        "derivation": s.derivation,
        "pythonSeed": s.python_seed,
        "numpySeed": s.numpy_seed,
        "torchSeed": s.torch_seed,
        "cudaSeed": s.cuda_seed,
        "rngStatesDigest": s.rng_states_digest,
        "reproducibility": s.reproducibility,
        "rngs": s.rngs,
    }


def _code_version(code: CodeVersion | None, code_id: str | None) -> dict[str, Any] | None:
    if code is None:
        return {"id": code_id} if code_id else None
    return {
        "id": code.id,
        "gitCommit": code.git_commit,
        "gitBranch": code.git_branch,
        "gitDirty": code.git_dirty,
        "diffDigest": code.diff_digest,
        "sourceDigest": code.source_digest,
        "entrypoint": code.entrypoint,
    }


def _dataset_facets(artifact: Artifact | None, artifact_id: str) -> dict[str, DatasetFacet]:
    facets: dict[str, DatasetFacet] = {}
    if artifact is not None:
        facets.update(cast(dict[str, DatasetFacet], _carried(_meta(artifact).facets)))
    if "version" not in facets:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=artifact_id, producer=PRODUCER
        )
    if artifact is None:
        return facets
    columns = (artifact.feature_stats or {}).get("columns")
    if "schema" not in facets and isinstance(columns, dict) and columns:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(
                    name=str(col),
                    type=str(info.get("dtype")) if isinstance(info, dict) else None,
                    ordinal_position=i,
                )
                for i, (col, info) in enumerate(columns.items(), start=1)
            ],
            producer=PRODUCER,
        )
    if "ownership" not in facets and artifact.owner:
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=artifact.owner)], producer=PRODUCER
        )
    return facets


def _output_facets(artifact: Artifact | None) -> dict[str, OutputDatasetFacet]:
    if artifact is None or (artifact.row_count is None and artifact.size_bytes is None):
        return {}
    return {
        "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
            rowCount=artifact.row_count, size=artifact.size_bytes, producer=PRODUCER
        )
    }


def _iso(when: _dt.datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return when.astimezone(_dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# --- events --------------------------------------------------------------------------------
def _is_run(transform: Transform) -> bool:
    return _meta(transform).is_run


class _RunEdges(NamedTuple):
    """A transform's edges by what they say of the run."""

    used: list[Edge]
    model: list[Edge]
    produced: list[Edge]
    invalidated: list[Edge]

    @classmethod
    def of(cls, edges: Sequence[Edge]) -> _RunEdges:
        def typed(t: str) -> list[Edge]:
            return [e for e in edges if e.type == t]

        return cls(typed("USED"), typed("USED_MODEL"), typed("PRODUCED"), typed("INVALIDATED"))


def _cost(transform: Transform) -> dict[str, Any] | None:
    c = transform.cost
    if c is None:
        return None
    return {
        "amount": c.amount,
        "currency": c.currency,
        "resource": c.resource,
        "durationS": c.duration_s,
        "team": c.team,
        "experiment": c.experiment,
    }


def _run_facets(
    transform: Transform,
    run: _RunEdges,
    artifact: Callable[[str], Artifact | None],
    code: CodeVersion | None,
    code_id: str | None,
    carried: dict[str, RunFacet],
) -> dict[str, RunFacet]:
    """The run's facets: those it arrived with, ours (:class:`ProvenanceRunFacet`) and the
    processing engine."""

    def refs(edges: Iterable[Edge], role: str | None = None) -> list[dict[str, Any]]:
        return [_ref(artifact(e.target), e.target, e.role or role) for e in edges]

    facets = dict(carried)
    facets["provenance"] = ProvenanceRunFacet(
        transformId=transform.id,
        operation=transform.operation,
        status=transform.status,
        name=transform.name,
        error=transform.error,
        inputs=refs(run.used) + refs(run.model, "model"),
        outputs=refs(run.produced),
        invalidated=refs(run.invalidated) or None,
        modelId=transform.model_id or (run.model[0].target if run.model else None),
        hyperparameters=dict(transform.hyperparameters),
        seedState=_seed_state(transform),
        codeVersion=_code_version(code, code_id),
        environmentDigest=transform.environment.digest if transform.environment else None,
        cost=_cost(transform),
        producer=PRODUCER,
    )
    facets.setdefault(
        "processing_engine",
        processing_engine_run.ProcessingEngineRunFacet(
            version=_package_version(),
            name="provenance",
            openlineageAdapterVersion=_OL_CLIENT_VERSION,
            producer=PRODUCER,
        ),
    )
    return facets


def _job_facets(carried: dict[str, JobFacet], code: CodeVersion | None) -> dict[str, JobFacet]:
    """The job's facets: those it arrived with, its type, and where its code is."""
    facets = dict(carried)
    facets.setdefault(
        "jobType",
        job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="PROVENANCE", jobType="TASK", producer=PRODUCER
        ),
    )
    if "sourceCodeLocation" not in facets and code is not None and code.git_commit:
        facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
            type="git",
            url=path_to_uri(code.repo_root) if code.repo_root else f"git:{code.git_commit}",
            version=code.git_commit,
            branch=code.git_branch,
            producer=PRODUCER,
        )
    return facets


def _datasets(
    run: _RunEdges, artifact: Callable[[str], Artifact | None], namespace: str
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """The run's input datasets (data and models) and outputs (those it produced, and those
    it invalidated, as dropped)."""

    def dataset_of(node_id: str) -> tuple[str, str]:
        art = artifact(node_id)
        if art is None:  # an edge to a node the store does not hold
            return namespace, node_id
        return dataset_name(art, namespace=namespace)

    inputs = [
        InputDataset(*dataset_of(e.target), facets=_dataset_facets(artifact(e.target), e.target))
        for e in [*run.used, *run.model]
    ]
    outputs = [
        OutputDataset(
            *dataset_of(e.target),
            facets=_dataset_facets(artifact(e.target), e.target),
            outputFacets=_output_facets(artifact(e.target)),
        )
        for e in run.produced
    ]
    for e in run.invalidated:
        facets = _dataset_facets(artifact(e.target), e.target)
        facets["lifecycleStateChange"] = (
            lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
                lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.DROP,
                producer=PRODUCER,
            )
        )
        outputs.append(OutputDataset(*dataset_of(e.target), facets=facets))
    return inputs, outputs


def _run_times(
    transform: Transform, edges: Sequence[Edge], artifact: Callable[[str], Artifact | None]
) -> tuple[_dt.datetime, _dt.datetime] | None:
    """When the run started and ended; for a run with no recorded time (a synthetic or
    bulk-loaded graph) when its data was recorded; None for a placeholder (a parent run whose
    events never arrived)."""
    start = transform.started_at or transform.ended_at
    end = transform.ended_at or transform.started_at
    if start is not None and end is not None:
        return start, end
    known = [a.created_at for a in map(artifact, [e.target for e in edges]) if a is not None]
    return (max(known), max(known)) if known else None


def _events_of(
    transform: Transform,
    edges: Sequence[Edge],
    nodes: dict[str, AnyNode],
    namespace: str,
) -> list[RunEvent]:
    def artifact(node_id: str) -> Artifact | None:
        node = nodes.get(node_id)
        return node if isinstance(node, Artifact) else None

    run = _RunEdges.of(edges)
    ran = [e.target for e in edges if e.type == "RAN"]
    code_id = transform.code_version_id or (ran[0] if ran else None)
    code = nodes.get(code_id) if code_id else None
    code = code if isinstance(code, CodeVersion) else None
    times = _run_times(transform, edges, artifact)
    if times is None:
        return []
    start, end = times

    carried = _meta(transform).facets
    run_facets = _run_facets(
        transform,
        run,
        artifact,
        code,
        code_id,
        cast(dict[str, RunFacet], _carried(carried.get("run"))),
    )
    job_facets = _job_facets(cast(dict[str, JobFacet], _carried(carried.get("job"))), code)
    inputs, outputs = _datasets(run, artifact, namespace)
    job_ns, job_name = _job_name(transform, namespace)
    job = Job(namespace=job_ns, name=job_name, facets=job_facets)
    rid = run_id(transform)
    events = [
        RunEvent(
            eventType=RunState.START,
            eventTime=_iso(start),
            run=Run(runId=rid, facets=dict(run_facets)),
            job=job,
            inputs=inputs,
            outputs=[],
            producer=PRODUCER,
        )
    ]
    if transform.status == "running":
        return events
    end_facets = dict(run_facets)
    state = RunState.COMPLETE
    if transform.status == "failed":
        state = RunState.FAIL
        end_facets.setdefault(
            "errorMessage",
            error_message_run.ErrorMessageRunFacet(
                message=transform.error or "failed",
                programmingLanguage="PYTHON",
                producer=PRODUCER,
            ),
        )
    events.append(
        RunEvent(
            eventType=state,
            eventTime=_iso(end),
            run=Run(runId=rid, facets=end_facets),
            job=job,
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
    )
    return events


def transform_events(
    store: LineageStore, transform_ids: Sequence[str], *, namespace: str = NATIVE_NAMESPACE
) -> Iterator[RunEvent]:
    """The events of these transforms, in the order given (unknown ids and non-runs skipped).

    What the tracker's OpenLineage hook sends after each run, and what :func:`run_events`
    yields for every run of a store.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> list(transform_events(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), ["blake3:00"]))
        []
    """
    transforms = [n for n in store.get_many(list(transform_ids)) if isinstance(n, Transform)]
    transforms = [t for t in transforms if _is_run(t)]
    if not transforms:
        return
    edges = store.transform_edges([t.id for t in transforms])
    by_source: dict[str, list[Edge]] = {}
    for e in edges:
        by_source.setdefault(e.source, []).append(e)
    wanted = {e.target for e in edges} | {
        t.code_version_id for t in transforms if t.code_version_id
    }
    nodes = {n.id: n for n in store.get_many(sorted(wanted))}
    for t in transforms:
        yield from _events_of(t, by_source.get(t.id, []), nodes, namespace)


def _runs_in_order(store: LineageStore) -> list[str]:
    """Ids of every run of the store, oldest first (then by id)."""
    keyed: list[tuple[str, str]] = []
    for batch in store.iter_nodes():
        for n in batch:
            if isinstance(n, Transform) and _is_run(n):
                when = n.started_at or n.ended_at
                keyed.append((_iso(when) if when else "", n.id))  # fixed width: sorts as time
    keyed.sort()
    return [i for _, i in keyed]


def run_events(
    store: LineageStore,
    *,
    namespace: str = NATIVE_NAMESPACE,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[RunEvent]:
    """Every recorded run of ``store`` as OpenLineage RunEvents (see the module docs).

    ``progress(done, total)`` is called after each batch of runs (for a progress bar).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> list(run_events(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")))
        []
    """
    ids = _runs_in_order(store)
    if progress is not None:
        progress(0, len(ids))
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        yield from transform_events(store, batch, namespace=namespace)
        if progress is not None:
            progress(start + len(batch), len(ids))


def to_jsonl(
    store: LineageStore,
    *,
    namespace: str = NATIVE_NAMESPACE,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[str]:
    """Every run's events as JSON lines, each ending in ``\\n``: exactly what the client's
    ``FileTransport`` writes (``Serde.to_json``), so ``writelines`` makes such a file.

    Example:
        >>> import json, tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> with t.run("noop") as run:
        ...     pass
        >>> [json.loads(line)["eventType"] for line in to_jsonl(t.store)]
        ['START', 'COMPLETE']
    """
    for event in run_events(store, namespace=namespace, progress=progress):
        yield Serde.to_json(event) + "\n"


def as_client(target: Transport | OpenLineageClient) -> OpenLineageClient:
    """An OpenLineage client sending through ``target`` (a transport, or a client as is).

    Example:
        >>> from openlineage.client.transport.noop import NoopConfig, NoopTransport
        >>> as_client(NoopTransport(NoopConfig())).transport.kind
        'noop'
    """
    if isinstance(target, OpenLineageClient):
        return target
    return OpenLineageClient(transport=target)


def emit(
    store: LineageStore,
    transport: Transport | OpenLineageClient,
    *,
    namespace: str = NATIVE_NAMESPACE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Send every run's events through the official client (HTTP, file, console, Kafka...);
    returns the number of events sent. A transport error propagates.

    Example:
        >>> import tempfile
        >>> from openlineage.client.transport.noop import NoopConfig, NoopTransport
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> with t.run("noop") as run:
        ...     pass
        >>> emit(t.store, NoopTransport(NoopConfig()))
        2
    """
    client = as_client(transport)
    sent = 0
    for event in run_events(store, namespace=namespace, progress=progress):
        client.emit(event)
        sent += 1
    return sent


def emit_transform(
    store: LineageStore,
    client: OpenLineageClient,
    transform_ids: Iterable[str],
    *,
    namespace: str = NATIVE_NAMESPACE,
) -> int:
    """Send these runs' events, never raising: a failure is logged as a warning.

    What :class:`~provenance.tracker.Tracker` calls after recording each run, so a lineage
    backend that is down never fails the user's pipeline. Returns the events sent.

    Example:
        >>> import tempfile
        >>> from openlineage.client.transport.noop import NoopConfig, NoopTransport
        >>> from provenance.store import SQLiteStore
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> emit_transform(s, as_client(NoopTransport(NoopConfig())), ["blake3:00"])
        0
    """
    sent = 0
    try:
        for event in transform_events(store, list(transform_ids), namespace=namespace):
            client.emit(event)
            sent += 1
    except Exception as exc:
        log.warning("could not emit OpenLineage events: %s: %s", type(exc).__name__, exc)
    return sent
