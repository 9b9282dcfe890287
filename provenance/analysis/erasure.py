"""Erasure: delete every value-level trace of an artifact's content, keeping its skeleton.

``erase`` writes, per erased artifact, an erasure Transform (operation ``erase``) with an
``INVALIDATED`` edge to it (PROV wasInvalidatedBy), and replaces the artifact's record with
its scrubbed form (:func:`~provenance.store.scrub.scrub_artifact`): ``erased_at`` and
``erasure_reason`` set, ``uri`` cleared, and no value of its content left in its statistics
or metadata (top values, examples, min/max, quantiles, histograms, text statistics, row
fingerprints). The id (the digest), name, kind, dtypes, counts and every edge stay, so
audits still see that the data existed, what it fed, and when and why it was erased.
Ancestry and descendants never follow ``INVALIDATED``: the erasure is a record, not data
flow.

``cascade=True`` erases, in the same store write (one transaction, one log entry), every
artifact of the source's must-delete set (:func:`~provenance.analysis.impact.impact`: the
non-model artifacts its data flows into), each with its own record and the same reason.
Without it only the source is erased, and the result lists the derived artifacts that still
hold values derived from it (:attr:`Erasure.still_derived`).

After the write the store clears what it replaced from its files
(:meth:`~provenance.store.base.Purgeable.purge`: SQLite rewrites its file and empties its
WAL; Neo4j rotates its transaction log, see README.md, Erasure), and every spooled copy of
an erased node (:mod:`provenance.spool`, records not yet sent) is replaced by the scrubbed
one. The tamper-evident log records the replacement like any write; its digests of the
erased records are salted with salts the erasure replaced (:mod:`provenance.store.chain`),
so they confirm no guess of the erased values, and ``provenance log verify`` still vouches
for everything else.

Erasing twice is a no-op that returns the first record (an artifact erased by an older
provenance, whose values were kept, is scrubbed then, under its first record).

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.model import Artifact
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users", uri="file:///tmp/users.csv",
    ...              feature_stats={"row_count": 1, "columns": {"email": {"kind": "string",
    ...              "count": 1, "top_values": [{"value": "a@example.org", "count": 1}]}}})
    >>> s.write([a], [])
    >>> rec = erase(s, a.id, reason="GDPR art. 17 request #12")
    >>> s.get(a.id).erased, s.get(a.id).uri, s.get(a.id).feature_stats["columns"]["email"]
    (True, None, {'kind': 'string', 'count': 1})
    >>> erasure_of(s, a.id).reason
    'GDPR art. 17 request #12'
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import BaseModel, Field

from provenance.analysis.impact import impact
from provenance.analysis.refs import NodeRef, get_artifact, ref
from provenance.errors import AnalysisError
from provenance.model import Artifact, Edge, Transform, utcnow
from provenance.store.base import AnyNode, LineageStore, Purgeable, PurgeReport
from provenance.store.scrub import scrub_artifact

__all__ = ["ERASE_OPERATION", "Erasure", "ErasureRecord", "erase", "erasure_of"]

ERASE_OPERATION = "erase"


class ErasureRecord(BaseModel):
    """One recorded erasure: which artifact, when, why, and the Erasure transform's id."""

    artifact: NodeRef
    transform_id: str
    erased_at: _dt.datetime
    reason: str
    #: True when the artifact was already erased and no new record was written.
    already_erased: bool = False


class Erasure(ErasureRecord):
    """What :func:`erase` did: the source's record (these fields), the records of the derived
    artifacts erased with it, what still holds values derived from it, and what the store
    and the spool did to clear the replaced values from their files."""

    #: The must-delete artifacts erased with the source (``cascade=True``), in plan order.
    cascaded: list[ErasureRecord] = Field(default_factory=list)
    #: Must-delete artifacts not erased (no ``cascade``): they still hold values derived
    #: from the source.
    still_derived: list[NodeRef] = Field(default_factory=list)
    #: How the store cleared the replaced values from its files (None: nothing was written,
    #: or the store cannot).
    purge: PurgeReport | None = None
    #: Spooled journal lines rewritten, and lines in segments of running processes that
    #: could not be (:meth:`provenance.spool.Spool.scrub`).
    spool_rewritten: int = 0
    spool_held: int = 0
    #: Ids whose content was deleted from the local object store (:mod:`provenance.objects`;
    #: remotes, once they exist, through :data:`provenance.objects.remote_erasers`).
    objects_removed: list[str] = Field(default_factory=list)

    @property
    def records(self) -> list[ErasureRecord]:
        """Every artifact's record, the source's first.

        Example:
            >>> when = _dt.datetime(2026, 1, 2, tzinfo=_dt.UTC)
            >>> r = NodeRef(id="blake3:" + "a" * 64, node_type="Artifact", name="users")
            >>> e = Erasure(artifact=r, transform_id="", erased_at=when, reason="x")
            >>> [x.artifact.name for x in e.records]
            ['users']
        """
        first = ErasureRecord.model_validate(
            self.model_dump(include=set(ErasureRecord.model_fields))
        )
        return [first, *self.cascaded]


