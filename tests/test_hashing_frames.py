"""Canonical table digests: invariances, sensitivities, missing values, library parity."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from provenance.errors import UnsupportedTypeError
from provenance.hashing import digest_frame, frame_digest
from provenance.hashing.columns import ROWS_PER_CHUNK


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.array([1, 2, 3, 4], dtype=np.int64),
            "score": [0.5, np.nan, -0.0, 2.25],
            "name": ["ann", None, "cé", ""],
            "cat": pd.Categorical(["a", "b", None, "a"], categories=["a", "b", "c"]),
            "small": np.array([1, 2, 3, 4], dtype=np.int32),
            "when": pd.to_datetime(
                ["2024-01-01", None, "2024-03-01 12:00:00.5", "1969-12-31"], format="ISO8601"
            ),
            "flag": [True, False, True, True],
        }
    )


def test_column_order_does_not_matter() -> None:
    df = sample()
    assert digest_frame(df) == digest_frame(df[list(reversed(df.columns))])


def test_row_order_matters() -> None:
    df = sample()
    assert digest_frame(df) != digest_frame(df.iloc[::-1].reset_index(drop=True))


def test_values_and_names_matter() -> None:
    df = sample()
    changed = df.copy()
    changed.loc[0, "score"] = 0.5000001
    assert digest_frame(df) != digest_frame(changed)
    assert digest_frame(df) != digest_frame(df.rename(columns={"score": "Score"}))
    # swapping two columns' names is a change even though the set of names is the same
    swapped = df.rename(columns={"id": "small", "small": "id"})
    assert digest_frame(df) != digest_frame(swapped)


@pytest.mark.parametrize(
    ("column", "dtype"),
    [("id", "int32"), ("small", "int64"), ("id", "uint64"), ("score", "float32"), ("flag", "int8")],
)
def test_dtype_matters(column: str, dtype: str) -> None:
    df = sample().drop(columns=["score"]) if column != "score" else sample().fillna({"score": 1})
    assert digest_frame(df) != digest_frame(df.astype({column: dtype}))


def test_missing_values_have_one_form() -> None:
    base = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    payload_nan = np.array([1.0, 0.0, 3.0])
    payload_nan.view(np.uint64)[1] = 0x7FF8_0000_DEAD_BEEF  # a NaN with another payload
    neg_nan = np.array([1.0, -np.nan, 3.0])
    for other in (
        pd.DataFrame({"x": [1.0, None, 3.0]}),
        pd.DataFrame({"x": payload_nan}),
        pd.DataFrame({"x": neg_nan}),
    ):
        assert digest_frame(other) == digest_frame(base)
    # a missing value is not any number, and its position counts
    assert digest_frame(base) != digest_frame(pd.DataFrame({"x": [1.0, 0.0, 3.0]}))
    assert digest_frame(base) != digest_frame(pd.DataFrame({"x": [np.nan, 1.0, 3.0]}))


def test_negative_zero_is_zero() -> None:
    assert digest_frame(pd.DataFrame({"x": [-0.0, 1.0]})) == digest_frame(
        pd.DataFrame({"x": [0.0, 1.0]})
    )


def test_nat_and_none_in_datetimes() -> None:
    a = pd.DataFrame({"t": pd.to_datetime(["2020-01-01", None])})
    b = pd.DataFrame({"t": [pd.Timestamp("2020-01-01"), pd.NaT]})
    assert digest_frame(a) == digest_frame(b)


def test_datetime_unit_is_storage_but_timezone_is_type() -> None:
    t = pd.DataFrame(
        {"t": pd.to_datetime(["2020-01-01 00:00:01.5", "1900-06-30", None], format="ISO8601")}
    )
    units = {digest_frame(t.astype({"t": f"datetime64[{u}]"})) for u in ("ms", "us", "ns")}
    assert len(units) == 1
    utc = t.assign(t=t["t"].dt.tz_localize("UTC"))
    paris = t.assign(t=t["t"].dt.tz_localize("UTC").dt.tz_convert("Europe/Paris"))
    assert digest_frame(utc) != digest_frame(t)
    assert digest_frame(paris) != digest_frame(utc)  # same instants, different zone


def test_string_storage_rule() -> None:
    values = ["a", None, "ccc", "é"]
    kinds = [
        pd.Series(values, dtype=object),
        pd.Series(values, dtype="str"),
        pd.Series(values, dtype="string[python]"),
        pd.Series(values, dtype="string[pyarrow]"),
    ]
    digests = {digest_frame(pd.DataFrame({"s": s})) for s in kinds}
    assert len(digests) == 1
    info = frame_digest(pd.DataFrame({"s": kinds[0]}))
    assert info.columns == (("s", "string"),)


def test_nullable_and_numpy_ints_agree_without_missing() -> None:
    a = pd.DataFrame({"i": np.array([1, 2, 3], dtype=np.int64)})
    b = pd.DataFrame({"i": pd.array([1, 2, 3], dtype="Int64")})
    assert digest_frame(a) == digest_frame(b)
    c = pd.DataFrame({"i": pd.array([1, None, 3], dtype="Int64")})
    assert digest_frame(c) != digest_frame(b)
    assert digest_frame(c) != digest_frame(pd.DataFrame({"i": pd.array([1, 0, 3], dtype="Int64")}))


def test_categoricals() -> None:
    values = ["x", "y", None, "x"]
    base = pd.DataFrame({"c": pd.Categorical(values, categories=["x", "y"])})
    reordered = pd.DataFrame({"c": pd.Categorical(values, categories=["y", "x"])})
    unused = pd.DataFrame({"c": pd.Categorical(values, categories=["x", "y", "z"])})
    ordered = pd.DataFrame({"c": pd.Categorical(values, categories=["x", "y"], ordered=True)})
    ordered_rev = pd.DataFrame({"c": pd.Categorical(values, categories=["y", "x"], ordered=True)})
    plain = pd.DataFrame({"c": pd.Series(values, dtype="str")})
    assert digest_frame(base) == digest_frame(reordered)  # unordered: order is not meaning
    assert digest_frame(base) != digest_frame(unused)  # categories enter
    assert digest_frame(base) != digest_frame(ordered)
    assert digest_frame(ordered) != digest_frame(ordered_rev)  # ordered: order is meaning
    assert digest_frame(base) != digest_frame(plain)
    other_values = pd.DataFrame({"c": pd.Categorical(["x", "x", None, "x"], categories=["x", "y"])})
    assert digest_frame(base) != digest_frame(other_values)
    ints = pd.DataFrame({"c": pd.Categorical([3, 1, 3], categories=[3, 1])})
    assert digest_frame(ints) == digest_frame(
        pd.DataFrame({"c": pd.Categorical([3, 1, 3], categories=[1, 3])})
    )


def test_index_excluded_by_default_included_on_request() -> None:
    df = sample()
    other_index = df.set_axis(list("abcd"), axis=0)
    assert digest_frame(df) == digest_frame(other_index)
    assert digest_frame(df, include_index=True) != digest_frame(other_index, include_index=True)
    assert digest_frame(df, include_index=True) != digest_frame(df)
    named = df.rename_axis("row")
    assert digest_frame(named, include_index=True) != digest_frame(df, include_index=True)


def test_float_tolerance() -> None:
    a = pd.DataFrame({"x": [0.1 + 0.2, 1 / 3, -1e-9]})
    b = pd.DataFrame({"x": [0.3, 0.333333333, 0.0]})
    assert digest_frame(a) != digest_frame(b)
    assert digest_frame(a, float_decimals=6) == digest_frame(b, float_decimals=6)
    # a tolerant digest never equals an exact one
    assert digest_frame(b.round(6), float_decimals=6) != digest_frame(b.round(6))
    # ints are not rounded
    i = pd.DataFrame({"n": [123456789]})
    assert digest_frame(i, float_decimals=-3) != digest_frame(pd.DataFrame({"n": [123457000]}))


def test_unsupported_object_columns_name_the_column() -> None:
    with pytest.raises(UnsupportedTypeError, match="'payload'"):
        digest_frame(pd.DataFrame({"ok": [1], "payload": [{"a": 1}]}))
    with pytest.raises(UnsupportedTypeError, match="'mixed'"):
        digest_frame(pd.DataFrame({"mixed": pd.Series(["a", b"b"], dtype=object)}))
    with pytest.raises(UnsupportedTypeError, match="'ints'"):
        digest_frame(pd.DataFrame({"ints": pd.Series([1, "2"], dtype=object)}))
    with pytest.raises(UnsupportedTypeError, match="'dec'"):
        digest_frame(pd.DataFrame({"dec": pd.Series([Decimal("1.5")], dtype=object)}))


def test_object_fallbacks_bytes_dates_and_all_missing() -> None:
    b = pd.DataFrame({"b": pd.Series([b"\x00\x01", None, b""], dtype=object)})
    assert frame_digest(b).columns == (("b", "binary"),)
    assert digest_frame(b) != digest_frame(
        pd.DataFrame({"b": pd.Series([b"\x00\x01", None, b"x"], dtype=object)})
    )
    d = pd.DataFrame({"d": pd.Series([dt.date(2020, 1, 2), None], dtype=object)})
    assert frame_digest(d).columns == (("d", "date"),)
    assert digest_frame(d) == digest_frame(pa.table({"d": pa.array([dt.date(2020, 1, 2), None])}))
    n = pd.DataFrame({"n": pd.Series([None, np.nan], dtype=object)})
    assert frame_digest(n).columns == (("n", "null"),)


def test_object_columns_of_one_scalar_kind_are_their_typed_column() -> None:
    pairs = [
        (pd.Series([True, None, False], dtype=object), pd.array([True, None, False], "boolean")),
        (pd.Series([1, None, 3], dtype=object), pd.array([1, None, 3], dtype="Int64")),
        (pd.Series([1.5, np.nan, -0.0], dtype=object), pd.Series([1.5, None, 0.0])),
        (pd.Series([1, 2.5, None], dtype=object), pd.Series([1.0, 2.5, np.nan])),
    ]
    for loose, typed in pairs:
        assert digest_frame(pd.DataFrame({"x": loose})) == digest_frame(pd.DataFrame({"x": typed}))
    with pytest.raises(UnsupportedTypeError, match="'big'"):
        digest_frame(pd.DataFrame({"big": pd.Series([2**70, 1], dtype=object)}))


def test_duplicate_column_names() -> None:
    a = pd.DataFrame([[1, "x"], [2, "y"]], columns=["k", "k"])
    b = pd.DataFrame([["x", 1], ["y", 2]], columns=["k", "k"])
    assert digest_frame(a) == digest_frame(b)
    assert digest_frame(a) != digest_frame(a.iloc[:, :1])


def test_string_values_are_delimited() -> None:
    a = pd.DataFrame({"s": ["ab", "c"]})
    b = pd.DataFrame({"s": ["a", "bc"]})
    c = pd.DataFrame({"s": ["abc", ""]})
    assert len({digest_frame(a), digest_frame(b), digest_frame(c)}) == 3
    assert digest_frame(pd.DataFrame({"s": ["", None]})) != digest_frame(
        pd.DataFrame({"s": [None, ""]})
    )


def test_arrow_table_from_frame_has_the_same_digest() -> None:
    df = sample()
    table = pa.Table.from_pandas(df)
    assert digest_frame(table) == digest_frame(df)
    assert digest_frame(table, include_index=True) == digest_frame(df, include_index=True)
    indexed = df.set_axis(pd.Index(list("wxyz"), name="key"), axis=0)
    t2 = pa.Table.from_pandas(indexed)
    assert digest_frame(t2) == digest_frame(indexed)
    assert digest_frame(t2, include_index=True) == digest_frame(indexed, include_index=True)
    no_index = pa.Table.from_pandas(df, preserve_index=False)
    assert digest_frame(no_index, include_index=True) == digest_frame(df, include_index=True)
    assert digest_frame(table.to_batches()[0]) == digest_frame(df)


def test_polars_frame_has_the_same_digest() -> None:
    import polars as pl  # the dev extra installs it

    df = sample()
    df["cat"] = pd.Categorical(["a", "b", None, "a"], categories=["a", "b"])  # no unused ones
    assert digest_frame(pl.from_pandas(df)) == digest_frame(df)
    assert frame_digest(pl.from_pandas(df)).source == "polars"


def test_chunk_boundaries_do_not_matter() -> None:
    n = 3 * ROWS_PER_CHUNK + 17
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    x[rng.integers(0, n, 500)] = np.nan
    words = np.array(["", "a", "bb", "ccc", None], dtype=object)[rng.integers(0, 5, n)]
    df = pd.DataFrame({"x": x, "s": pd.Series(words, dtype="str"), "i": np.arange(n)})
    table = pa.Table.from_pandas(df, preserve_index=False)
    cuts = [0, 1, 999, ROWS_PER_CHUNK + 5, 2 * ROWS_PER_CHUNK, n]
    rechunked = pa.Table.from_batches(
        [b for a, z in itertools.pairwise(cuts) for b in table.slice(a, z - a).to_batches()]
    )
    assert rechunked.column("x").num_chunks == len(cuts) - 1
    assert digest_frame(rechunked) == digest_frame(df)
    assert digest_frame(df.iloc[1:]) != digest_frame(df)


def test_big_endian_columns_normalised() -> None:
    le = pd.DataFrame({"x": np.arange(5, dtype="<f8"), "i": np.arange(5, dtype="<i4")})
    be = pd.DataFrame({"x": np.arange(5, dtype=">f8"), "i": np.arange(5, dtype=">i4")})
    assert digest_frame(le) == digest_frame(be)


def test_series_and_empty_frames() -> None:
    s = pd.Series([1, 2], name="a")
    assert digest_frame(s) == digest_frame(s.to_frame())
    empty = pd.DataFrame({"a": pd.Series([], dtype="int64")})
    assert digest_frame(empty) != digest_frame(pd.DataFrame({"a": pd.Series([], dtype="float64")}))
    assert digest_frame(pd.DataFrame()) != digest_frame(pd.DataFrame(index=range(3)))


def test_sha256_selectable() -> None:
    df = sample()
    d = digest_frame(df, "sha256")
    assert d.startswith("sha256:") and len(d) == 7 + 64
    assert d.split(":")[1] != digest_frame(df).split(":")[1]


def test_unsupported_dtypes() -> None:
    with pytest.raises(UnsupportedTypeError, match="'c'"):
        digest_frame(pd.DataFrame({"c": np.array([1 + 2j])}))
    nested = pa.table({"l": pa.array([[1, 2], [3]])})
    with pytest.raises(UnsupportedTypeError, match="'l'"):
        digest_frame(nested)
    with pytest.raises(UnsupportedTypeError):
        digest_frame([1, 2, 3])


def test_arrow_layouts_are_storage() -> None:
    words = ["a", None, "bcd", ""]
    base = digest_frame(pa.table({"w": pa.array(words, type=pa.string())}))
    for t in (pa.large_string(), pa.string_view()):
        assert digest_frame(pa.table({"w": pa.array(words, type=t)})) == base
    raw = [b"a", None, b"\x00"]
    assert digest_frame(pa.table({"b": pa.array(raw, type=pa.binary())})) == digest_frame(
        pa.table({"b": pa.array(raw, type=pa.large_binary())})
    )
    d32 = pa.array([dt.date(2020, 1, 1), None], type=pa.date32())
    assert digest_frame(pa.table({"d": d32})) == digest_frame(
        pa.table({"d": d32.cast(pa.date64())})
    )
    dur = pa.array([1500, None], type=pa.duration("ms"))
    assert digest_frame(pa.table({"x": dur})) == digest_frame(
        pd.DataFrame({"x": pd.to_timedelta([1.5, None], unit="s")})
    )


def test_arrow_dictionaries_differing_per_chunk() -> None:
    c1 = pa.array(["x", "y", None]).dictionary_encode()
    c2 = pa.array(["z", "x"]).dictionary_encode()
    table = pa.table({"c": pa.chunked_array([c1, c2])})
    same = pa.table({"c": pa.array(["x", "y", None, "z", "x"]).dictionary_encode()})
    assert digest_frame(table) == digest_frame(same)
    frame = pd.DataFrame({"c": pd.Categorical(["x", "y", None, "z", "x"])})
    assert digest_frame(table) == digest_frame(frame)


def test_float16_and_float_categories() -> None:
    h = pd.DataFrame({"h": np.array([0.5, np.nan, -0.0], dtype=np.float16)})
    assert digest_frame(h) == digest_frame(pa.table({"h": pa.array(h["h"].to_numpy())}))
    assert digest_frame(h) != digest_frame(h.astype("float32"))
