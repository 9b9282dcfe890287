"""The lineage HTTP service: OpenLineage events in, the lineage graph out (FastAPI).

Routes (every ``/api/v1`` route needs ``Authorization: Bearer <key>`` when the app has an
API key; ``/health``, ``/docs`` and ``/openapi.json`` never do):

* ``POST /api/v1/lineage``: one OpenLineage RunEvent, DatasetEvent or JobEvent as the official
  clients send it (``Content-Encoding: gzip`` too), or a JSON array of them (a batch, every
  event checked before any is written) → 201 ``{"received": n, "stats": {...}}``;
  400 ``{"error": "<one line>"}`` for malformed JSON or gzip, or an event that breaks the
  OpenLineage schema (then nothing is written); 401 without the key; 413 over the body limit
  (before and after decompression); 415 for an unknown ``Content-Encoding``.
* Marquez's read API (:mod:`provenance.service.marquez_routes`): ``GET /api/v1/namespaces``,
  ``/namespaces/{ns}``, ``/namespaces/{ns}/datasets``, ``…/datasets/{name}``,
  ``…/datasets/{name}/versions``, ``…/versions/{version}``, ``/namespaces/{ns}/jobs``,
  ``…/jobs/{name}``, ``…/jobs/{name}/runs``, ``/jobs/runs/{runId}``, ``/lineage?nodeId=``,
  ``/column-lineage?nodeId=``, ``/search?q=``, ``/events/lineage``, in Marquez's JSON; its
  write routes (tags, sources, …) answer 501.
* This service's own version-level reads, under ``/api/v1/provenance``:
  ``GET /api/v1/provenance/lineage?nodeId=ID&depth=N`` (ancestry ∪ descendants of a node to
  ``depth`` transforms, default 20, store ids, in Marquez's envelope:
  :mod:`provenance.service.schemas`; ``nodeId`` is a store id, a unique prefix of one, or
  ``dataset:NS:NAME`` / ``job:NS:NAME``); ``GET /api/v1/provenance/nodes/{id}`` (one node's
  fields); ``GET /api/v1/provenance/namespaces/{ns}/datasets/{name}/versions`` (the dataset's
  versions, newest first) and ``…/jobs/{name}/runs`` (the job's runs, newest first);
  ``GET /api/v1/provenance/column-lineage?nodeId=datasetField:NS:NAME:COLUMN`` (or
  ``nodeId=ID&column=C``).
* A namespace holding ``/`` (``s3://bucket``) must be percent-encoded in a path
  (``s3:%2F%2Fbucket``); the name may be either (``/data/users.csv`` or
  ``%2Fdata%2Fusers.csv``).
* ``GET /health``: status, the store's URI (password hidden), node and edge counts.

Every error answers ``{"error": "<one line>"}``: 404 for an unknown id or route (under
``/api/v1`` only once the key is right: 401 first), 405 for a known route with another method,
501 for Marquez's write routes, 400 for bad parameters, 503 when the store cannot be reached.

The store is opened once, when the app starts (its lifespan), and closed when it stops.
Handlers run on the server's thread pool; writes are serialised by one lock per app (the
embedded store is also safe to share between threads: one connection behind a lock).

Example:
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> with TestClient(create_app(tempfile.mkdtemp() + "/")) as client:
    ...     client.get("/health").json()["counts"], client.get(
    ...         "/api/v1/provenance/nodes/abcd").json()
    ({}, {'error': "no node with id 'abcd'"})
"""

from __future__ import annotations

import datetime as _dt
import hmac
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from provenance.errors import (
    IntegrityError,
    NotFoundError,
    ProvenanceError,
    StoreError,
)
from provenance.model import Artifact, Node, Transform
from provenance.olmeta import OpenLineageMeta, openlineage_meta
from provenance.openlineage.columns import ColumnLineage, column_lineage
from provenance.openlineage.ingest import IngestStats, ingest_events
from provenance.openlineage.naming import NATIVE_NAMESPACE, dataset_uri
from provenance.reader import resolve_id
from provenance.service import marquez_routes
from provenance.service.body import DEFAULT_MAX_BODY, BodyError, decode_body, parse_events
from provenance.service.body import too_large as _too_large
from provenance.service.schemas import (
    DatasetVersions,
    ErrorResponse,
    Health,
    IngestResponse,
    JobRun,
    JobRuns,
    LineageResponse,
    marquez_graph,
)
from provenance.store import Direction, LineageStore, open_store, parse_store_uri
from provenance.store.uri import resolve_store_uri

