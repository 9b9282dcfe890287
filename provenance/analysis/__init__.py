"""Analyses written once against the store protocol: audit ancestry, deletion impact,
erasure, feedback loops (and, from their own modules, verify / replay / contamination /
drift / cost).

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> find_loops(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")).loops
    []
"""

from __future__ import annotations

from provenance.analysis.audit import (
    AuditReport,
    AuditStep,
    Reproducibility,
    SourceInfo,
    audit,
    render_audit,
    seed_verdict,
)
from provenance.analysis.diagram import layers, to_mermaid, to_svg
from provenance.analysis.erasure import ErasureRecord, erase, erasure_of, render_erasure
from provenance.analysis.impact import (
    ImpactedNode,
    ImpactPlan,
    RecomputeStep,
    impact_plan,
    impact_sources,
    render_impact,
)
from provenance.analysis.loops import FeedbackLoop, LoopReport, find_loops, render_loops
from provenance.analysis.refs import NodeRef, get_node
from provenance.analysis.report_html import audit_html, write_audit_html
from provenance.store.base import resolve_id

__all__ = [
    "AuditReport",
    "AuditStep",
    "ErasureRecord",
    "FeedbackLoop",
    "ImpactPlan",
    "ImpactedNode",
    "LoopReport",
    "NodeRef",
    "RecomputeStep",
    "Reproducibility",
    "SourceInfo",
    "audit",
    "audit_html",
    "erase",
    "erasure_of",
    "find_loops",
    "get_node",
    "impact_plan",
    "impact_sources",
    "layers",
    "render_audit",
    "render_erasure",
    "render_impact",
    "render_loops",
    "resolve_id",
    "seed_verdict",
    "to_mermaid",
    "to_svg",
    "write_audit_html",
]

# --- other analyses (verify, replay, contamination, drift, cost) append their exports below --

from provenance.analysis.contamination import (
    ContaminationReport,
    contamination,
    render_contamination,
)
from provenance.analysis.cost import CostLine, CostReport, cost, render_cost
from provenance.analysis.drift import (
    DriftReport,
    DriftThresholds,
    FeatureDrift,
    MissingStatsError,
    VersionDrift,
    drift,
    drift_over_versions,
    render_drift,
    render_version_drift,
)
from provenance.analysis.replay import (
    NotATransformError,
    ReplayReport,
    render_replay,
    replay,
)
from provenance.analysis.verify import VerifyReport, render_verify, verify

__all__ += [
    "ContaminationReport",
    "CostLine",
    "CostReport",
    "DriftReport",
    "DriftThresholds",
    "FeatureDrift",
    "MissingStatsError",
    "NotATransformError",
    "ReplayReport",
    "VerifyReport",
    "VersionDrift",
    "contamination",
    "cost",
    "drift",
    "drift_over_versions",
    "render_contamination",
    "render_cost",
    "render_drift",
    "render_replay",
    "render_verify",
    "render_version_drift",
    "replay",
    "verify",
]
