"""Rich renderings of drift reports: one pair of artifacts (:func:`render_drift`) and the
consecutive versions of a data set (:func:`render_version_drift`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance.model import short_id

if TYPE_CHECKING:
    from provenance.analysis.drift import DriftReport, VersionDrift

__all__ = ["render_drift", "render_version_drift"]

_SEV = {"none": "green", "minor": "yellow", "major": "bold red"}


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def render_drift(report: DriftReport) -> Group:
    """A rich table of a :class:`DriftReport`, one row per feature.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.drift import DriftReport
        >>> r = DriftReport(a_id="a", b_id="b", a_name="v1", b_name="v2")
        >>> Console(width=100).print(render_drift(r))  # doctest: +ELLIPSIS
        Drift v1 -> v2: no feature flagged...
    """
    summary = (
        f"{len(report.drifted)} of {len(report.features)} features flagged"
        if report.drifted
        else "no feature flagged"
    )
    th = report.thresholds
    parts: list[RenderableType] = [
        Text.assemble(
            f"Drift {report.a_name} -> {report.b_name}: ",
            (summary, "bold red" if report.drifted else "bold green"),
        ),
        Text(
            f"  thresholds: PSI >{th.psi_minor}/{th.psi_major}, KS >{th.ks_minor}/{th.ks_major}, "
            f"|mean shift| >{th.mean_shift_minor}/{th.mean_shift_major} std, std ratio "
            f">{th.std_ratio_minor}/{th.std_ratio_major} (minor/major)",
            "dim",
        ),
    ]
    if report.features:
        table = Table()
        for col in (
            "feature",
            "kind",
            "PSI",
            "KS",
            "mean shift (std)",
            "std ratio",
            "severity",
            "flags",
        ):
            table.add_column(col, overflow="fold")
        for f in report.features:
            table.add_row(
                f.feature,
                f.kind,
                _fmt(f.psi),
                _fmt(f.ks),
                _fmt(f.mean_shift, "+.2f"),
                _fmt(f.std_ratio, ".2f"),
                Text(f.severity, _SEV[f.severity]),
                ", ".join(f.flags) or (f.note or ""),
            )
        parts.append(table)
    if report.added:
        parts.append(Text(f"  added features: {', '.join(report.added)}", "yellow"))
    if report.removed:
        parts.append(Text(f"  removed features: {', '.join(report.removed)}", "yellow"))
    if report.not_compared:
        skipped = "; ".join(f"{c.feature}: {c.reason}" for c in report.not_compared)
        parts.append(Text(f"  not compared (identifier / free text): {skipped}", "dim"))
    if report.metrics:  # the recorded metrics of A and B (two model versions)
        from provenance.render.metrics import metrics_change_table

        parts.append(metrics_change_table(report.metrics))
    return Group(*parts)


def render_version_drift(report: VersionDrift) -> Group:
    """A rich rendering of :class:`VersionDrift`: one drift table per consecutive pair.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.drift import VersionDrift
        >>> Console(width=100).print(render_version_drift(VersionDrift(name="d")))
        Drift along the versions of d: 0 versions with statistics
    """
    parts: list[RenderableType] = [
        Text(
            f"Drift along the versions of {report.name}: "
            f"{len(report.versions)} versions with statistics"
            + (f", {len(report.skipped)} without (skipped)" if report.skipped else "")
        )
    ]
    for i, step in enumerate(report.steps, 1):
        parts.append(Text(f"\nstep {i}: {short_id(step.a_id)} -> {short_id(step.b_id)}", "bold"))
        parts.append(render_drift(step))
    if report.metric_steps:  # how the metrics moved along the versions (a model's)
        from provenance.render.metrics import metrics_change_table

        for m in report.metric_steps:
            parts.append(Text(f"\nmetrics: {short_id(m.a_id)} -> {short_id(m.b_id)}", "bold"))
            parts.append(metrics_change_table(m.metrics))
    return Group(*parts)
