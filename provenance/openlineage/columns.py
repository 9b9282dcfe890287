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
    >>> [(u.field, u.depth, u.dependency) for u in found.upstream]
    [('total', 1, 'DIRECT'), ('amount', 2, 'DIRECT'), ('tax', 2, 'DIRECT')]

``sources`` holds every step the walk read (an input column and the column it feeds: one
entry per step, so a column reached by several paths appears once per column it feeds);
``upstream`` holds each source column once, with its verdict for the asked column:

* A *step* is DIRECT when the input field is listed under the output field's
  ``inputFields`` and either has no ``transformations`` or at least one of type ``DIRECT``;
  it is INDIRECT when every transformation it lists is of another type (``INDIRECT``), or
  when the input field comes from the facet's dataset-wide ``dataset`` list.
* A source column is **DIRECT** for the asked column when at least one path of steps from it
  to the asked column is DIRECT at every step (its values flow into the asked column);
  otherwise **INDIRECT** (every path has at least one INDIRECT step, wherever on the path:
  it only filters, joins, groups or orders something that does). With ``depth``, only the
  steps the walk read count (out of columns fewer than ``depth`` steps from the asked one).
* ``depth`` of a source column is the fewest steps on any path to the asked column.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from provenance.errors import AnalysisError, NotFoundError
from provenance.model import Artifact
from provenance.olmeta import openlineage_meta
from provenance.openlineage.lookup import latest_dataset_version
from provenance.openlineage.naming import dataset_uri
from provenance.reader import resolve_id
from provenance.store.base import PRODUCED, USED, Direction, LineageStore
from provenance.wording import with_article

__all__ = [
    "ColumnLineage",
    "ColumnRef",
    "ColumnSource",
    "UpstreamColumn",
    "column_lineage",
    "direct_step",
]


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


def direct_step(source: ColumnSource) -> bool:
    """Whether one step is DIRECT: a per-column input (not from the facet's ``dataset``
    list) with no transformations, or with at least one of type ``DIRECT``.

    Example:
        >>> feeds = ColumnRef(dataset_id=None, namespace="s3://b", name="out", field="c")
        >>> step = ColumnSource(depth=1, dataset_id=None, namespace="s3://b", name="in",
        ...                     field="f", feeds=feeds,
        ...                     transformations=[{"type": "INDIRECT", "subtype": "FILTER"}])
        >>> direct_step(step), direct_step(step.model_copy(update={"transformations": []}))
        (False, True)
    """
    if source.dataset_wide:
        return False
    types = [t.get("type") for t in source.transformations if isinstance(t.get("type"), str)]
    return not types or "DIRECT" in types


class UpstreamColumn(BaseModel):
    """One source column of the asked column, once, with its verdict over every path."""

    model_config = ConfigDict(frozen=True)

    #: The dataset version of the column (None when no version of it is stored).
    dataset_id: str | None
    namespace: str
    name: str
    field: str
    #: The fewest steps on any path from this column to the asked one.
    depth: int
    #: DIRECT: some path to the asked column is DIRECT at every step; else INDIRECT.
    dependency: Literal["DIRECT", "INDIRECT"]
    #: The columns this one feeds one step downstream (in the order the walk met them).
    via: list[ColumnRef] = Field(default_factory=list)


class ColumnLineage(BaseModel):
    """The answer of :func:`column_lineage`: every input column upstream of ``root``."""

    root: ColumnRef
    #: Every step read: an input column and the column it feeds (see the module docs).
    sources: list[ColumnSource] = Field(default_factory=list)
    #: Each source column once, by depth, with its DIRECT / INDIRECT verdict.
    upstream: list[UpstreamColumn] = Field(default_factory=list)
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
    (version, column) is expanded once. ``sources`` are the steps read; ``upstream`` each
    source column once, DIRECT when some path from it is DIRECT at every step, else INDIRECT
    (the module docs define both). Raises :class:`~provenance.errors.NotFoundError` for a
    column that the dataset's schema facet lists and its column lineage names neither (with
    no schema facet, an unknown column just has no lineage),
    :class:`~provenance.errors.AnalysisError` for a node that is not a dataset.

    Example: see the module docs.
    """
    root_id = resolve_id(store, node_id)
    root = store.get(root_id)
    if not isinstance(root, Artifact):
        kind = with_article(root.node_type) if root is not None else "nothing"
        raise AnalysisError(f"column lineage starts from a dataset version; {node_id} is {kind}")
    _check_column(root, column)
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
    answer.upstream = _upstream(answer.root, answer.sources)
    return answer


#: How many column names an unknown-column error lists before saying how many more there are.
_NAMES_SHOWN = 20


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return f"{shown}, and {more} more" if more > 0 else shown


def _check_column(artifact: Artifact, column: str) -> None:
    """Raise NotFoundError for a column that neither the schema facet nor the column lineage
    names (only when there is a schema facet: without one, no column is known to be absent)."""
    schema = _columns(artifact)
    fields = _facet(artifact).get("fields")
    lineage = [f for f in fields if isinstance(f, str)] if isinstance(fields, dict) else []
    if schema is None or column in schema or column in lineage:
        return
    listed = f"{len(schema)}: {_names(schema)}" if schema else "none"
    extra = [f for f in lineage if f not in set(schema)]
    named = f"{len(extra)} more: {_names(extra)}" if extra else "no others"
    raise NotFoundError(
        f"dataset {artifact.name!r} has no column {column!r} (its schema facet lists "
        f"{listed}; its column lineage names {named})"
    )


_Key = tuple[str | None, str | None, str | None, str]


def _key(dataset_id: str | None, namespace: str | None, name: str | None, field: str) -> _Key:
    """A column's identity: its version and field, or (no version stored) its dataset's name."""
    return (dataset_id, None, None, field) if dataset_id else (None, namespace, name, field)


def _upstream(root: ColumnRef, sources: list[ColumnSource]) -> list[UpstreamColumn]:
    """Each source column once, in the order first met (so by depth: the walk goes level by
    level), with its fewest steps and its DIRECT / INDIRECT verdict over every path."""
    steps: dict[_Key, list[tuple[_Key, bool]]] = {}
    first: dict[_Key, ColumnSource] = {}
    via: dict[_Key, list[ColumnRef]] = {}
    for s in sources:
        fed = _key(s.feeds.dataset_id, s.feeds.namespace, s.feeds.name, s.feeds.field)
        own = _key(s.dataset_id, s.namespace, s.name, s.field)
        steps.setdefault(fed, []).append((own, direct_step(s)))
        first.setdefault(own, s)
        if s.feeds not in via.setdefault(own, []):
            via[own].append(s.feeds)
    start = _key(root.dataset_id, root.namespace, root.name, root.field)
    direct = {start}
    todo = [start]
    while todo:
        for own, is_direct in steps.get(todo.pop(), []):
            if is_direct and own not in direct:
                direct.add(own)
                todo.append(own)
    return [
        UpstreamColumn(
            dataset_id=s.dataset_id,
            namespace=s.namespace,
            name=s.name,
            field=s.field,
            depth=s.depth,
            dependency="DIRECT" if key in direct else "INDIRECT",
            via=via[key],
        )
        for key, s in first.items()
        if key != start
    ]
