"""Merge rules shared by every backend, so a re-recorded node means the same everywhere.

* Artifacts are immutable: a second write fills only fields that were empty (``None`` or
  empty dict); ``created_at`` and content identity never change, except that a version of an
  OpenLineage dataset (both records carry ``metadata["openlineage"]``) keeps the *earliest*
  ``created_at`` of its records: the time of the first event that named it, whatever order
  the events arrive in (what binding by time orders versions by,
  :mod:`provenance.openlineage.binding`). An artifact seen later as
  model weights gains the ``Model`` label. An erasure (``erased_at`` set) is never undone:
  an erased artifact, or one a write erases, is stored scrubbed
  (:func:`~provenance.store.scrub.scrub_artifact`: uri cleared, no value of its content in
  its statistics or metadata), so a re-recorded run cannot bring the values back.
* A transform's status moves from running/failed to succeeded, never back; two failed
  attempts keep the latest.
* A transform's ``metrics`` (:func:`merge_metrics`) accumulate: a later write of a succeeded
  transform adds the metrics it does not have yet (an evaluation logged after training);
  a metric already recorded keeps its first value. A record that replaces a failed attempt
  brings its own metrics.
* Code versions fill empty fields only.
* Artifact metadata merges recursively (:func:`merge_metadata`): keys only the new write has
  are added at every level, values already stored are kept; so the facets of later
  OpenLineage events of one dataset version accumulate. (A native transform's record is
  replaced whole, by the status rule above.)
* OpenLineage transforms (``metadata["openlineage"]``, read through
  :func:`~provenance.olmeta.openlineage_meta`; :func:`openlineage_kind` ``"run"``
  or ``"job"``) merge by folding (:func:`fold_openlineage`): their event lists are united
  (deduplicated), their input ids too, and status, ``started_at``, ``ended_at`` and
  ``error`` follow the event with the latest ``eventTime``, whatever order the events came
  in. A placeholder (a parent run whose own events have not arrived: no events) gives way
  to the real run's fields.

Example:
    >>> from provenance.model import Artifact
    >>> a = Artifact(id="blake3:" + "0" * 64, name="x")
    >>> merge_node(a, a.model_copy(update={"uri": "file:///x"})).uri
    'file:///x'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from provenance.errors import IntegrityError
from provenance.model import (
    Artifact,
    CodeVersion,
    Edge,
    EdgeType,
    Model,
    Transform,
    TransformStatus,
    node_from_dict,
    short_id,
)
from provenance.olmeta import openlineage_meta
from provenance.store.base import (
    INVALIDATED,
    PARENT,
    PRODUCED,
    RAN,
    USED,
    USED_MODEL,
    AnyNode,
)
from provenance.store.scrub import scrub_artifact
from provenance.wording import with_article

_KEEP_FIRST = frozenset({"id", "node_type", "created_at"})


def merge_metadata(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the keys only ``new`` has added, at every level of nested dicts.

    Values already in ``old`` are kept (an empty ``None`` is filled); lists are values.

    Example:
        >>> merge_metadata({"facets": {"schema": 1}, "a": None}, {"facets": {"schema": 2, "sql": 3},
        ...                                                        "a": 4})
        {'facets': {'schema': 1, 'sql': 3}, 'a': 4}
    """
    merged = dict(old)
    for key, value in new.items():
        have = merged.get(key)
        if have is None:
            merged[key] = value
        elif isinstance(have, dict) and isinstance(value, dict):
            merged[key] = merge_metadata(have, value)
    return merged


