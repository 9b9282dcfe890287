"""Feature drift between two artifacts' recorded statistics, and along a data set's versions.

:func:`drift` compares the ``feature_stats`` recorded with two artifacts (see
:mod:`provenance.capture.stats`), column by column, A being the reference:

Numeric columns
    * **PSI** (population stability index) ``sum((q - p) * ln(q / p))`` over common bins. The
      two histograms span their own ranges, so both are rebinned first onto one set of edges:
      the union of the two ranges cut into ``max(bins_a, bins_b)`` equal-width bins, each
      original bin's count spread uniformly over its width
      (:func:`~provenance.capture.rebin_histogram`). Proportions below ``1e-4`` are raised to
      ``1e-4`` (epsilon smoothing) so empty bins do not give infinities.
    * **KS** statistic: the largest distance between the two empirical CDFs, each CDF
      reconstructed from its histogram assuming uniform density within bins (piecewise
      linear) and evaluated at every edge of both histograms, where the maximum of two
      piecewise linear functions' difference lies. A one-value histogram is a step.
    * **mean shift** ``(mean_b - mean_a) / std_a`` (in reference standard deviations; the
      pooled std when ``std_a`` is 0 or missing) and **std ratio** ``std_b / std_a``.
Categorical, string and boolean columns
    * **PSI** over the union of both sides' recorded top values plus one "other" bin per side
      (non-missing count minus the listed counts). A value missing from one side's top list
      counts 0 there (its mass is in that side's "other"), which is exact when the
      cardinality is within ``top_k``.

Thresholds (:class:`DriftThresholds`, defaults): PSI > 0.1 minor, PSI > 0.2 major; KS > 0.1
minor, KS > 0.2 major; ``|mean shift|`` > 0.5 std minor, > 1.0 major; std ratio outside
[0.67, 1.5] minor, outside [0.5, 2.0] major. A feature's severity is the worst of its flags.
Features in only one artifact are listed as added / removed.

:func:`drift_over_versions` applies :func:`drift` to consecutive versions (ordered by
``created_at``) of every artifact with one logical name.

Example:
    >>> import tempfile, numpy as np, pandas as pd
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/")
    >>> rng = np.random.default_rng(0)
    >>> a = t.log_artifact(pd.DataFrame({"x": rng.normal(0, 1, 2000)}), name="d")
    >>> b = t.log_artifact(pd.DataFrame({"x": rng.normal(1, 1, 2000)}), name="d")
    >>> r = drift(t.store, a.id, b.id)
    >>> r.features[0].severity, r.drifted
    ('major', ['x'])
    >>> t.close()
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from provenance.errors import MissingStatsError, NotFoundError, ProvenanceError
from provenance.model import Artifact, short_id
from provenance.store.base import LineageStore

__all__ = [
    "DriftReport",
    "DriftThresholds",
    "FeatureDrift",
    "VersionDrift",
    "drift",
    "drift_over_versions",
    "histogram_ks",
    "histogram_psi",
]

#: Smallest proportion a bin is given in PSI (epsilon smoothing).
PSI_EPSILON = 1e-4
Severity = Literal["none", "minor", "major"]


class DriftThresholds(BaseModel):
    """Where a statistic is flagged (``minor``, ``major``). Values strictly above flag."""

    psi_minor: float = 0.1
    psi_major: float = 0.2
    ks_minor: float = 0.1
    ks_major: float = 0.2
    mean_shift_minor: float = 0.5
    mean_shift_major: float = 1.0
    #: std ratio outside [1/x, x] flags.
    std_ratio_minor: float = 1.5
    std_ratio_major: float = 2.0


class FeatureDrift(BaseModel):
    """One feature's comparison."""

    feature: str
    kind: str
    psi: float | None = None
    ks: float | None = None
    mean_a: float | None = None
    mean_b: float | None = None
    mean_shift: float | None = None
    std_ratio: float | None = None
    flags: list[str] = Field(default_factory=list)
    severity: Severity = "none"
    note: str | None = None


