"""Lineage diagrams without a network: a topological layering, Mermaid text and inline SVG.

Edges point the way data flows (input → transform → output; model → transform; code version
→ transform). Layers are longest-path levels from the sources, computed once per node. The SVG
stacks the layers top to bottom and wraps wide layers, so it fits a page's width; for print it
comes in bands that a page break falls between (:func:`to_svg_bands`).

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

import bisect
import html
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from provenance.analysis.order import topological_order
from provenance.model import Artifact, CodeVersion, LineageGraph, Model, Transform, short_id
from provenance.store.base import AnyNode

__all__ = ["flow_edges", "layers", "to_mermaid", "to_svg", "to_svg_bands"]


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
    """Longest-path layer of every node (sources 0), the diagram's layers; cycles are cut
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
#: Box width and the text width inside it; gaps between boxes in a row, between layers and
#: between the rows of one wrapped layer; the outer margin; the text line height (SVG user
#: units: 1 unit is 1 CSS px when the drawing is not scaled).
_W, _TEXT_W, _GX, _GY, _GY_WRAP, _M, _LINE = 184, 168, 20, 34, 12, 12, 15
#: The drawing is never wider than four boxes side by side: 820 units.
_MAX_W = 2 * _M + 4 * _W + 3 * _GX
#: The slot a long edge takes in each row it passes (so it runs beside boxes, not through
#: them), and its gap to a neighbour.
_SLOT, _SLOT_GAP = 8, 6
#: Characters per label line, and where a long label prefers to wrap: after one of these.
_CHARS = 22
_BREAKS = " _-./:,@"
#: A generous width of one character of a bold label / a plain sub-line at 12 px: a line
#: estimated wider than the box is squeezed into it (``textLength``), never drawn past it.
_BOLD_PX, _PLAIN_PX = 7.7, 7.0
#: Item keys of the slots of long edges start with this (node ids never do).
_SLOT_KEY = "\0"


