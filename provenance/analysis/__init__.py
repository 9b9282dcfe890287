"""Analyses written once against the store protocol, each returning a typed report.

=================================  ==============================================================
:func:`audit`                      everything that contributed to a node, and its verdict
:func:`impact`                     what deleting sources touches, and the recompute order
:func:`erase` / :func:`erasure_of` erase an artifact's values (and, with ``cascade``, what
                                   derives from it), keeping its skeleton; or look it up
:func:`loops`                      feedback loops: a model (or data set) upstream of itself
:func:`verify`                     can this be reproduced? every check over the ancestry
:func:`replay`                     re-execute a recorded transform and compare digests
:func:`contamination`              leakage between a train and a test set (rows, derived data,
                                   preprocessing fitted before the split)
:func:`cost`                       recorded cost rolled up by source, team, experiment, model
:func:`drift`                      per-feature drift of two artifacts' recorded statistics
:func:`verify_log`                 tamper evidence: the hash-chained log against the stored graph
=================================  ==============================================================

Renderings of these reports (rich tables, HTML, diagrams) live in :mod:`provenance.render`.

Example:
    >>> import tempfile
    >>> from provenance.analysis import loops
    >>> from provenance.store import SQLiteStore
    >>> loops(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")).loops
    []
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.analysis.artifacts import ArtifactCheck, check_artifact, load_artifact
    from provenance.analysis.audit import (
        AuditReport,
        AuditStep,
        Reproducibility,
        SourceInfo,
        audit,
        erased_verdict,
        seed_verdict,
    )
    from provenance.analysis.contamination import (
        ContaminationReport,
        Finding,
        FittedRun,
        NameMatch,
        RowOverlap,
        SharedAncestor,
        contamination,
    )
    from provenance.analysis.cost import CostLine, CostReport, cost, transform_duration
    from provenance.analysis.drift import (
        DriftReport,
        DriftThresholds,
        FeatureDrift,
        NotCompared,
        VersionDrift,
        drift,
        drift_over_versions,
        not_compared,
    )
    from provenance.analysis.erasure import Erasure, ErasureRecord, erase, erasure_of
    from provenance.analysis.impact import (
        ImpactedNode,
        ImpactPlan,
        RecomputeStep,
        impact,
        impact_sources,
    )
    from provenance.analysis.integrity import LogProblem, LogVerdict, verify_log
    from provenance.analysis.loops import FeedbackLoop, LoopReport, loops
    from provenance.analysis.order import topological_order, transforms_in_order
    from provenance.analysis.refs import NodeRef, get_node
    from provenance.analysis.replay import OutputMatch, ReplayReport, replay
    from provenance.analysis.verify import (
        CodeCheck,
        TransformCheck,
        Verdict,
        VerifyReport,
        check_code,
        verify,
    )
    from provenance.reader import resolve_id
else:
    from provenance._lazy import lazy_package

    # Imported on first use: an analysis loads its dependencies (networkx, pandas, ...) only
    # when it runs, so the CLI and `import provenance.analysis.order` stay cheap.
    lazy_package(
        __name__,
        {
            "provenance.analysis.artifacts": ("ArtifactCheck", "check_artifact", "load_artifact"),
            "provenance.analysis.audit": (
                "AuditReport",
                "AuditStep",
                "Reproducibility",
                "SourceInfo",
                "audit",
                "erased_verdict",
                "seed_verdict",
            ),
            "provenance.analysis.contamination": (
                "ContaminationReport",
                "Finding",
                "FittedRun",
                "NameMatch",
                "RowOverlap",
                "SharedAncestor",
                "contamination",
            ),
            "provenance.analysis.cost": ("CostLine", "CostReport", "cost", "transform_duration"),
            "provenance.analysis.drift": (
                "DriftReport",
                "DriftThresholds",
                "FeatureDrift",
                "NotCompared",
                "VersionDrift",
                "drift",
                "drift_over_versions",
                "not_compared",
            ),
            "provenance.analysis.erasure": ("Erasure", "ErasureRecord", "erase", "erasure_of"),
            "provenance.analysis.impact": (
                "ImpactedNode",
                "ImpactPlan",
                "RecomputeStep",
                "impact",
                "impact_sources",
            ),
            "provenance.analysis.integrity": ("LogProblem", "LogVerdict", "verify_log"),
            "provenance.analysis.loops": ("FeedbackLoop", "LoopReport", "loops"),
            "provenance.analysis.order": ("topological_order", "transforms_in_order"),
            "provenance.analysis.refs": ("NodeRef", "get_node"),
            "provenance.analysis.replay": ("OutputMatch", "ReplayReport", "replay"),
            "provenance.analysis.verify": (
                "CodeCheck",
                "TransformCheck",
                "Verdict",
                "VerifyReport",
                "check_code",
                "verify",
            ),
            "provenance.reader": ("resolve_id",),
        },
    )

__all__ = [
    "ArtifactCheck",
    "AuditReport",
    "AuditStep",
    "CodeCheck",
    "ContaminationReport",
    "CostLine",
    "CostReport",
    "DriftReport",
    "DriftThresholds",
    "Erasure",
    "ErasureRecord",
    "FeatureDrift",
    "FeedbackLoop",
    "Finding",
    "FittedRun",
    "ImpactPlan",
    "ImpactedNode",
    "LogProblem",
    "LogVerdict",
    "LoopReport",
    "NameMatch",
    "NodeRef",
    "NotCompared",
    "OutputMatch",
    "RecomputeStep",
    "ReplayReport",
    "Reproducibility",
    "RowOverlap",
    "SharedAncestor",
    "SourceInfo",
    "TransformCheck",
    "Verdict",
    "VerifyReport",
    "VersionDrift",
    "audit",
    "check_artifact",
    "check_code",
    "contamination",
    "cost",
    "drift",
    "drift_over_versions",
    "erase",
    "erased_verdict",
    "erasure_of",
    "get_node",
    "impact",
    "impact_sources",
    "load_artifact",
    "loops",
    "not_compared",
    "replay",
    "resolve_id",
    "seed_verdict",
    "topological_order",
    "transform_duration",
    "transforms_in_order",
    "verify",
    "verify_log",
]
