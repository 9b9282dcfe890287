"""Rich rendering of a :class:`~provenance.analysis.contamination.ContaminationReport`.

Example:
    >>> from provenance.analysis.contamination import ContaminationReport, RowOverlap
    >>> r = ContaminationReport(train_id="t", test_id="u", train_name="a", test_name="b",
    ...     verdict="shared_rows", shared_count=1, shared_source_count=1,
    ...     rows=RowOverlap(compared=False, reason="none"))
    >>> render_contamination(r).renderables[0].plain
    'Contamination a -> b: shared_rows'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from provenance.analysis.contamination import ContaminationReport

__all__ = ["render_contamination"]


def render_contamination(report: ContaminationReport) -> Group:
    """A rich rendering of a :class:`ContaminationReport`.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.contamination import ContaminationReport, RowOverlap
        >>> r = ContaminationReport(train_id="t", test_id="u", train_name="train",
        ...     test_name="test", verdict="disjoint", shared_count=0, shared_source_count=0,
        ...     rows=RowOverlap(compared=False, reason="no row fingerprints"))
        >>> Console(width=100).print(render_contamination(r))  # doctest: +ELLIPSIS
        Contamination train -> test: disjoint
        ...
    """
    style = {"disjoint": "bold green", "shared_ancestry": "bold yellow", "shared_rows": "bold red"}
    parts: list[RenderableType] = [
        Text.assemble(
            f"Contamination {report.train_name} -> {report.test_name}: ",
            (report.verdict, style[report.verdict]),
        )
    ]
    parts.append(
        Text(f"  shared ancestors: {report.shared_count} ({report.shared_source_count} sources)")
    )
    if report.shared_ancestors:
        table = Table(title="Shared ancestors (nearest first)")
        for col in ("name", "kind", "source", "nearest", "id"):
            table.add_column(col, overflow="fold")
        for s in report.shared_ancestors:
            table.add_row(
                s.name, s.kind, "yes" if s.source else "", "yes" if s.nearest else "", s.id
            )
        parts.append(table)
    if report.name_matches:
        table = Table(title="Same name, different versions")
        for col in ("name", "train side", "test side"):
            table.add_column(col, overflow="fold")
        for m in report.name_matches:
            table.add_row(m.name, "\n".join(m.train_ids), "\n".join(m.test_ids))
        parts.append(table)
    r = report.rows
    if not r.compared:
        parts.append(Text(f"  rows not compared: {r.reason}", "yellow"))
    else:
        parts.append(
            Text(
                f"  rows: {r.test_rows_in_train} of {r.test_rows} test rows are training rows "
                f"({(r.fraction_of_test or 0):.1%}); {r.distinct_shared} distinct shared"
                + (f"; e.g. (test row, train row) {r.examples}" if r.examples else ""),
                "red" if r.test_rows_in_train else "green",
            )
        )
    return Group(*parts)
