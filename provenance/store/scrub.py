"""What an erased artifact keeps: its skeleton and counts, never a value of its content.

An erasure (:mod:`provenance.analysis.erasure`) replaces the artifact's record with
:func:`scrub_artifact` of it, and every later write merging into an erased artifact is
scrubbed the same way (:func:`~provenance.store.merge.merge_node`), so a re-recorded run
cannot bring the values back. What is kept:

* every field of the node but ``uri`` (cleared): id (the content digest), name, kind,
  schema version, row count, size, governance fields, created_at, a model's architecture
  hash, framework and parameter count, and the erasure's time and reason;
* in ``feature_stats`` (layout: :mod:`provenance.capture.stats`): ``stats_version``,
  ``row_count``, ``column_count``, ``bins``, ``top_k``, and per column only
  :data:`KEPT_COLUMN_KEYS` (kind, dtype and the counts: count, nulls, cardinality,
  infinite). Every other key is dropped (top values, examples, min/max, mean/std,
  quantiles, histograms, text statistics, row fingerprints, and any key this code does not
  know, whatever a newer recorder adds);
* in ``metadata``: everything but the keys of :data:`VALUE_KEYS`, dropped at every depth
  (row fingerprints, OpenLineage column metrics' min/max/quantiles/sum, examples...), and
  any nested feature statistics (a dict with ``stats_version`` and ``columns``) scrubbed as
  above. Metadata a user passed by hand under other keys is kept: it is the user's own text
  about the artifact, not a statistic of its content (see README.md, Erasure).

Scrubbing is idempotent: ``scrub_artifact(scrub_artifact(a)) == scrub_artifact(a)``.

Example:
    >>> from provenance.model import Artifact
    >>> stats = {"stats_version": 1, "row_count": 2, "columns": {"email": {
    ...     "kind": "string", "dtype": "object", "count": 2, "nulls": 0, "cardinality": 2,
    ...     "top_values": [{"value": "a@x.org", "count": 1}]}}, "row_fingerprints": [1, 2]}
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users", uri="file:///u.csv",
    ...              feature_stats=stats, metadata={"row_fingerprints": [1, 2], "team": "crm"})
    >>> s = scrub_artifact(a)
    >>> s.uri, s.metadata
    (None, {'team': 'crm'})
    >>> s.feature_stats["columns"]["email"]
    {'kind': 'string', 'dtype': 'object', 'count': 2, 'nulls': 0, 'cardinality': 2}
"""

from __future__ import annotations

from typing import Any, Final

from provenance.model import Artifact

__all__ = [
    "KEPT_COLUMN_KEYS",
    "KEPT_STATS_KEYS",
    "VALUE_KEYS",
    "scrub_artifact",
    "scrub_feature_stats",
    "scrub_metadata",
]

#: What a column's statistics keep: what the column is, and how many values it held.
KEPT_COLUMN_KEYS: Final = frozenset({"kind", "dtype", "count", "nulls", "cardinality", "infinite"})
#: What the top level of ``feature_stats`` keeps (``columns`` scrubbed per column).
KEPT_STATS_KEYS: Final = frozenset(
    {"stats_version", "row_count", "column_count", "bins", "top_k", "columns"}
)
#: Keys that hold values of the content (or digests of its rows, which confirm a guess of
#: them): dropped from metadata at every depth.
VALUE_KEYS: Final = frozenset(
    {
        "top_values",
        "examples",
        "example",
        "samples",
        "sample",
        "sample_values",
        "values",
        "distinct_values",
        "mode",
        "min",
        "max",
        "mean",
        "std",
        "sum",
        "quantiles",
        "histogram",
        "text",
        "row_fingerprints",
    }
)


def _scalar_count(value: Any) -> bool:
    """Whether a kept column value is what it should be (text for kind/dtype, numbers else)."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def scrub_feature_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """``feature_stats`` with only the keys an erased artifact keeps (module docs).

    Example:
        >>> scrub_feature_stats({"row_count": 3, "row_fingerprints": {"values": [1]},
        ...     "columns": {"n": {"kind": "numeric", "count": 3, "min": 1, "max": 9}}})
        {'row_count': 3, 'columns': {'n': {'kind': 'numeric', 'count': 3}}}
    """
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if key not in KEPT_STATS_KEYS:
            continue
        if key == "columns":
            if not isinstance(value, dict):
                continue
            value = {
                str(name): {
                    k: v for k, v in col.items() if k in KEPT_COLUMN_KEYS and _scalar_count(v)
                }
                for name, col in value.items()
                if isinstance(col, dict)
            }
        elif not _scalar_count(value):
            continue
        out[key] = value
    return out


def _looks_like_stats(value: dict[str, Any]) -> bool:
    return "columns" in value and ("stats_version" in value or "row_count" in value)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, dict):
        if _looks_like_stats(value):
            return scrub_feature_stats(value)
        return {k: _scrub_value(v) for k, v in value.items() if k not in VALUE_KEYS}
    if isinstance(value, list):
        return [_scrub_value(v) for v in value]
    return value


def scrub_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` without :data:`VALUE_KEYS` at any depth, nested statistics scrubbed.

    Example:
        >>> metrics = {"columnMetrics": {"age": {"nullCount": 0, "min": 18, "max": 90}}}
        >>> scrub_metadata({"facets": {"dataQualityMetrics": metrics}, "row_fingerprints": [7]})
        {'facets': {'dataQualityMetrics': {'columnMetrics': {'age': {'nullCount': 0}}}}}
    """
    scrubbed = _scrub_value(metadata)
    assert isinstance(scrubbed, dict)
    return scrubbed


def scrub_artifact(artifact: Artifact) -> Artifact:
    """``artifact`` as an erasure leaves it: uri cleared, statistics and metadata scrubbed
    (module docs); its type (a model stays a model), id and every other field kept.

    Example:
        >>> a = Artifact(id="blake3:" + "a" * 64, name="x", uri="file:///x", row_count=3)
        >>> s = scrub_artifact(a)
        >>> (s.uri, s.row_count, s.name), scrub_artifact(s) == s
        ((None, 3, 'x'), True)
    """
    update: dict[str, Any] = {"uri": None, "metadata": scrub_metadata(artifact.metadata)}
    if artifact.feature_stats is not None:
        update["feature_stats"] = scrub_feature_stats(artifact.feature_stats)
    return artifact.model_copy(update=update)
