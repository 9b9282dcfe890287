"""Binding OpenLineage inputs to dataset versions by time, whatever order events arrive in.

An input without a ``version`` facet names a dataset, not a version. It binds to the
**version of that dataset written most recently at or before the run's start**:

* a version's time is its ``created_at``: for an OpenLineage version, the earliest
  ``eventTime`` of the events that named it (:func:`provenance.store.merge.merge_node` keeps
  the earliest), so for a run's output, the time of the first event of the producing run
  that named it as an output; a native artifact with the same uri counts with its own
  ``created_at``;
* the run's start is its ``started_at``: the earliest ``eventTime`` of its ``START`` events,
  else of all its events (:func:`provenance.store.merge.fold_openlineage`); every event of a
  run binds its inputs at that one instant, so a run binds each dataset once;
* the run's own outputs and the unversioned stand-in (:func:`dataset_version_id` with
  version ``None``) never count; among versions of one instant the greatest id wins; when no
  version qualifies, the input binds to the stand-in.

Since a run's start is at or before its end, a run never uses a version written after it
ended. The binding is a function of the set of events ingested, not of their order: an event
that arrives late (a producer's, or an earlier event of the consumer) re-binds the inputs its
time concerns (:func:`rebind`, run on every write by :mod:`provenance.openlineage.ingest`),
moving the ``USED`` edge, rewriting the run's ``input_ids`` and deleting a stand-in left
with no edge, in the same write (its log entry records the removals).

Which inputs are bound by time is recorded on the run:
``metadata["openlineage"]["inputsByTime"]`` maps each such dataset's uri to its
``{"namespace", "name"}`` and the ``facets`` / ``inputFacets`` the run's events carried for
it, which a re-binding merges into the version it binds to (the version it was bound to
before keeps what they had added: facets merge, they are not taken back).

Example:
    >>> import datetime as dt, tempfile
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> def version(v, hour):
    ...     return Artifact(id=dataset_version_id("file", "/d", v), name="/d",
    ...                     uri=dataset_uri("file", "/d"),
    ...                     created_at=dt.datetime(2026, 1, 1, hour, tzinfo=dt.UTC))
    >>> s.write([version("a", 1), version("b", 3)], [])
    >>> at = dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC)
    >>> bind(s, "file", "/d", at) == dataset_version_id("file", "/d", "a")
    True
    >>> bind(s, "file", "/d", at.replace(hour=0)) == dataset_version_id("file", "/d", None)
    True
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Collection, Iterable
from typing import Any

from provenance.model import Artifact, Edge, Transform
from provenance.olmeta import openlineage_meta
from provenance.openlineage.naming import dataset_uri, dataset_version_id
from provenance.store.base import PRODUCED, USED, VersionReads

__all__ = ["BOUND_KEY", "bind", "bound_by_time", "rebind"]

#: The key of ``metadata["openlineage"]`` that lists a run's inputs bound by time.
BOUND_KEY = "inputsByTime"
#: How many versions just before a new (or earlier-dated) one have their consumers checked:
#: a consumer bound below a new version can only be one whose own outputs lie between.
_BELOW = 8


def bind(
    reads: VersionReads,
    namespace: str,
    name: str,
    at: _dt.datetime,
    exclude: Collection[str] = (),
) -> str:
    """The id of the version of dataset ``(namespace, name)`` an input without a version
    facet binds to for a run started ``at`` (see the module docs); ``exclude``: the run's own
    outputs.

    Example: see the module docs.
    """
    stand_in = dataset_version_id(namespace, name, None)
    newest = reads.newest_versions(dataset_uri(namespace, name), at, len(exclude) + 2)
    for vid, _ in newest:
        if vid != stand_in and vid not in exclude:
            return vid
    return stand_in


def bound_by_time(run: Transform) -> dict[str, dict[str, Any]]:
    """The inputs of ``run`` bound by time: ``{uri: {"namespace", "name", ...}}``.

    Example:
        >>> meta = {"openlineage": {"kind": "run", BOUND_KEY: {
        ...     "file:///d": {"namespace": "file", "name": "/d"}}}}
        >>> bound_by_time(Transform(id="blake3:" + "1" * 64, operation="x", metadata=meta))
        {'file:///d': {'namespace': 'file', 'name': '/d'}}
    """
    meta = openlineage_meta(run)
    if meta is None or meta.kind != "run":
        return {}
    block = run.metadata.get("openlineage")
    found = block.get(BOUND_KEY) if isinstance(block, dict) else None
    if not isinstance(found, dict):
        return {}
    return {
        uri: where
        for uri, where in found.items()
        if isinstance(where, dict)
        and isinstance(where.get("namespace"), str)
        and isinstance(where.get("name"), str)
    }


#: Per run to re-check: the uris to re-bind (None: every one) and, when known, the run's
#: USED edges to versions of each.
_Checks = dict[str, dict[str, list[Edge]] | None]


def _consumers_of_new_versions(view: Any, runs: set[str]) -> _Checks:
    """Runs outside ``runs`` whose binding the batch's new or earlier-dated versions may
    change: those bound to such a version, to one of the :data:`_BELOW` versions just before
    it, or to the dataset's stand-in, and started at or after it; with the uris concerned and
    the edges that bind them."""
    since: dict[str, tuple[_dt.datetime, str]] = {}  # version -> earliest new version, uri

    def note(vid: str, when: _dt.datetime, uri: str) -> None:
        if vid not in since or when < since[vid][0]:
            since[vid] = (when, uri)

    for uri, ids in view.pending_uris().items():
        for vid, when in ids.items():
            note(vid, when, uri)
            for below, _ in view.newest_versions(uri, when, _BELOW + 2):
                note(below, when, uri)
        meta = _dataset_of(view, ids)
        if meta is not None:
            note(dataset_version_id(*meta, None), min(ids.values()), uri)
    edges = [
        e for e in view.stored_edges_to(sorted(since)) if e.type == USED and e.source not in runs
    ]
    started = {
        t.id: t.started_at
        for t in view.get_many(sorted({e.source for e in edges}))
        if isinstance(t, Transform) and t.started_at is not None
    }
    found: dict[str, dict[str, list[Edge]] | None] = {}
    for e in edges:
        when = started.get(e.source)
        if when is not None and _aware(when) >= since[e.target][0]:
            checks = found.setdefault(e.source, {})
            assert checks is not None
            checks.setdefault(since[e.target][1], []).append(e)
    return found


def _aware(when: _dt.datetime) -> _dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _dataset_of(view: Any, ids: Iterable[str]) -> tuple[str, str] | None:
    for vid in ids:
        node = view.get(vid)
        block = node.metadata.get("openlineage") if isinstance(node, Artifact) else None
        if isinstance(block, dict):
            ns, nm = block.get("namespace"), block.get("name")
            if isinstance(ns, str) and isinstance(nm, str):
                return ns, nm
    return None


def rebind(
    view: Any,
    runs: Iterable[str],
    input_node: Callable[[str, dict[str, Any], _dt.datetime], Artifact],
) -> None:
    """Bring every binding that the pending writes of ``view`` (a
    :class:`~provenance.openlineage.pending.PendingView`) may have changed in line with the
    rule (module docs): the inputs by time of ``runs`` (the runs the writes hold events of)
    and of every stored run bound near a version the writes add or date earlier. Changes go
    into the view as edge removals, new edges (with ``input_node``'s record of the input
    merged into the version: :func:`~provenance.openlineage.mapping.input_node`), replaced
    run nodes and removed stand-ins."""
    checks: _Checks = {tid: None for tid in runs}
    checks.update(_consumers_of_new_versions(view, set(checks)))
    full = sorted(tid for tid, c in checks.items() if c is None)
    view.prefetch_runs(full)
    runs_of: dict[str, list[Edge]] = {}
    for e in view.transform_edges(sorted(checks)):  # every run's edges at once
        runs_of.setdefault(e.source, []).append(e)
    # the targets of the batch's runs, read at once (a stored consumer's are known)
    view.get_many([e.target for t in full for e in runs_of.get(t, []) if e.type == USED])
    touched_stand_ins: set[str] = set()
    for tid in sorted(checks):
        run = view.get(tid)
        if not isinstance(run, Transform) or run.started_at is None:
            continue
        bound = bound_by_time(run)
        edges = runs_of.get(tid, [])
        own = {e.target for e in edges if e.type == PRODUCED}
        known = checks[tid]
        if known is None:
            used = [e for e in edges if e.type == USED]
            uris = {
                n.id: n.uri
                for n in view.get_many([e.target for e in used])
                if isinstance(n, Artifact)
            }
            known = {uri: [e for e in used if uris.get(e.target) == uri] for uri in bound}
        changed = False
        for uri, have in sorted(known.items()):
            record = bound.get(uri)
            if record is None:
                continue
            want = bind(view, record["namespace"], record["name"], run.started_at, own)
            if [e.target for e in have] == [want]:
                continue
            changed = True
            for e in have:
                if e.target != want:
                    view.remove_edge(e)
                    touched_stand_ins.add(e.target)
            if want not in {e.target for e in have}:
                view.add(
                    [input_node(want, record, run.started_at)],
                    [Edge(source=tid, target=want, type=USED, role="input")],
                )
        if changed:
            inputs = sorted({e.target for e in view.transform_edges([tid]) if e.type == USED})
            if inputs != run.input_ids:
                view.replace(run.model_copy(update={"input_ids": inputs}))
    stand_ins = {
        i
        for i in touched_stand_ins
        if (n := view.get(i)) is not None
        and isinstance(n, Artifact)
        and n.uri is not None
        and _is_stand_in(n)
    }
    for sid in sorted(stand_ins):
        if not view.edges_to([sid]):
            view.drop_node(sid)


def _is_stand_in(artifact: Artifact) -> bool:
    block = artifact.metadata.get("openlineage")
    if not isinstance(block, dict):
        return False
    ns, nm = block.get("namespace"), block.get("name")
    return (
        isinstance(ns, str)
        and isinstance(nm, str)
        and artifact.id == dataset_version_id(ns, nm, None)
    )
