"""Rich rendering of a :class:`~provenance.analysis.contamination.ContaminationReport`.

Example:
    >>> from provenance.analysis.contamination import ContaminationReport, RowOverlap
    >>> r = ContaminationReport(train_id="t", test_id="u", train_name="a", test_name="b",
    ...     verdict="leakage", shared_count=1, shared_source_count=1,
    ...     rows=RowOverlap(compared=False, reason="none"))
    >>> render_contamination(r).renderables[0].plain
    'Contamination a -> b: leakage'
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
        ...     test_name="test", verdict="unknown", shared_count=0, shared_source_count=0,
        ...     rows=RowOverlap(compared=False, reason="no row fingerprints"))
        >>> Console(width=100).print(render_contamination(r))  # doctest: +ELLIPSIS
        Contamination train -> test: unknown
        ...
        >>> from provenance.analysis.contamination import Finding, FittedRun
        >>> fit = FittedRun(transform_id="t1", operation="scale", estimators=["StandardScaler"],
        ...     fitted_on=["a1"], reaches_train=["a2"], test_rows_seen=50, test_rows=50,
        ...     basis="lineage")
        >>> leak = Finding(kind="fitted_before_split", message="fitted before the split", fit=fit)
        >>> r = r.model_copy(update={"verdict": "leakage", "findings": [leak]})
        >>> Console(width=100).print(render_contamination(r))  # doctest: +ELLIPSIS
        Contamination train -> test: leakage
          leakage: fitted before the split
        ...
        │ scale │ StandardScaler │ a1        │ 50 of 50 (lineage) │ t1           │
        ...
    """
    style = {"clean": "bold green", "unknown": "bold yellow", "leakage": "bold red"}
    parts: list[RenderableType] = [
        Text.assemble(
            f"Contamination {report.train_name} -> {report.test_name}: ",
            (report.verdict, style[report.verdict]),
        )
    ]
    parts += [Text(f"  leakage: {f.message}", "red") for f in report.findings]
    fits = [f.fit for f in report.findings if f.fit is not None]
    if fits:
        table = Table(title="Fitted before the split")
        for col in ("run", "estimators", "fitted on", "test rows seen", "transform id"):
            table.add_column(col, overflow="fold")
        for fit in fits:
            if fit.test_rows_seen is None:
                seen = "unknown"
            else:
                seen = f"{fit.test_rows_seen} of {fit.test_rows} ({fit.basis})"
            table.add_row(
                fit.operation,
                ", ".join(fit.estimators) or "(declared)",
                "\n".join(fit.fitted_on),
                seen,
                fit.transform_id,
            )
        parts.append(table)
    parts += [Text(f"  expected: {line}", "green") for line in report.expected]
    parts.append(
        Text(f"  shared ancestors: {report.shared_count} ({report.shared_source_count} sources)")
    )
    if report.shared_ancestors:
        table = Table(title="Shared ancestors")
        for col in ("name", "kind", "role", "id"):
            table.add_column(col, overflow="fold")
        for s in report.shared_ancestors:
            table.add_row(s.name, s.kind, s.note or s.role, s.id)
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
                + (f"; estimated from a {r.sample_rate:.1%} sample" if r.sampled else "")
                + (f"; e.g. (test row, train row) {r.examples}" if r.examples else ""),
                "red" if r.test_rows_in_train else "green",
            )
        )
    return Group(*parts)
