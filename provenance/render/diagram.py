"""Lineage diagrams without a network: a topological layering, Mermaid text and inline SVG.

Edges point the way data flows (input → transform → output; model → transform; code version
→ transform). Layers are longest-path levels from the sources, computed once per node.

Example:
    >>> from provenance.model import Artifact, Edge, LineageGraph, Transform
    >>> a, b = (Artifact(id="blake3:" + c * 64, name=c) for c in "ab")
    >>> t = Transform(id="blake3:" + "f" * 64, operation="copy")
    >>> g = LineageGraph(root=b.id, nodes=[a, b, t], edges=[
    ...     Edge(source=t.id, target=a.id, type="USED"),
    ...     Edge(source=t.id, target=b.id, type="PRODUCED")])
    >>> sorted(layers(g).values())
    [0, 1, 2]
"""

from __future__ import annotations

import html
from collections import defaultdict

from provenance.analysis.order import topological_order
from provenance.model import Artifact, CodeVersion, LineageGraph, Model, Transform, short_id
from provenance.store.base import AnyNode

__all__ = ["flow_edges", "layers", "to_mermaid", "to_svg"]


def flow_edges(graph: LineageGraph) -> list[tuple[str, str, str]]:
    """``(from, to, type)`` in data-flow direction, self-loops left out.

    Example:
        >>> from provenance.model import Edge
        >>> flow_edges(LineageGraph(edges=[Edge(source="t", target="a", type="USED"),
        ...                                Edge(source="t", target="b", type="PRODUCED")]))
        [('a', 't', 'USED'), ('t', 'b', 'PRODUCED')]
    """
    out = []
    for e in graph.edges:
        if e.type == "INVALIDATED":
            continue
        u, v = (e.source, e.target) if e.type == "PRODUCED" else (e.target, e.source)
        if u != v:
            out.append((u, v, e.type))
    return sorted(set(out))


def layers(graph: LineageGraph) -> dict[str, int]:
    """Longest-path layer of every node (sources 0), the diagram's columns; cycles are cut
    where they close (in :func:`~provenance.analysis.order.topological_order`).

    Example:
        >>> from provenance.model import Artifact
        >>> a = Artifact(id="blake3:" + "a" * 64, name="a")
        >>> layers(LineageGraph(root=a.id, nodes=[a]))
        {'blake3:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 0}
    """
    preds: dict[str, set[str]] = defaultdict(set)
    for u, v, _ in flow_edges(graph):
        preds[v].add(u)
    order = topological_order(sorted(graph.node_ids), preds)
    pos = {n: i for i, n in enumerate(order)}
    level: dict[str, int] = {}
    for n in order:
        level[n] = max((level[p] + 1 for p in preds[n] if pos.get(p, len(pos)) < pos[n]), default=0)
    return level


def _label(n: AnyNode) -> str:
    if isinstance(n, Artifact):
        return n.name
    if isinstance(n, Transform):
        return n.operation
    return f"code {short_id(n.git_commit, 10) if n.git_commit else (n.entrypoint or '')}"


def _sub(n: AnyNode) -> str:
    short = short_id(n.id, 10)
    if isinstance(n, Model):
        return f"model {short}"
    if isinstance(n, Artifact):
        return f"{n.kind} {short}" + (" ERASED" if n.erased else "")
    return short