__all__ = [
    "API_PREFIX",
    "DEFAULT_DEPTH",
    "OWN_PREFIX",
    "create_app",
    "error_status",
    "redact",
]

#: Where the API lives (Marquez's prefix, so OpenLineage clients' default endpoint works).
API_PREFIX = "/api/v1"
#: Transforms walked each way by ``GET /api/v1/lineage`` unless ``depth`` says otherwise.
DEFAULT_DEPTH = 20
#: Where this service's own version-level reads live (store ids, ``node_type``, our facet).
OWN_PREFIX = f"{API_PREFIX}/provenance"
_NAMESPACES = (f"{API_PREFIX}/namespaces/".encode(), f"{OWN_PREFIX}/namespaces/".encode())
_EPOCH = _dt.datetime.min.replace(tzinfo=_dt.UTC)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Bad request (one line says why)."},
    404: {"model": ErrorResponse, "description": "No such node, dataset or job."},
}
_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token."},
}

router = APIRouter(prefix=API_PREFIX, responses=_AUTH_ERRORS)
#: The version-level reads (store ids): ``/api/v1/provenance/...``.
own = APIRouter(prefix=OWN_PREFIX, tags=["provenance"], responses=_AUTH_ERRORS)


# --- errors --------------------------------------------------------------------------------
def error_status(exc: ProvenanceError) -> int:
    """The HTTP status a library error answers.

    Example:
        >>> from provenance.errors import OpenLineageEventError
        >>> error_status(NotFoundError("x")), error_status(OpenLineageEventError("x"))
        (404, 400)
    """
    if isinstance(exc, BodyError):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, IntegrityError):
        return 409
    if isinstance(exc, StoreError):
        return 503
    return 400  # AmbiguousIdError, OpenLineageEventError, AnalysisError, …


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": _one_line(message)}, status_code=status, headers=headers)


async def _on_provenance_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProvenanceError)
    return _error(error_status(exc), str(exc))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
    message = first.get("msg", "invalid request")
    return _error(400, f"{where}: {message}" if where else str(message))


# --- plumbing ------------------------------------------------------------------------------
def redact(uri: str) -> str:
    """A store URI with its password hidden (a URI that does not parse is shown as is).

    Example:
        >>> redact("neo4j://neo4j:secret@127.0.0.1:7687")
        'neo4j://neo4j:***@127.0.0.1:7687'
    """
    try:
        return parse_store_uri(uri).redacted()
    except ProvenanceError:
        return uri


class _RawNamespacePaths:
    """Route ``/api/v1/namespaces/…`` and ``/api/v1/provenance/namespaces/…`` on the path as
    sent, percent-escapes kept, so an encoded ``/`` inside a namespace or name
    (``s3:%2F%2Fbucket``) stays inside its segment; the handlers unquote each part."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if isinstance(raw, bytes) and raw.startswith(_NAMESPACES):
            scope = {**scope, "path": raw.split(b"?", 1)[0].decode("latin-1")}
        await self.app(scope, receive, send)


def _store(request: Request) -> LineageStore:
    store: LineageStore = request.app.state.store
    return store


StoreDep = Annotated[LineageStore, Depends(_store)]
_bearer = HTTPBearer(auto_error=False, description="The API key the service was started with.")


def _require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    key: str | None = request.app.state.api_key
    if key is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), key.encode()):
        raise HTTPException(
            401,
            "missing or wrong bearer token (send Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _aware(when: _dt.datetime | None) -> _dt.datetime:
    if when is None:
        return _EPOCH
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _meta(t: Transform) -> OpenLineageMeta:
    """The transform's ``metadata["openlineage"]`` (every field empty for a native one)."""
    return openlineage_meta(t) or OpenLineageMeta()


