"""Marquez's read API under ``/api/v1``: the routes Marquez's users and tools read
(``marquez-python``'s ``MarquezClient``, the Marquez web UI's reads), answered from the graph
by :class:`provenance.service.marquez.Catalog`; Marquez's write routes answer 501 with one
line (this service records lineage from OpenLineage events only: ``POST /api/v1/lineage``).

Names holding ``/`` (``s3://lake``, ``raw/orders``) are percent-encoded in the path, as
``MarquezClient`` sends them. The catalog is read from the store once per write: it is kept
until the store's log head changes.

Example:
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> from provenance.service import create_app
    >>> with TestClient(create_app(tempfile.mkdtemp() + "/")) as client:
    ...     client.get("/api/v1/namespaces").json(), client.put("/api/v1/tags/PII").status_code
    ({'namespaces': []}, 501)
"""

from __future__ import annotations

import datetime as _dt
import threading
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from provenance.errors import BodyError
from provenance.service.marquez import Catalog
from provenance.service.marquez_models import (
    LineageEvents,
    MarquezDataset,
    MarquezDatasets,
    MarquezDatasetVersion,
    MarquezDatasetVersions,
    MarquezGraph,
    MarquezJob,
    MarquezJobs,
    MarquezNamespace,
    MarquezNamespaces,
    MarquezRun,
    MarquezRuns,
    SearchResults,
)
from provenance.service.schemas import ErrorResponse
from provenance.store import LineageStore

__all__ = ["UNSUPPORTED", "catalog", "router", "unsupported_router"]

API_PREFIX = "/api/v1"
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Bad request (one line says why)."},
    404: {"model": ErrorResponse, "description": "No such namespace, dataset, job or run."},
}
router = APIRouter(prefix=API_PREFIX, tags=["Marquez"], responses=_ERRORS)
_lock = threading.Lock()


def catalog(request: Request) -> Catalog:
    """The app's catalog of its store, read again once the store's log head has moved.

    Example:
        >>> catalog.__name__
        'catalog'
    """
    store: LineageStore = request.app.state.store
    head = store.log_head()
    mark = head.digest if head is not None else None
    with _lock:
        cached = getattr(request.app.state, "marquez_catalog", None)
        if cached is not None and cached[0] == mark and cached[1].store is store:
            found: Catalog = cached[1]
            return found
        fresh = Catalog(store)
        request.app.state.marquez_catalog = (mark, fresh)
        return fresh


CatalogDep = Annotated[Catalog, Depends(catalog)]
Limit = Annotated[int, Query(ge=0, le=10_000, description="At most this many.")]
Offset = Annotated[int, Query(ge=0, description="Skip this many first.")]


def _page(items: list[Any], limit: int, offset: int) -> list[Any]:
    return items[offset : offset + limit]


@router.get("/namespaces", response_model=MarquezNamespaces, summary="List namespaces")
def list_namespaces(cat: CatalogDep, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Every namespace of a dataset or job, by name."""
    return MarquezNamespaces(namespaces=_page(cat.namespaces(), limit, offset))


@router.get("/namespaces/{namespace}", response_model=MarquezNamespace, summary="A namespace")
def get_namespace(cat: CatalogDep, namespace: str) -> Any:
    """One namespace."""
    return cat.namespace(unquote(namespace))


@router.get(
    "/namespaces/{namespace}/datasets", response_model=MarquezDatasets, summary="List datasets"
)
def list_datasets(cat: CatalogDep, namespace: str, limit: Limit = 100, offset: Offset = 0) -> Any:
    """The datasets of a namespace, by name."""
    keys = cat.dataset_keys(unquote(namespace))
    return MarquezDatasets(
        datasets=[cat.dataset(*k) for k in _page(keys, limit, offset)], totalCount=len(keys)
    )


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/versions/{version}",
    response_model=MarquezDatasetVersion,
    summary="A version of a dataset",
)
def get_dataset_version(cat: CatalogDep, namespace: str, dataset: str, version: str) -> Any:
    """One version of a dataset, by its UUID."""
    found = cat.version_by_uuid(unquote(namespace), unquote(dataset), unquote(version))
    return cat.dataset_version(found)


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/versions",
    response_model=MarquezDatasetVersions,
    summary="List a dataset's versions, newest first",
)
def list_dataset_versions(
    cat: CatalogDep, namespace: str, dataset: str, limit: Limit = 100, offset: Offset = 0
) -> Any:
    """A dataset's versions, newest first."""
    versions = cat.versions(unquote(namespace), unquote(dataset))
    return MarquezDatasetVersions(
        versions=[cat.dataset_version(a) for a in _page(versions, limit, offset)],
        totalCount=len(versions),
    )


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}",
    response_model=MarquezDataset,
    summary="A dataset",
)
def get_dataset(cat: CatalogDep, namespace: str, dataset: str) -> Any:
    """A dataset, with its current version's fields and facets."""
    return cat.dataset(unquote(namespace), unquote(dataset))


