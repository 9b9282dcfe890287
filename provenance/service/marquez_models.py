"""Marquez's JSON, as pydantic models: what ``/api/v1``'s Marquez routes answer (they
document ``/docs``). Field names, types and enums are Marquez's (its ``spec/openapi.yml`` and
its Java models: ``marquez.service.models``); a value Marquez leaves empty is ``null``, as
Marquez's server writes it. :mod:`provenance.service.marquez` fills them from the graph.

Example:
    >>> run = MarquezRun(id="0176a8c2-fe01-7439-87e6-56a1a1b4029f", state="COMPLETED")
    >>> d = run.model_dump(mode="json")
    >>> d["state"], d["endedAt"], d["args"]
    ('COMPLETED', None, {})
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer

__all__ = [
    "ColumnLineageInput",
    "ColumnNodeData",
    "DatasetField",
    "DatasetId",
    "DatasetVersionId",
    "IODatasetVersion",
    "JobVersionId",
    "LineageEvents",
    "MarquezDataset",
    "MarquezDatasetData",
    "MarquezDatasetVersion",
    "MarquezDatasetVersions",
    "MarquezDatasets",
    "MarquezEdge",
    "MarquezGraph",
    "MarquezJob",
    "MarquezJobData",
    "MarquezJobs",
    "MarquezNamespace",
    "MarquezNamespaces",
    "MarquezNode",
    "MarquezRun",
    "MarquezRuns",
    "RunState",
    "SearchResult",
    "SearchResults",
    "java_instant",
]

#: Marquez's run states (an OpenLineage START/RUNNING/OTHER event: RUNNING; COMPLETE:
#: COMPLETED; FAIL: FAILED; ABORT: ABORTED).
RunState = Literal["NEW", "RUNNING", "COMPLETED", "FAILED", "ABORTED"]


def java_instant(when: _dt.datetime) -> str:
    """A time as Java's ``Instant.toString`` writes it (how Marquez writes every time).

    Example:
        >>> java_instant(_dt.datetime(2026, 3, 1, 2, 0, 0, 120000, tzinfo=_dt.UTC))
        '2026-03-01T02:00:00.120Z'
        >>> java_instant(_dt.datetime(2026, 3, 1, tzinfo=_dt.UTC))
        '2026-03-01T00:00:00Z'
    """
    when = when.astimezone(_dt.UTC) if when.tzinfo is not None else when
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    micros = when.microsecond
    if micros:
        text += f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return text + "Z"


def _instant(when: _dt.datetime | None) -> str | None:
    return None if when is None else java_instant(when)


#: A time, written as Marquez writes it (``null`` when unknown).
Time = Annotated[
    _dt.datetime | None, PlainSerializer(_instant, return_type=str | None, when_used="json")
]


class DatasetId(BaseModel):
    """A dataset: ``{namespace, name}``."""

    namespace: str
    name: str


class JobId(BaseModel):
    """A job: ``{namespace, name}``."""

    namespace: str
    name: str


class DatasetVersionId(BaseModel):
    """One version of a dataset."""

    namespace: str
    name: str
    version: str = Field(description="The version's UUID (the first 128 bits of its id).")


class JobVersionId(BaseModel):
    """One version of a job."""

    namespace: str
    name: str
    version: str


class IODatasetVersion(BaseModel):
    """A dataset version a run read (``inputDatasetVersions``) or wrote."""

    datasetVersionId: DatasetVersionId
    facets: dict[str, Any] = Field(
        default_factory=dict, description="The run's inputFacets / outputFacets of it."
    )


class MarquezRun(BaseModel):
    """A run (Marquez's ``Run``), by its OpenLineage runId."""

    id: str
    createdAt: Time = None
    updatedAt: Time = None
    nominalStartTime: Time = None
    nominalEndTime: Time = None
    state: RunState
    startedAt: Time = None
    endedAt: Time = None
    durationMs: int | None = None
    args: dict[str, str] = Field(default_factory=dict)
    jobVersion: JobVersionId | None = None
    inputDatasetVersions: list[IODatasetVersion] = Field(default_factory=list)
    outputDatasetVersions: list[IODatasetVersion] = Field(default_factory=list)
    facets: dict[str, Any] = Field(default_factory=dict)


class MarquezRuns(BaseModel):
    """``GET /namespaces/{ns}/jobs/{job}/runs``: newest first."""

    runs: list[MarquezRun]
    totalCount: int


class DatasetField(BaseModel):
    """A field of a dataset (from its ``schema`` facet)."""

    name: str
    type: str | None = None
    tags: list[str] = Field(default_factory=list)
    description: str | None = None


class _DatasetCommon(BaseModel):
    type: Literal["DB_TABLE"] = "DB_TABLE"
    name: str
    physicalName: str
    createdAt: Time = None
    namespace: str
    sourceName: str
    fields: list[DatasetField] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    description: str | None = None


class MarquezDatasetData(_DatasetCommon):
    """A dataset node's ``data`` in ``GET /lineage`` (Marquez's ``DatasetData``)."""

    id: DatasetId
    updatedAt: Time = None
    lastModifiedAt: Time = None
    lastLifecycleState: str | None = None


class MarquezDataset(MarquezDatasetData):
    """A dataset (Marquez's ``Dataset``): its newest version's fields and facets."""

    currentVersion: str | None = None
    facets: dict[str, Any] = Field(default_factory=dict)
    deleted: bool = False


class MarquezDatasets(BaseModel):
    """``GET /namespaces/{ns}/datasets``: by name."""

    datasets: list[MarquezDataset]
    totalCount: int


class MarquezDatasetVersion(_DatasetCommon):
    """One version of a dataset (Marquez's ``DatasetVersion``)."""

    id: DatasetVersionId
    version: str
    lifecycleState: str | None = None
    currentSchemaVersion: str | None = None
    createdByRun: MarquezRun | None = None
    facets: dict[str, Any] = Field(default_factory=dict)


class MarquezDatasetVersions(BaseModel):
    """``GET /namespaces/{ns}/datasets/{name}/versions``: newest first."""

    versions: list[MarquezDatasetVersion]
    totalCount: int


class _JobCommon(BaseModel):
    id: JobId
    type: Literal["BATCH", "STREAM", "SERVICE"] = "BATCH"
    name: str
    simpleName: str
    parentJobName: str | None = None
    parentJobUuid: str | None = None
    createdAt: Time = None
    updatedAt: Time = None
    namespace: str
    inputs: list[DatasetId] = Field(default_factory=list)
    outputs: list[DatasetId] = Field(default_factory=list)
    location: str | None = None
    description: str | None = None
    latestRun: MarquezRun | None = None


class MarquezJobData(_JobCommon):
    """A job node's ``data`` in ``GET /lineage`` (Marquez's ``JobData``)."""

    currentRunUuid: str | None = None


class MarquezJob(_JobCommon):
    """A job (Marquez's ``Job``)."""

    latestRuns: list[MarquezRun] = Field(default_factory=list)
    facets: dict[str, Any] = Field(default_factory=dict)
    currentVersion: str | None = None
    labels: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class MarquezJobs(BaseModel):
    """``GET /namespaces/{ns}/jobs``: by name."""

    jobs: list[MarquezJob]
    totalCount: int


class MarquezNamespace(BaseModel):
    """A namespace: every job and dataset namespace the graph holds."""

    name: str
    createdAt: Time = None
    updatedAt: Time = None
    ownerName: str = "anonymous"
    description: str | None = None
    isHidden: bool = False


class MarquezNamespaces(BaseModel):
    """``GET /namespaces``: by name."""

    namespaces: list[MarquezNamespace]


class MarquezEdge(BaseModel):
    """An edge of a Marquez graph."""

    origin: str
    destination: str


class ColumnLineageInput(BaseModel):
    """One input field of a column (Marquez's ``InputFieldNodeData``)."""

    namespace: str
    dataset: str
    datasetVersion: str | None = None
    field: str
    transformationDescription: str | None = None
    transformationType: str | None = None


class ColumnNodeData(BaseModel):
    """A ``datasetField:`` node's ``data`` (Marquez's ``ColumnLineageNodeData``)."""

    namespace: str
    dataset: str
    datasetVersion: str | None = None
    field: str
    fieldType: str | None = None
    transformationDescription: str | None = None
    transformationType: str | None = None
    inputFields: list[ColumnLineageInput] = Field(default_factory=list)


class MarquezNode(BaseModel):
    """A node of ``GET /lineage`` or ``GET /column-lineage``."""

    id: str
    type: Literal["DATASET", "JOB", "DATASET_FIELD"]
    data: MarquezDatasetData | MarquezJobData | ColumnNodeData | None = None
    inEdges: list[MarquezEdge] = Field(default_factory=list)
    outEdges: list[MarquezEdge] = Field(default_factory=list)


class MarquezGraph(BaseModel):
    """``GET /lineage`` and ``GET /column-lineage``: nodes by id."""

    graph: list[MarquezNode]


class SearchResult(BaseModel):
    """One dataset or job ``GET /search`` found."""

    type: Literal["DATASET", "JOB"]
    name: str
    updatedAt: Time = None
    namespace: str
    nodeId: str


class SearchResults(BaseModel):
    """``GET /search``."""

    totalCount: int
    results: list[SearchResult]


class LineageEvents(BaseModel):
    """``GET /events/lineage``: the runs' events, rebuilt from the graph."""

    events: list[dict[str, Any]]
    totalCount: int
