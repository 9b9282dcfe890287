"""Vectorised 64-bit fingerprints of table rows, for finding rows two artifacts share.

``row_fingerprints(df)[i]`` hashes row ``i``'s (column name, value) pairs, summed over columns
so that **column order does not matter**; values go through the same canonicalisation as
:func:`~provenance.hashing.frames.digest_frame` (one missing value for None/NaN/NaT, ``-0.0`` is
``0.0``, optional ``float_decimals``, strings by their UTF-8 bytes, timestamps as instants).

Unlike the table digest, fingerprints compare *values*, not storage widths, because a cleaned
copy of a dataset often narrows its types: ``int8`` … ``int64`` and ``uint*`` holding the same
number agree, ``float32`` values are compared as the ``float64`` they widen to, and a
categorical agrees with the plain column of its values. Different families never agree
(``1``, ``1.0``, ``True`` and ``"1"`` all differ). The index is left out unless
``include_index=True``.

They are 64-bit, deterministic across processes, platforms and library versions (defined here,
``provenance:fingerprint:v1``), but **not cryptographic**: strings are mixed with a polynomial
hash modulo 2**64, fine for spotting shared rows, not for resisting crafted collisions.

:func:`row_sample` keeps a table's fingerprints in a JSON-safe form (every row's up to
:data:`ROW_SAMPLE_SIZE` rows; above, a *consistent* sample: the rows whose fingerprint is below
a threshold, so two tables sampled this way keep the same shared rows) and
:func:`shared_rows` compares two such samples: how many rows of one are rows of the other,
counted exactly when neither was sampled and estimated from the common sample otherwise.

Example:
    >>> import pandas as pd
    >>> a = pd.DataFrame({"id": [1, 2, 3], "name": ["x", "y", "z"]})
    >>> b = pd.DataFrame({"name": ["z", "q"], "id": pd.array([3, 9], dtype="int32")})
    >>> fa, fb = row_fingerprints(a), row_fingerprints(b)
    >>> fa.dtype, [bool(x in set(fa.tolist())) for x in fb.tolist()]
    (dtype('uint64'), [True, False])
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from typing import Any

import blake3 as _blake3
import numpy as np
import numpy.typing as npt

from provenance.hashing.columns import (
    CanonicalColumn,
    FixedChunk,
    VarChunk,
    canonical_frame,
)
from provenance.hashing.core import HASH_VERSION, canonical_json

__all__ = [
    "ROW_SAMPLE_SIZE",
    "RowSample",
    "SharedRows",
    "decode_row_sample",
    "row_fingerprints",
    "row_sample",
    "shared_rows",
]

#: Tables up to this many rows keep every row's fingerprint (:func:`row_sample`); larger ones
#: a consistent sample of about this many.
ROW_SAMPLE_SIZE = 10_000
_SAMPLE_VERSION = 1
_U64_SPACE = 1 << 64

U64 = npt.NDArray[np.uint64]

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_K = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the string polynomial (2**64 / phi)
_LO_BITS = 12
_BATCH = 1 << 20  # string bytes per vectorised batch


def _salt(*parts: Any) -> np.uint64:
    payload = f"provenance:fingerprint:v{HASH_VERSION}\n{canonical_json(list(parts))}".encode()
    return np.uint64(int.from_bytes(_blake3.blake3(payload).digest()[:8], "little"))


_MISSING = _salt("missing")
_LENGTH = _salt("length")
_PAIR = _salt("pair")


def _mix(x: U64) -> U64:
    """splitmix64's finaliser, element-wise (returns a new array)."""
    x = x ^ (x >> np.uint64(30))
    x *= _C1
    x ^= x >> np.uint64(27)
    x *= _C2
    x ^= x >> np.uint64(31)
    return x


class _Powers:
    """K**p mod 2**64 for any p, as lo[p & 4095] * hi[p >> 12] (tables grown on demand)."""

    def __init__(self) -> None:
        self.lo = self._geometric(_K, 1 << _LO_BITS)
        self.step = np.uint64(int(self.lo[-1]) * int(_K) % (1 << 64))  # K ** 4096
        self.hi = self._geometric(self.step, 16)
        self._lock = threading.Lock()

    @staticmethod
    def _geometric(base: np.uint64, n: int) -> U64:
        out = np.full(n, base, dtype=np.uint64)
        out[0] = 1
        return np.cumprod(out, dtype=np.uint64)

    def __call__(self, p: npt.NDArray[np.int64]) -> U64:
        need = int(p.max() >> _LO_BITS) + 1 if p.size else 1
        hi = self.hi
        if need > hi.shape[0]:
            with self._lock:
                if need > self.hi.shape[0]:
                    self.hi = self._geometric(self.step, max(need, 2 * self.hi.shape[0]))
                hi = self.hi
        out: U64 = self.lo[p & ((1 << _LO_BITS) - 1)] * hi[p >> _LO_BITS]
        return out


_powers = _Powers()


