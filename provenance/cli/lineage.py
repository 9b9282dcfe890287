"""CLI commands that walk the graph: ``ancestry``, ``descendants``, ``show``.

Example:
    >>> import tempfile
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> with SQLiteStore(tempfile.mkdtemp() + "/l.sqlite") as s:
    ...     s.write([Artifact(id="blake3:" + "a" * 64, name="raw")], [])
    >>> ancestry("aaaa", store=s.uri, fmt=GraphFormat.mermaid)  # doctest: +ELLIPSIS
    flowchart LR
      n0["raw<br/><small>dataset aaaaaaaaaa</small>"]:::root
    ...
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Literal

import typer

from provenance.cli.common import (
    DepthOpt,
    IdArg,
    JsonOpt,
    LimitOpt,
    StoreOpt,
    emit,
    opened_store,
    out_console,
    print_json,
)

__all__ = ["GraphFormat", "ancestry", "descendants", "show"]


class GraphFormat(StrEnum):
    """Formats ``provenance ancestry`` and ``provenance descendants`` print."""

    table = "table"
    json = "json"
    tree = "tree"
    mermaid = "mermaid"


#: ``--format``, shared by ``ancestry`` and ``descendants``.
FormatOpt = Annotated[
    GraphFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json, tree or mermaid (default: the tree; for ancestry, then the "
        "tables); --json is --format json.",
        show_default=False,
    ),
]


def _walk(
    store: str | None,
    node_id: str,
    direction: Literal["up", "down"],
    depth: int | None,
    limit: int | None,
    fmt: GraphFormat | None,
) -> None:
    """Walk from ``node_id`` and print the graph in ``fmt``: ``None`` is the tree, then (going
    up, when there are transforms) the audit tables."""
    with opened_store(store) as reader:
        graph = (
            reader.ancestry(node_id, depth, limit)
            if direction == "up"
            else reader.descendants(node_id, depth, limit)
        )
    if fmt is GraphFormat.json:
        print_json(graph.model_dump(mode="json"))
        return
    if fmt is GraphFormat.mermaid:
        from provenance.render.diagram import to_mermaid

        sys.stdout.write(to_mermaid(graph) + "\n")
        return
    from provenance.render.graph import audit_tables, lineage_tree

    console = out_console()
    title = "Ancestry" if direction == "up" else "Descendants"
    console.print(
        f"[bold]{title} of[/] {graph.root}  "
        f"[dim]{len(graph.nodes)} nodes, {len(graph.edges)} edges[/]"
    )
    if fmt is not GraphFormat.table:
        console.print(lineage_tree(graph, direction))
    if fmt is GraphFormat.table or (fmt is None and direction == "up" and graph.transforms):
        console.print(audit_tables(graph))


def ancestry(
    node_id: IdArg,
    store: StoreOpt = None,
    depth: DepthOpt = None,
    limit: LimitOpt = None,
    as_json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Everything a node came from: data, code, seeds, models.

    Sources, transforms, code versions, seeds, environments, models and hyperparameters.
    """
    _walk(store, node_id, "up", depth, limit, GraphFormat.json if as_json else fmt)


def descendants(
    node_id: IdArg,
    store: StoreOpt = None,
    depth: DepthOpt = None,
    limit: LimitOpt = None,
    as_json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Everything derived from a node.

    The transforms that used it and all they produced, transitively.
    """
    _walk(store, node_id, "down", depth, limit, GraphFormat.json if as_json else fmt)


def show(node_id: IdArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Every recorded field of one node."""
    from provenance.render.graph import node_table

    with opened_store(store) as reader:
        node = reader.get(node_id)
    emit(node, as_json, node_table)
