"""Canonical columns: one typed, chunked, library-independent view of a table column.

pandas, pyarrow and polars columns are all turned into :class:`CanonicalColumn` objects whose
chunks hold canonical numpy buffers; the frame digest (:mod:`.frames`) and the row fingerprints
(:mod:`.fingerprints`) both read those, so they share one set of value rules:

* **Logical types, not storage.** The type tag names what the values are: ``bool``,
  ``int8`` … ``uint64``, ``float16``/``float32``/``float64``, ``string``, ``binary``,
  ``timestamp`` (naive) or ``timestamp[<tz>]``, ``duration``, ``date``, ``null`` (a column of
  nothing but missing values) and ``category``/``category[ordered]``. Widths matter (int32 is
  not int64), but storage does not: numpy ``int64`` and pandas ``Int64`` holding the same
  values agree, and so do pandas 3's ``str`` dtype, ``string[python]``, ``string[pyarrow]`` and
  an ``object`` column of ``str`` (pandas 2 and 3 read the same CSV into different ones of
  these), Arrow ``string``/``large_string``/``string_view``, and polars ``String``.
* **Missing values**: ``None``, ``NaN``, ``pd.NA`` and ``NaT`` are one thing, *missing*,
  recorded by row position; the slot's stored value is ignored. In float columns NaN is
  missing too (pandas, Arrow ``from_pandas`` and polars ``from_pandas`` all treat it so), so a
  NaN payload or sign never matters.
* **Floats**: ``-0.0`` is ``0.0``; with ``float_decimals=N`` values are first rounded to N
  decimals (``numpy.round``, half to even), so noise below that precision is ignored.
* **Timestamps and durations** are exact instants: (seconds, nanoseconds). The unit is storage
  (pandas 2 parses dates to ``ns``, pandas 3 to ``us``), so ``datetime64[s]`` and
  ``datetime64[ns]`` holding the same instants agree; the time zone is part of the type.
* **Categoricals** are hashed by their categories and by which category each row holds
  (codes renumbered to a canonical category order: as given when ordered, sorted by value when
  not, because pandas treats unordered categories in any order as one dtype).
* ``object`` columns are accepted when every non-missing value is of one scalar kind, and are
  then the typed column they would be: all ``str`` → ``string``, all ``bytes`` → ``binary``,
  all ``datetime.date`` → ``date``, all ``bool`` → ``bool`` (what pandas reads a CSV column of
  booleans with gaps into), all ``int`` → ``int64``, all ``float`` or ``int``/``float`` →
  ``float64``, none present → ``null``. Anything else (``str`` mixed with ``bytes``, dicts,
  lists, Decimals, arbitrary objects, ints beyond int64) raises
  :class:`~provenance.errors.UnsupportedTypeError` naming the column.

Everything is vectorised: columns are cut into chunks of :data:`ROWS_PER_CHUNK` rows and each
chunk is a handful of numpy/Arrow kernels; no per-row Python runs, and memory beyond the
frame stays at a few chunks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from provenance.errors import UnsupportedTypeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ROWS_PER_CHUNK",
    "CanonicalColumn",
    "CanonicalFrame",
    "FixedChunk",
    "VarChunk",
    "canonical_frame",
    "frame_source",
]

#: Rows per canonical chunk: 512 KiB of float64, small enough to stay in cache.
ROWS_PER_CHUNK = 1 << 16

_SUBSEC = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_MULTISEC = {"m": 60, "h": 3600, "D": 86400, "W": 7 * 86400}
_INT64_MIN = np.iinfo(np.int64).min

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class FixedChunk:
    """Fixed-width canonical values: little-endian, C-contiguous, missing slots zeroed.

    ``values`` is 1-D, or 2-D ``(rows, 2)`` int64 (seconds, nanoseconds) for instants and
    ``(rows, 0)`` for the ``null`` type. ``missing`` is a bool mask, or None when no row is.
    """

    values: npt.NDArray[Any]
    missing: BoolArray | None

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True, slots=True)
class VarChunk:
    """Variable-length canonical values: byte ``lengths`` (0 when missing) and concatenated
    ``data`` (missing rows contribute nothing)."""

    lengths: npt.NDArray[np.int64]
    data: memoryview
    missing: BoolArray | None

    @property
    def rows(self) -> int:
        return int(self.lengths.shape[0])


Chunk = FixedChunk | VarChunk


@dataclass(frozen=True)
class CanonicalColumn:
    """One column in canonical form; :meth:`chunks` may be iterated any number of times."""

    name: Hashable
    type: str
    length: int
    layout: Literal["fixed", "var"]
    make_chunks: Callable[[], Iterator[Chunk]] = field(repr=False)
    categories: CanonicalColumn | None = None

    def chunks(self) -> Iterator[Chunk]:
        """The column's canonical chunks, in row order."""
        return self.make_chunks()

    @property
    def family(self) -> str:
        """The value family row fingerprints compare by (int widths and float widths merge,
        categoricals compare by their category values)."""
        if self.categories is not None:
            return self.categories.family
        if self.type.startswith(("int", "uint")):
            return "int"
        if self.type.startswith("float"):
            return "float"
        return self.type


