"""Rich renderings of a :class:`~provenance.model.LineageGraph` and its nodes: one-line
labels, the ancestry/descendant tree, the audit tables and a node's field table.

Example:
    >>> from provenance.model import Artifact, LineageGraph
    >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
    >>> short_id(a.id)
    'aaaaaaaaaaaa'
    >>> lineage_tree(LineageGraph(root=a.id, nodes=[a]), "up").label
    '[bold cyan]raw[/] [dim]dataset aaaaaaaaaaaa[/]'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Group
from rich.table import Table
from rich.tree import Tree

from provenance.model import (
    Artifact,
    CodeVersion,
    Edge,
    LineageGraph,
    Model,
    Transform,
    short_id,
)

if TYPE_CHECKING:
    from provenance.store.base import AnyNode


def _seed_text(t: Transform) -> str:
    s = t.seed_state
    if s is None:
        return "—"
    if s.master_seed is not None:
        return f"seed {s.master_seed} ({s.reproducibility})"
    return s.reproducibility


def _code_text(c: CodeVersion | None) -> str:
    if c is None:
        return "—"
    if c.git_commit:
        dirty = f" +dirty {short_id(c.diff_digest or '', 8)}" if c.git_dirty else ""
        return f"git {short_id(c.git_commit, 10)}{dirty}"
    return f"source {short_id(c.source_digest or '', 10)}"


def node_label(node: AnyNode, code: dict[str, CodeVersion] | None = None) -> str:
    """One-line rich markup describing a node (``code``: code versions by id, for transforms).

    Example:
        >>> from provenance.model import Model
        >>> node_label(Model(id="blake3:" + "b" * 64, name="clf"))
        '[bold magenta]clf[/] [dim]model bbbbbbbbbbbb[/]'
    """
    if isinstance(node, Model):
        arch = f" arch {short_id(node.architecture_hash, 8)}" if node.architecture_hash else ""
        return f"[bold magenta]{node.name}[/] [dim]model {short_id(node.id)}{arch}[/]"
    if isinstance(node, Artifact):
        erased = " [bold red]ERASED[/]" if node.erased else ""
        rows = f" {node.row_count} rows" if node.row_count is not None else ""
        return f"[bold cyan]{node.name}[/] [dim]{node.kind} {short_id(node.id)}{rows}[/]{erased}"
    if isinstance(node, Transform):
        cv = (code or {}).get(node.code_version_id or "")
        params = ", ".join(f"{k}={v}" for k, v in sorted(node.hyperparameters.items()))
        status = "" if node.status == "succeeded" else f" [bold red]{node.status}[/]"
        code_text = f" [blue]{_code_text(cv)}[/]" if cv is not None else ""
        return (
            f"[bold yellow]{node.operation}[/]{status} [dim]{short_id(node.id)}[/] "
            f"[green]{_seed_text(node)}[/]{code_text}" + (f" [dim]({params})[/]" if params else "")
        )
    return f"[bold blue]code[/] {node.entrypoint or ''} [dim]{_code_text(node)}[/]"


def lineage_tree(graph: LineageGraph, direction: Literal["up", "down"]) -> Tree:
    """A tree from the root: upstream (producers, then their inputs) or downstream.

    Depth first, in the order the tree prints: a node is expanded where it first appears;
    where it appears again it is marked ``(shown above)`` and not expanded, so shared
    ancestors and cycles print finitely.

    Example:
        >>> from provenance.model import Artifact, Edge, LineageGraph, Transform
        >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
        >>> t = Transform(id="blake3:" + "f" * 64, operation="dedupe")  # an identity transform
        >>> used, made = (Edge(source=t.id, target=a.id, type=k) for k in ("USED", "PRODUCED"))
        >>> tree = lineage_tree(LineageGraph(root=a.id, nodes=[a, t], edges=[used, made]), "up")
        >>> tree.children[0].children[0].label.endswith("(shown above)[/]")
        True
    """
    nodes = {n.id: n for n in graph.nodes}
    code = {n.id: n for n in graph.code_versions}
    children: dict[str, list[tuple[str, Edge]]] = defaultdict(list)
    for e in graph.edges:
        if e.type == "RAN":
            continue
        if direction == "up":
            parent, child = (e.target, e.source) if e.type == "PRODUCED" else (e.source, e.target)
        else:
            parent, child = (e.source, e.target) if e.type == "PRODUCED" else (e.target, e.source)
        if child in nodes:
            children[parent].append((child, e))

    def below(nid: str) -> Iterator[tuple[str, Edge]]:
        return iter(sorted(children.get(nid, []), key=lambda c: (c[1].type, c[0]), reverse=True))

    root_id = graph.root or (graph.nodes[0].id if graph.nodes else "")
    tree = Tree(node_label(nodes[root_id], code) if root_id in nodes else root_id)
    seen = {root_id}
    # Pre-order walk with an explicit stack (no recursion limit on deep lineage): each entry
    # is a printed branch and the children of its node still to print.
    stack: list[tuple[Tree, Iterator[tuple[str, Edge]]]] = [(tree, below(root_id))]
    while stack:
        branch, pending = stack[-1]
        step = next(pending, None)
        if step is None:
            stack.pop()
            continue
        child, edge = step
        role = f"[dim]{edge.type.lower()}{':' + edge.role if edge.role else ''}[/] "
        if child in seen:
            branch.add(role + node_label(nodes[child], code) + " [dim](shown above)[/]")
            continue
        seen.add(child)
        stack.append((branch.add(role + node_label(nodes[child], code)), below(child)))
    if graph.truncated:
        tree.add("[bold red]… truncated: more nodes than --limit[/]")
    return tree


def audit_tables(graph: LineageGraph) -> Group:
    """Sources, transforms (in execution order) and models of an ancestry, as tables.

    Example:
        >>> from provenance.model import Artifact, LineageGraph
        >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
        >>> [t.title for t in audit_tables(LineageGraph(root=a.id, nodes=[a])).renderables]
        ['Sources', 'Transforms, in execution order']
    """
    from provenance.analysis.order import transforms_in_order

    code = {n.id: n for n in graph.code_versions}
    sources = Table(title="Sources", title_justify="left", expand=False)
    for col in ("name", "digest", "uri", "rows", "licence", "PII", "owner"):
        sources.add_column(col)
    for a in sorted(graph.sources(), key=lambda a: a.name):
        sources.add_row(
            a.name,
            short_id(a.id, 16),
            a.uri or "—",
            "—" if a.row_count is None else str(a.row_count),
            a.license or "—",
            {True: "[red]yes[/]", False: "no", None: "—"}[a.contains_pii],
            a.owner or "—",
        )
    steps = Table(title="Transforms, in execution order", title_justify="left")
    for col in ("#", "operation", "id", "inputs → outputs", "seed", "code", "params", "s"):
        steps.add_column(col)
    names = {n.id: getattr(n, "name", short_id(n.id)) for n in graph.nodes}
    outs: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.type == "PRODUCED":
            outs[e.source].append(names.get(e.target, short_id(e.target)))
    for i, t in enumerate(transforms_in_order(graph), 1):
        ins = [names.get(x, short_id(x)) for x in t.input_ids]
        if t.model_id:
            ins.append(f"model:{names.get(t.model_id, short_id(t.model_id))}")
        steps.add_row(
            str(i),
            t.operation,
            short_id(t.id, 10),
            f"{', '.join(ins) or '—'} → {', '.join(sorted(outs[t.id])) or '—'}",
            _seed_text(t),
            _code_text(code.get(t.code_version_id or "")),
            ", ".join(f"{k}={_short(v)}" for k, v in sorted(t.hyperparameters.items())) or "—",
            f"{t.duration_s:.2f}" if t.duration_s is not None else "—",
        )
    parts: list[Any] = [sources, steps]
    if graph.models:
        models = Table(title="Models", title_justify="left")
        for col in ("name", "digest", "architecture", "parameters", "framework"):
            models.add_column(col)
        for m in graph.models:
            models.add_row(
                m.name,
                short_id(m.id, 16),
                short_id(m.architecture_hash or "", 12),
                str(m.parameter_count or "—"),
                m.framework or "—",
            )
        parts.append(models)
    from provenance.render.metrics import transform_metrics_table

    metrics = transform_metrics_table(transforms_in_order(graph))
    if metrics is not None:  # what each run measured (run.log_metric)
        parts.append(metrics)
    return Group(*parts)


def _short(value: Any, n: int = 24) -> str:
    text = str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def node_table(node: AnyNode) -> Table:
    """Every recorded field of a node but its id and type, as a two-column table whose
    values wrap rather than being cut (:func:`render_node` puts the id above it).

    Example:
        >>> from provenance.model import Artifact
        >>> node_table(Artifact(id="blake3:" + "a" * 64, name="raw")).columns[1].overflow
        'fold'
    """
    from rich import box

    table = Table(show_header=False, box=box.SQUARE)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in node.model_dump(mode="json").items():
        if value in (None, {}, []) or key in ("id", "node_type"):
            continue
        if isinstance(value, dict | list):
            import json

            text = json.dumps(value, indent=1, sort_keys=True)
            if len(text) > 1200:
                text = text[:1200] + "\n… (use --json for everything)"
            table.add_row(key, text)
        else:
            table.add_row(key, str(value))
    return table


def render_node(node: AnyNode) -> Group:
    """``provenance show``: the node's type and name, its full id on a line of its own (71
    characters: whole at 80 columns), then every other field (:func:`node_table`).

    Example:
        >>> from rich.console import Console
        >>> from provenance.model import Transform
        >>> t = Transform(id="blake3:" + "1" * 64, operation="clean")
        >>> Console(width=80).print(render_node(t))  # doctest: +ELLIPSIS
        Transform clean
        blake3:1111111111111111111111111111111111111111111111111111111111111111
        ┌───────────...
    """
    from rich.text import Text

    label = getattr(node, "name", None) or getattr(node, "operation", None)
    if isinstance(node, CodeVersion):
        label = node.entrypoint
    return Group(
        Text.assemble((node.node_type, "bold"), f" {label}" if label else ""),
        Text(node.id),
        node_table(node),
    )