@router.get("/namespaces/{namespace}/jobs", response_model=MarquezJobs, summary="List jobs")
def list_jobs(cat: CatalogDep, namespace: str, limit: Limit = 100, offset: Offset = 0) -> Any:
    """The jobs of a namespace, by name."""
    keys = cat.job_keys(unquote(namespace))
    return MarquezJobs(jobs=[cat.job(*k) for k in _page(keys, limit, offset)], totalCount=len(keys))


@router.get(
    "/namespaces/{namespace}/jobs/{job:path}/runs",
    response_model=MarquezRuns,
    summary="List a job's runs, newest first",
)
def list_runs(
    cat: CatalogDep, namespace: str, job: str, limit: Limit = 100, offset: Offset = 0
) -> Any:
    """A job's runs, newest first (by their first event)."""
    runs = cat.job_runs(unquote(namespace), unquote(job))
    return MarquezRuns(runs=[cat.run(r) for r in _page(runs, limit, offset)], totalCount=len(runs))


@router.get("/namespaces/{namespace}/jobs/{job:path}", response_model=MarquezJob, summary="A job")
def get_job(cat: CatalogDep, namespace: str, job: str) -> Any:
    """A job, with its latest runs."""
    return cat.job(unquote(namespace), unquote(job))


@router.get("/jobs/runs/{run_id}", response_model=MarquezRun, summary="A run, by its runId")
def get_run(cat: CatalogDep, run_id: str) -> Any:
    """One run, by its OpenLineage runId."""
    return cat.run(cat.run_by_id(run_id))


NodeIdQ = Annotated[
    str,
    Query(
        alias="nodeId",
        description="dataset:NAMESPACE:NAME or job:NAMESPACE:NAME (datasetField:…:FIELD for "
        "column lineage).",
    ),
]
DepthQ = Annotated[int, Query(ge=0, le=1000, description="How far to walk.")]


@router.get("/lineage", response_model=MarquezGraph, summary="The lineage graph of a node")
def get_lineage(cat: CatalogDep, node_id: NodeIdQ, depth: DepthQ = 20) -> Any:
    """The jobs connected to the node through shared datasets, to ``depth`` jobs away, with
    every input and output of each; one node per dataset and per job."""
    return cat.lineage(node_id, depth)


@router.get(
    "/column-lineage", response_model=MarquezGraph, summary="The column lineage graph of a node"
)
def get_column_lineage(
    cat: CatalogDep,
    node_id: NodeIdQ,
    depth: DepthQ = 20,
    with_downstream: Annotated[
        bool, Query(alias="withDownstream", description="Also the fields computed from it.")
    ] = False,
) -> Any:
    """``datasetField:`` nodes: the asked field(s) and the fields they are computed from."""
    return cat.column_lineage(node_id, depth, with_downstream)


