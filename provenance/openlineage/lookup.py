"""Finding OpenLineage datasets and jobs in a store, and Marquez-style addresses.

``dataset:NAMESPACE:NAME`` names the newest version of a dataset: the newest artifact whose
uri is :func:`~provenance.openlineage.naming.dataset_uri` of the pair (a native artifact
logged from that file is one of them). ``job:NAMESPACE:NAME`` names the newest run of a
job: OpenLineage runs record their job; a native transform is a run of job ``operation`` in
namespace ``provenance``. :func:`resolve_address` is what
:func:`provenance.reader.resolve_id` calls for these, so every command that takes an id
takes them too.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.model import Artifact
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users", uri=dataset_uri("s3://b", "users"))
    >>> s.write([a], [])
    >>> resolve_address(s, "dataset:s3://b:users") == a.id
    True
"""

from __future__ import annotations

from collections.abc import Collection

from provenance.errors import NotFoundError
from provenance.model import Artifact, Transform
from provenance.olmeta import openlineage_meta
from provenance.openlineage.naming import (
    NATIVE_NAMESPACE,
    NodeAddress,
    dataset_uri,
    dataset_version_id,
    job_definition_id,
    parse_node_id,
)
from provenance.store.base import LineageStore, NodeReads


def latest_dataset_version(
    store: NodeReads, namespace: str, name: str, *, exclude: Collection[str] = ()
) -> Artifact | None:
    """The newest artifact recorded for dataset ``(namespace, name)``, or None.

    Newest by ``created_at`` (an OpenLineage version's: the earliest eventTime of the
    events that named it); the unversioned stand-in (:func:`dataset_version_id` with version
    ``None``, written for a dataset read before any version of it was known) only when there
    is no other. Ids in ``exclude`` are passed over.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> latest_dataset_version(s, "file", "/nowhere.csv") is None
        True
    """
    stand_in = dataset_version_id(namespace, name, None)
    # The newest few suffice: the stand-in and the excluded ids (this run's own outputs) are
    # the only ones passed over, so a dataset with thousands of versions costs one index read.
    found = [
        a
        for a in store.find_artifacts(uri=dataset_uri(namespace, name), limit=len(exclude) + 2)
        if a.id not in exclude
    ]
    versioned = [a for a in found if a.id != stand_in]
    candidates = versioned or found
    return candidates[0] if candidates else None


def job_namespace(transform: Transform) -> tuple[str, str] | None:
    """``(namespace, name)`` of the job a run transform belongs to; None for job definitions.

    Example:
        >>> job_namespace(Transform(id="blake3:" + "1" * 64, operation="clean"))
        ('provenance', 'clean')
    """
    meta = openlineage_meta(transform)
    if meta is None or meta.kind is None:
        return NATIVE_NAMESPACE, transform.operation
    if meta.kind != "run" or meta.job_namespace is None:
        return None
    return meta.job_namespace, meta.job_name or transform.operation


def latest_job_run(store: LineageStore, namespace: str, name: str) -> Transform | None:
    """The newest run of job ``(namespace, name)`` (by ``started_at``), else the job's
    definition (from a JobEvent), else None.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> t = Transform(id="blake3:" + "1" * 64, operation="clean")
        >>> s.write([t], [])
        >>> latest_job_run(s, "provenance", "clean") == t, latest_job_run(s, "airflow", "clean")
        (True, None)
    """
    for t in store.find_transforms(operation=name):
        if job_namespace(t) == (namespace, name):
            return t
    definition = store.get(job_definition_id(namespace, name))
    return definition if isinstance(definition, Transform) else None


def _find(store: LineageStore, address: NodeAddress) -> str | None:
    if address.kind == "dataset":
        artifact = latest_dataset_version(store, address.namespace, address.name)
        return artifact.id if artifact else None
    run = latest_job_run(store, address.namespace, address.name)
    return run.id if run else None


def resolve_address(store: LineageStore, address: str) -> str:
    """The node id a Marquez-style address names (see the module docs).

    Namespaces may contain ``:`` (``postgres://db:5432``): every reading of the address is
    tried (:func:`~provenance.openlineage.naming.parse_node_id`), the likeliest first.
    Raises :class:`NotFoundError` naming the address when nothing matches.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> resolve_address(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), "job:airflow:etl")
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: no run of job 'etl' in namespace 'airflow' (address ...)
    """
    readings = parse_node_id(address.strip())
    if not readings:
        raise NotFoundError(
            f"{address!r} is not a node address: write dataset:NAMESPACE:NAME or job:NAMESPACE:NAME"
        )
    for reading in readings:
        found = _find(store, reading)
        if found is not None:
            return found
    first = readings[0]
    what = (
        f"no dataset {first.name!r} in namespace {first.namespace!r} "
        f"(uri {dataset_uri(first.namespace, first.name)})"
        if first.kind == "dataset"
        else f"no run of job {first.name!r} in namespace {first.namespace!r}"
    )
    raise NotFoundError(f"{what} (address {address!r})")
