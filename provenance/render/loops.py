"""Rich rendering of a :class:`~provenance.analysis.loops.LoopReport` (feedback loops).

Example:
    >>> from provenance.analysis.loops import LoopReport
    >>> render_loops(LoopReport(models_checked=2)).title
    'Feedback loops (2 models, 0 dataset versions checked)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from provenance.model import short_id

if TYPE_CHECKING:
    from provenance.analysis.loops import LoopReport
    from provenance.analysis.refs import NodeRef

__all__ = ["render_loops"]


def _short(r: NodeRef) -> str:
    return f"{r.label} [dim]{short_id(r.id, 8)}[/]"


def render_loops(report: LoopReport) -> Table:
    """A rich table of the loops found (or a one-row table saying there are none).

    Example:
        >>> from provenance.analysis.loops import LoopReport
        >>> render_loops(LoopReport()).row_count
        1
    """
    table = Table(
        title=f"Feedback loops ({report.models_checked} models, "
        f"{report.datasets_checked} dataset versions checked)",
        title_justify="left",
    )
    for col in ("kind", "line", "from", "to", "length", "versions", "path"):
        table.add_column(col)
    if not report.loops:
        table.add_row("—", "no feedback loops found", "", "", "", "", "")
    for x in report.loops:
        table.add_row(
            x.kind,
            x.line,
            _short(x.source),
            _short(x.target),
            str(x.length),
            " → ".join(_short(v) for v in x.versions),
            " → ".join(p.label for p in x.path),
        )
    return table
