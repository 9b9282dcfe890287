"""OpenLineage names in this graph: dataset URIs, node ids, Marquez-style addresses.

An OpenLineage dataset is named by ``(namespace, name)``; here every *version* of it is an
Artifact whose ``uri`` is :func:`dataset_uri` of that pair, so a native artifact logged from a
path and an OpenLineage dataset naming the same file share one uri (and meet at one node). Runs
and dataset versions get deterministic ids, so re-posting an event changes nothing.

Example:
    >>> dataset_uri("s3://bucket", "raw/users.csv")
    's3://bucket/raw/users.csv'
    >>> dataset_uri("bigquery", "proj.ds.users")
    'bigquery:proj.ds.users'
    >>> run_transform_id("0176a8c2-fe01-7439-87e6-56a1a1b4029f").startswith("blake3:")
    True
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from provenance.hashing.core import digest_json
from provenance.locations import path_to_uri

#: The job namespace of transforms recorded by this library's own tracker.
NATIVE_NAMESPACE = "provenance"

NodeKind = Literal["dataset", "job"]


class NodeAddress(NamedTuple):
    """One reading of a Marquez-style node id: ``dataset:NAMESPACE:NAME`` or ``job:…``."""

    kind: NodeKind
    namespace: str
    name: str


def dataset_uri(namespace: str, name: str) -> str:
    """The uri an OpenLineage dataset's versions record (OpenLineage naming conventions).

    ``file`` namespaces with an absolute path become the same ``file://`` URI a native artifact
    records for that path; ``scheme://authority`` namespaces are joined to the name with one
    ``/``; other namespaces (``bigquery``, ``kafka://…`` without path) as ``namespace:name``.

    Example:
        >>> dataset_uri("file", "/data/users.csv")
        'file:///data/users.csv'
        >>> dataset_uri("postgres://db:5432", "shop.public.orders")
        'postgres://db:5432/shop.public.orders'
    """
    ns = namespace.rstrip("/")
    if ns in ("file", "file:", "file://", "file://localhost") and name.startswith("/"):
        return path_to_uri(name)
    if "://" in ns:
        return f"{ns}/{name.lstrip('/')}"
    return f"{ns}:{name}"


def run_transform_id(run_id: str) -> str:
    """The Transform id of an OpenLineage run: every event of one ``runId`` merges into it.

    Example:
        >>> run_transform_id("r1") == run_transform_id("r1") != run_transform_id("r2")
        True
    """
    return digest_json({"runId": run_id}, domain="openlineage-run")


def job_definition_id(namespace: str, name: str) -> str:
    """The Transform id holding a job's definition (from a JobEvent, which has no run).

    Example:
        >>> job_definition_id("airflow", "etl.load").startswith("blake3:")
        True
    """
    return digest_json({"namespace": namespace, "name": name}, domain="openlineage-job")


def dataset_version_id(namespace: str, name: str, version: str | None) -> str:
    """The Artifact id of one version of an OpenLineage dataset.

    ``version`` is the dataset's own version facet, or the runId of the run that produced it;
    ``None`` names the version of a dataset no recorded run produced (a raw source).

    Example:
        >>> a = dataset_version_id("file", "/d/x.csv", "run-1")
        >>> a != dataset_version_id("file", "/d/x.csv", "run-2")
        True
    """
    return digest_json(
        {"namespace": namespace, "name": name, "version": version}, domain="openlineage-dataset"
    )


def parse_node_id(text: str) -> list[NodeAddress]:
    """Every reading of a Marquez-style node id, most likely first.

    Namespaces may themselves contain ``:`` (``postgres://db:5432``), so each ``:`` after the
    kind is a possible split; the caller keeps the reading that names something. Not an
    address at all: ``[]``.

    Example:
        >>> parse_node_id("dataset:file:/d/x.csv")[0]
        NodeAddress(kind='dataset', namespace='file', name='/d/x.csv')
        >>> [a.namespace for a in parse_node_id("job:postgres://db:5432:etl")]
        ['postgres://db:5432', 'postgres://db', 'postgres']
        >>> parse_node_id("blake3:abcd")
        []
    """
    kind, sep, rest = text.partition(":")
    if not sep or kind not in ("dataset", "job") or ":" not in rest:
        return []
    cuts = [i for i, c in enumerate(rest) if c == ":"]
    readings = [NodeAddress(kind, rest[:i], rest[i + 1 :]) for i in cuts]  # type: ignore[arg-type]
    readings = [r for r in readings if r.namespace and r.name]
    # A namespace that looks like a URI authority ("scheme://host:port") is the likeliest
    # reading, the longest such first; then the shortest namespace (`file`, `airflow`, …).
    return sorted(
        readings,
        key=lambda r: (0, -len(r.namespace)) if _uri_like(r.namespace) else (1, len(r.namespace)),
    )


def _uri_like(namespace: str) -> bool:
    _, sep, authority = namespace.partition("://")
    return bool(sep) and bool(authority) and "/" not in authority and not authority.endswith(":")