@dataclass(frozen=True)
class CanonicalFrame:
    """A table's canonical columns; ``index`` is None unless the index was asked for."""

    columns: list[CanonicalColumn]
    index: list[CanonicalColumn] | None
    rows: int
    source: str


# --- helpers -------------------------------------------------------------------------------
def _unsupported(name: Hashable, what: str, hint: str = "") -> UnsupportedTypeError:
    msg = f"column {name!r}: {what} has no canonical digest"
    return UnsupportedTypeError(msg + (f"; {hint}" if hint else ""))


def _slices(n: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, ROWS_PER_CHUNK):
        yield start, min(n, start + ROWS_PER_CHUNK)


def _le(dtype: np.dtype[Any]) -> np.dtype[Any]:
    return dtype.newbyteorder("<") if dtype.byteorder not in ("<", "|") else dtype


def _le_array(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    order = x.dtype.byteorder
    if order in ("<", "|") or (order == "=" and sys.byteorder == "little"):
        return np.ascontiguousarray(x)
    return np.ascontiguousarray(x.astype(_le(x.dtype)))


def canon_floats(
    x: npt.NDArray[np.floating[Any]], decimals: int | None, extra_missing: BoolArray | None
) -> FixedChunk:
    """Canonical float chunk: rounded (optional), -0.0 -> 0.0, NaN or masked -> missing, 0."""
    out = np.empty(x.shape[0], dtype=_le(x.dtype))
    if decimals is not None:
        np.round(x, decimals, out=out)
        np.add(out, 0.0, out=out)
    else:
        np.add(x, 0.0, out=out)  # -0.0 + 0.0 == +0.0; copies and byte-swaps in one pass
    missing = np.isnan(out)
    if extra_missing is not None:
        missing |= extra_missing
    if missing.any():
        out[missing] = 0.0
        return FixedChunk(out, missing)
    return FixedChunk(out, None)


def instants(v: npt.NDArray[np.int64], unit: str, missing: BoolArray | None) -> FixedChunk:
    """(seconds, nanoseconds) pairs of int64 ticks of ``unit``; missing rows zeroed."""
    out = np.empty((v.shape[0], 2), dtype="<i8")
    if unit in _SUBSEC:
        k = _SUBSEC[unit]
        secs = np.floor_divide(v, k)
        out[:, 0] = secs
        out[:, 1] = (v - secs * k) * (10**9 // k)
    elif unit in _MULTISEC:
        out[:, 0] = v * _MULTISEC[unit]
        out[:, 1] = 0
    else:
        raise UnsupportedTypeError(f"time unit {unit!r} has no canonical digest")
    if missing is not None:
        if missing.any():
            out[missing] = 0
        else:
            missing = None
    return FixedChunk(out, missing)


def _fixed(values: npt.NDArray[Any], missing: BoolArray | None) -> FixedChunk:
    if missing is not None and missing.any():
        values = values.copy()
        values[missing] = 0
        return FixedChunk(values, missing)
    return FixedChunk(values, None)


# --- numpy ---------------------------------------------------------------------------------
def _int_tag(dtype: np.dtype[Any]) -> str:
    return f"{'int' if dtype.kind == 'i' else 'uint'}{dtype.itemsize * 8}"


def numpy_column(name: Hashable, values: npt.NDArray[Any], decimals: int | None) -> CanonicalColumn:
    """A canonical column over a 1-D numpy array (bool, int, float, datetime, object, str)."""
    if values.ndim != 1:
        raise _unsupported(name, f"a {values.ndim}-D array")
    dtype = values.dtype
    n = values.shape[0]
    kind = dtype.kind

    if kind == "b":

        def chunks() -> Iterator[Chunk]:
            for a, b in _slices(n):
                yield FixedChunk(np.not_equal(values[a:b], False).view(np.uint8), None)

        return CanonicalColumn(name, "bool", n, "fixed", chunks)
    if kind in "iu":

        def chunks() -> Iterator[Chunk]:
            for a, b in _slices(n):
                yield FixedChunk(_le_array(values[a:b]), None)

        return CanonicalColumn(name, _int_tag(dtype), n, "fixed", chunks)
    if kind == "f":
        if dtype.itemsize > 8:
            raise _unsupported(name, f"dtype {dtype}", "cast to float64")

        def chunks() -> Iterator[Chunk]:
            for a, b in _slices(n):
                yield canon_floats(values[a:b], decimals, None)

        return CanonicalColumn(name, f"float{dtype.itemsize * 8}", n, "fixed", chunks)
    if kind in "mM":
        unit, count = np.datetime_data(dtype)
        if count != 1 or (unit not in _SUBSEC and unit not in _MULTISEC):
            raise _unsupported(name, f"dtype {dtype}")
        ticks = values.view(np.dtype("i8").newbyteorder(dtype.byteorder))

        def chunks() -> Iterator[Chunk]:
            for a, b in _slices(n):
                v = _le_array(ticks[a:b])
                yield instants(v, unit, v == _INT64_MIN)

        return CanonicalColumn(name, "timestamp" if kind == "M" else "duration", n, "fixed", chunks)
    if kind == "O":
        return object_column(name, values, decimals)
    if kind in "US":
        return arrow_column(name, _to_arrow(name, values), decimals)
    raise _unsupported(name, f"dtype {dtype}")


_OBJECT_TARGETS: dict[str, pa.DataType] = {
    "string": pa.large_string(),
    "bytes": pa.large_binary(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
    "integer": pa.int64(),
    "floating": pa.float64(),
    "mixed-integer-float": pa.float64(),
    "empty": pa.null(),
}


def object_column(
    name: Hashable, values: npt.NDArray[np.object_], decimals: int | None = None
) -> CanonicalColumn:
    """An ``object`` column of one scalar kind plus missing values, converted by Arrow in
    chunks (see the module doc for the kinds); anything else raises
    :class:`UnsupportedTypeError` naming the column."""
    from pandas.api.types import infer_dtype

    inferred = infer_dtype(values, skipna=True)
    target = _OBJECT_TARGETS.get(inferred)
    if target is None:
        raise _unsupported(
            name,
            f"an object column of {inferred} values",
            "object columns must hold one kind of scalar (str, bytes, bool, int, float or "
            "datetime.date) and missing values; convert it with .astype(...) to a typed column",
        )
    n = values.shape[0]
    if pa.types.is_null(target):
        return CanonicalColumn(name, "null", n, "fixed", lambda: _null_chunks(n))
    convert = _arrow_converter(name, target, decimals)
    tag, layout = _arrow_tag(name, target)

    def chunks() -> Iterator[Chunk]:
        for a, b in _slices(n):
            try:
                arr = pa.array(values[a:b], type=target, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
                raise _unsupported(name, f"an object column of {inferred} values ({e})") from e
            yield convert(arr)

    return CanonicalColumn(name, tag, n, layout, chunks)


def _null_chunks(n: int) -> Iterator[Chunk]:
    for a, b in _slices(n):
        yield FixedChunk(np.zeros((b - a, 0), dtype=np.uint8), np.ones(b - a, dtype=np.bool_))


def _to_arrow(name: Hashable, obj: Any) -> pa.Array | pa.ChunkedArray:
    try:
        return pa.array(obj, from_pandas=True)
    except (
        pa.ArrowInvalid,
        pa.ArrowTypeError,
        pa.ArrowNotImplementedError,
        TypeError,
        OverflowError,
    ) as e:
        raise _unsupported(name, f"values of type {type(obj).__name__} ({e})") from e


# --- arrow ---------------------------------------------------------------------------------
def _arrow_tag(name: Hashable, t: pa.DataType) -> tuple[str, Literal["fixed", "var"]]:
    if pa.types.is_boolean(t):
        return "bool", "fixed"
    if pa.types.is_integer(t):
        return _int_tag(np.dtype(t.to_pandas_dtype())), "fixed"
    if pa.types.is_floating(t):
        return f"float{t.bit_width}", "fixed"
    if pa.types.is_timestamp(t):
        return ("timestamp" if t.tz is None else f"timestamp[{t.tz}]"), "fixed"
    if pa.types.is_duration(t):
        return "duration", "fixed"
    if pa.types.is_date(t):
        return "date", "fixed"
    if pa.types.is_null(t):
        return "null", "fixed"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string", "var"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "binary", "var"
    raise _unsupported(name, f"Arrow type {t}")


def _null_mask(arr: pa.Array) -> BoolArray | None:
    if arr.null_count == 0:
        return None
    mask: BoolArray = arr.is_null().to_numpy(zero_copy_only=False)
    return mask


def _buffer_values(arr: pa.Array, dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    buf = arr.buffers()[1]
    if buf is None or len(arr) == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(buf, dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize)


def _arrow_converter(
    name: Hashable, t: pa.DataType, decimals: int | None
) -> Callable[[pa.Array], Chunk]:
    """A function turning one Arrow array (a slice of the column) of type ``t`` into a chunk."""
    if pa.types.is_boolean(t):

        def conv_bool(arr: pa.Array) -> Chunk:
            missing = _null_mask(arr)
            filled = pc.fill_null(arr, False) if missing is not None else arr
            return FixedChunk(filled.to_numpy(zero_copy_only=False).view(np.uint8), missing)

        return conv_bool
    if pa.types.is_integer(t):
        int_dtype = _le(np.dtype(t.to_pandas_dtype()))
        return lambda arr: _fixed(_buffer_values(arr, int_dtype), _null_mask(arr))
    if pa.types.is_floating(t):
        float_dtype = _le(np.dtype({16: "f2", 32: "f4", 64: "f8"}[t.bit_width]))
        return lambda arr: canon_floats(_buffer_values(arr, float_dtype), decimals, _null_mask(arr))
    if pa.types.is_timestamp(t) or pa.types.is_duration(t):
        unit = t.unit
        i8 = np.dtype("<i8")
        return lambda arr: instants(_buffer_values(arr, i8), unit, _null_mask(arr))
    if pa.types.is_date32(t):
        i4 = np.dtype("<i4")
        return lambda arr: _fixed(_buffer_values(arr, i4).astype("<i8"), _null_mask(arr))
    if pa.types.is_date64(t):
        i8 = np.dtype("<i8")
        return lambda arr: _fixed(
            np.floor_divide(_buffer_values(arr, i8), 86_400_000), _null_mask(arr)
        )
    if pa.types.is_null(t):
        return lambda arr: FixedChunk(
            np.zeros((len(arr), 0), dtype=np.uint8), np.ones(len(arr), dtype=np.bool_)
        )
    tag, layout = _arrow_tag(name, t)
    if layout == "var":
        is_text = tag == "string"
        wide = pa.large_string() if is_text else pa.large_binary()

        def conv_var(arr: pa.Array) -> Chunk:
            if arr.type != wide and not (
                pa.types.is_string(arr.type) or pa.types.is_binary(arr.type)
            ):
                arr = arr.cast(wide)  # the *_view layouts
            missing = _null_mask(arr)
            if missing is not None:
                # A null slot may own bytes in Arrow; rebuild so missing rows hold nothing.
                arr = pc.fill_null(arr, pa.scalar("" if is_text else b"", type=arr.type))
            off_dtype = np.dtype("<i8") if arr.type == wide else np.dtype("<i4")
            n = len(arr)
            obuf = arr.buffers()[1]
            if n == 0 or obuf is None:
                return VarChunk(np.zeros(0, dtype=np.int64), memoryview(b""), missing)
            offs = np.frombuffer(
                obuf, dtype=off_dtype, count=n + 1, offset=arr.offset * off_dtype.itemsize
            )
            lengths = np.diff(offs).astype(np.int64)
            dbuf = arr.buffers()[2]
            lo, hi = int(offs[0]), int(offs[-1])
            data = memoryview(dbuf)[lo:hi] if dbuf is not None else memoryview(b"")
            return VarChunk(lengths, data, missing)

        return conv_var
    raise _unsupported(name, f"Arrow type {t}")  # pragma: no cover - _arrow_tag raised


def arrow_column(
    name: Hashable, arr: pa.Array | pa.ChunkedArray, decimals: int | None
) -> CanonicalColumn:
    """A canonical column over an Arrow array or chunked array."""
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr], type=arr.type)
    t = chunked.type
    if pa.types.is_dictionary(t):
        return _arrow_dictionary_column(name, chunked)
    if isinstance(t, pa.ExtensionType):
        raise _unsupported(name, f"Arrow extension type {t}")
    tag, layout = _arrow_tag(name, t)
    convert = _arrow_converter(name, t, decimals)
    n = len(chunked)

    def chunks() -> Iterator[Chunk]:
        for part in chunked.chunks:
            for a, b in _slices(len(part)):
                yield convert(part.slice(a, b - a))

    return CanonicalColumn(name, tag, n, layout, chunks)


# --- categoricals --------------------------------------------------------------------------
def _categorical(
    name: Hashable,
    categories: pa.Array,
    ordered: bool,
    length: int,
    code_chunks: Callable[[], Iterator[npt.NDArray[np.int64]]],
) -> CanonicalColumn:
    """Codes (``-1`` = missing) renumbered to canonical category order, plus the categories."""
    if categories.null_count:
        raise _unsupported(name, "a categorical whose categories include a missing value")
    k = len(categories)
    if ordered or k == 0:
        perm = np.arange(k, dtype=np.int64)
    else:
        perm = pc.sort_indices(categories).to_numpy(zero_copy_only=False).astype(np.int64)
    rank = np.empty(k, dtype="<i4")
    rank[perm] = np.arange(k, dtype="<i4")
    cats = arrow_column(name, categories.take(pa.array(perm)), None)

    def chunks() -> Iterator[Chunk]:
        for codes in code_chunks():
            missing = codes < 0
            if missing.any():
                out = rank[np.where(missing, 0, codes)] if k else np.zeros(len(codes), "<i4")
                out[missing] = 0
                yield FixedChunk(out, missing)
            else:
                yield FixedChunk(rank[codes], None)

    tag = "category[ordered]" if ordered else "category"
    return CanonicalColumn(name, tag, length, "fixed", chunks, categories=cats)


def _arrow_dictionary_column(name: Hashable, chunked: pa.ChunkedArray) -> CanonicalColumn:
    t = chunked.type
    if chunked.num_chunks > 1:
        chunked = chunked.unify_dictionaries()
    dictionary = (
        chunked.chunk(0).dictionary if chunked.num_chunks else pa.array([], type=t.value_type)
    )
    idx_dtype = _le(np.dtype(t.index_type.to_pandas_dtype()))

    def code_chunks() -> Iterator[npt.NDArray[np.int64]]:
        for part in chunked.chunks:
            for a, b in _slices(len(part)):
                piece = part.slice(a, b - a)
                codes = _buffer_values(piece.indices, idx_dtype).astype(np.int64)
                missing = _null_mask(piece)
                if missing is not None:
                    codes[missing] = -1
                yield codes

    return _categorical(name, dictionary, bool(t.ordered), len(chunked), code_chunks)


def _pandas_categorical(name: Hashable, cat: Any) -> CanonicalColumn:
    try:
        categories = pa.Array.from_pandas(cat.categories)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise _unsupported(name, f"a categorical with categories of mixed types ({e})") from e
    codes_all = np.asarray(cat.codes)

    def code_chunks() -> Iterator[npt.NDArray[np.int64]]:
        for a, b in _slices(codes_all.shape[0]):
            yield codes_all[a:b].astype(np.int64)

    return _categorical(name, categories, bool(cat.ordered), codes_all.shape[0], code_chunks)


# --- pandas --------------------------------------------------------------------------------
def pandas_column(
    name: Hashable, obj: pd.Series | pd.Index, decimals: int | None
) -> CanonicalColumn:
    """A canonical column over a pandas Series or Index (any dtype pandas can hold)."""
    import pandas as pd

    dtype = obj.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _pandas_categorical(name, obj.array)
    if isinstance(dtype, np.dtype):
        return numpy_column(name, obj.to_numpy(), decimals)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
        return object_column(name, np.asarray(obj.array, dtype=object), decimals)
    return arrow_column(name, _to_arrow(name, obj.array), decimals)


# --- frames --------------------------------------------------------------------------------
def frame_source(obj: object) -> str | None:
    """ "pandas", "arrow" or "polars" when ``obj`` is a table this package can digest."""
    mod = type(obj).__module__
    if mod.startswith("pandas") and "pandas" in sys.modules:
        pd = sys.modules["pandas"]
        if isinstance(obj, pd.DataFrame | pd.Series):
            return "pandas"
    if isinstance(obj, pa.Table | pa.RecordBatch):
        return "arrow"
    polars = sys.modules.get("polars") if mod.startswith("polars") else None
    if polars is not None and isinstance(obj, polars.DataFrame):
        return "polars"
    return None


def canonical_frame(
    obj: Any, *, include_index: bool = False, float_decimals: int | None = None
) -> CanonicalFrame:
    """The canonical columns of a pandas DataFrame/Series, pyarrow Table/RecordBatch or polars
    DataFrame. A pandas Series is a one-column frame named by its ``name``.

    Example:
        >>> import pandas as pd
        >>> cf = canonical_frame(pd.DataFrame({"b": [1, 2], "a": ["x", None]}))
        >>> cf.rows, [(c.name, c.type) for c in cf.columns]
        (2, [('b', 'int64'), ('a', 'string')])
    """
    source = frame_source(obj)
    if source == "pandas":
        import pandas as pd

        df: pd.DataFrame = obj.to_frame() if isinstance(obj, pd.Series) else obj
        cols = [
            pandas_column(df.columns[i], df.iloc[:, i], float_decimals) for i in range(df.shape[1])
        ]
        index = None
        if include_index:
            index = [
                pandas_column(df.index.names[i], df.index.get_level_values(i), float_decimals)
                for i in range(df.index.nlevels)
            ]
        return CanonicalFrame(cols, index, len(df), source)
    if source == "arrow":
        table = pa.Table.from_batches([obj]) if isinstance(obj, pa.RecordBatch) else obj
        return _arrow_frame(table, include_index, float_decimals, source)
    if source == "polars":
        return _arrow_frame(obj.to_arrow(), include_index, float_decimals, source)
    raise UnsupportedTypeError(f"{type(obj).__name__} is not a DataFrame or table")


def _arrow_frame(
    table: pa.Table, include_index: bool, decimals: int | None, source: str
) -> CanonicalFrame:
    """Arrow columns; the pandas index a ``Table.from_pandas`` stored counts as an index."""
    meta = table.schema.pandas_metadata or {}
    specs: list[Any] = list(meta.get("index_columns", []))
    field_names = {c.get("field_name"): c.get("name") for c in meta.get("columns", [])}
    physical = {s for s in specs if isinstance(s, str)}
    names = table.column_names
    cols = [
        arrow_column(n, table.column(i), decimals) for i, n in enumerate(names) if n not in physical
    ]
    index: list[CanonicalColumn] | None = None
    if include_index:
        index = []
        n_rows = table.num_rows
        for spec in specs:
            if isinstance(spec, str):
                index.append(
                    arrow_column(field_names.get(spec, spec), table.column(spec), decimals)
                )
            elif isinstance(spec, dict) and spec.get("kind") == "range":
                start, stop, step = int(spec["start"]), int(spec["stop"]), int(spec["step"])
                values = np.arange(start, stop, step, dtype=np.int64)
                if values.shape[0] != n_rows:  # a sliced table: its own rows, numbered from 0
                    values = np.arange(n_rows, dtype=np.int64)
                index.append(numpy_column(spec.get("name"), values, decimals))
        if not specs:  # no stored index: the default RangeIndex pandas would give it
            index.append(numpy_column(None, np.arange(n_rows, dtype=np.int64), decimals))
    return CanonicalFrame(cols, index, table.num_rows, source)
