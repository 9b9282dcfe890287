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

Identifiers and free text (``user_id``, ``email``, ``bio``: their values differ from one data
set to the next by nature) are not compared: :func:`~provenance.capture.stats.column_role`
recognises them by name and by their recorded statistics (unique-ish integers or strings,
e-mail addresses, long text with spaces), and the report lists them in ``not_compared`` with
the reason, apart from the features.

:func:`drift_over_versions` applies :func:`drift` to consecutive versions (ordered by
``created_at``) of every artifact with one logical name.

Metrics (two model versions)
    Each report also compares the **metrics** recorded for A and B
    (:func:`artifact_metrics`): those of the succeeded transforms that produced the artifact
    and, for a model, of those that ran with it (``USED_MODEL``: ``tracker.run(...,
    model=m)``, an evaluation); where several give one metric, the latest run's value
    (by ``ended_at``) counts. Each :class:`MetricChange` holds the value in A and in B, the
    change ``b - a`` and the relative change ``(b - a) / |a|``. When A or B has no feature
    statistics, the two are compared by their metrics alone (``features_note`` says so):
    two models always are (models have no feature statistics), even with no metrics
    recorded; other artifacts only when either has metrics, else drift raises
    :class:`~provenance.errors.MissingStatsError`. :func:`metrics_diff` is the metrics part
    on its own.

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
from provenance.model import Artifact, Model, Transform, short_id
from provenance.store.base import Direction, LineageStore
from provenance.wording import with_article

