"""Column lineage: which source columns feed a column, transitively across runs.

OpenLineage producers (Spark, dbt, Airflow's SQL operators) describe each output dataset's
columns with a ``columnLineage`` facet: for every output field, the input fields
(namespace, name, field) it was computed from, with the transformations applied
(``DIRECT``/``INDIRECT``, ``IDENTITY``/``TRANSFORMATION``/``AGGREGATION``/…); and, under
``dataset``, the input fields that affect the whole dataset (join keys, filters, grouping).
Ingest keeps the facet on the output's version (an Artifact). :func:`column_lineage` starts
at one column of one version and, level by level, resolves each input field to the version
of its dataset that the producing run USED (else the newest version stored), then asks the
same of that column there: each (version, column) once, so cycles end.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.openlineage.ingest import ingest_events
    >>> def event(run, job, inputs, output, lineage):
    ...     facet = {"_producer": "https://x.io/p", "_schemaURL": "https://x.io/s",
    ...              "fields": {col: {"inputFields": [
    ...                  {"namespace": "s3://lake", "name": src, "field": f}
    ...                  for src, f in feeds]} for col, feeds in lineage.items()}}
    ...     return {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z",
    ...             "producer": "https://x.io/p", "schemaURL": "https://x.io/s#/RunEvent",
    ...             "run": {"runId": run}, "job": {"namespace": "spark", "name": job},
    ...             "inputs": [{"namespace": "s3://lake", "name": n} for n in inputs],
    ...             "outputs": [{"namespace": "s3://lake", "name": output,
    ...                          "facets": {"columnLineage": facet}}]}
    >>> store = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> _ = ingest_events(store, [
    ...     event("0176a8c2-fe01-7439-87e6-56a1a1b40291", "enrich", ["raw"], "clean",
    ...           {"total": [("raw", "amount"), ("raw", "tax")]}),
    ...     event("0176a8c2-fe01-7439-87e6-56a1a1b40292", "report", ["clean"], "daily",
    ...           {"revenue": [("clean", "total")]})])
    >>> found = column_lineage(store, "dataset:s3://lake:daily", "revenue")
    >>> [(s.depth, s.name, s.field) for s in found.sources]
    [(1, 'clean', 'total'), (2, 'raw', 'amount'), (2, 'raw', 'tax')]
    >>> [s.field for s in found.origins()]
    ['amount', 'tax']
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from provenance.errors import AnalysisError, NotFoundError
from provenance.model import Artifact
from provenance.olmeta import openlineage_meta
from provenance.openlineage.lookup import latest_dataset_version
from provenance.openlineage.naming import dataset_uri
from provenance.reader import resolve_id
from provenance.store.base import PRODUCED, USED, Direction, LineageStore
from provenance.wording import with_article

__all__ = ["ColumnLineage", "ColumnRef", "ColumnSource", "column_lineage"]


class ColumnRef(BaseModel):
    """One column of one dataset version."""

    model_config = ConfigDict(frozen=True)

    #: The artifact id of the dataset version (None when no version of it is stored).
    dataset_id: str | None
    namespace: str | None
    name: str
    field: str


class ColumnSource(BaseModel):
    """One input column feeding a column (one step of the chain)."""

    model_config = ConfigDict(frozen=True)

    #: 1: feeds the asked column directly; n: feeds a depth n-1 column.
    depth: int
    #: The input dataset version the producing run USED (else the newest stored; None if none).
    dataset_id: str | None
    namespace: str
    name: str
    field: str
    #: The facet's transformations of this input field: ``{"type", "subtype",
    #: "description", "masking"}`` dicts as the producer wrote them.
    transformations: list[dict[str, Any]] = Field(default_factory=list)
    #: The output field's (deprecated) ``transformationDescription`` / ``transformationType``.
    description: str | None = None
    transformation_type: str | None = None
    #: True for an input field of the facet's ``dataset`` list: it affects the whole output
    #: dataset (join keys, filters, grouping), not this column alone.
    dataset_wide: bool = False
    #: The run (Transform id) that produced the fed column's dataset version.
    run_id: str | None = None
    #: The column this one feeds.
    feeds: ColumnRef


class ColumnLineage(BaseModel):
    """The answer of :func:`column_lineage`: every input column upstream of ``root``."""

    root: ColumnRef
    sources: list[ColumnSource] = Field(default_factory=list)
    #: True when ``depth`` stopped the walk before columns that have lineage of their own.
    truncated: bool = False

    def origins(self) -> list[ColumnSource]:
        """The sources nothing further feeds (no lineage recorded upstream of them).

        Example:
            >>> ColumnLineage(root=ColumnRef(dataset_id=None, namespace=None, name="x",
            ...                              field="c")).origins()
            []
        """
        fed = {(s.feeds.dataset_id, s.feeds.field) for s in self.sources}
        return [s for s in self.sources if (s.dataset_id, s.field) not in fed]


def _facet(artifact: Artifact) -> dict[str, Any]:
    meta = openlineage_meta(artifact)
    facet = None if meta is None else meta.facets.get("columnLineage")
    return facet if isinstance(facet, dict) else {}


def _entries(artifact: Artifact, column: str) -> list[tuple[dict[str, Any], dict[str, Any], bool]]:
    """``(input field, output field entry, dataset-wide)`` of a column's lineage."""
    facet = _facet(artifact)
    fields = facet.get("fields")
    entry = fields.get(column) if isinstance(fields, dict) else None
    out: list[tuple[dict[str, Any], dict[str, Any], bool]] = []
    if isinstance(entry, dict) and isinstance(entry.get("inputFields"), list):
        out += [(f, entry, False) for f in entry["inputFields"] if _is_field(f)]
    wide = facet.get("dataset")
    if out and isinstance(wide, list):
        out += [(f, {}, True) for f in wide if _is_field(f)]
    return out


