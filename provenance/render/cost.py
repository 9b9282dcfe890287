"""Rich rendering of a :class:`~provenance.analysis.cost.CostReport`.

Example:
    >>> from provenance.analysis.cost import CostReport
    >>> render_cost(CostReport(by="model", rule="r", total={"USD": 1.5})).renderables[0].plain
    'Cost by model: 1.50 USD  (0 costed transforms, 0 without cost)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from provenance.analysis.cost import CostReport

__all__ = ["render_cost"]


def _money(amounts: dict[str, float]) -> str:
    return " + ".join(f"{v:,.2f} {k}" for k, v in sorted(amounts.items())) or "0"


def render_cost(report: CostReport) -> Group:
    """A rich table of a :class:`CostReport`.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.cost import CostReport
        >>> r = CostReport(by="team", rule="r")
        >>> Console(width=100).print(render_cost(r))  # doctest: +ELLIPSIS
        Cost by team...
    """
    table = Table(title=None)
    for col in (report.by, "cost", "transforms", "duration (s)", "id"):
        table.add_column(col, overflow="fold")
    for ln in report.lines:
        table.add_row(
            ln.label,
            _money(ln.amounts),
            str(ln.transforms),
            "-" if ln.untimed == ln.transforms else f"{ln.duration_s:,.2f}",
            ln.key if ln.key != ln.label else "",
        )
    return Group(
        Text.assemble(
            f"Cost by {report.by}: ",
            (_money(report.total), "bold"),
            f"  ({report.costed_transforms} costed transforms, "
            f"{report.uncosted_transforms} without cost)",
        ),
        Text(f"  attribution: {report.rule}", "dim"),
        table,
    )
