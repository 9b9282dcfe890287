"""``--fail-on``: verdicts as CI gates. Each gated command prints its verdict as usual (or
its ``--json``), then exits 1 when the condition named by ``--fail-on`` is met, with one
line on stderr saying why; 0 otherwise. An unknown value is a usage error (exit 2).

The conditions, per command (what each value fails on):

``verify``
    ``unreproducible``: the verdict is unreproducible. ``seeded``: the verdict is seeded or
    unreproducible (anything short of exact). ``any``: that, or an artifact of the checked
    ancestry is not at its uri now (regenerable only: it would have to be re-run).
``contamination``
    ``leakage``: the verdict is leakage (a finding). ``unknown``: leakage, or rows that could
    not be compared (not shown clean). ``any``: either, or a logical name with different
    versions on the two sides.
``drift``
    ``major``: a feature drifted by a major flag. ``minor``: a feature flagged minor or major.
    ``any``: a flag, or a feature added or removed. With ``--name``, over every consecutive
    pair. Metrics are compared, never gated (they have no thresholds).
``loops``
    ``any``: a feedback loop found. ``model``: a loop among model versions. ``dataset``: a
    data set feeding its own later versions.
``log verify``
    ``any`` (the default): a problem found (the log and the stored graph differ, a pinned
    digest is gone). ``never``: report only, exit 0 whatever is found.

Only :mod:`enum` and click load here at start-up; the reports are read, never built.

Example:
    >>> from provenance.analysis.loops import LoopReport
    >>> loops_gate(LoopReport(), LoopsGate.any) is None
    True
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import click

from provenance.cli.common import err_console
from provenance.wording import plural

if TYPE_CHECKING:
    from provenance.analysis.contamination import ContaminationReport
    from provenance.analysis.drift import DriftReport, VersionDrift
    from provenance.analysis.integrity import LogVerdict
    from provenance.analysis.loops import LoopReport
    from provenance.analysis.verify import VerifyReport

__all__ = [
    "ContaminationGate",
    "DriftGate",
    "LogGate",
    "LoopsGate",
    "VerifyGate",
    "contamination_gate",
    "drift_gate",
    "exit_if",
    "log_gate",
    "loops_gate",
    "verify_gate",
]


class VerifyGate(StrEnum):
    """``provenance verify --fail-on``."""

    unreproducible = "unreproducible"
    seeded = "seeded"
    any = "any"


class ContaminationGate(StrEnum):
    """``provenance contamination --fail-on``."""

    leakage = "leakage"
    unknown = "unknown"
    any = "any"


class DriftGate(StrEnum):
    """``provenance drift --fail-on``."""

    major = "major"
    minor = "minor"
    any = "any"


class LoopsGate(StrEnum):
    """``provenance loops --fail-on``."""

    any = "any"
    model = "model"
    dataset = "dataset"


class LogGate(StrEnum):
    """``provenance log verify --fail-on``."""

    any = "any"
    never = "never"


def verify_gate(report: VerifyReport, gate: VerifyGate) -> str | None:
    """Why ``report`` meets ``gate`` (None when it does not; see the module docs).

    Example:
        >>> from provenance.analysis.verify import VerifyReport
        >>> r = VerifyReport(node_id="x", node_type="Artifact", verdict="seeded")
        >>> verify_gate(r, VerifyGate.seeded), verify_gate(r, VerifyGate.unreproducible)
        ('the verdict is seeded', None)
    """
    if report.verdict == "unreproducible" or (
        report.verdict == "seeded" and gate is not VerifyGate.unreproducible
    ):
        return f"the verdict is {report.verdict}"
    if gate is VerifyGate.any:
        checks = [report.target, *report.sources]
        for t in report.transforms:
            checks += [*t.inputs, t.model]
        for c in checks:
            if c is not None and c.status != "available":
                return f"{c.name or c.id} is {c.status.replace('_', ' ')}, not at its uri"
    return None


def contamination_gate(report: ContaminationReport, gate: ContaminationGate) -> str | None:
    """Why ``report`` meets ``gate`` (None when it does not; see the module docs).

    Example:
        >>> from provenance.analysis.contamination import ContaminationReport, RowOverlap
        >>> r = ContaminationReport(train_id="a", test_id="b", train_name="a", test_name="b",
        ...     verdict="unknown", shared_count=0, shared_source_count=0,
        ...     rows=RowOverlap(compared=False, reason="no row fingerprints"))
        >>> contamination_gate(r, ContaminationGate.leakage) is None
        True
        >>> contamination_gate(r, ContaminationGate.unknown)
        'the verdict is unknown: no row fingerprints'
    """
    if report.verdict == "leakage":
        return f"the verdict is leakage ({plural(len(report.findings), 'finding')})"
    if report.verdict == "unknown" and gate is not ContaminationGate.leakage:
        return f"the verdict is unknown: {report.rows.reason or 'rows not compared'}"
    if gate is ContaminationGate.any and report.name_matches:
        names = ", ".join(m.name for m in report.name_matches)
        return f"other versions of {names} on both sides"
    return None


def drift_gate(report: DriftReport | VersionDrift, gate: DriftGate) -> str | None:
    """Why ``report`` (one pair, or every step of ``--name``) meets ``gate`` (None when it
    does not; see the module docs).

    Example:
        >>> from provenance.analysis.drift import DriftReport, FeatureDrift
        >>> r = DriftReport(a_id="a", b_id="b", a_name="v1", b_name="v2", drifted=["x"],
        ...     features=[FeatureDrift(feature="x", kind="numeric", severity="minor")])
        >>> drift_gate(r, DriftGate.major), drift_gate(r, DriftGate.minor)
        (None, 'x drifted (minor)')
    """
    from provenance.analysis.drift import VersionDrift  # loaded by the drift command anyway

    steps = list(report.steps) if isinstance(report, VersionDrift) else [report]
    wanted = ("major",) if gate is DriftGate.major else ("major", "minor")
    for step in steps:
        for f in step.features:
            if f.severity in wanted:
                return f"{f.feature} drifted ({f.severity})"
    if gate is DriftGate.any:
        for step in steps:
            changed = [f"{name} added" for name in step.added]
            changed += [f"{name} removed" for name in step.removed]
            if changed:
                return "; ".join(changed)
    return None


def loops_gate(report: LoopReport, gate: LoopsGate) -> str | None:
    """Why ``report`` meets ``gate`` (None when it does not; see the module docs).

    Example:
        >>> from provenance.analysis.loops import LoopReport
        >>> loops_gate(LoopReport(), LoopsGate.model) is None
        True
    """
    found = [x for x in report.loops if gate is LoopsGate.any or x.kind == gate.value]
    if not found:
        return None
    lines = ", ".join(sorted({x.line for x in found}))
    return f"{plural(len(found), 'feedback loop')} found ({lines})"


def log_gate(verdict: LogVerdict, gate: LogGate) -> str | None:
    """Why ``verdict`` meets ``gate`` (None when it does not; see the module docs).

    Example:
        >>> from provenance.analysis.integrity import LogVerdict
        >>> log_gate(LogVerdict(ok=False), LogGate.any), log_gate(LogVerdict(ok=False), "never")
        ('the log and the stored graph differ', None)
    """
    if verdict.ok or gate == LogGate.never:
        return None
    return "the log and the stored graph differ"


def exit_if(reason: str | None, gate: StrEnum | None) -> None:
    """Exit 1, saying why on stderr, when a gate is set and met (``reason`` not None).

    Example:
        >>> exit_if(None, VerifyGate.seeded)  # not met: returns
        >>> exit_if("the verdict is seeded", None)  # no gate: returns
    """
    if gate is None or reason is None:
        return
    err_console(soft_wrap=True).print(f"fail-on {gate.value}: {reason}", markup=False)
    raise click.exceptions.Exit(1)
