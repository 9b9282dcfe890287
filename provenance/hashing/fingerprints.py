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

Example:
    >>> import pandas as pd
    >>> a = pd.DataFrame({"id": [1, 2, 3], "name": ["x", "y", "z"]})
    >>> b = pd.DataFrame({"name": ["z", "q"], "id": pd.array([3, 9], dtype="int32")})
    >>> fa, fb = row_fingerprints(a), row_fingerprints(b)
    >>> fa.dtype, [bool(x in set(fa.tolist())) for x in fb.tolist()]
    (dtype('uint64'), [True, False])
"""

from __future__ import annotations

import threading
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

__all__ = ["row_fingerprints"]

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
