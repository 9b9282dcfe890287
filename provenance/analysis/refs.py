"""Small typed references to graph nodes, and id resolution, shared by the analyses.

Example:
    >>> from provenance.model import Artifact
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users")
    >>> ref(a).label
    'users'
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict

from provenance.errors import NotFoundError
from provenance.model import Artifact, Model, Transform, short_id
from provenance.reader import resolve_id
from provenance.store.base import AnyNode, LineageStore
from provenance.wording import with_article

NodeType = Literal["Artifact", "Model", "Transform", "CodeVersion"]


class NodeRef(BaseModel):
    """A node as a report mentions it: id, type, name or operation, kind, uri, erased flag.

    The one place the reports restate node fields. Report types that say more about a node
    subclass it (:class:`~provenance.analysis.audit.SourceInfo`,
    :class:`~provenance.analysis.artifacts.ArtifactCheck`, ...) and are built with
    :meth:`of`, so their JSON keeps these fields at the top level.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    node_type: NodeType
    name: str | None = None
    kind: str | None = None
    operation: str | None = None
    uri: str | None = None
    erased: bool = False
    erased_at: _dt.datetime | None = None
    created_at: _dt.datetime | None = None

    @property
    def label(self) -> str:
        """A short human label: the name, the operation, or the short id."""
        return self.name or self.operation or short_id(self.id)

    @classmethod
    def of(cls, node: AnyNode, **extra: Any) -> Self:
        """This report type's view of ``node``: every field it declares that the node has
        under the same name (see :func:`node_fields`), then ``extra``.

        Example:
            >>> from provenance.model import Artifact
            >>> class Licensed(NodeRef):
            ...     license: str | None = None
            >>> a = Artifact(id="blake3:" + "a" * 64, name="users", license="CC0")
            >>> Licensed.of(a).license, Licensed.of(a, license="MIT").license
            ('CC0', 'MIT')
        """
        own = node_fields(node)
        return cls(**{**{f: own[f] for f in cls.model_fields if f in own}, **extra})


def node_fields(node: AnyNode) -> dict[str, Any]:
    """A node's fields under the names reports use: its own fields, an artifact's ``erased``
    flag, a transform's ``started_at`` as ``created_at``, a code version's ``entrypoint`` as
    ``name``.

    Example:
        >>> from provenance.model import CodeVersion
        >>> node_fields(CodeVersion(id="blake3:" + "c" * 64, entrypoint="m:f"))["name"]
        'm:f'
    """
    fields = dict(node)
    if isinstance(node, Artifact):
        fields["erased"] = node.erased
    elif isinstance(node, Transform):
        fields["created_at"] = node.started_at
    else:
        fields["name"] = node.entrypoint
    return fields


def ref(node: AnyNode) -> NodeRef:
    """The :class:`NodeRef` of a node.

    Example:
        >>> from provenance.model import Transform
        >>> ref(Transform(id="blake3:" + "b" * 64, operation="clean")).label
        'clean'
    """
    return NodeRef.of(node)


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
            f"{what} starts from an artifact or model; {short_id(node.id)} is "
            f"{with_article(node.node_type)}"
        )
    return node


def is_model(node: AnyNode) -> bool:
    """True for model weights (the ``Model`` label)."""
    return isinstance(node, Model)