def _erasure_transform(artifact_id: str, reason: str, when: _dt.datetime, source: str) -> Transform:
    tid = Transform.make_id(
        operation=ERASE_OPERATION,
        input_ids=[artifact_id],
        code_version_id=None,
        model_id=None,
        hyperparameters={"reason": reason},
        seed={"erased_at": when.isoformat()},
    )
    metadata: dict[str, Any] = {"invalidated": artifact_id}
    if source != artifact_id:
        metadata["erased_with"] = source
    return Transform(
        id=tid,
        operation=ERASE_OPERATION,
        name="Erasure",
        started_at=when,
        ended_at=when,
        hyperparameters={"reason": reason},
        metadata=metadata,
    )


def erase(
    store: LineageStore,
    artifact_id: str,
    *,
    reason: str,
    at: _dt.datetime | None = None,
    cascade: bool = False,
) -> Erasure:
    """Erase an artifact (id or unique prefix), and with ``cascade`` its must-delete set, in
    one store write; see the module docstring.

    It deletes no file the artifact's uri named: it deletes the values the lineage store
    held, the erased artifacts' content kept in the local object store
    (:attr:`Erasure.objects_removed`), and records the erasure. Raises
    :class:`~provenance.errors.NotFoundError` for an unknown id and :class:`AnalysisError` for
    an empty reason or an id that is not an artifact.

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
    source = get_artifact(store, artifact_id, "erase")
    flush = getattr(store, "flush", None)
    if callable(flush):  # a spooled store: what waits must land first (and be erased too)
        flush()
    plan = impact(store, [source.id])
    derived = [n.id for n in plan.must_delete]
    ids = [source.id, *derived] if cascade else [source.id]
    stored = {n.id: n for n in store.get_many(ids) if isinstance(n, Artifact)}
    when = at or utcnow()
    nodes: list[AnyNode] = []
    edges: list[Edge] = []
    scrubbed: dict[str, AnyNode] = {}
    records: dict[str, ErasureRecord] = {}
    for i in ids:
        artifact = stored.get(i)
        if artifact is None:
            continue
        clean = scrub_artifact(artifact)
        if artifact.erased:
            existing = erasure_of(store, i)
            if existing is not None:
                records[i] = existing.model_copy(update={"already_erased": True})
                if clean != artifact:  # erased by an older provenance, values kept
                    nodes.append(clean)
                    scrubbed[i] = clean
                continue
        t = _erasure_transform(i, reason, when, source.id)
        clean = clean.model_copy(update={"erased_at": when, "erasure_reason": reason})
        nodes += [t, clean]
        edges.append(Edge(source=t.id, target=i, type="INVALIDATED", role="erased"))
        scrubbed[i] = clean
        records[i] = ErasureRecord(
            artifact=ref(clean), transform_id=t.id, erased_at=when, reason=reason
        )
    if nodes:
        store.write(nodes, edges, replace=True)
    # Also when nothing was written (erasing again): what an earlier purge could not finish
    # (a reader kept the WAL), or a spooled copy that arrived since, is cleared now.
    purge = store.purge() if isinstance(store, Purgeable) else None
    everything = {i: scrubbed.get(i) or stored[i] for i in records if i in stored}
    erased_nodes = {i: n for i, n in everything.items() if isinstance(n, Artifact) and n.erased}
    spool = getattr(store, "spool", None)
    scrub = getattr(spool, "scrub", None)
    if callable(scrub):
        report = scrub(erased_nodes)
    else:
        from provenance.spool import scrub_spool

        report = scrub_spool(store.uri, erased_nodes)
    rewritten, held = (report.records, report.held) if report is not None else (0, 0)
    from provenance.objects import ObjectStore, erase_content

    removed = erase_content(ObjectStore.for_store(store), list(erased_nodes))
    if removed and purge is not None:
        step = f"object store: content of {len(removed)} erased artifact(s) deleted"
        purge = purge.model_copy(update={"steps": [*purge.steps, step]})
    first = records[source.id]
    return Erasure(
        **first.model_dump(),
        cascaded=[records[i] for i in derived if i in records] if cascade else [],
        still_derived=[] if cascade else [n for n in plan.must_delete if not n.erased],
        purge=purge,
        spool_rewritten=rewritten,
        spool_held=held,
        objects_removed=removed,
    )


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