class DriftReport(BaseModel):
    """Per-feature drift of artifact B against reference artifact A."""

    a_id: str
    b_id: str
    a_name: str
    b_name: str
    features: list[FeatureDrift] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    #: Features with any flag, worst first.
    drifted: list[str] = Field(default_factory=list)
    thresholds: DriftThresholds = Field(default_factory=DriftThresholds)


class VersionDrift(BaseModel):
    """Drift between consecutive versions of one data set name."""

    name: str
    versions: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    steps: list[DriftReport] = Field(default_factory=list)


# --- statistics --------------------------------------------------------------------------------
def _psi(p_counts: Sequence[float], q_counts: Sequence[float]) -> float:
    p = np.asarray(p_counts, dtype="float64")
    q = np.asarray(q_counts, dtype="float64")
    if p.sum() <= 0 or q.sum() <= 0:
        return 0.0
    p = np.maximum(p / p.sum(), PSI_EPSILON)
    q = np.maximum(q / q.sum(), PSI_EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


def _common_edges(
    a_edges: Sequence[float], b_edges: Sequence[float], bins: int
) -> np.ndarray[Any, Any] | None:
    lo = min(a_edges[0], b_edges[0])
    hi = max(a_edges[-1], b_edges[-1])
    if lo == hi:
        return None
    return np.linspace(lo, hi, bins + 1)


def histogram_psi(
    a_edges: Sequence[float],
    a_counts: Sequence[float],
    b_edges: Sequence[float],
    b_counts: Sequence[float],
) -> float:
    """PSI of histogram B against reference A, after rebinning both onto common edges.

    Example:
        >>> round(histogram_psi([0, 1, 2], [50, 50], [0, 1, 2], [50, 50]), 6)
        0.0
        >>> round(histogram_psi([0, 1, 2], [80, 20], [0, 1, 2], [20, 80]), 4)  # 2*0.6*ln 4
        1.6636
    """
    from provenance.capture import rebin_histogram

    edges = _common_edges(a_edges, b_edges, max(len(a_counts), len(b_counts)))
    if edges is None:  # both all one value, the same one
        return 0.0
    pa = rebin_histogram(a_edges, a_counts, list(edges))
    pb = rebin_histogram(b_edges, b_counts, list(edges))
    return _psi(pa, pb)


def _cdf(
    edges: Sequence[float], counts: Sequence[float], x: np.ndarray[Any, Any], left: bool
) -> np.ndarray[Any, Any]:
    total = float(sum(counts))
    if total <= 0:
        return np.zeros(x.shape)
    if edges[0] == edges[-1]:  # a point mass: a step at v (left limit 0 at v)
        v = edges[0]
        return np.where(x > v, 1.0, np.where(x == v, 0.0 if left else 1.0, 0.0))
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(counts, dtype="float64"))]) / total
    out: np.ndarray[Any, Any] = np.interp(
        x, np.asarray(edges, dtype="float64"), cum, left=0.0, right=1.0
    )
    return out


def histogram_ks(
    a_edges: Sequence[float],
    a_counts: Sequence[float],
    b_edges: Sequence[float],
    b_counts: Sequence[float],
) -> float:
    """Kolmogorov-Smirnov statistic between two histograms (uniform density within bins).

    Example:
        >>> histogram_ks([0, 1, 2], [50, 50], [0, 1, 2], [50, 50])
        0.0
        >>> histogram_ks([0, 1], [10], [1, 2], [10])  # disjoint supports
        1.0
        >>> histogram_ks([0, 2], [10], [1, 3], [10])  # at x=1: 0.5 vs 0; at x=2: 1 vs 0.5
        0.5
    """
    x = np.unique(np.concatenate([np.asarray(a_edges, "float64"), np.asarray(b_edges, "float64")]))
    gap = 0.0
    for left in (False, True):
        fa, fb = _cdf(a_edges, a_counts, x, left), _cdf(b_edges, b_counts, x, left)
        gap = max(gap, float(np.max(np.abs(fa - fb))))
    return round(gap, 12)


