"""Rich renderings of recorded metrics: the metrics of the transforms of a lineage graph
(``show``, ``audit``) and metric comparisons of two artifacts (``drift`` of two model
versions).

Example:
    >>> from provenance.analysis.drift import compare_metrics
    >>> table = metrics_change_table(compare_metrics({"acc": 0.8}, {"acc": 0.9}))
    >>> [next(iter(c.cells)) for c in table.columns]
    ['acc', '0.8', '0.9', '+0.1', '+12.5%']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.table import Table

from provenance.model import Transform, short_id

if TYPE_CHECKING:
    from provenance.analysis.drift import MetricChange

__all__ = ["format_metric", "metrics_change_table", "metrics_rows", "transform_metrics_table"]


def format_metric(value: float | None, signed: bool = False) -> str:
    """A metric value for display: up to 6 significant digits, ``-`` when absent.

    Example:
        >>> format_metric(0.973456789), format_metric(None), format_metric(0.1, signed=True)
        ('0.973457', '-', '+0.1')
    """
    if value is None:
        return "-"
    return format(value, "+.6g" if signed else ".6g")


def metrics_rows(transforms: Iterable[Transform]) -> list[tuple[str, str, str, str]]:
    """(operation, short id, metric, value) for every metric of ``transforms``, in their
    order, metrics by name.

    Example:
        >>> t = Transform(id="blake3:" + "1" * 64, operation="evaluate", metrics={"f1": 0.5})
        >>> metrics_rows([t])
        [('evaluate', '1111111111', 'f1', '0.5')]
    """
    return [
        (t.name or t.operation, short_id(t.id, 10), name, format_metric(value))
        for t in transforms
        for name, value in sorted(t.metrics.items())
    ]


def transform_metrics_table(transforms: Sequence[Transform]) -> Table | None:
    """A table of the metrics of ``transforms`` (None when none has any).

    Example:
        >>> t = Transform(id="blake3:" + "1" * 64, operation="evaluate", metrics={"f1": 0.5})
        >>> transform_metrics_table([t]).row_count, transform_metrics_table([])
        (1, None)
    """
    rows = metrics_rows(transforms)
    if not rows:
        return None
    table = Table(title="Metrics", title_justify="left")
    for col in ("transform", "id", "metric", "value"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for row in rows:
        table.add_row(*row)
    return table


def metrics_change_table(changes: Sequence[MetricChange]) -> Table:
    """A table of metric comparisons: the value in A and B, the change and relative change.

    Example:
        >>> metrics_change_table([]).row_count
        0
    """
    table = Table(title="Metrics", title_justify="left")
    table.add_column("metric")
    for col in ("A", "B", "change", "change (%)"):
        table.add_column(col, justify="right")
    for c in changes:
        rel = "-" if c.relative_change is None else f"{c.relative_change * 100:+.4g}%"
        table.add_row(
            c.metric,
            format_metric(c.a),
            format_metric(c.b),
            format_metric(c.change, signed=True),
            rel,
        )
    return table
