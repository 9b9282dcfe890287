"""Merge rules shared by every backend, so a re-recorded node means the same everywhere.

* Artifacts are immutable: a second write fills only fields that were empty (``None`` or
  empty dict); ``created_at`` and content identity never change. An artifact seen later as
  model weights gains the ``Model`` label. An erasure (``erased_at`` set) clears the uri and
  is never undone.
* A transform's status moves from running/failed to succeeded, never back; two failed
  attempts keep the latest.
* Code versions fill empty fields only.

Example:
    >>> from provenance.model import Artifact
    >>> a = Artifact(id="blake3:" + "0" * 64, name="x")
    >>> merge_node(a, a.model_copy(update={"uri": "file:///x"})).uri
    'file:///x'
"""

from __future__ import annotations

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
    node_from_dict,
    short_id,
)
from provenance.store.base import INVALIDATED, PRODUCED, RAN, USED, USED_MODEL, AnyNode

_KEEP_FIRST = frozenset({"id", "node_type", "created_at"})


def _fill_empty(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key in _KEEP_FIRST:
            continue
        if merged.get(key) in (None, {}, []) and value not in (None, {}, []):
            merged[key] = value
        elif key == "metadata" and isinstance(value, dict):
            merged[key] = {**value, **(merged.get(key) or {})}
    return merged


def merge_node(old: AnyNode | None, new: AnyNode) -> AnyNode:
    """The node to store when ``new`` is written over ``old`` (``old`` may be None)."""
    if old is None:
        return new
    if isinstance(old, Artifact) and isinstance(new, Artifact):
        merged = _fill_empty(old.model_dump(), new.model_dump())
        if isinstance(old, Model) or isinstance(new, Model):
            merged["node_type"] = "Model"
        if old.erased_at is not None:
            merged["uri"] = None
            merged["erased_at"] = old.erased_at
            merged["erasure_reason"] = old.erasure_reason
        elif new.erased_at is not None:
            merged["uri"] = None
            merged["erased_at"] = new.erased_at
            merged["erasure_reason"] = new.erasure_reason
        return node_from_dict(merged)
    if isinstance(old, Transform) and isinstance(new, Transform):
        if old.status == "succeeded":
            return old
        return new
    if isinstance(old, CodeVersion) and isinstance(new, CodeVersion):
        return node_from_dict(_fill_empty(old.model_dump(), new.model_dump()))
    raise IntegrityError(
        f"id {new.id} is already a {old.node_type}; refusing to record it as a {new.node_type}"
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
