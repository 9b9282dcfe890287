"""Erasure: record that an artifact's content was deleted, keeping its skeleton.

``erase`` writes an erasure Transform (operation ``erase``) with an ``INVALIDATED`` edge to
the artifact (PROV wasInvalidatedBy) and marks the artifact erased: ``erased_at`` and
``erasure_reason`` set, ``uri`` cleared. The id (the digest), name, kind, counts and every
edge stay, so audits still see that the data existed, what it fed, and when and why it was
erased. Ancestry and descendants never follow ``INVALIDATED``: the erasure is a record, not
data flow. Erasing twice is a no-op that returns the first record.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.model import Artifact
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users", uri="file:///tmp/users.csv")
    >>> s.write([a], [])
    >>> rec = erase(s, a.id, reason="GDPR art. 17 request #12")
    >>> s.get(a.id).erased, s.get(a.id).uri
    (True, None)
    >>> erasure_of(s, a.id).reason
    'GDPR art. 17 request #12'
"""

from __future__ import annotations

import datetime as _dt

from pydantic import BaseModel

from provenance.analysis.refs import NodeRef, get_artifact, ref
from provenance.errors import AnalysisError
from provenance.model import Edge, Transform, utcnow
from provenance.store.base import LineageStore

ERASE_OPERATION = "erase"


class ErasureRecord(BaseModel):
    """One recorded erasure: which artifact, when, why, and the Erasure transform's id."""

    artifact: NodeRef
    transform_id: str
    erased_at: _dt.datetime
    reason: str
    #: True when the artifact was already erased and nothing new was written.
    already_erased: bool = False


def erase(
    store: LineageStore, artifact_id: str, *, reason: str, at: _dt.datetime | None = None
) -> ErasureRecord:
    """Record the erasure of an artifact (id or unique prefix); see the module docstring.

    It deletes no file: it records that the content is gone. Raises
    :class:`~provenance.errors.NotFoundError` for an unknown id and :class:`AnalysisError`
    for an empty reason or an id that is not an artifact.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> erase(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), "ffff0000", reason="x")
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: no node with id 'ffff0000'
    """
    if not reason or not reason.strip():
        raise AnalysisError("an erasure needs a reason (--reason)")
    artifact = get_artifact(store, artifact_id, "erase")
    if artifact.erased:
        existing = erasure_of(store, artifact.id)
        if existing is not None:
            return existing.model_copy(update={"already_erased": True})
    when = at or utcnow()
    tid = Transform.make_id(
        operation=ERASE_OPERATION,
        input_ids=[artifact.id],
        code_version_id=None,
        model_id=None,
        hyperparameters={"reason": reason},
        seed={"erased_at": when.isoformat()},
    )
    t = Transform(
        id=tid,
        operation=ERASE_OPERATION,
        name="Erasure",
        started_at=when,
        ended_at=when,
        hyperparameters={"reason": reason},
        metadata={"invalidated": artifact.id},
    )
    erased = artifact.model_copy(update={"erased_at": when, "erasure_reason": reason, "uri": None})
    store.write(
        [t, erased], [Edge(source=tid, target=artifact.id, type="INVALIDATED", role="erased")]
    )
    stored = store.get(artifact.id) or erased
    return ErasureRecord(artifact=ref(stored), transform_id=tid, erased_at=when, reason=reason)


def erasure_of(store: LineageStore, artifact_id: str) -> ErasureRecord | None:
    """The erasure record of an artifact, or None if it was never erased.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> from provenance.model import Artifact
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> s.write([Artifact(id="blake3:" + "b" * 64, name="kept")], [])
        >>> erasure_of(s, "blake3:" + "b" * 64) is None
        True
    """
    artifact = get_artifact(store, artifact_id, "erasure lookup")
    edges = store.invalidations([artifact.id])
    transforms = [t for t in store.get_many([e.source for e in edges]) if isinstance(t, Transform)]
    if not transforms and artifact.erased_at is None:
        return None
    first = min(transforms, key=lambda t: str(t.started_at), default=None)
    when = artifact.erased_at or (first.started_at if first else None) or utcnow()
    reason = artifact.erasure_reason or (
        str(first.hyperparameters.get("reason", "")) if first else ""
    )
    return ErasureRecord(
        artifact=ref(artifact),
        transform_id=first.id if first else "",
        erased_at=when,
        reason=reason,
    )
