"""Digests of n-dimensional arrays: dtype, shape and C-order content (``provenance:array:v1``).

The hashed bytes are a one-line JSON header ``{"dtype": ..., "shape": [...]}`` and then the
array's elements in C (row-major) order, little-endian:

* the dtype is written in numpy's ``dtype.str`` form after normalising the byte order to
  little-endian (``'<f8'``, ``'<i4'``, ``'|b1'``, ``'<M8[ns]'``, ``'<U5'``), so a big-endian
  array and its little-endian copy agree, and ``float32`` never equals ``float64``;
* the shape is part of the digest (a ``(2, 3)`` array is not its ``(3, 2)`` reshape), the
  memory layout is not (a Fortran-ordered or strided view equals its C-ordered copy);
* content is **bit-exact**: unlike table columns (:mod:`.columns`), arrays are not
  canonicalised, so ``-0.0`` and ``0.0`` or two NaN payloads differ. Weights and tensors are
  identified by their exact bits.
* ``object`` and structured (record) dtypes have no canonical bytes and raise
  :class:`~provenance.errors.UnsupportedTypeError`; so do masked arrays.

Torch tensors are accepted too (``torch`` is imported only if already loaded): a tensor with a
numpy equivalent dtype digests exactly like ``tensor.cpu().numpy()``; ``bfloat16`` and the
float8 types are hashed from their raw little-endian bits under the dtype name
``torch.bfloat16`` etc.

Non-contiguous arrays are copied block by block (16 MiB at a time), never whole.

Example:
    >>> import numpy as np
    >>> a = np.arange(6, dtype=np.int32).reshape(2, 3)
    >>> digest_array(a) == digest_array(np.asfortranarray(a))
    True
    >>> digest_array(a) == digest_array(a.reshape(3, 2))
    False
    >>> digest_array(a) == digest_array(a.astype(">i4"))
    True
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from provenance.errors import UnsupportedTypeError
from provenance.hashing.core import (
    DEFAULT_ALGORITHM,
    canonical_json,
    check_algorithm,
    format_digest,
    new_domain_hasher,
)

__all__ = [
    "ArrayParts",
    "ArraySignature",
    "array_parts",
    "array_signature",
    "digest_array",
    "is_array",
    "is_tensor",
]

_BLOCK = 16 << 20
_MT_THRESHOLD = 8 << 20


def is_tensor(obj: object) -> bool:
    """True for a ``torch.Tensor`` (without importing torch when it is not loaded).

    Example:
        >>> is_tensor([1, 2])
        False
    """
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def is_array(obj: object) -> bool:
    """True for a numpy ndarray or scalar, or a torch tensor.

    Example:
        >>> import numpy as np
        >>> is_array(np.zeros(2)), is_array(b"xx")
        (True, False)
    """
    return isinstance(obj, np.ndarray | np.generic) or is_tensor(obj)


@dataclass(frozen=True)
class ArrayParts:
    """An array reduced to what its digest covers: dtype name, shape and an ndarray holding
    the elements (possibly a raw-bits view for torch-only dtypes)."""

    dtype: str
    shape: tuple[int, ...]
    data: npt.NDArray[Any]

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)


def _le_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    if dtype.byteorder == ">" or (dtype.byteorder == "=" and sys.byteorder == "big"):
        return dtype.newbyteorder("<")
    return dtype


def _tensor_parts(t: Any) -> ArrayParts:
    import torch

    if t.layout != torch.strided:  # COO (is_sparse), CSR/CSC/BSR (not is_sparse), ...
        raise UnsupportedTypeError(
            f"a tensor with layout {t.layout} has no canonical digest; log t.to_dense()"
        )
    if getattr(t, "is_quantized", False):
        raise UnsupportedTypeError(
            "a quantized tensor has no canonical digest; log t.dequantize() or t.int_repr()"
        )
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if hasattr(t, "resolve_conj"):  # lazily conjugated / negated views: materialise the values
        t = t.resolve_conj().resolve_neg()
    shape = tuple(int(d) for d in t.shape)
    try:
        arr = t.contiguous().numpy()
    except (TypeError, RuntimeError):  # bfloat16, float8_*: no numpy dtype; hash the bits
        if sys.byteorder != "little":  # pragma: no cover - no big-endian torch builds
            raise UnsupportedTypeError("raw-bit tensors need a little-endian host") from None
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy()
        name = str(t.dtype)  # 'torch.bfloat16'
        return ArrayParts(name, shape, raw)
    return _numpy_parts(arr)


def _numpy_parts(a: npt.NDArray[Any]) -> ArrayParts:
    if isinstance(a, np.ma.MaskedArray):
        raise UnsupportedTypeError(
            "masked arrays have no canonical digest; fill them (a.filled(...)) or use a DataFrame"
        )
    if a.dtype.hasobject:
        raise UnsupportedTypeError(
            "object arrays have no canonical digest; convert to a numeric, bool, datetime or "
            "fixed-width string dtype"
        )
    if a.dtype.fields is not None:
        raise UnsupportedTypeError(
            "structured (record) arrays have no canonical digest; hash each field or use a "
            "DataFrame"
        )
    dtype = _le_dtype(a.dtype)
    return ArrayParts(dtype.str, tuple(int(d) for d in a.shape), a)


def array_parts(obj: Any) -> ArrayParts:
    """The :class:`ArrayParts` of a numpy array (or scalar) or torch tensor.

    Example:
        >>> import numpy as np
        >>> array_parts(np.zeros((2, 2), dtype=">f4")).dtype
        '<f4'
    """
    if isinstance(obj, np.ndarray):
        return _numpy_parts(obj)
    if isinstance(obj, np.generic):  # a numpy scalar is a 0-d array
        return _numpy_parts(np.asarray(obj))
    if is_tensor(obj):
        return _tensor_parts(obj)
    raise UnsupportedTypeError(f"{type(obj).__name__} is not a numpy array or torch tensor")


@dataclass(frozen=True)
class ArraySignature:
    """What an array's digest header holds, plus its size, read without touching its data
    (a GPU tensor is not copied)."""

    dtype: str
    shape: tuple[int, ...]
    nbytes: int

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)


def array_signature(obj: Any) -> ArraySignature:
    """dtype name, shape and byte size of a numpy array or torch tensor.

    Example:
        >>> import numpy as np
        >>> array_signature(np.zeros((2, 3), dtype=np.float32))
        ArraySignature(dtype='<f4', shape=(2, 3), nbytes=24)
    """
    if is_tensor(obj):
        import torch

        shape = tuple(int(d) for d in obj.shape)
        try:
            name = _le_dtype(torch.empty(0, dtype=obj.dtype).numpy().dtype).str
        except (TypeError, RuntimeError):
            name = str(obj.dtype)
        return ArraySignature(name, shape, int(obj.numel()) * int(obj.element_size()))
    parts = array_parts(obj)
    return ArraySignature(parts.dtype, parts.shape, parts.nbytes)


def _c_order_blocks(a: npt.NDArray[Any]) -> Iterator[memoryview]:
    """The elements of ``a`` in C order, little-endian, as byte views of at most ~16 MiB."""
    le = _le_dtype(a.dtype)
    swap = le != a.dtype
    if a.ndim == 0:
        a = a.reshape(1)
    if a.flags.c_contiguous and not swap:
        flat = a.reshape(-1).view(np.uint8)
        for i in range(0, flat.shape[0], _BLOCK):
            yield flat[i : i + _BLOCK].data
        return
    row_bytes = max(1, a[0].nbytes if a.shape[0] else 1)
    step = max(1, _BLOCK // row_bytes)
    for i in range(0, a.shape[0], step):
        block = np.ascontiguousarray(a[i : i + step])
        if swap:
            block = block.astype(le)
        yield block.reshape(-1).view(np.uint8).data


def digest_array(arr: Any, algo: str = DEFAULT_ALGORITHM) -> str:
    """The digest of a numpy array (or torch tensor): dtype, shape and C-order content.

    See the module doc for the canonical form. Raises
    :class:`~provenance.errors.UnsupportedTypeError` for object, structured and masked arrays.

    Example:
        >>> import numpy as np
        >>> digest_array(np.zeros(3, dtype=np.float32)) == digest_array(np.zeros(3))
        False
    """
    algo = check_algorithm(algo)
    return digest_array_parts(array_parts(arr), algo)


def digest_array_parts(parts: ArrayParts, algo: str) -> str:
    """Digest already-extracted :class:`ArrayParts`."""
    header = canonical_json({"dtype": parts.dtype, "shape": list(parts.shape)})
    h = new_domain_hasher("array", algo, multithreaded=parts.nbytes >= _MT_THRESHOLD)
    h.update(header.encode() + b"\n")
    for block in _c_order_blocks(parts.data):
        h.update(block)
    return format_digest(algo, h.hexdigest())
