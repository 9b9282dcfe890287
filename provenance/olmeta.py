"""The typed view of what OpenLineage ingest keeps in a node's ``metadata["openlineage"]``
(``olmeta``: OpenLineage metadata; a module of its own, outside :mod:`provenance.openlineage`).

Ingest (:mod:`provenance.openlineage.mapping`) stores, on a run's transform,
``{"kind": "run", "runId", "job": {"namespace", "name"}, "events": [...], "facets": {...}}``,
on a job definition's ``{"kind": "job", "job": ..., "facets": ...}``, and on a dataset
version's artifact ``{"namespace", "name", "facets", ...}``. Every reader goes through
:func:`openlineage_meta`, which checks each field's type once, so a record that holds
something else (written by hand, or by an older provenance) reads as the field missing. The
stored shape is unchanged; this module only reads it.

It lives beside :mod:`provenance.model`, below both :mod:`provenance.store` (whose merge
rules fold OpenLineage runs) and :mod:`provenance.openlineage`, so either can use it.

Example:
    >>> from provenance.model import Transform
    >>> t = Transform(id="blake3:" + "1" * 64, operation="etl", metadata={"openlineage": {
    ...     "kind": "run", "runId": "r-1", "job": {"namespace": "airflow", "name": "etl"}}})
    >>> meta = openlineage_meta(t)
    >>> meta.kind, meta.run_id, meta.job
    ('run', 'r-1', ('airflow', 'etl'))
    >>> openlineage_meta(Transform(id="blake3:" + "2" * 64, operation="clean")) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from provenance.model import Artifact, Transform

__all__ = ["OpenLineageMeta", "openlineage_meta"]

_EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class OpenLineageMeta:
    """What a node's ``metadata["openlineage"]`` holds, each field typed (None, or empty,
    where the record has no such field or one of another type).

    Example:
        >>> OpenLineageMeta(kind="job").is_run, OpenLineageMeta().is_run
        (False, True)
    """

    #: ``"run"`` (a run's transform) or ``"job"`` (a job definition); None otherwise
    #: (a dataset version's artifact).
    kind: Literal["run", "job"] | None = None
    #: A run's OpenLineage runId.
    run_id: str | None = None
    #: The job a run (or definition) belongs to.
    job_namespace: str | None = None
    job_name: str | None = None
    #: A dataset version's dataset.
    namespace: str | None = None
    name: str | None = None
    #: The facets kept from the events (for a run: ``{"run": {...}, "job": {...}}``); a
    #: read-only view of the stored dict.
    facets: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    #: A run's events that have a string ``eventType`` and ``eventTime``, as stored.
    events: tuple[dict[str, str], ...] = ()

    @property
    def job(self) -> tuple[str, str] | None:
        """``(namespace, name)`` of the job, when the record names both.

        Example:
            >>> OpenLineageMeta(job_namespace="airflow").job is None
            True
        """
        if self.job_namespace is None or self.job_name is None:
            return None
        return self.job_namespace, self.job_name

    @property
    def is_run(self) -> bool:
        """Whether this is anything but a job definition (what exports and job pages list
        as runs).

        Example:
            >>> OpenLineageMeta(kind="run").is_run
            True
        """
        return self.kind != "job"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def openlineage_meta(node: Artifact | Transform) -> OpenLineageMeta | None:
    """The typed ``metadata["openlineage"]`` of a node; None when it holds none (a node not
    from OpenLineage) or holds something other than a JSON object.

    Example:
        >>> from provenance.model import Artifact
        >>> a = Artifact(id="blake3:" + "a" * 64, name="users", metadata={"openlineage": {
        ...     "namespace": "s3://lake", "name": "users", "facets": {"schema": {}}}})
        >>> m = openlineage_meta(a)
        >>> (m.namespace, m.name, sorted(m.facets), m.kind)
        ('s3://lake', 'users', ['schema'], None)
        >>> openlineage_meta(a.model_copy(update={"metadata": {"openlineage": "x"}})) is None
        True
    """
    raw = node.metadata.get("openlineage")
    if not isinstance(raw, dict):
        return None
    kind = raw.get("kind")
    job = raw.get("job")
    if not isinstance(job, dict):
        job = _EMPTY
    facets = raw.get("facets")
    events = raw.get("events")
    return OpenLineageMeta(
        kind=kind if kind in ("run", "job") else None,
        run_id=_str(raw.get("runId")),
        job_namespace=_str(job.get("namespace")),
        job_name=_str(job.get("name")),
        namespace=_str(raw.get("namespace")),
        name=_str(raw.get("name")),
        facets=facets if isinstance(facets, dict) else _EMPTY,
        events=tuple(
            e
            for e in events
            if isinstance(e, dict)
            and isinstance(e.get("eventType"), str)
            and isinstance(e.get("eventTime"), str)
        )
        if isinstance(events, list)
        else (),
    )
