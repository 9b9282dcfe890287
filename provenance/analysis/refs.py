"""Small typed references to graph nodes, and id resolution, shared by the analyses.

Example:
    >>> from provenance.model import Artifact
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users")
    >>> ref(a).label
    'users'
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from provenance.errors import NotFoundError
from provenance.model import Artifact, Model, Transform
from provenance.store.base import AnyNode, LineageStore, resolve_id

NodeType = Literal["Artifact", "Model", "Transform", "CodeVersion"]


class NodeRef(BaseModel):
    """Enough of a node to name it in a report: id, type, name or operation, erased flag."""

    model_config = ConfigDict(frozen=True)

    id: str
    node_type: NodeType
    name: str | None = None
    kind: str | None = None
    operation: str | None = None
    erased: bool = False
    erased_at: _dt.datetime | None = None
    created_at: _dt.datetime | None = None

    @property
    def label(self) -> str:
        """A short human label: the name, the operation, or the short id."""
        return self.name or self.operation or self.id.split(":", 1)[-1][:12]


def ref(node: AnyNode) -> NodeRef:
    """The :class:`NodeRef` of a node.

    Example:
        >>> from provenance.model import Transform
        >>> ref(Transform(id="blake3:" + "b" * 64, operation="clean")).label
        'clean'
    """
    if isinstance(node, Artifact):
        return NodeRef(
            id=node.id,
            node_type=node.node_type,
            name=node.name,
            kind=node.kind,
            erased=node.erased,
            erased_at=node.erased_at,
            created_at=node.created_at,
        )
    if isinstance(node, Transform):
        return NodeRef(
            id=node.id,
            node_type="Transform",
            name=node.name,
            operation=node.operation,
            created_at=node.started_at,
        )
    return NodeRef(
        id=node.id, node_type="CodeVersion", name=node.entrypoint, created_at=node.created_at
    )


def get_node(store: LineageStore, id_or_prefix: str) -> AnyNode:
    """The node with this id or unique prefix; :class:`NotFoundError` if there is none."""
    full = resolve_id(store, id_or_prefix)
    node = store.get(full)
    if node is None:  # pragma: no cover - resolve_id checked it exists
        raise NotFoundError(f"no node with id {id_or_prefix!r}")
    return node


def get_artifact(store: LineageStore, id_or_prefix: str, what: str = "analysis") -> Artifact:
    """The artifact (or model) with this id; :class:`AnalysisError` if it is another kind."""
    from provenance.errors import AnalysisError

    node = get_node(store, id_or_prefix)
    if not isinstance(node, Artifact):
        raise AnalysisError(
            f"{what} starts from an artifact or model; {node.id[:19]}… is a {node.node_type}"
        )
    return node


def is_model(node: AnyNode) -> bool:
    """True for model weights (the ``Model`` label)."""
    return isinstance(node, Model)