def _job_of(t: Transform) -> tuple[str, str]:
    """``(namespace, name)`` of the job a transform is a run (or the definition) of."""
    return _meta(t).job or (NATIVE_NAMESPACE, t.operation)


# --- write ---------------------------------------------------------------------------------
async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BodyError(400, f"bad Content-Length {declared!r}")
        if int(declared) > limit:
            raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(f"more than {limit}", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _take(
    store: LineageStore, lock: threading.Lock, raw: bytes, encoding: str | None, limit: int
) -> tuple[int, IngestStats]:
    """Decode, check every event, then ingest them all (one batch at a time)."""
    events = parse_events(decode_body(raw, encoding, limit=limit))
    if not events:
        return 0, IngestStats()
    with lock:
        return len(events), ingest_events(store, events, validate=False)


@router.post(
    "/lineage",
    status_code=201,
    response_model=IngestResponse,
    summary="Record OpenLineage events",
    responses={
        400: _ERRORS[400],
        413: {"model": ErrorResponse, "description": "Body over the size limit."},
        415: {"model": ErrorResponse, "description": "Unknown Content-Encoding."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": (
                "One OpenLineage event (RunEvent, DatasetEvent or JobEvent, spec "
                "https://openlineage.io/spec/2-0-2/OpenLineage.json), or a JSON array of "
                "them. `Content-Encoding: gzip` accepted."
            ),
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"type": "object"},
                            {"type": "array", "items": {"type": "object"}},
                        ]
                    }
                }
            },
        }
    },
)
async def post_lineage(request: Request) -> IngestResponse:
    """Record one OpenLineage event, or a batch of them: all checked, then all written."""
    state = request.app.state
    raw = await _read_body(request, state.max_body)
    received, stats = await run_in_threadpool(
        _take, state.store, state.write_lock, raw, request.headers.get("content-encoding"),
        state.max_body,
    )  # fmt: skip
    return IngestResponse(received=received, stats=stats)


# --- read ----------------------------------------------------------------------------------
@own.get(
    "/lineage",
    response_model=LineageResponse,
    summary="The lineage graph around a node",
    responses=_ERRORS,
)
def get_lineage(
    store: StoreDep,
    node_id: Annotated[
        str,
        Query(
            alias="nodeId",
            description="A node id, a unique prefix of one, or dataset:NS:NAME / job:NS:NAME.",
        ),
    ],
    depth: Annotated[int, Query(ge=0, description="Transforms to walk each way.")] = DEFAULT_DEPTH,
    direction: Annotated[
        Literal["both", "up", "down"],
        Query(description="up: ancestry only; down: descendants only."),
    ] = "both",
) -> LineageResponse:
    """Ancestry ∪ descendants of a node to ``depth`` transforms, in Marquez's shape."""
    root = resolve_id(store, node_id)
    ways = {"both": (Direction.UP, Direction.DOWN), "up": (Direction.UP,)}
    walks = ways.get(direction, (Direction.DOWN,))
    return marquez_graph(*(store.traverse(root, way, depth) for way in walks))


@own.get(
    "/nodes/{node_id:path}", response_model=Node, summary="One node's fields", responses=_ERRORS
)
def get_node(store: StoreDep, node_id: str) -> Any:
    """Every field of one node (a store id, a unique prefix, or a Marquez-style id)."""
    found = store.get(resolve_id(store, node_id))
    if found is None:  # deleted between the two calls
        raise NotFoundError(f"no node with id {node_id!r}")
    return found


def _page(items: Sequence[Any], limit: int, offset: int) -> list[Any]:
    return list(items[offset : offset + limit])


LimitQ = Annotated[int, Query(ge=1, le=10_000, description="At most this many.")]
OffsetQ = Annotated[int, Query(ge=0, description="Skip this many first.")]


