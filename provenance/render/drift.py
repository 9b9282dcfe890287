"""Rich renderings of drift reports: one pair of artifacts (:func:`render_drift`) and the
consecutive versions of a data set (:func:`render_version_drift`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
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


#: The statistic each flag is about (:attr:`FeatureDrift.flags` start with these words).
_FLAG_COLUMNS = (("psi", "PSI"), ("ks", "KS"), ("mean", "shift"), ("std ratio", "ratio"))


def _cell(value: str, flagged: bool, severity: str) -> Text:
    """A statistic's cell: ``*`` after it and the severity's colour when it is flagged."""
    return Text(value + "*", _SEV[severity]) if flagged else Text(value + " ")


def _features_table(report: DriftReport) -> Table:
    """One line per feature: kind, the four statistics (flagged ones starred), severity."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("feature", overflow="fold")
    table.add_column("kind", no_wrap=True)
    for _, header in _FLAG_COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    for f in report.features:
        flagged = {
            header: any(flag.startswith(word) for flag in f.flags) for word, header in _FLAG_COLUMNS
        }
        values = (
            _fmt(f.psi),
            _fmt(f.ks),
            _fmt(f.mean_shift, "+.2f"),
            _fmt(f.std_ratio, ".2f"),
        )
        table.add_row(
            f.feature,
            f.kind,
            *(
                _cell(v, flagged[h], f.severity)
                for v, (_, h) in zip(values, _FLAG_COLUMNS, strict=True)
            ),
            Text(f.severity, _SEV[f.severity]),
        )
    return table


def render_drift(report: DriftReport) -> Group:
    """A :class:`DriftReport`: one line per feature (reads at 80 columns), flagged statistics
    starred, then added / removed / not compared features and the metrics of A and B. A
    report of metrics alone (two models) says so.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.drift import DriftReport
        >>> r = DriftReport(a_id="a", b_id="b", a_name="v1", b_name="v2")
        >>> Console(width=100).print(render_drift(r))  # doctest: +ELLIPSIS
        Drift v1 -> v2: no feature flagged...
    """
    if not report.features_compared:
        parts: list[RenderableType] = [
            Text.assemble(
                f"Drift {report.a_name} -> {report.b_name}: ",
                (
                    "compared by their recorded metrics" if report.metrics else "nothing compared",
                    "bold",
                ),
            ),
            Text(f"  {report.features_note or 'no feature statistics'}", "dim"),
        ]
        if report.metrics:
            from provenance.render.metrics import metrics_change_table

            parts.append(metrics_change_table(report.metrics))
        return Group(*parts)
    summary = (
        f"{len(report.drifted)} of {len(report.features)} features flagged"
        if report.drifted
        else "no feature flagged"
    )
    th = report.thresholds
    parts = [
        Text.assemble(
            f"Drift {report.a_name} -> {report.b_name}: ",
            (summary, "bold red" if report.drifted else "bold green"),
        ),
        Text(
            "  shift: mean shift in std of A; ratio: std B / std A; * above a threshold",
            "dim",
        ),
        Text(
            f"  minor/major above: PSI {th.psi_minor}/{th.psi_major}, KS {th.ks_minor}/"
            f"{th.ks_major}, |shift| {th.mean_shift_minor}/{th.mean_shift_major}, ratio "
            f"{th.std_ratio_minor}/{th.std_ratio_major}",
            "dim",
        ),
    ]
    if report.features:
        parts.append(_features_table(report))
    notes = [f"{f.feature}: {f.note}" for f in report.features if f.note]
    if notes:
        parts.append(Text(f"  notes: {'; '.join(notes)}", "yellow"))
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
          nothing compared: no two versions with feature statistics, no metrics recorded
    """
    count = len(report.versions)
    parts: list[RenderableType] = [
        Text(
            f"Drift along the versions of {report.name}: "
            f"{count} version{'' if count == 1 else 's'} with statistics"
            + (f", {len(report.skipped)} without (skipped)" if report.skipped else "")
        )
    ]
    if not report.steps and not report.metric_steps:
        parts.append(
            Text(
                "  nothing compared: no two versions with feature statistics, no metrics recorded",
                "dim",
            )
        )
    for i, step in enumerate(report.steps, 1):
        parts.append(Text(f"\nstep {i}: {short_id(step.a_id)} -> {short_id(step.b_id)}", "bold"))
        parts.append(render_drift(step))
    if report.metric_steps:  # how the metrics moved along the versions (a model's)
        from provenance.render.metrics import metrics_change_table

        for m in report.metric_steps:
            parts.append(Text(f"\nmetrics: {short_id(m.a_id)} -> {short_id(m.b_id)}", "bold"))
            parts.append(metrics_change_table(m.metrics))
    return Group(*parts)
