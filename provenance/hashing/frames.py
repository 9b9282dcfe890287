"""Canonical digests of tables: pandas DataFrames, pyarrow Tables, polars DataFrames.

No pickle, nothing that depends on a library version's memory layout: each column is reduced
to canonical numpy buffers (rules in :mod:`provenance.hashing.columns`) and hashed as
``provenance:column:v1``; the table digest (``provenance:dataset:v1``) hashes the row count and
the (column name, column digest) pairs **sorted by name**, so:

* column order does not matter; values, row order, column names and types do;
* the index is left out unless ``include_index=True`` (then its levels, in order, enter too);
* ``float_decimals=N`` rounds float values to N decimals first (and is recorded in the digest,
  so a tolerant digest never equals an exact one by accident);
* a pyarrow Table made from a frame (``pa.Table.from_pandas(df)``) or a polars DataFrame made
  from it (``pl.from_pandas(df)``) has **the same digest** as the frame, provided the column
  names are strings (Arrow names are always strings) and the types map one to one (they do for
  numbers, bools, strings, datetimes, categoricals; the index that ``from_pandas`` stores in
  the Arrow schema metadata is recognised as the index).

Columns are hashed in parallel threads, each in chunks of 64 Ki rows, so memory beyond the
frame stays at a few MiB whatever its size.

Example:
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1, 2], "y": ["a", None]})
    >>> digest_frame(a) == digest_frame(a[["y", "x"]])
    True
    >>> digest_frame(a) == digest_frame(a.astype({"x": "int32"}))
    False
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from provenance.hashing.columns import (
    CanonicalColumn,
    CanonicalFrame,
    VarChunk,
    canonical_frame,
)
from provenance.hashing.core import (
    DEFAULT_ALGORITHM,
    Hasher,
    canonical_json,
    check_algorithm,
    digest_json,
    new_hasher,
)

__all__ = ["FrameDigest", "digest_frame", "frame_digest"]


@dataclass(frozen=True)
class FrameDigest:
    """A table's digest with what was learnt computing it.

    ``columns`` lists (name, logical type) in the table's own order; ``size_bytes`` counts the
    canonical bytes hashed (values, string data, lengths).
    """

    digest: str
    rows: int
    columns: tuple[tuple[Hashable, str], ...]
    index: tuple[tuple[Hashable, str], ...] | None
    size_bytes: int
    source: str


def _view(a: np.ndarray[Any, Any]) -> memoryview:
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8).data


def column_digest(col: CanonicalColumn, algo: str) -> tuple[str, int]:
    """(``provenance:column:v1`` digest, canonical bytes) of one canonical column."""
    h_missing = new_hasher(algo)
    h_values = new_hasher(algo)
    h_lengths: Hasher | None = new_hasher(algo) if col.layout == "var" else None
    pos = 0
    n_missing = 0
    nbytes = 0
    for chunk in col.chunks():
        if chunk.missing is not None:
            where = np.flatnonzero(chunk.missing)
            if where.size:
                h_missing.update(_view((where + pos).astype("<u8")))
                n_missing += int(where.size)
        if isinstance(chunk, VarChunk):
            assert h_lengths is not None
            h_lengths.update(_view(chunk.lengths.astype("<u8")))
            h_values.update(chunk.data)
            nbytes += chunk.data.nbytes + 8 * chunk.rows
        else:
            h_values.update(_view(chunk.values))
            nbytes += chunk.values.nbytes
        pos += chunk.rows
    if pos != col.length:
        raise RuntimeError(f"column {col.name!r}: read {pos} rows of {col.length}")
    header: dict[str, Any] = {
        "type": col.type,
        "rows": pos,
        "missing": [n_missing, h_missing.hexdigest()],
        "values": h_values.hexdigest(),
    }
    if h_lengths is not None:
        header["lengths"] = h_lengths.hexdigest()
    if col.categories is not None:
        header["categories"], cat_bytes = column_digest(col.categories, algo)
        nbytes += cat_bytes
    return digest_json(header, algo, domain="column"), nbytes


def _digest_columns(cols: list[CanonicalColumn], algo: str) -> list[tuple[str, int]]:
    workers = min(len(cols), os.cpu_count() or 1)
    if workers <= 1:
        return [column_digest(c, algo) for c in cols]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hash-col") as pool:
        return list(pool.map(lambda c: column_digest(c, algo), cols))


def digest_canonical_frame(
    frame: CanonicalFrame, algo: str, float_decimals: int | None
) -> FrameDigest:
    """Digest an already-canonicalised frame (see :func:`frame_digest`)."""
    index = frame.index or []
    results = _digest_columns([*frame.columns, *index], algo)
    col_results, idx_results = results[: len(frame.columns)], results[len(frame.columns) :]
    body = {
        "rows": frame.rows,
        "columns": sorted(
            [canonical_json(c.name), d]
            for c, (d, _) in zip(frame.columns, col_results, strict=True)
        ),
        "index": None
        if frame.index is None
        else [[canonical_json(c.name), d] for c, (d, _) in zip(index, idx_results, strict=True)],
        "float_decimals": float_decimals,
    }
    return FrameDigest(
        digest=digest_json(body, algo, domain="dataset"),
        rows=frame.rows,
        columns=tuple((c.name, _type_label(c)) for c in frame.columns),
        index=None if frame.index is None else tuple((c.name, _type_label(c)) for c in index),
        size_bytes=sum(n for _, n in results),
        source=frame.source,
    )


def _type_label(col: CanonicalColumn) -> str:
    if col.categories is not None:
        return f"{col.type}<{col.categories.type}>"
    return col.type


def frame_digest(
    frame: Any,
    algo: str = DEFAULT_ALGORITHM,
    *,
    include_index: bool = False,
    float_decimals: int | None = None,
) -> FrameDigest:
    """Like :func:`digest_frame`, returning a :class:`FrameDigest` (rows, column types, size).

    Example:
        >>> import pandas as pd
        >>> info = frame_digest(pd.DataFrame({"b": [1.5], "a": pd.Categorical(["x"])}))
        >>> info.rows, info.columns
        (1, (('b', 'float64'), ('a', 'category<string>')))
    """
    algo = check_algorithm(algo)
    canon = canonical_frame(frame, include_index=include_index, float_decimals=float_decimals)
    return digest_canonical_frame(canon, algo, float_decimals)


def digest_frame(
    frame: Any,
    algo: str = DEFAULT_ALGORITHM,
    *,
    include_index: bool = False,
    float_decimals: int | None = None,
) -> str:
    """The canonical digest of a pandas DataFrame (or Series), pyarrow Table or RecordBatch,
    or polars DataFrame (rules in the module doc and :mod:`provenance.hashing.columns`).

    Raises :class:`~provenance.errors.UnsupportedTypeError` naming the column when a column
    holds values with no canonical form (arbitrary Python objects, nested Arrow types, …).

    Example:
        >>> import numpy as np, pandas as pd
        >>> df = pd.DataFrame({"v": [0.1 + 0.2, np.nan, -0.0]})
        >>> digest_frame(df) == digest_frame(pd.DataFrame({"v": [0.30000000000000004, None, 0.0]}))
        True
        >>> digest_frame(df, float_decimals=6) == digest_frame(
        ...     pd.DataFrame({"v": [0.3, np.nan, 0.0]}), float_decimals=6)
        True
    """
    return frame_digest(
        frame, algo, include_index=include_index, float_decimals=float_decimals
    ).digest