def _categorical_psi(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    ta, tb = a.get("top_values"), b.get("top_values")
    if not isinstance(ta, list) or not isinstance(tb, list):
        return None
    ca = {repr(v["value"]): int(v["count"]) for v in ta}
    cb = {repr(v["value"]): int(v["count"]) for v in tb}
    keys = sorted(set(ca) | set(cb))
    other_a = max(int(a.get("count") or 0) - sum(ca.values()), 0)
    other_b = max(int(b.get("count") or 0) - sum(cb.values()), 0)
    pa = [ca.get(k, 0) for k in keys] + [other_a]
    pb = [cb.get(k, 0) for k in keys] + [other_b]
    return _psi(pa, pb)


def _level(value: float, minor: float, major: float) -> Severity:
    return "major" if value > major else "minor" if value > minor else "none"


def _worst(levels: Sequence[Severity]) -> Severity:
    return "major" if "major" in levels else "minor" if "minor" in levels else "none"


def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None


def _compare(name: str, a: dict[str, Any], b: dict[str, Any], th: DriftThresholds) -> FeatureDrift:
    kind = str(a.get("kind"))
    out = FeatureDrift(feature=name, kind=kind)
    if a.get("kind") != b.get("kind"):
        out.note = f"kind changed: {a.get('kind')} -> {b.get('kind')}"
        out.flags.append("kind")
        out.severity = "major"
        return out
    levels: list[Severity] = []
    if kind == "numeric":
        ha, hb = a.get("histogram"), b.get("histogram")
        if ha and hb:
            out.psi = histogram_psi(ha["edges"], ha["counts"], hb["edges"], hb["counts"])
            out.ks = histogram_ks(ha["edges"], ha["counts"], hb["edges"], hb["counts"])
            levels += [(lvl := _level(out.psi, th.psi_minor, th.psi_major))]
            if lvl != "none":
                out.flags.append(f"psi {out.psi:.3f}")
            levels += [(lvl := _level(out.ks, th.ks_minor, th.ks_major))]
            if lvl != "none":
                out.flags.append(f"ks {out.ks:.3f}")
        else:
            out.note = "no histogram on one side (no finite values)"
        ma, mb = _finite(a.get("mean")), _finite(b.get("mean"))
        sa, sb = _finite(a.get("std")), _finite(b.get("std"))
        out.mean_a, out.mean_b = ma, mb
        if ma is not None and mb is not None:
            scale = sa if sa else math.sqrt(((sa or 0.0) ** 2 + (sb or 0.0) ** 2) / 2)
            if scale:
                out.mean_shift = (mb - ma) / scale
                levels += [
                    (lvl := _level(abs(out.mean_shift), th.mean_shift_minor, th.mean_shift_major))
                ]
                if lvl != "none":
                    out.flags.append(f"mean shift {out.mean_shift:+.2f} std")
            elif ma != mb:
                out.flags.append("mean changed (zero std)")
                levels.append("major")
            else:
                out.mean_shift = 0.0
        if sa and sb is not None:
            out.std_ratio = sb / sa
            r = max(out.std_ratio, 1 / out.std_ratio) if out.std_ratio > 0 else math.inf
            levels += [(lvl := _level(r, th.std_ratio_minor, th.std_ratio_major))]
            if lvl != "none":
                out.flags.append(f"std ratio {out.std_ratio:.2f}")
    elif kind in ("categorical", "string", "boolean"):
        out.psi = _categorical_psi(a, b)
        if out.psi is not None:
            levels += [(lvl := _level(out.psi, th.psi_minor, th.psi_major))]
            if lvl != "none":
                out.flags.append(f"psi {out.psi:.3f}")
    else:
        out.note = f"no distribution recorded for kind {kind!r}"
    out.severity = _worst(levels)
    return out


def _stats(store: LineageStore, node_id: str) -> tuple[Artifact, dict[str, Any]]:
    node = store.get(node_id)
    if node is None:
        raise NotFoundError(f"no node with id {node_id!r}")
    if not isinstance(node, Artifact):
        raise ProvenanceError(f"{node_id} is a {node.node_type}, not an artifact")
    stats = node.feature_stats
    if not stats or not isinstance(stats.get("columns"), dict):
        raise MissingStatsError(
            f"artifact {node.name} ({short_id(node.id)}) has no feature statistics recorded "
            "(only tables logged with stats=True have them)"
        )
    return node, stats


def compare_stats(
    a_stats: dict[str, Any], b_stats: dict[str, Any], thresholds: DriftThresholds | None = None
) -> tuple[list[FeatureDrift], list[str], list[str]]:
    """Per-feature drift of two ``feature_stats`` dicts: (features, added, removed).

    Example:
        >>> import pandas as pd
        >>> from provenance.capture import feature_stats
        >>> s = feature_stats(pd.DataFrame({"c": ["a", "b"]}))
        >>> features, added, removed = compare_stats(s, s)
        >>> features[0].psi, features[0].severity
        (0.0, 'none')
    """
    th = thresholds or DriftThresholds()
    ca, cb = a_stats["columns"], b_stats["columns"]
    features = [_compare(n, ca[n], cb[n], th) for n in ca if n in cb]
    return features, sorted(set(cb) - set(ca)), sorted(set(ca) - set(cb))


def drift(
    store: LineageStore, a_id: str, b_id: str, *, thresholds: DriftThresholds | None = None
) -> DriftReport:
    """Per-feature drift of artifact ``b_id`` against reference ``a_id`` (module docs).

    Raises :class:`~provenance.errors.NotFoundError` for an unknown id and
    :class:`MissingStatsError` when either artifact has no feature statistics.

    Example:
        >>> import tempfile, pandas as pd
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a = t.log_artifact(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), name="d")
        >>> drift(t.store, a.id, a.id).drifted
        []
        >>> t.close()
    """
    th = thresholds or DriftThresholds()
    a, sa = _stats(store, a_id)
    b, sb = _stats(store, b_id)
    features, added, removed = compare_stats(sa, sb, th)
    rank = {"major": 0, "minor": 1, "none": 2}
    drifted = [
        f.feature
        for f in sorted(features, key=lambda f: (rank[f.severity], f.feature))
        if f.severity != "none"
    ]
    return DriftReport(
        a_id=a.id,
        b_id=b.id,
        a_name=a.name,
        b_name=b.name,
        features=features,
        added=added,
        removed=removed,
        drifted=drifted,
        thresholds=th,
    )


def drift_over_versions(
    store: LineageStore, name: str, *, thresholds: DriftThresholds | None = None
) -> VersionDrift:
    """Drift between consecutive versions (by ``created_at``) of the data set ``name``.

    Versions without feature statistics are skipped (listed in ``skipped``). Raises
    :class:`~provenance.errors.NotFoundError` when no artifact has that name.

    Example:
        >>> import tempfile, pandas as pd
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> _ = t.log_artifact(pd.DataFrame({"x": [1.0, 2.0]}), name="d")
        >>> _ = t.log_artifact(pd.DataFrame({"x": [1.0, 2.0, 9.0]}), name="d")
        >>> len(drift_over_versions(t.store, "d").steps)
        1
        >>> t.close()
    """
    found = store.find_artifacts(name=name)
    if not found:
        raise NotFoundError(f"no artifact named {name!r}")
    ordered = sorted(found, key=lambda a: (a.created_at, a.id))
    with_stats = [
        a for a in ordered if a.feature_stats and isinstance(a.feature_stats.get("columns"), dict)
    ]
    out = VersionDrift(
        name=name,
        versions=[a.id for a in with_stats],
        skipped=[a.id for a in ordered if a not in with_stats],
    )
    for prev, cur in itertools.pairwise(with_stats):
        out.steps.append(drift(store, prev.id, cur.id, thresholds=thresholds))
    return out