def _var_hashes(chunk: VarChunk) -> U64:
    lengths = chunk.lengths
    n = lengths.shape[0]
    poly = np.zeros(n, dtype=np.uint64)
    total = chunk.data.nbytes
    if total:
        data = np.frombuffer(chunk.data, dtype=np.uint8)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        for x in range(0, total, _BATCH):
            y = min(total, x + _BATCH)
            r0 = int(np.searchsorted(ends, x, side="right"))
            r1 = int(np.searchsorted(starts, y, side="left"))
            lo = np.maximum(starts[r0:r1], x)
            cnt = np.minimum(ends[r0:r1], y) - lo
            rel = np.arange(x, y, dtype=np.int64) - np.repeat(starts[r0:r1], cnt)
            terms = (data[x:y].astype(np.uint64) + np.uint64(1)) * _powers(rel)
            nz = cnt > 0
            seg = poly[r0:r1]
            seg[nz] += np.add.reduceat(terms, lo[nz] - x)
    return _mix(poly + _mix(lengths.astype(np.uint64) ^ _LENGTH))


def _fixed_hashes(chunk: FixedChunk, family: str) -> U64:
    v = chunk.values
    if v.ndim == 2:
        if v.shape[1] == 0:  # the null type
            return np.zeros(v.shape[0], dtype=np.uint64)
        words = v.view(np.uint64)
        return _mix(_mix(words[:, 0] ^ _PAIR) + words[:, 1])
    if family == "float":
        return v.astype("<f8").view(np.uint64)
    if v.dtype.kind == "u" and v.dtype.itemsize == 8:
        return v.view(np.uint64)
    return v.astype(np.int64).view(np.uint64)


def _column_hashes(col: CanonicalColumn) -> list[U64]:
    """Per-chunk value hashes of ``col`` (missing rows hold the missing constant)."""
    cat_hashes: U64 | None = None
    if col.categories is not None:
        parts = _column_hashes(col.categories)
        cat_hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    out: list[U64] = []
    for chunk in col.chunks():
        if isinstance(chunk, VarChunk):
            h = _var_hashes(chunk)
        elif cat_hashes is not None:
            h = cat_hashes[chunk.values] if cat_hashes.size else np.zeros(chunk.rows, np.uint64)
        else:
            h = _fixed_hashes(chunk, col.family)
        if chunk.missing is not None:
            h = np.where(chunk.missing, _MISSING, h)
        out.append(h)
    return out


def row_fingerprints(
    frame: Any, *, include_index: bool = False, float_decimals: int | None = None
) -> npt.NDArray[np.uint64]:
    """One 64-bit fingerprint per row of a pandas/pyarrow/polars table (see the module doc).

    Example:
        >>> import pandas as pd
        >>> f = row_fingerprints(pd.DataFrame({"a": [1, 1], "b": [2.0, -0.0]}))
        >>> bool(f[0] == row_fingerprints(pd.DataFrame({"b": [2.0], "a": [1]}))[0])
        True
    """
    canon = canonical_frame(frame, include_index=include_index, float_decimals=float_decimals)
    acc = np.zeros(canon.rows, dtype=np.uint64)
    cols: list[tuple[np.uint64, CanonicalColumn]] = [
        (_salt("column", canonical_json(c.name), c.family), c) for c in canon.columns
    ]
    for level, c in enumerate(canon.index or []):
        cols.append((_salt("index", level, canonical_json(c.name), c.family), c))
    for salt, col in cols:
        pos = 0
        for h in _column_hashes(col):
            n = h.shape[0]
            acc[pos : pos + n] += _mix(h ^ salt)
            pos += n
    return _mix(acc ^ _salt("columns", len(cols)))


# --- samples of row fingerprints, and the rows two tables share ---------------------------------
def _pack(values: npt.NDArray[Any]) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype="<u8").tobytes()).decode("ascii")


def _unpack(text: str) -> U64:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    out: U64 = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
    return out


def row_sample(
    frame: Any, *, size: int = ROW_SAMPLE_SIZE, float_decimals: int | None = None
) -> dict[str, Any]:
    """A JSON-safe sample of ``frame``'s row fingerprints (:func:`row_fingerprints`).

    ``{"version": 1, "rows": n, "threshold": t, "fingerprints": b64, "positions": b64}``:
    with ``n <= size`` every row's fingerprint in row order (``threshold`` and ``positions``
    None); above, only the rows whose fingerprint is below ``t = 2**64 * size / n`` (about
    ``size`` rows, chosen by content, not position), with their row positions. Fingerprints
    and positions are little-endian uint64, base64-encoded.

    Example:
        >>> import pandas as pd
        >>> s = row_sample(pd.DataFrame({"x": range(50)}), size=10)
        >>> s["rows"], 0 < len(decode_row_sample(s).fingerprints) < 50
        (50, True)
        >>> row_sample(pd.DataFrame({"x": [1, 2]}))["threshold"] is None
        True
    """
    if size < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    fps = row_fingerprints(frame, float_decimals=float_decimals)
    n = int(fps.shape[0])
    if n <= size:
        return {
            "version": _SAMPLE_VERSION,
            "rows": n,
            "threshold": None,
            "fingerprints": _pack(fps),
            "positions": None,
        }
    threshold = _U64_SPACE * size // n
    keep = np.flatnonzero(fps < np.uint64(threshold))
    return {
        "version": _SAMPLE_VERSION,
        "rows": n,
        "threshold": threshold,
        "fingerprints": _pack(fps[keep]),
        "positions": _pack(keep.astype(np.uint64)),
    }