def _mermaid_text(text: str) -> str:
    return (
        text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def to_mermaid(graph: LineageGraph) -> str:
    """The graph as a Mermaid ``flowchart LR`` (paste into any Mermaid renderer).

    Example:
        >>> from provenance.model import Artifact, LineageGraph
        >>> a = Artifact(id="blake3:" + "a" * 64, name='say "hi"')
        >>> print(to_mermaid(LineageGraph(root=a.id, nodes=[a])))
        flowchart LR
          n0["say #quot;hi#quot;<br/><small>dataset aaaaaaaaaa</small>"]:::root
          classDef artifact fill:#e0f7fa,stroke:#00838f
          classDef model fill:#f3e5f5,stroke:#6a1b9a
          classDef transform fill:#fff8e1,stroke:#f9a825
          classDef code fill:#e3f2fd,stroke:#1565c0
          classDef erased fill:#ffebee,stroke:#c62828,stroke-dasharray:4 3
          classDef root stroke-width:3px
    """
    level = layers(graph)
    ordered = sorted(graph.nodes, key=lambda n: (level.get(n.id, 0), n.node_type, _label(n), n.id))
    key = {n.id: f"n{i}" for i, n in enumerate(ordered)}
    lines = ["flowchart LR"]
    for n in ordered:
        text = f"{_mermaid_text(_label(n))}<br/><small>{_mermaid_text(_sub(n))}</small>"
        if isinstance(n, Model):
            shape, cls = f'[["{text}"]]', "model"
        elif isinstance(n, Artifact):
            shape, cls = f'["{text}"]', "artifact"
        elif isinstance(n, Transform):
            shape, cls = f'{{{{"{text}"}}}}', "transform"
        else:
            shape, cls = f'[/"{text}"/]', "code"
        if isinstance(n, Artifact) and n.erased:
            cls = "erased"
        if n.id == graph.root:
            cls = "root"
        lines.append(f"  {key[n.id]}{shape}:::{cls}")
    for u, v, etype in flow_edges(graph):
        if u in key and v in key:
            arrow = {"RAN": "-.->", "USED_MODEL": "==>"}.get(etype, "-->")
            lines.append(f"  {key[u]} {arrow} {key[v]}")
    lines += [
        "  classDef artifact fill:#e0f7fa,stroke:#00838f",
        "  classDef model fill:#f3e5f5,stroke:#6a1b9a",
        "  classDef transform fill:#fff8e1,stroke:#f9a825",
        "  classDef code fill:#e3f2fd,stroke:#1565c0",
        "  classDef erased fill:#ffebee,stroke:#c62828,stroke-dasharray:4 3",
        "  classDef root stroke-width:3px",
    ]
    return "\n".join(lines)


_FILL = {
    "Artifact": ("#e0f7fa", "#00838f"),
    "Model": ("#f3e5f5", "#6a1b9a"),
    "Transform": ("#fff8e1", "#f9a825"),
    "CodeVersion": ("#e3f2fd", "#1565c0"),
}
_W, _H, _GX, _GY = 170, 42, 70, 18


def _clip(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def to_svg(graph: LineageGraph, *, include_code: bool = False) -> str:
    """The graph as a self-contained SVG laid out in topological layers, left to right.

    Code versions are left out unless ``include_code`` (they are listed in the report's
    tables). Every label is HTML-escaped.

    Example:
        >>> from provenance.model import Artifact, LineageGraph
        >>> a = Artifact(id="blake3:" + "a" * 64, name="<script>")
        >>> svg = to_svg(LineageGraph(root=a.id, nodes=[a]))
        >>> svg.startswith("<svg") and "&lt;script&gt;" in svg and "<script>" not in svg
        True
    """
    nodes = [n for n in graph.nodes if include_code or not isinstance(n, CodeVersion)]
    keep = {n.id for n in nodes}
    level = layers(graph)
    columns: dict[int, list[AnyNode]] = defaultdict(list)
    for n in sorted(nodes, key=lambda n: (n.node_type, _label(n), n.id)):
        columns[level.get(n.id, 0)].append(n)
    xs = sorted(columns)
    col_index = {lv: i for i, lv in enumerate(xs)}
    pos: dict[str, tuple[int, int]] = {}
    for lv, members in columns.items():
        for row, n in enumerate(members):
            pos[n.id] = (20 + col_index[lv] * (_W + _GX), 20 + row * (_H + _GY))
    width = 40 + max(len(xs), 1) * (_W + _GX) - _GX
    height = 40 + max((len(m) for m in columns.values()), default=1) * (_H + _GY) - _GY
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="lineage diagram" '
        'font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#607d8b"/></marker></defs>',
    ]
    for u, v, etype in flow_edges(graph):
        if u not in keep or v not in keep:
            continue
        (x1, y1), (x2, y2) = pos[u], pos[v]
        sx, sy, tx, ty = x1 + _W, y1 + _H // 2, x2, y2 + _H // 2
        if tx <= sx:  # a back edge (cycle): route around below
            tx, ty = x2 + _W // 2, y2 + _H
        mid = (sx + tx) // 2
        dash = ' stroke-dasharray="5 3"' if etype == "USED_MODEL" else ""
        parts.append(
            f'<path d="M{sx},{sy} C{mid},{sy} {mid},{ty} {tx},{ty}" fill="none" '
            f'stroke="#607d8b" stroke-width="1.2"{dash} marker-end="url(#arrow)">'
            f"<title>{html.escape(etype)}</title></path>"
        )
    for n in nodes:
        x, y = pos[n.id]
        fill, stroke = _FILL[n.node_type]
        erased = isinstance(n, Artifact) and n.erased
        if erased:
            fill, stroke = "#ffebee", "#c62828"
        rx = 18 if isinstance(n, Transform) else 4
        width_px = 3 if n.id == graph.root else 1.5
        dash = ' stroke-dasharray="4 3"' if erased else ""
        parts.append(
            f"<g><title>{html.escape(n.node_type)} {html.escape(n.id)}</title>"
            f'<rect x="{x}" y="{y}" width="{_W}" height="{_H}" rx="{rx}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width_px}"{dash}/>'
            f'<text x="{x + 8}" y="{y + 17}" font-weight="bold">'
            f"{html.escape(_clip(_label(n)))}</text>"
            f'<text x="{x + 8}" y="{y + 33}" fill="#555">{html.escape(_clip(_sub(n), 28))}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