def merge_metrics(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """``old`` plus the metrics only ``new`` has; a metric both have keeps ``old``'s value.

    Example:
        >>> merge_metrics({"acc": 0.9}, {"acc": 0.8, "f1": 0.7})
        {'acc': 0.9, 'f1': 0.7}
    """
    return {**new, **old} if new else dict(old)


def _fill_empty(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key in _KEEP_FIRST:
            continue
        if merged.get(key) in (None, {}, []) and value not in (None, {}, []):
            merged[key] = value
        elif key == "metadata" and isinstance(value, dict):
            merged[key] = merge_metadata(merged.get(key) or {}, value)
        elif key == "metrics" and isinstance(value, dict):
            merged[key] = merge_metrics(merged.get(key) or {}, value)
    return merged


# --- OpenLineage runs -----------------------------------------------------------------------
#: The status each OpenLineage eventType moves a run to (``OTHER`` moves it nowhere).
EVENT_STATUS: dict[str, TransformStatus] = {
    "START": "running",
    "RUNNING": "running",
    "COMPLETE": "succeeded",
    "ABORT": "failed",
    "FAIL": "failed",
}
#: Which of two status events at the same instant wins (later in the run's life first).
_EVENT_RANK = {"START": 0, "RUNNING": 1, "COMPLETE": 2, "ABORT": 3, "FAIL": 4}
_TERMINAL = frozenset({"COMPLETE", "ABORT", "FAIL"})


def openlineage_kind(transform: Transform) -> str | None:
    """``"run"`` or ``"job"`` for a transform that came from OpenLineage, else None.

    Example:
        >>> t = Transform(id="blake3:" + "1" * 64, operation="x")
        >>> openlineage_kind(t), openlineage_kind(t.model_copy(
        ...     update={"metadata": {"openlineage": {"kind": "run"}}}))
        (None, 'run')
    """
    meta = openlineage_meta(transform)
    return None if meta is None else meta.kind


def _aware(when: _dt.datetime) -> _dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _when(text: str) -> _dt.datetime:
    when = _dt.datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _events(transform: Transform) -> list[dict[str, str]]:
    meta = openlineage_meta(transform)
    return [] if meta is None else list(meta.events)


def _event_key(event: dict[str, str]) -> tuple[_dt.datetime, int, str]:
    kind = event["eventType"]
    return (_when(event["eventTime"]), _EVENT_RANK.get(kind, -1), kind)


def _latest_status_event(events: list[dict[str, str]]) -> dict[str, str] | None:
    status_events = [e for e in events if e["eventType"] in EVENT_STATUS]
    return max(status_events, key=_event_key) if status_events else None


def fold_openlineage(old: Transform, new: Transform) -> Transform:
    """Merge two records of one OpenLineage run (or job definition); see the module docs.

    Example:
        >>> def rec(kind, when, **kw):
        ...     meta = {"openlineage": {"kind": "run", "events": [
        ...         {"eventType": kind, "eventTime": when}]}}
        ...     return Transform(id="blake3:" + "1" * 64, operation="job", metadata=meta, **kw)
        >>> done = rec("COMPLETE", "2026-01-01T00:05:00Z", status="succeeded")
        >>> start = rec("START", "2026-01-01T00:00:00Z", status="running")
        >>> run = fold_openlineage(done, start)  # COMPLETE arrived first
        >>> run.status, run.started_at.minute, run.ended_at.minute
        ('succeeded', 0, 5)
        >>> run == fold_openlineage(start, done)
        True
    """
    old_events, new_events = _events(old), _events(new)
    primary, secondary = (new, old) if new_events and not old_events else (old, new)
    merged = _fill_empty(primary.model_dump(), secondary.model_dump())
    merged["input_ids"] = sorted(set(old.input_ids) | set(new.input_ids))
    unique = {(e["eventType"], e["eventTime"]): e for e in (*old_events, *new_events)}
    events = sorted(unique.values(), key=_event_key)
    merged["metadata"]["openlineage"]["events"] = events
    latest = _latest_status_event(events)
    if latest is not None:
        # Each record's error is its own latest status event's; keep the one whose latest
        # status event is the run's latest (ties: the one that says something).
        holders = [t for t in (old, new) if _latest_status_event(_events(t)) == latest]
        errors = sorted(t.error for t in holders if t.error)
        merged["status"] = EVENT_STATUS[latest["eventType"]]
        merged["error"] = errors[-1] if errors and merged["status"] == "failed" else None
        terminal = latest["eventType"] in _TERMINAL
        merged["ended_at"] = _when(latest["eventTime"]) if terminal else None
    if events:
        starts = [e for e in events if e["eventType"] == "START"] or events
        merged["started_at"] = min(_when(e["eventTime"]) for e in starts)
    folded = node_from_dict(merged)
    assert isinstance(folded, Transform)
    return folded


def merge_node(old: AnyNode | None, new: AnyNode) -> AnyNode:
    """The node to store when ``new`` is written over ``old`` (``old`` may be None)."""
    if old is None:
        return new
    if isinstance(old, Artifact) and isinstance(new, Artifact):
        merged = _fill_empty(old.model_dump(), new.model_dump())
        if "openlineage" in old.metadata and "openlineage" in new.metadata:
            merged["created_at"] = min(_aware(old.created_at), _aware(new.created_at))
        if isinstance(old, Model) or isinstance(new, Model):
            merged["node_type"] = "Model"
        erased = old if old.erased_at is not None else new
        if erased.erased_at is None:
            return node_from_dict(merged)
        merged["erased_at"] = erased.erased_at
        merged["erasure_reason"] = erased.erasure_reason
        result = node_from_dict(merged)
        assert isinstance(result, Artifact)
        return scrub_artifact(result)
    if isinstance(old, Transform) and isinstance(new, Transform):
        if openlineage_kind(old) is not None and openlineage_kind(new) is not None:
            return fold_openlineage(old, new)
        if old.status == "succeeded":
            if new.metrics.keys() - old.metrics.keys():
                return old.model_copy(update={"metrics": merge_metrics(old.metrics, new.metrics)})
            return old
        return new
    if isinstance(old, CodeVersion) and isinstance(new, CodeVersion):
        return node_from_dict(_fill_empty(old.model_dump(), new.model_dump()))
    raise IntegrityError(
        f"id {new.id} is already {with_article(old.node_type)}; refusing to record it as "
        f"{with_article(new.node_type)}"
    )


def merge_batch(nodes: Iterable[AnyNode]) -> dict[str, AnyNode]:
    """The nodes of one write by id, each id's repeats merged in order (:func:`merge_node`).

    Example:
        >>> from provenance.model import Artifact
        >>> a = Artifact(id="blake3:" + "0" * 64, name="x")
        >>> merged = merge_batch([a, a.model_copy(update={"uri": "file:///x"})])
        >>> len(merged), merged[a.id].uri
        (1, 'file:///x')
    """
    by_id: dict[str, AnyNode] = {}
    for n in nodes:
        by_id[n.id] = merge_node(by_id.get(n.id), n)
    return by_id


#: The node types each edge type may point at; every edge starts at a Transform.
EDGE_TARGETS: dict[EdgeType, frozenset[str]] = {
    USED: frozenset({"Artifact", "Model"}),
    PRODUCED: frozenset({"Artifact", "Model"}),
    USED_MODEL: frozenset({"Model"}),
    RAN: frozenset({"CodeVersion"}),
    INVALIDATED: frozenset({"Artifact", "Model"}),
    PARENT: frozenset({"Transform"}),
}


def check_edges(edges: list[Edge] | tuple[Edge, ...], node_types: dict[str, str]) -> None:
    """Raise :class:`IntegrityError` unless every edge joins a Transform to a node of the kind
    its type allows, both of which exist (``node_types`` maps id to node type).

    Example:
        >>> check_edges([], {})
    """
    for e in edges:
        src, dst = node_types.get(e.source), node_types.get(e.target)
        if src != "Transform" or dst not in EDGE_TARGETS[e.type]:
            raise IntegrityError(
                f"{e.type} edge {short_id(e.source)}… -> {short_id(e.target)}… needs a "
                f"Transform and {' or '.join(sorted(EDGE_TARGETS[e.type]))}, found "
                f"{src or 'nothing'} and {dst or 'nothing'}; nothing was written"
            )