@own.get(
    "/namespaces/{namespace}/datasets/{name:path}/versions",
    response_model=DatasetVersions,
    summary="A dataset's versions, newest first",
    responses=_ERRORS,
)
def get_dataset_versions(
    store: StoreDep, namespace: str, name: str, limit: LimitQ = 100, offset: OffsetQ = 0
) -> DatasetVersions:
    """The versions (artifacts) of an OpenLineage dataset, newest first.

    The dataset ``(namespace, name)`` is every artifact with uri ``dataset_uri(namespace,
    name)`` (so a native artifact logged from ``/data/x.csv`` is a version of dataset
    ``file`` / ``/data/x.csv``); in namespace ``provenance`` also the artifacts of that name
    that have no uri.
    """
    ns, nm = unquote(namespace), unquote(name)
    uri = dataset_uri(ns, nm)
    versions: list[Artifact] = list(store.find_artifacts(uri=uri))
    if ns == NATIVE_NAMESPACE:
        versions += [a for a in store.find_artifacts(name=nm) if a.uri is None]
    if not versions:
        raise NotFoundError(f"no dataset {ns}:{nm} (no artifact with uri {uri!r})")
    versions.sort(key=lambda a: _aware(a.created_at), reverse=True)
    return DatasetVersions(
        namespace=ns,
        name=nm,
        uri=uri,
        totalCount=len(versions),
        versions=_page(versions, limit, offset),
    )


@own.get(
    "/namespaces/{namespace}/jobs/{name:path}/runs",
    response_model=JobRuns,
    summary="A job's runs, newest first",
    responses=_ERRORS,
)
def get_job_runs(
    store: StoreDep, namespace: str, name: str, limit: LimitQ = 100, offset: OffsetQ = 0
) -> JobRuns:
    """The runs (transforms) of a job, newest first, with the dataset versions each read
    and wrote. Native transforms are the runs of job ``provenance`` / their operation."""
    ns, nm = unquote(namespace), unquote(name)
    found = [t for t in store.find_transforms(operation=nm) if _job_of(t) == (ns, nm)]
    if not found:
        raise NotFoundError(f"no job {ns}:{nm}")
    runs = [t for t in found if _meta(t).is_run]
    runs.sort(key=lambda t: (_aware(t.started_at or t.ended_at), t.id), reverse=True)
    page: list[Transform] = _page(runs, limit, offset)
    inputs: dict[str, list[str]] = {t.id: [] for t in page}
    outputs: dict[str, list[str]] = {t.id: [] for t in page}
    for e in store.transform_edges([t.id for t in page]):
        if e.type == "USED":
            inputs[e.source].append(e.target)
        elif e.type == "PRODUCED":
            outputs[e.source].append(e.target)
    return JobRuns(
        namespace=ns,
        name=nm,
        totalCount=len(runs),
        runs=[
            JobRun(
                id=t.id,
                runId=_meta(t).run_id,
                status=t.status,
                startedAt=t.started_at,
                endedAt=t.ended_at,
                inputs=inputs[t.id],
                outputs=outputs[t.id],
                data=t,
            )
            for t in page
        ],
    )


_FIELD = "datasetField:"


@own.get(
    "/column-lineage",
    response_model=ColumnLineage,
    summary="Where a column comes from",
    responses=_ERRORS,
)
def get_column_lineage(
    store: StoreDep,
    node_id: Annotated[
        str,
        Query(
            alias="nodeId",
            description="datasetField:NS:NAME:COLUMN, or a dataset's id with `column`.",
        ),
    ],
    column: Annotated[str | None, Query(description="The column (with a plain id).")] = None,
    depth: Annotated[int | None, Query(ge=0, description="Steps to walk (default: all).")] = None,
) -> ColumnLineage:
    """The source columns a dataset's column is derived from (transitively), through the
    ``columnLineage`` facets of the runs that produced each version
    (:func:`provenance.openlineage.columns.column_lineage`)."""
    target = node_id
    if node_id.startswith(_FIELD) and column is None:
        dataset, sep, column = node_id[len(_FIELD) :].rpartition(":")
        if not sep or not dataset or not column:
            raise BodyError(400, f"nodeId {node_id!r} is not datasetField:NS:NAME:COLUMN")
        target = f"dataset:{dataset}"
    elif node_id.startswith(_FIELD):
        target = f"dataset:{node_id[len(_FIELD) :]}"
    if not column:
        raise BodyError(400, "say which column: nodeId=datasetField:NS:NAME:COLUMN, or column=C")
    return column_lineage(store, target, column, depth=depth)