__all__ = [
    "DriftReport",
    "DriftThresholds",
    "FeatureDrift",
    "MetricChange",
    "MetricsComparison",
    "NotCompared",
    "VersionDrift",
    "artifact_metrics",
    "compare_metrics",
    "drift",
    "drift_over_versions",
    "histogram_ks",
    "histogram_psi",
    "metrics_diff",
    "not_compared",
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


class NotCompared(BaseModel):
    """A column left out of the comparison: an identifier or free text, and why."""

    feature: str
    role: Literal["identifier", "free_text"]
    reason: str


class MetricChange(BaseModel):
    """One metric of A and B: both values (None where not recorded) and the change."""

    metric: str
    a: float | None = None
    b: float | None = None
    #: ``b - a`` (None unless both are recorded).
    change: float | None = None
    #: ``(b - a) / |a|`` (None unless both are recorded and ``a`` is not 0).
    relative_change: float | None = None


class MetricsComparison(BaseModel):
    """The metrics recorded for two artifacts (two model versions), side by side."""

    a_id: str
    b_id: str
    a_name: str
    b_name: str
    a_metrics: dict[str, float] = Field(default_factory=dict)
    b_metrics: dict[str, float] = Field(default_factory=dict)
    metrics: list[MetricChange] = Field(default_factory=list)


class DriftReport(BaseModel):
    """Per-feature drift of artifact B against reference artifact A, and their metrics."""

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
    #: Columns in both not compared: identifiers and free text (:func:`not_compared`).
    not_compared: list[NotCompared] = Field(default_factory=list)
    #: The recorded metrics of A and B compared (:func:`compare_metrics`), by name.
    metrics: list[MetricChange] = Field(default_factory=list)
    #: False when A or B has no feature statistics (models): only metrics were compared.
    features_compared: bool = True
    #: Why the features were not compared (``features_compared`` False), in words.
    features_note: str | None = None


class VersionDrift(BaseModel):
    """Drift between consecutive versions of one data set (or model) name."""

    name: str
    versions: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    steps: list[DriftReport] = Field(default_factory=list)
    #: Metrics of consecutive versions (every version, by ``created_at``) where either
    #: has metrics recorded: how a model's metrics moved along its versions.
    metric_steps: list[MetricsComparison] = Field(default_factory=list)


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


# --- metrics -----------------------------------------------------------------------------------
def _artifact(store: LineageStore, node_id: str) -> Artifact:
    node = store.get(node_id)
    if node is None:
        raise NotFoundError(f"no node with id {node_id!r}")
    if not isinstance(node, Artifact):
        raise ProvenanceError(f"{node_id} is {with_article(node.node_type)}, not an artifact")
    return node


def _when(t: Transform) -> tuple[str, str]:
    when = t.ended_at or t.started_at
    return (when.isoformat() if when is not None else "", t.id)


def artifact_metrics(store: LineageStore, node_id: str) -> dict[str, float]:
    """The metrics recorded for an artifact: of the succeeded transforms that produced it
    and, for a model, of those that ran with it (USED_MODEL); the latest run wins a tie.

    Example:
        >>> import tempfile, numpy as np
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> with t.run("train", metrics={"loss": 0.4}) as run:
        ...     m = run.output({"w": np.ones(2)}, name="m")
        >>> with t.run("evaluate", model=m) as run:
        ...     run.log_metric("accuracy", 0.9)
        >>> artifact_metrics(t.store, m.id)
        {'accuracy': 0.9, 'loss': 0.4}
        >>> t.close()
    """
    node = _artifact(store, node_id)
    runs: dict[str, Transform] = {}
    up = store.traverse(node.id, Direction.UP, depth=1)
    producers = {e.source for e in up.edges if e.type == "PRODUCED" and e.target == node.id}
    runs.update({t.id: t for t in up.transforms if t.id in producers})
    if isinstance(node, Model) or node.kind == "model":
        down = store.traverse(node.id, Direction.DOWN, depth=1)
        users = {e.source for e in down.edges if e.type == "USED_MODEL" and e.target == node.id}
        runs.update({t.id: t for t in down.transforms if t.id in users})
    out: dict[str, float] = {}
    for t in sorted(runs.values(), key=_when):
        if t.status == "succeeded":
            out.update(t.metrics)
    return dict(sorted(out.items()))


def compare_metrics(a: dict[str, float], b: dict[str, float]) -> list[MetricChange]:
    """Each metric of ``a`` or ``b`` (sorted by name): both values and the change.

    Example:
        >>> [(m.metric, m.change, m.relative_change) for m in compare_metrics(
        ...     {"acc": 0.8, "loss": 0.5}, {"acc": 0.9})]
        [('acc', 0.1, 0.125), ('loss', None, None)]
    """
    out: list[MetricChange] = []
    for name in sorted(set(a) | set(b)):
        va, vb = a.get(name), b.get(name)
        change = relative = None
        if va is not None and vb is not None:
            change = round(vb - va, 12)
            relative = round((vb - va) / abs(va), 12) if va != 0 else None
        out.append(MetricChange(metric=name, a=va, b=vb, change=change, relative_change=relative))
    return out


def metrics_diff(store: LineageStore, a_id: str, b_id: str) -> MetricsComparison:
    """The metrics recorded for ``a_id`` and ``b_id`` (two model versions) compared.

    Example:
        >>> import tempfile, numpy as np
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> with t.run("train", params={"v": 1}, metrics={"auc": 0.8}) as run:
        ...     v1 = run.output({"w": np.ones(2)}, name="m")
        >>> with t.run("train", params={"v": 2}, metrics={"auc": 0.85}) as run:
        ...     v2 = run.output({"w": np.zeros(2)}, name="m")
        >>> [(c.metric, c.a, c.b, c.change) for c in metrics_diff(t.store, v1.id, v2.id).metrics]
        [('auc', 0.8, 0.85, 0.05)]
        >>> t.close()
    """
    a, b = _artifact(store, a_id), _artifact(store, b_id)
    ma, mb = artifact_metrics(store, a.id), artifact_metrics(store, b.id)
    return MetricsComparison(
        a_id=a.id,
        b_id=b.id,
        a_name=a.name,
        b_name=b.name,
        a_metrics=ma,
        b_metrics=mb,
        metrics=compare_metrics(ma, mb),
    )


def _stats(store: LineageStore, node_id: str) -> tuple[Artifact, dict[str, Any]]:
    node = store.get(node_id)
    if node is None:
        raise NotFoundError(f"no node with id {node_id!r}")
    if not isinstance(node, Artifact):
        raise ProvenanceError(f"{node_id} is {with_article(node.node_type)}, not an artifact")
    stats = node.feature_stats
    if not stats or not isinstance(stats.get("columns"), dict):
        raise MissingStatsError(
            f"artifact {node.name} ({short_id(node.id)}) has no feature statistics recorded, "
            "and neither side has metrics: nothing to compare. Drift compares the statistics "
            "recorded with tables (a DataFrame or Arrow table given to log_artifact) and the "
            "metrics recorded for models (run.log_metric)"
        )
    return node, stats


def _is_model(node: Artifact) -> bool:
    return isinstance(node, Model) or node.kind == "model"


def _has_stats(node: Artifact) -> bool:
    stats = node.feature_stats
    return stats is not None and isinstance(stats.get("columns"), dict)


def _features_note(a: Artifact, b: Artifact, any_metrics: bool) -> str:
    """Why a report compares metrics only: which side has no feature statistics.

    Example:
        >>> m = Model(id="blake3:" + "1" * 64, name="m")
        >>> _features_note(m, m, True)
        'models have no feature statistics: their recorded metrics are compared'
    """
    if _is_model(a) and _is_model(b):
        if any_metrics:
            return "models have no feature statistics: their recorded metrics are compared"
        return (
            "models have no feature statistics, and neither has metrics recorded "
            "(run.log_metric): nothing to compare"
        )
    lacking = [x for x in {x.id: x for x in (a, b)}.values() if not _has_stats(x)]
    names = " and ".join(f"{x.name} ({short_id(x.id)})" for x in lacking)
    return f"no feature statistics for {names}: only the recorded metrics are compared"


def not_compared(a_stats: dict[str, Any], b_stats: dict[str, Any]) -> list[NotCompared]:
    """The columns of both ``feature_stats`` dicts that are identifiers or free text on
    either side (:func:`~provenance.capture.stats.column_role`), in column order.

    Example:
        >>> import pandas as pd
        >>> from provenance.capture import feature_stats
        >>> s = feature_stats(pd.DataFrame({"user_id": [1, 2], "x": [0.5, 1.5]}))
        >>> [(c.feature, c.role) for c in not_compared(s, s)]
        [('user_id', 'identifier')]
    """
    from provenance.capture.stats import column_role

    ca, cb = a_stats["columns"], b_stats["columns"]
    out: list[NotCompared] = []
    for name in ca:
        if name not in cb:
            continue
        found = column_role(name, ca[name]) or column_role(name, cb[name])
        if found is not None:
            out.append(NotCompared(feature=name, role=found[0], reason=found[1]))
    return out


def compare_stats(
    a_stats: dict[str, Any], b_stats: dict[str, Any], thresholds: DriftThresholds | None = None
) -> tuple[list[FeatureDrift], list[str], list[str]]:
    """Per-feature drift of two ``feature_stats`` dicts: (features, added, removed).

    Identifiers and free text (:func:`not_compared`) are left out of ``features``.

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
    skip = {c.feature for c in not_compared(a_stats, b_stats)}
    features = [_compare(n, ca[n], cb[n], th) for n in ca if n in cb and n not in skip]
    return features, sorted(set(cb) - set(ca)), sorted(set(ca) - set(cb))


def drift(
    store: LineageStore, a_id: str, b_id: str, *, thresholds: DriftThresholds | None = None
) -> DriftReport:
    """Per-feature drift of artifact ``b_id`` against reference ``a_id``, and their recorded
    metrics compared (module docs).

    Raises :class:`~provenance.errors.NotFoundError` for an unknown id. When either artifact
    has no feature statistics, the report compares the recorded metrics alone
    (``features_compared=False``, ``features_note`` says why): always for two models
    (``Model`` nodes or kind ``model``: models have no statistics), for other artifacts when
    either side has metrics; else it raises :class:`MissingStatsError`.

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
    metrics = metrics_diff(store, a_id, b_id)
    try:
        a, sa = _stats(store, a_id)
        b, sb = _stats(store, b_id)
    except MissingStatsError:
        a, b = _artifact(store, metrics.a_id), _artifact(store, metrics.b_id)
        any_metrics = bool(metrics.a_metrics or metrics.b_metrics)
        if not (any_metrics or (_is_model(a) and _is_model(b))):
            raise
        return DriftReport(
            a_id=metrics.a_id,
            b_id=metrics.b_id,
            a_name=metrics.a_name,
            b_name=metrics.b_name,
            thresholds=th,
            metrics=metrics.metrics,
            features_compared=False,
            features_note=_features_note(a, b, any_metrics),
        )
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
        not_compared=not_compared(sa, sb),
        metrics=metrics.metrics,
    )


def drift_over_versions(
    store: LineageStore, name: str, *, thresholds: DriftThresholds | None = None
) -> VersionDrift:
    """Drift between consecutive versions (by ``created_at``) of the data set ``name``, and
    the metrics of consecutive versions (a model's: ``metric_steps``).

    Versions without feature statistics are skipped (listed in ``skipped``) by the feature
    comparison. Raises :class:`~provenance.errors.NotFoundError` when no artifact has that
    name.

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
    for prev, cur in itertools.pairwise(ordered):
        step = metrics_diff(store, prev.id, cur.id)
        if step.metrics:
            out.metric_steps.append(step)
    return out