@dataclass(frozen=True)
class RowSample:
    """A decoded :func:`row_sample` (or a full list of fingerprints)."""

    #: Rows of the table.
    rows: int
    #: Only fingerprints below it were kept (None: every row).
    threshold: int | None
    fingerprints: U64
    #: Row position of each kept fingerprint.
    positions: npt.NDArray[np.int64] = field(repr=False)

    @property
    def sampled(self) -> bool:
        """True when only part of the rows was kept."""
        return self.threshold is not None


def decode_row_sample(sample: Any) -> RowSample:
    """A :class:`RowSample` from what :func:`row_sample` wrote, or from a plain list of every
    row's fingerprint (``Tracker(row_fingerprints=True)`` metadata). ``ValueError`` when it is
    neither.

    Example:
        >>> decode_row_sample([5, 7, 5]).rows
        3
    """
    if isinstance(sample, list):
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in sample):
            raise ValueError("a fingerprint list holds integers only")
        fps = np.array(sample, dtype=np.uint64)
        return RowSample(len(sample), None, fps, np.arange(len(sample), dtype=np.int64))
    if not isinstance(sample, dict) or sample.get("version") != _SAMPLE_VERSION:
        raise ValueError("not a row sample of a known version")
    try:
        rows = int(sample["rows"])
        threshold = sample.get("threshold")
        fps = _unpack(sample["fingerprints"])
        raw_positions = sample.get("positions")
        if threshold is None:
            positions = np.arange(fps.shape[0], dtype=np.int64)
        else:
            threshold = int(threshold)
            if not isinstance(raw_positions, str):
                raise ValueError("a sampled row sample lists its positions")
            positions = _unpack(raw_positions).astype(np.int64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed row sample: {exc}") from exc
    if positions.shape != fps.shape:
        raise ValueError("malformed row sample: positions and fingerprints differ in length")
    return RowSample(rows, threshold, fps, positions)


@dataclass(frozen=True)
class SharedRows:
    """Rows of ``b`` that are also rows of ``a`` (:func:`shared_rows`)."""

    a_rows: int
    b_rows: int
    #: Rows of b (counting duplicates) whose fingerprint is one of a's: exact when
    #: ``sampled`` is False, else estimated from the common sample.
    b_rows_in_a: int
    #: Distinct fingerprints on both sides (in the common sample when sampled).
    distinct_shared: int
    #: True when either side was sampled: the counts are estimates.
    sampled: bool
    #: Fraction of the fingerprint space both samples cover (1.0 when not sampled).
    rate: float
    #: Up to ``examples`` pairs (row of b, row of a).
    examples: list[tuple[int, int]]


def shared_rows(a: RowSample, b: RowSample, *, examples: int = 5) -> SharedRows:
    """How many rows of ``b`` are rows of ``a`` (equal fingerprints).

    When either was sampled, both are cut to the smaller threshold (the rows both kept, the
    same rows on each side since the cut depends on content only) and the count of ``b``'s
    rows in ``a`` is scaled up by ``1 / rate``.

    Example:
        >>> r = shared_rows(decode_row_sample([1, 2, 3]), decode_row_sample([3, 3, 9]))
        >>> r.b_rows_in_a, r.distinct_shared, r.examples
        (2, 1, [(0, 2), (1, 2)])
    """
    limits = [x.threshold for x in (a, b) if x.threshold is not None]
    cut = min(limits) if limits else None
    fa, pa, fb, pb = a.fingerprints, a.positions, b.fingerprints, b.positions
    if cut is not None:
        ka, kb = fa < np.uint64(cut), fb < np.uint64(cut)
        fa, pa, fb, pb = fa[ka], pa[ka], fb[kb], pb[kb]
    rate = 1.0 if cut is None else cut / _U64_SPACE
    first: dict[int, int] = {}
    for fp, pos in zip(fa.tolist(), pa.tolist(), strict=True):
        first.setdefault(fp, pos)
    pairs = zip(fb.tolist(), pb.tolist(), strict=True)
    hits = [(pos, first[fp]) for fp, pos in pairs if fp in first]
    count = len(hits) if cut is None else min(b.rows, round(len(hits) / rate))
    return SharedRows(
        a_rows=a.rows,
        b_rows=b.rows,
        b_rows_in_a=count,
        distinct_shared=len(set(first) & set(fb.tolist())),
        sampled=cut is not None,
        rate=rate,
        examples=hits[:examples],
    )