def _is_field(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(k), str) for k in ("namespace", "name", "field")
    )


def _columns(artifact: Artifact) -> list[str] | None:
    meta = openlineage_meta(artifact)
    schema = None if meta is None else meta.facets.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list):
        return None
    return [f["name"] for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]


def _ref(artifact: Artifact, column: str) -> ColumnRef:
    meta = openlineage_meta(artifact)
    return ColumnRef(
        dataset_id=artifact.id,
        namespace=None if meta is None else meta.namespace,
        name=(meta.name if meta is not None else None) or artifact.name,
        field=column,
    )


class _Producers:
    """Per dataset version: the runs that produced it and the versions they USED, by uri."""

    def __init__(self, store: LineageStore) -> None:
        self.store = store
        self._cache: dict[str, tuple[list[str], dict[str, tuple[str, str]]]] = {}

    def of(self, artifact_id: str) -> tuple[list[str], dict[str, tuple[str, str]]]:
        if artifact_id not in self._cache:
            graph = self.store.traverse(artifact_id, Direction.UP, depth=1)
            runs = sorted(
                e.source for e in graph.edges if e.type == PRODUCED and e.target == artifact_id
            )
            uris = {n.id: n.uri for n in graph.artifacts if n.uri}
            used: dict[str, tuple[str, str]] = {}
            for e in graph.edges:
                if e.type == USED and e.source in runs and e.target in uris:
                    used.setdefault(uris[e.target], (e.target, e.source))
            self._cache[artifact_id] = (runs, used)
        return self._cache[artifact_id]


def column_lineage(
    store: LineageStore, node_id: str, column: str, depth: int | None = None
) -> ColumnLineage:
    """Which source columns feed ``column`` of a dataset version, transitively.

    ``node_id`` is any id :func:`~provenance.reader.resolve_id` takes: an artifact id or
    prefix, or ``dataset:NAMESPACE:NAME`` (the newest version). ``depth`` counts steps (1:
    the direct inputs only; None: all). Sources come by depth, in the facet's order; each
    (version, column) is expanded once. Raises
    :class:`~provenance.errors.NotFoundError` for a column the dataset's schema facet does
    not list, :class:`~provenance.errors.AnalysisError` for a node that is not a dataset.

    Example: see the module docs.
    """
    root_id = resolve_id(store, node_id)
    root = store.get(root_id)
    if not isinstance(root, Artifact):
        kind = with_article(root.node_type) if root is not None else "nothing"
        raise AnalysisError(f"column lineage starts from a dataset version; {node_id} is {kind}")
    known = _columns(root)
    if not _entries(root, column) and known is not None and column not in known:
        raise NotFoundError(
            f"dataset {root.name!r} has no column {column!r} (its schema lists: "
            f"{', '.join(known) or 'none'})"
        )
    producers = _Producers(store)
    answer = ColumnLineage(root=_ref(root, column))
    artifacts: dict[str, Artifact] = {root.id: root}
    frontier: list[tuple[str, str]] = [(root.id, column)]
    seen = set(frontier)
    level = 1
    while frontier and (depth is None or level <= depth):
        upcoming: list[tuple[str, str]] = []
        for artifact_id, field in frontier:
            artifact = artifacts[artifact_id]
            entries = _entries(artifact, field)
            if not entries:
                continue
            runs, used = producers.of(artifact_id)
            feeds = _ref(artifact, field)
            for source, entry, wide in entries:
                uri = dataset_uri(source["namespace"], source["name"])
                source_id, run_id = used.get(uri) or (None, runs[0] if runs else None)
                if source_id is None:
                    latest = latest_dataset_version(store, source["namespace"], source["name"])
                    source_id = latest.id if latest else None
                transformations = source.get("transformations")
                description = entry.get("transformationDescription")
                step_type = entry.get("transformationType")
                answer.sources.append(
                    ColumnSource(
                        depth=level,
                        dataset_id=source_id,
                        namespace=source["namespace"],
                        name=source["name"],
                        field=source["field"],
                        transformations=[t for t in transformations or [] if isinstance(t, dict)]
                        if isinstance(transformations, list)
                        else [],
                        description=description if isinstance(description, str) else None,
                        transformation_type=step_type if isinstance(step_type, str) else None,
                        dataset_wide=wide,
                        run_id=run_id,
                        feeds=feeds,
                    )
                )
                if source_id is not None and (source_id, source["field"]) not in seen:
                    seen.add((source_id, source["field"]))
                    upcoming.append((source_id, source["field"]))
        fetched = store.get_many([i for i, _ in upcoming if i not in artifacts])
        artifacts.update({a.id: a for a in fetched if isinstance(a, Artifact)})
        frontier = [(i, f) for i, f in upcoming if i in artifacts]
        level += 1
    answer.truncated = any(_entries(artifacts[i], f) for i, f in frontier)
    return answer
