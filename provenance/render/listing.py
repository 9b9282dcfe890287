"""The rich rendering of ``provenance list``: recorded nodes, newest first, one line each,
readable at 80 columns (names whole, ids shortened).

Example:
    >>> import datetime as dt
    >>> from rich.console import Console
    >>> from provenance.analysis.refs import NodeRef
    >>> raw = NodeRef(id="blake3:" + "a" * 64, node_type="Artifact", name="users.csv",
    ...               kind="dataset", created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    >>> Console(width=80).print(render_node_list([raw]))  # doctest: +NORMALIZE_WHITESPACE
    when (UTC)           type     id            name
    2026-01-02 03:04:05  dataset  aaaaaaaaaaaa  users.csv
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from provenance.model import short_id

if TYPE_CHECKING:
    from provenance.analysis.refs import NodeRef

__all__ = ["listed_type", "listed_when", "render_node_list"]


def listed_type(node: NodeRef) -> str:
    """What a listing says a node is: an artifact's kind, ``transform``, ``code``.

    Example:
        >>> from provenance.analysis.refs import NodeRef
        >>> listed_type(NodeRef(id="blake3:" + "c" * 64, node_type="CodeVersion"))
        'code'
    """
    if node.node_type == "Transform":
        return "transform"
    if node.node_type == "CodeVersion":
        return "code"
    return node.kind or node.node_type.lower()


def listed_when(when: _dt.datetime | None) -> str:
    """A node's time as a listing shows it: UTC to the second, ``-`` when not recorded.

    Example:
        >>> plus_one = _dt.timezone(_dt.timedelta(hours=1))
        >>> listed_when(_dt.datetime(2026, 1, 2, 4, 4, 5, tzinfo=plus_one)), listed_when(None)
        ('2026-01-02 03:04:05', '-')
    """
    if when is None:
        return "-"
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return when.astimezone(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _name(node: NodeRef) -> str:
    if node.node_type == "Transform" and node.name and node.operation:
        return f"{node.name} ({node.operation})"
    return node.name or node.operation or "-"


def render_node_list(nodes: Sequence[NodeRef], *, more: str | None = None) -> Group:
    """A table of ``nodes`` in the order given (time, type, short id, name: last, so a long
    one wraps in place, whole), and ``more`` (what was left out, and how to see it) below.

    Example:
        >>> from rich.console import Console
        >>> Console(width=80).print(render_node_list([], more=None))
        no nodes match
    """
    if not nodes:
        return Group(Text("no nodes match"))
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("name", overflow="fold")
    for n in nodes:
        erased = " (erased)" if n.erased else ""
        table.add_row(listed_when(n.created_at), listed_type(n), short_id(n.id), _name(n) + erased)
    parts: list[Table | Text] = [table]
    if more:
        parts.append(Text(more, "dim"))
    return Group(*parts)