def _date(text: str | None, what: str) -> _dt.date | None:
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise BodyError(400, f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None


@router.get("/search", response_model=SearchResults, summary="Search datasets and jobs")
def search(
    cat: CatalogDep,
    q: Annotated[str, Query(min_length=1, description="Pattern: % any, _ one character.")],
    filter: Annotated[str | None, Query(description="DATASET or JOB.")] = None,
    sort: Annotated[str, Query(description="NAME or UPDATE_AT (newest first).")] = "NAME",
    limit: Limit = 10,
    namespace: str | None = None,
    before: Annotated[str | None, Query(description="Updated before YYYY-MM-DD.")] = None,
    after: Annotated[str | None, Query(description="Updated after YYYY-MM-DD.")] = None,
) -> Any:
    """Datasets and jobs whose name holds ``q``, case-insensitively."""
    kind = filter.upper() if filter else None
    if kind not in (None, "DATASET", "JOB"):
        raise BodyError(400, f"filter: {filter!r} is not DATASET or JOB")
    order = sort.upper()
    if order not in ("NAME", "UPDATE_AT", "UPDATED_AT"):
        raise BodyError(400, f"sort: {sort!r} is not NAME or UPDATE_AT")
    until, since = _date(before, "before"), _date(after, "after")
    found = [
        r
        for r in cat.search(q)
        if (kind is None or r.type == kind)
        and (namespace is None or r.namespace == namespace)
        and (until is None or (r.updatedAt is not None and r.updatedAt.date() < until))
        and (since is None or (r.updatedAt is not None and r.updatedAt.date() > since))
    ]
    if order != "NAME":
        found.sort(key=lambda r: r.updatedAt or _dt.datetime.min.replace(tzinfo=_dt.UTC),
                   reverse=True)  # fmt: skip
    found = found[:limit]
    return SearchResults(totalCount=len(found), results=found)


def _instant(text: str | None, what: str) -> _dt.datetime | None:
    if text is None:
        return None
    try:
        when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BodyError(400, f"{what}: {text!r} is not an ISO 8601 date-time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


@router.get("/events/lineage", response_model=LineageEvents, summary="The runs' events")
def list_events(
    cat: CatalogDep,
    sort_direction: Annotated[Literal["asc", "desc"], Query(alias="sortDirection")] = "desc",
    before: str | None = None,
    after: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """The runs' RunEvents, rebuilt from the graph (see the README), by eventTime."""
    until, since = _instant(before, "before"), _instant(after, "after")
    events = [
        e
        for e in cat.events()
        if (until is None or _instant(e["eventTime"], "eventTime") < until)  # type: ignore[operator]
        and (since is None or _instant(e["eventTime"], "eventTime") > since)  # type: ignore[operator]
    ]
    if sort_direction == "desc":
        events.reverse()
    return LineageEvents(events=_page(events, limit, offset), totalCount=len(events))


# --- Marquez's writes: not here -------------------------------------------------------------
#: Marquez routes this service does not serve: ``(method, path, what)``; each answers 501.
UNSUPPORTED: tuple[tuple[str, str, str], ...] = (
    ("PUT", "/namespaces/{namespace}", "creating a namespace"),
    ("DELETE", "/namespaces/{namespace}", "deleting a namespace"),
    ("PUT", "/namespaces/{namespace}/datasets/{dataset:path}", "creating a dataset"),
    ("DELETE", "/namespaces/{namespace}/datasets/{dataset:path}", "deleting a dataset"),
    ("POST", "/namespaces/{namespace}/datasets/{dataset:path}/tags/{tag}", "tagging a dataset"),
    (
        "POST",
        "/namespaces/{namespace}/datasets/{dataset:path}/fields/{field}/tags/{tag}",
        "tagging a field",
    ),
    ("PUT", "/namespaces/{namespace}/jobs/{job:path}", "creating a job"),
    ("DELETE", "/namespaces/{namespace}/jobs/{job:path}", "deleting a job"),
    ("POST", "/namespaces/{namespace}/jobs/{job:path}/runs", "creating a run"),
    ("GET", "/namespaces/{namespace}/jobs/{job:path}/versions", "job versions"),
    ("GET", "/namespaces/{namespace}/jobs/{job:path}/versions/{version}", "job versions"),
    ("POST", "/jobs/runs/{run_id}/{transition}", "marking a run started/completed/failed"),
    ("GET", "/jobs/runs/{run_id}/facets", "run facets by type"),
    ("PUT", "/sources/{source}", "creating a source"),
    ("GET", "/sources/{source}", "sources"),
    ("GET", "/sources", "sources"),
    ("PUT", "/tags/{tag}", "creating a tag"),
    ("GET", "/tags", "tags"),
    ("GET", "/runlineage/upstream", "run-level upstream lineage"),
)


def _unsupported(what: str) -> Any:
    def answer(request: Request) -> Any:
        raise HTTPException(
            501,
            f"{request.method} {request.url.path} is not supported here (Marquez's {what}); "
            "lineage is recorded from OpenLineage events: POST /api/v1/lineage",
        )

    return answer


_NOT_IMPLEMENTED: dict[int | str, dict[str, Any]] = {
    501: {"model": ErrorResponse, "description": "Not supported here."}
}
#: The 501 routes, included before :data:`router` (their longer paths first).
unsupported_router = APIRouter(prefix=API_PREFIX, tags=["Marquez (not supported)"])
for _method, _path, _what in UNSUPPORTED:
    unsupported_router.add_api_route(
        _path,
        _unsupported(_what),
        methods=[_method],
        summary=f"Marquez's {_what}: not supported (501)",
        responses=_NOT_IMPLEMENTED,
        include_in_schema=True,
    )
