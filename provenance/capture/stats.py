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

Integer columns also record ``cardinality``, and string columns ``text``: ``mean_length``,
``max_length`` (characters), ``with_spaces`` and ``email_like`` (fractions of values), over an
evenly spaced sample of at most :data:`TEXT_SAMPLE` values. From these and the column's name,
:func:`column_role` tells identifiers and free text (``user_id``, ``email``, ``bio``) from
features: a drift check leaves them out (their values differ by nature, not by drift).
The ``text`` statistics are numbers only: no value, sampled or not, is kept.

:func:`redact_identifying_values` strips what a value could be read from out of the
identifier and free-text columns (the tracker applies it to every artifact flagged
``contains_pii``): such a column keeps ``kind``, ``dtype``, ``count``, ``nulls``,
``cardinality`` and ``text`` only, and gains ``role``, ``role_reason`` and
``values_redacted: true``.

``row_fingerprints`` (top level) holds the table's row fingerprints, every row's up to
:data:`~provenance.hashing.fingerprints.ROW_SAMPLE_SIZE` rows and a consistent sample above
(:func:`~provenance.hashing.fingerprints.row_sample`): what a contamination check compares
to find rows two tables share. ``None`` when the table's values cannot be fingerprinted.

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
import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from provenance.errors import CaptureError, ProvenanceError

__all__ = [
    "QUANTILES",
    "REDACTED_KEEPS",
    "STATS_VERSION",
    "TEXT_SAMPLE",
    "ColumnRole",
    "column_role",
    "feature_stats",
    "rebin_histogram",
    "redact_identifying_values",
]

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
#: String values the ``text`` statistics of a column are measured on, at most.
TEXT_SAMPLE = 10_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


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