# --- the app -------------------------------------------------------------------------------
def _no_route(request: Request) -> Any:
    """The last ``/api/v1`` route: behind the key like every other, so a caller without it
    learns nothing of which routes exist (401); with it, 405 where another route has this
    path, else 404."""
    for route in request.app.router.routes:
        if getattr(route, "endpoint", None) is _no_route:
            continue
        if route.matches(request.scope)[0] is Match.PARTIAL:
            raise HTTPException(405, "Method Not Allowed")
    raise HTTPException(404, "Not Found")


def _health(request: Request) -> Any:
    store: LineageStore = request.app.state.store
    from provenance import __version__

    try:
        counts = store.counts()
    except ProvenanceError as exc:
        body = Health(
            status="unavailable", store=redact(store.uri), version=__version__, error=str(exc)
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    return Health(status="ok", store=redact(store.uri), version=__version__, counts=counts)


def create_app(
    store_uri: str | None = None,
    *,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
) -> FastAPI:
    """The lineage service over the store at ``store_uri`` (default: ``$PROVENANCE_STORE``,
    else ``./.provenance/``), opened when the app starts and closed when it stops.

    ``api_key``: every ``/api/v1`` request must then carry ``Authorization: Bearer <key>``.
    ``max_body_bytes``: the largest request body taken, compressed or not (413 above).

    Example:
        >>> import tempfile
        >>> from fastapi.testclient import TestClient
        >>> app = create_app(tempfile.mkdtemp() + "/", api_key="s3cret")
        >>> with TestClient(app) as client:
        ...     r = client.post("/api/v1/lineage", json={})
        ...     r.status_code, r.json()
        (401, {'error': 'missing or wrong bearer token (send Authorization: Bearer <key>)'})
        >>> with TestClient(app) as client:
        ...     r = client.post("/api/v1/lineage", json={"eventType": "START"},
        ...                     headers={"Authorization": "Bearer s3cret"})
        ...     r.status_code, r.json()["error"]
        (400, "invalid OpenLineage event: 'eventTime' is a required property")
    """
    from provenance import __version__

    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")
    uri = resolve_store_uri(store_uri)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = await run_in_threadpool(open_store, uri)
        try:
            yield
        finally:
            await run_in_threadpool(app.state.store.close)

    app = FastAPI(
        title="provenance lineage service",
        version=__version__,
        summary="OpenLineage events in (Marquez-compatible endpoint), the lineage graph out.",
        lifespan=lifespan,
    )
    app.state.api_key = api_key or None
    app.state.max_body = max_body_bytes
    app.state.write_lock = threading.Lock()
    app.state.store_uri = redact(uri)
    app.add_exception_handler(ProvenanceError, _on_provenance_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_middleware(_RawNamespacePaths)
    guard = [Depends(_require_key)] if api_key else []
    app.include_router(marquez_routes.unsupported_router, dependencies=guard)
    app.include_router(router, dependencies=guard)
    app.include_router(marquez_routes.router, dependencies=guard)
    app.include_router(own, dependencies=guard)
    app.add_api_route(
        API_PREFIX + "/{rest:path}",
        _no_route,
        methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        dependencies=guard,
        include_in_schema=False,
    )
    app.add_api_route(
        "/health",
        _health,
        methods=["GET"],
        response_model=Health,
        summary="Is the store reachable; what it holds",
        responses={503: {"model": Health, "description": "The store cannot be reached."}},
    )
    return app