def _clip(text: str, n: int = _CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, n: int = _CHARS, max_lines: int = 2) -> list[str]:
    """``text`` in lines of at most ``n`` characters, broken after a separator where one is
    in the second half of a line; the last line is clipped with an ellipsis.

    Example:
        >>> _wrap("customer_transactions_2024_q4_eu_west.parquet")
        ['customer_transactions_', '2024_q4_eu_west.parqu…']
        >>> _wrap("x" * 50)
        ['xxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxx…']
    """
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines - 1 and len(rest) > n:
        cut = max((rest.rfind(c, n // 2, n) for c in _BREAKS), default=-1)
        cut = cut + 1 if cut > 0 else n
        lines.append(rest[:cut])
        rest = rest[cut:]
    return [*lines, _clip(rest, n)] if rest else lines


@dataclass(frozen=True)
class _Box:
    """One node's box: top-left corner, height and the text lines it shows (label lines,
    then the sub-line)."""

    node: AnyNode
    x: float
    y: int
    h: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Path:
    """One drawn edge: its type and its pieces, top to bottom, each ``(top, bottom, SVG
    path data)``, so a band draws only the pieces that cross it."""

    type: str
    pieces: tuple[tuple[float, float, str], ...]
    #: Where it ends (y): the band holding this point draws the arrow head.
    end: float


@dataclass(frozen=True)
class _Layout:
    """A whole drawing: its size, the boxes by node id, the rows (top, bottom), the edges."""

    width: int
    height: int
    boxes: dict[str, _Box]
    rows: list[tuple[int, int]]
    paths: list[_Path]


def _box_lines(n: AnyNode) -> tuple[str, ...]:
    label = [_clip(_label(n))] if isinstance(n, Transform) else _wrap(_label(n))
    return (*label, _clip(_sub(n), 26))


def _depths(
    nodes: list[AnyNode], edges: list[tuple[str, str, str]], graph: LineageGraph
) -> dict[str, int]:
    """Each node's layer: its :func:`layers` level, except that a node nothing feeds (a
    source) sits one layer above its first consumer rather than at the top; numbered
    0, 1, 2, ... without gaps."""
    level = layers(graph)
    depth = {n.id: level.get(n.id, 0) for n in nodes}
    succs: dict[str, list[str]] = defaultdict(list)
    fed = set()
    for u, v, _ in edges:
        succs[u].append(v)
        fed.add(v)
    for n in nodes:
        below = [depth[v] for v in succs[n.id] if depth[v] > depth[n.id]]
        if n.id not in fed and below:
            depth[n.id] = min(below) - 1
    rank = {d: i for i, d in enumerate(sorted(set(depth.values())))}
    return {k: rank[d] for k, d in depth.items()}


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


class _Placer:
    """Orders each layer and places its items (boxes and the slots of long edges) in rows:
    each item as close as it fits under the mean position of what feeds it (or, for a
    source, of what it feeds, from the previous pass), rows packed to at most ``_MAX_W``."""

    def __init__(
        self,
        members: dict[int, list[str]],
        widths: dict[str, int],
        preds: dict[str, list[str]],
        succs: dict[str, list[str]],
        tiebreak: dict[str, tuple[str, ...]],
    ) -> None:
        self.members, self.widths, self.preds, self.succs = members, widths, preds, succs
        self.tiebreak = tiebreak

    def gap(self, a: str, b: str) -> int:
        return _SLOT_GAP if a.startswith(_SLOT_KEY) or b.startswith(_SLOT_KEY) else _GX

    def place(self, hint: dict[str, float]) -> tuple[dict[str, float], list[list[str]]]:
        """(centre x of every item, the rows of items, top to bottom; a layer's rows are
        consecutive)."""
        centre: dict[str, float] = {}
        rows: list[list[str]] = []
        for d in sorted(self.members):

            def want(k: str) -> float | None:
                above = _mean([centre[p] for p in self.preds[k] if p in centre])
                if above is not None:
                    return above
                return _mean([hint[s] for s in self.succs[k] if s in hint])

            wants = {k: want(k) for k in self.members[d]}
            ordered = sorted(
                self.members[d],
                key=lambda k: (
                    wants[k] is None,
                    wants[k] or 0.0,
                    self.tiebreak.get(k, ("~", k)),
                ),
            )
            for row in self._pack(ordered):
                self._position(row, wants, centre)
                rows.append(row)
        return centre, rows

    def _pack(self, ordered: list[str]) -> list[list[str]]:
        rows: list[list[str]] = []
        row: list[str] = []
        used = 0
        for k in ordered:
            step = (self.gap(row[-1], k) if row else 0) + self.widths[k]
            if row and used + step > _MAX_W - 2 * _M:
                rows.append(row)
                row, used, step = [], 0, self.widths[k]
            row.append(k)
            used += step
        return [*rows, row] if row else rows

    def _position(
        self, row: list[str], wants: dict[str, float | None], centre: dict[str, float]
    ) -> None:
        """Lefts as close to the wanted centres as the gaps allow, inside the margins."""
        w = self.widths
        lo, hi = float(_M), float(_MAX_W - _M)
        if all(wants[k] is None for k in row):
            used = sum(w[k] for k in row) + sum(self.gap(a, b) for a, b in itertools.pairwise(row))
            lo = (lo + hi - used) / 2
        lefts: list[float] = []
        for i, k in enumerate(row):
            floor = lo if i == 0 else lefts[-1] + w[row[i - 1]] + self.gap(row[i - 1], k)
            wanted = wants[k]
            lefts.append(max(floor, wanted - w[k] / 2 if wanted is not None else floor))
        limit = hi
        for i in range(len(row) - 1, -1, -1):
            lefts[i] = min(lefts[i], limit - w[row[i]])
            if i:
                limit = lefts[i] - self.gap(row[i - 1], row[i])
        for k, left in zip(row, lefts, strict=True):
            centre[k] = left + w[k] / 2


def _bezier(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A curve from ``a`` down to ``b`` leaving and arriving vertically."""
    k = max(8.0, (b[1] - a[1]) / 2)
    return f"C{_pt(a[0], a[1] + k)} {_pt(b[0], b[1] - k)} {_pt(*b)}"


def _pt(x: float, y: float) -> str:
    return f"{round(x, 1):g},{round(y, 1):g}"


def _layout(graph: LineageGraph, include_code: bool) -> _Layout:
    """Boxes in layers top to bottom (see :func:`to_svg`), and every edge's path."""
    nodes = [n for n in graph.nodes if include_code or not isinstance(n, CodeVersion)]
    keep = {n.id for n in nodes}
    edges = [(u, v, t) for u, v, t in flow_edges(graph) if u in keep and v in keep]
    depth = _depths(nodes, edges, graph)
    widths = {n.id: _W for n in nodes}
    members: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        members[depth[n.id]].append(n.id)
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    chains: list[list[str]] = []
    for i, (u, v, _) in enumerate(edges):
        chain = [u]
        if depth[v] > depth[u]:
            for d in range(depth[u] + 1, depth[v]):
                slot = f"{_SLOT_KEY}{i}:{d}"
                members[d].append(slot)
                widths[slot] = _SLOT
                chain.append(slot)
            chain.append(v)
            for a, b in itertools.pairwise(chain):
                preds[b].append(a)
                succs[a].append(b)
        else:
            chain.append(v)  # a back edge (a cycle closing): drawn along the side
        chains.append(chain)
    item_depth = {k: d for d, ks in members.items() for k in ks}
    tiebreak: dict[str, tuple[str, ...]] = {n.id: (n.node_type, _label(n), n.id) for n in nodes}
    placer = _Placer(members, widths, preds, succs, tiebreak)
    centre, rows = placer.place({})
    centre, rows = placer.place(centre)  # sources now sit above what they feed
    shift = min((centre[k] - widths[k] / 2 for k in centre), default=_M) - _M
    right = max((centre[k] + widths[k] / 2 for k in centre), default=_M)
    width = max(int(right - shift) + _M, _W + 2 * _M)
    lines = {n.id: _box_lines(n) for n in nodes}
    heights = {n.id: 12 + _LINE * len(lines[n.id]) for n in nodes}
    node = {n.id: n for n in nodes}
    boxes: dict[str, _Box] = {}
    spans: dict[str, tuple[int, int]] = {}
    row_bounds: list[tuple[int, int]] = []
    y, layer = _M, None
    for row in rows:
        d = item_depth[row[0]]
        if row_bounds:
            y += _GY if d != layer else _GY_WRAP
        layer = d
        h = max((heights[k] for k in row if k in heights), default=0)
        for k in row:
            spans[k] = (y, y + h)
            if k in node:
                boxes[k] = _Box(node[k], centre[k] - _W / 2 - shift, y, heights[k], lines[k])
        row_bounds.append((y, y + h))
        y += h
    paths = _paths(chains, edges, boxes, centre, spans, shift, width)
    return _Layout(width, y + _M, boxes, row_bounds, paths)


def _paths(
    chains: list[list[str]],
    edges: list[tuple[str, str, str]],
    boxes: dict[str, _Box],
    centre: dict[str, float],
    spans: dict[str, tuple[int, int]],
    shift: float,
    width: int,
) -> list[_Path]:
    """Each edge's path. A downward edge leaves the bottom of its source and enters the top
    of its target (the ports of a box spread along its side in the order of where the edges
    go), passing its slots straight down; a back edge runs out of the right side and back in.
    """
    outs: dict[str, list[int]] = defaultdict(list)
    ins: dict[str, list[int]] = defaultdict(list)
    for i, chain in enumerate(chains):
        if chain[-1] in spans and spans[chain[-1]][0] > spans[chain[0]][0]:
            outs[chain[0]].append(i)
            ins[chain[-1]].append(i)
    port: dict[tuple[int, int], float] = {}
    for end, groups, near in ((0, outs, 1), (-1, ins, -2)):
        for nid, idx in groups.items():
            idx.sort(key=lambda i: (centre[chains[i][near]], i))
            for rank, i in enumerate(idx, 1):
                port[(i, end)] = boxes[nid].x + _W * rank / (len(idx) + 1)
    paths: list[_Path] = []
    for i, (chain, (_, _, etype)) in enumerate(zip(chains, edges, strict=True)):
        u, v = boxes[chain[0]], boxes[chain[-1]]
        if (i, 0) not in port:
            a = (u.x + _W, u.y + u.h / 2)
            b = (v.x + _W, v.y + v.h / 2)
            cx = min(max(a[0], b[0]) + 30, width - 2)
            d = f"M{_pt(*a)} C{_pt(cx, a[1])} {_pt(cx, b[1])} {_pt(*b)}"
            paths.append(_Path(etype, ((min(a[1], b[1]), max(a[1], b[1]), d),), b[1]))
            continue
        at = (port[(i, 0)], float(u.y + u.h))
        pieces: list[tuple[float, float, str]] = []
        for slot in chain[1:-1]:
            x = centre[slot] - shift
            top, bottom = spans[slot]
            pieces.append((at[1], top, f"M{_pt(*at)} {_bezier(at, (x, top))}"))
            pieces.append((top, bottom, f"M{_pt(x, top)} L{_pt(x, bottom)}"))
            at = (x, float(bottom))
        to = (port[(i, -1)], float(v.y))
        pieces.append((at[1], to[1], f"M{_pt(*at)} {_bezier(at, to)}"))
        paths.append(_Path(etype, tuple(pieces), to[1]))
    return paths


def _band_bounds(layout: _Layout, max_height: int | None) -> list[tuple[int, int]]:
    """Cut the drawing between rows into bands of about equal height, at most ``max_height``
    units each (a row taller than that gets a band of its own); None: one band."""
    if max_height is None or layout.height <= max_height:
        return [(0, layout.height)]
    # Bands of about equal height, none over the limit.
    count = math.ceil(layout.height / max_height)
    limit = min(max_height, math.ceil(layout.height / count) + 2 * _GY)
    bounds: list[tuple[int, int]] = []
    start = 0
    for (_, prev_bottom), (top, bottom) in itertools.pairwise(layout.rows):
        cut = (prev_bottom + top) // 2
        if bottom + _GY // 2 - start > limit and cut > start:
            bounds.append((start, cut))
            start = cut
    bounds.append((start, layout.height))
    return bounds


def _text(x: float, y: float, line: str, attrs: str, px: float) -> str:
    """A ``<text>`` line; squeezed to the box's text width if it might be wider."""
    fit = (
        f' textLength="{_TEXT_W}" lengthAdjust="spacingAndGlyphs"'
        if len(line) * px > _TEXT_W
        else ""
    )
    return f'<text x="{round(x, 1):g}" y="{y}"{attrs}{fit}>{html.escape(line)}</text>'


def _pieces_by_band(layout: _Layout, bounds: list[tuple[int, int]]) -> list[dict[int, list[str]]]:
    """For each band, the pieces of each edge (by index) that cross it."""
    tops = [top for top, _ in bounds]
    out: list[dict[int, list[str]]] = [{} for _ in bounds]
    for i, p in enumerate(layout.paths):
        for top, bottom, d in p.pieces:
            first = max(bisect.bisect_right(tops, top) - 1, 0)
            last = max(bisect.bisect_right(tops, bottom) - 1, 0)
            for band in range(first, last + 1):
                out[band].setdefault(i, []).append(d)
    return out


def _render(
    layout: _Layout,
    pieces: dict[int, list[str]],
    graph: LineageGraph,
    band: tuple[int, int],
    marker: str,
    label: str,
) -> str:
    """The part of the drawing between the ``band``'s top and bottom as one ``<svg>``
    (edges that run on into the next band are clipped at its edge)."""
    y0, y1 = band
    h = y1 - y0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" height="{h}" '
        f'viewBox="0 {y0} {layout.width} {h}" role="img" aria-label="{html.escape(label)}" '
        'class="lineage" font-family="sans-serif" font-size="12">',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#607d8b"/></marker></defs>',
    ]
    for i, here in pieces.items():
        p = layout.paths[i]
        dash = ' stroke-dasharray="5 3"' if p.type == "USED_MODEL" else ""
        # The arrow head where the edge ends (the last piece), not where the band cuts it.
        arrow = f' marker-end="url(#{marker})"' if y0 <= p.end < y1 else ""
        parts.append(
            f'<path d="{" ".join(here)}" fill="none" stroke="#607d8b" stroke-width="1.2"'
            f"{dash}{arrow}><title>{html.escape(p.type)}</title></path>"
        )
    for box in layout.boxes.values():
        if not y0 <= box.y < y1:
            continue
        n, x, y = box.node, box.x, box.y
        fill, stroke = _FILL[n.node_type]
        erased = isinstance(n, Artifact) and n.erased
        if erased:
            fill, stroke = "#ffebee", "#c62828"
        root = n.id == graph.root
        dash = ' stroke-dasharray="4 3"' if erased else ""
        *label_lines, sub = box.lines
        text = "".join(
            _text(x + 8, y + 17 + i * _LINE, line, ' font-weight="bold"', _BOLD_PX)
            for i, line in enumerate(label_lines)
        )
        sub_y = y + 17 + len(label_lines) * _LINE
        parts.append(
            f'<g class="node {n.node_type.lower()}{" root" if root else ""}" '
            f'data-node-id="{html.escape(n.id)}">'
            f"<title>{html.escape(f'{n.node_type} {_label(n)}')}\n{html.escape(n.id)}</title>"
            f'<rect x="{round(x, 1):g}" y="{y}" width="{_W}" height="{box.h}" '
            f'rx="{18 if isinstance(n, Transform) else 4}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{3 if root else 1.5}"{dash}/>{text}'
            + _text(x + 8, sub_y, sub, ' fill="#555"', _PLAIN_PX)
            + "</g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def to_svg_bands(
    graph: LineageGraph, *, include_code: bool = False, max_height: int | None = 900
) -> list[str]:
    """The drawing of :func:`to_svg` cut between rows into ``<svg>`` bands at most
    ``max_height`` units tall (None: one band), to stack one under the other: together they
    read as one drawing, and a printed page breaks between bands, never through a box. Each
    band has its own arrow marker id (``lineage-arrow-0``, ...). Edges that run on into the
    next band are clipped at the band's edge and go on in the next.

    Example:
        >>> from provenance.model import Artifact, Edge, LineageGraph, Transform
        >>> arts = [Artifact(id="blake3:" + f"{i:064x}", name=f"a{i}") for i in range(12)]
        >>> ts = [Transform(id="blake3:" + f"{i:064x}", operation="step") for i in range(20, 31)]
        >>> edges = [Edge(source=t.id, target=a.id, type=k) for i, t in enumerate(ts)
        ...          for a, k in ((arts[i], "USED"), (arts[i + 1], "PRODUCED"))]
        >>> g = LineageGraph(root=arts[-1].id, nodes=[*arts, *ts], edges=edges)
        >>> bands = to_svg_bands(g, max_height=400)
        >>> len(bands) > 1, sum(b.count("<rect") for b in bands)
        (True, 23)
    """
    layout = _layout(graph, include_code)
    bounds = _band_bounds(layout, max_height)
    pieces = _pieces_by_band(layout, bounds)
    return [
        _render(
            layout,
            pieces[i],
            graph,
            band,
            f"lineage-arrow-{i}",
            "lineage diagram" + (f", part {i + 1} of {len(bounds)}" if len(bounds) > 1 else ""),
        )
        for i, band in enumerate(bounds)
    ]


def to_svg(graph: LineageGraph, *, include_code: bool = False) -> str:
    """The graph as one self-contained SVG laid out in topological layers, top to bottom.

    Layers are the :func:`layers` levels (a source sits one layer above its first consumer);
    a layer of more than four boxes wraps onto further rows, so the drawing is at most 820
    units wide however wide the graph (it scales down to a page, it never needs a scroll
    box); it grows downwards. Within a layer, boxes are ordered by the mean position of what
    feeds them. Edges run from the bottom of a box to the top of the next (``USED_MODEL``
    dashed); a cycle's closing edge runs along the right side. Each box is a ``<g
    class="node artifact|model|transform|codeversion">`` (``root`` added for the graph's root,
    drawn with a thick border) with a ``data-node-id`` and a tooltip holding the full name and
    id; labels longer than two lines of 26 characters are cut with an ellipsis. Code versions
    are left out unless ``include_code`` (the report lists them in tables). Every label is
    HTML-escaped.

    Example:
        >>> from provenance.model import Artifact, LineageGraph
        >>> a = Artifact(id="blake3:" + "a" * 64, name="<script>")
        >>> svg = to_svg(LineageGraph(root=a.id, nodes=[a]))
        >>> svg.startswith("<svg") and "&lt;script&gt;" in svg and "<script>" not in svg
        True
    """
    (svg,) = to_svg_bands(graph, include_code=include_code, max_height=None)
    return svg.replace("lineage-arrow-0", "lineage-arrow")