def _text(s: pd.Series[Any]) -> dict[str, Any] | None:
    """Length, whitespace and e-mail statistics of a string column's values (a sample)."""
    values = s.dropna()
    if len(values) > TEXT_SAMPLE:
        values = values.iloc[np.linspace(0, len(values) - 1, TEXT_SAMPLE).astype("int64")]
    texts = [v for v in values.tolist() if isinstance(v, str)]
    if not texts:
        return None
    lengths = np.fromiter((len(t) for t in texts), dtype="int64", count=len(texts))
    n = len(texts)
    return {
        "mean_length": float(lengths.mean()),
        "max_length": int(lengths.max()),
        "with_spaces": sum(1 for t in texts if any(c.isspace() for c in t.strip())) / n,
        "email_like": sum(1 for t in texts if _EMAIL.match(t)) / n,
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
        if pdt.is_integer_dtype(s.dtype):
            out["cardinality"] = int(s.nunique(dropna=True))
    elif kind in ("boolean", "categorical", "string"):
        cat = _categorical(s, top_k)
        if cat is None:
            out["kind"] = "other"
        else:
            out.update(cat)
            if kind == "string" and (text := _text(s)) is not None:
                out["text"] = text
    elif kind in ("datetime", "timedelta"):
        lo, hi = (s.min(), s.max()) if out["count"] else (None, None)
        out["min"], out["max"] = _json_value(lo), _json_value(hi)
    return out


def _row_fingerprints(df: pd.DataFrame, size: int) -> dict[str, Any] | None:
    from provenance.hashing.fingerprints import row_sample

    try:
        return row_sample(df, size=size)
    except (ProvenanceError, TypeError, ValueError):  # values with no canonical form
        return None


def feature_stats(
    df: pd.DataFrame,
    *,
    bins: int = 10,
    top_k: int = 10,
    row_sample: int | None = None,
) -> dict[str, Any]:
    """JSON-safe per-column statistics of ``df`` (layout in the module docs).

    Vectorised: a few NumPy/pandas reductions per column (a million rows of nine mixed
    columns take about 0.4 s here on one core), plus the row fingerprints (about as much
    again). ``row_sample``: how many rows' fingerprints to keep at most (default
    :data:`~provenance.hashing.fingerprints.ROW_SAMPLE_SIZE`; 0 for none).

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
    if row_sample is None:
        from provenance.hashing.fingerprints import ROW_SAMPLE_SIZE

        row_sample = ROW_SAMPLE_SIZE
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
        "row_fingerprints": _row_fingerprints(df, row_sample) if row_sample > 0 else None,
    }


# --- identifiers and free text -------------------------------------------------------------------
ColumnRole = Literal["identifier", "free_text"]
#: Name tokens (split at ``_``, ``-``, spaces and camelCase) that make a column an identifier
#: when they end its name (``user_id``, ``orderUUID``) or are all of it.
ID_TOKENS = frozenset({"id", "ids", "uuid", "guid", "uid"})
#: Name tokens of contact identifiers (``email``, ``phone``) and of free text (``bio``).
CONTACT_TOKENS = frozenset({"email", "mail", "phone", "telephone", "ssn"})
TEXT_TOKENS = frozenset(
    {"bio", "description", "comment", "comments", "text", "notes", "note", "review", "body",
     "message", "summary", "abstract"}
)  # fmt: skip


def _tokens(name: str) -> list[str]:
    base = re.sub(r"#\d+$", "", name)  # a repeated column's "#2"
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", base)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def _text_signals(col: dict[str, Any]) -> dict[str, float] | None:
    """The ``text`` statistics, or (statistics recorded before them) estimates from the
    recorded top values."""
    text = col.get("text")
    if isinstance(text, dict):
        return text
    top = [v.get("value") for v in col.get("top_values") or [] if isinstance(v, dict)]
    strings = [v for v in top if isinstance(v, str)]
    if not strings:
        return None
    n = len(strings)
    return {
        "mean_length": sum(len(v) for v in strings) / n,
        "with_spaces": sum(1 for v in strings if any(c.isspace() for c in v.strip())) / n,
        "email_like": sum(1 for v in strings if _EMAIL.match(v)) / n,
    }


def column_role(name: str, col: dict[str, Any]) -> tuple[ColumnRole, str] | None:
    """``("identifier" | "free_text", why)`` for a column whose values identify rows or are
    free text, None for a feature. ``col`` is the column's entry in :func:`feature_stats`
    (older statistics without ``text`` work too, from their top values).

    Identifier: an integer or string column named like one (``id``, ``user_id``, ``uuid``,
    ``orderId``; ``email`` or ``phone`` with half the values distinct); string values that are
    mostly e-mail addresses; a
    string column whose values are 95% distinct (20 values or more); an integer column whose
    values are all distinct and consecutive-ish (50 values or more, range under twice the
    count). Free text: a string column of long values with spaces (mean length 30 or more,
    half of them with a space, half of them distinct), or named like it (``bio``,
    ``description``) with a mean length of 15 or more. Floats, booleans and dates never are.

    A role recorded with the column (``role``, ``role_reason``: statistics redacted by
    :func:`redact_identifying_values`) is returned as recorded.

    Example:
        >>> import pandas as pd
        >>> s = feature_stats(pd.DataFrame({"user_id": [1, 2, 2], "age": [30, 31, 30]}))
        >>> column_role("user_id", s["columns"]["user_id"])
        ('identifier', 'named like an identifier')
        >>> column_role("age", s["columns"]["age"]) is None
        True
    """
    recorded = col.get("role")
    if recorded in ("identifier", "free_text"):  # statistics redacted with their role kept
        return recorded, str(col.get("role_reason") or "recorded with the statistics")
    kind = col.get("kind")
    integer = kind == "numeric" and "int" in str(col.get("dtype", "")).lower()
    if not integer and kind not in ("string", "categorical"):
        return None
    tokens = _tokens(name)
    if tokens and (tokens[-1] in ID_TOKENS or tokens[0] in ("uuid", "guid")):
        return "identifier", "named like an identifier"
    count = int(col.get("count") or 0)
    card = col.get("cardinality")
    distinct = card / count if isinstance(card, int) and count else None
    if integer:
        lo, hi = col.get("min"), col.get("max")
        if (
            distinct == 1.0
            and count >= 50
            and isinstance(lo, int)
            and isinstance(hi, int)
            and hi - lo + 1 < 2 * count
        ):
            return "identifier", "every value distinct and consecutive (a row number or key)"
        return None
    text = _text_signals(col) or {}
    contact = set(tokens) & CONTACT_TOKENS and (distinct is None or distinct >= 0.5)
    if contact or text.get("email_like", 0.0) >= 0.8:
        return "identifier", "e-mail addresses or contact details"
    mean_length = float(text.get("mean_length", 0.0))
    spaced = float(text.get("with_spaces", 0.0))
    if mean_length >= 30 and spaced >= 0.5 and (distinct is None or distinct >= 0.5):
        return "free_text", f"free text (mean length {mean_length:.0f} characters)"
    if set(tokens) & TEXT_TOKENS and mean_length >= 15:
        return "free_text", f"free text (mean length {mean_length:.0f} characters)"
    if distinct is not None and distinct >= 0.95 and count >= 20:
        return "identifier", f"{distinct:.0%} of values distinct"
    return None


#: What an identifier or free-text column keeps once :func:`redact_identifying_values` ran.
REDACTED_KEEPS = ("kind", "dtype", "count", "nulls", "cardinality", "text")


def redact_identifying_values(stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` (a :func:`feature_stats` result) without the values of its identifier and
    free-text columns (:func:`column_role`).

    Such a column keeps :data:`REDACTED_KEEPS` (``kind``, ``dtype``, ``count``, ``nulls``,
    ``cardinality``, and ``text``: lengths and the shares of values with spaces or shaped
    like e-mail addresses, numbers only) and gains ``role``, ``role_reason`` and
    ``values_redacted: true``; its ``top_values``, ``min``, ``max``, ``mean``, ``std``,
    ``quantiles`` and ``histogram`` are gone. Other columns, and the row fingerprints (hashes
    of whole rows), are kept as they are. A new dict is returned; ``stats`` is not changed.
    Applying it twice changes nothing more.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"email": ["ann@x.org", "bob@y.org"], "age": [31, 42]})
        >>> s = redact_identifying_values(feature_stats(df))
        >>> email = s["columns"]["email"]
        >>> email["role"], email["cardinality"], "top_values" in email
        ('identifier', 2, False)
        >>> s["columns"]["age"]["max"]
        42
    """
    columns: dict[str, Any] = {}
    for name, col in (stats.get("columns") or {}).items():
        found = column_role(name, col) if isinstance(col, dict) else None
        if found is None:
            columns[name] = col
            continue
        role, why = found
        kept = {k: col[k] for k in REDACTED_KEEPS if k in col}
        columns[name] = {**kept, "role": role, "role_reason": why, "values_redacted": True}
    return {**stats, "columns": columns}


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
