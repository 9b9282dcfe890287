"""Rich rendering of a :class:`~provenance.analysis.loops.LoopReport` (feedback loops).

Readable at 80 columns: three columns, names never cut (a cell wraps between words, and only a
name wider than its column is folded, never replaced by ``…``); ids are shortened instead.
The path shows each version of the line on it with its short id, so a loop across several
versions shows them all.

Example:
    >>> from provenance.analysis.loops import LoopReport
    >>> render_loops(LoopReport(models_checked=2)).title
    'Feedback loops (2 models, 0 dataset versions checked)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.model import short_id

if TYPE_CHECKING:
    from rich.table import Table

    from provenance.analysis.loops import FeedbackLoop, LoopReport
    from provenance.analysis.refs import NodeRef

__all__ = ["loop_path", "loops_summary", "render_loops"]

#: Hex digits of the ids shown next to names.
ID_DIGITS = 8


def _version(r: NodeRef) -> str:
    return f"{r.label} [dim]{short_id(r.id, ID_DIGITS)}[/]"


def loop_path(loop: FeedbackLoop) -> str:
    """The loop's path as rich markup: the versions of the line on it with short ids, the
    nodes between by name (or operation).

    Example:
        >>> from provenance.analysis.loops import FeedbackLoop
        >>> from provenance.analysis.refs import NodeRef
        >>> v1, p, t, v2 = (NodeRef(id=f"blake3:{c * 64}", node_type=k, name=n, operation=o)
        ...     for c, k, n, o in [("a", "Model", "clf", None), ("b", "Artifact", "preds", None),
        ...                        ("c", "Transform", None, "train"), ("d", "Model", "clf", None)])
        >>> loop = FeedbackLoop(kind="model", line="clf", source=v1, target=v2,
        ...                     path=[v1, p, t, v2], length=1, versions=[v1, v2])
        >>> loop_path(loop)
        'clf [dim]aaaaaaaa[/] → preds → train → clf [dim]dddddddd[/]'
    """
    versions = {v.id for v in loop.versions} | {loop.source.id, loop.target.id}
    return " → ".join(_version(p) if p.id in versions else p.label for p in loop.path)


def loops_summary(report: LoopReport) -> list[str]:
    """One line of rich markup per loop (or one saying there are none), for summaries.

    Example:
        >>> from provenance.analysis.loops import LoopReport
        >>> loops_summary(LoopReport(models_checked=2))
        ['no feedback loops (2 models, 0 dataset versions checked)']
    """
    if not report.loops:
        return [
            f"no feedback loops ({report.models_checked} models, "
            f"{report.datasets_checked} dataset versions checked)"
        ]
    return [
        f"[bold]{x.line}[/] ({x.kind}, {x.length} transform{'s' * (x.length != 1)}): "
        + loop_path(x)
        for x in report.loops
    ]


def render_loops(report: LoopReport) -> Table:
    """A rich table of the loops found (or a one-row table saying there are none).

    Example:
        >>> from provenance.analysis.loops import LoopReport
        >>> render_loops(LoopReport()).row_count
        1
    """
    from rich.table import Table

    title = (
        f"Feedback loops ({report.models_checked} models, "
        f"{report.datasets_checked} dataset versions checked)"
    )
    table = Table(title=title, title_justify="left", min_width=len(title))
    table.add_column("line", overflow="fold")
    table.add_column("length", justify="right", no_wrap=True)
    table.add_column("path", overflow="fold")
    if not report.loops:
        table.add_row("—", "", "no feedback loops found")
    for x in report.loops:
        table.add_row(f"{x.line}\n[dim]{x.kind}[/]", str(x.length), loop_path(x))
    return table
