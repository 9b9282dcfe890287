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


# --------------------------------------------------------------------------------------------
# Mutation testing (issue 21; tests/README.md): the canonical columns themselves. Expected
# canonical values are written out by hand.
# --------------------------------------------------------------------------------------------
def _chunks(col: object) -> list[object]:
    return list(col.chunks())  # type: ignore[attr-defined]


def test_canonical_floats_keep_their_width_round_and_mark_missing() -> None:
    from provenance.hashing.columns import canon_floats

    c = canon_floats(np.array([1.5, -0.0, np.nan, 2.0], dtype=np.float32), None, None)
    assert c.values.dtype == np.dtype("<f4")
    assert c.values.tolist() == [1.5, 0.0, 0.0, 2.0]
    assert not np.signbit(c.values).any()
    assert c.missing is not None and c.missing.tolist() == [False, False, True, False]
    r = canon_floats(np.array([0.123456, -0.001, 0.125, np.nan]), 2, None)
    assert r.values.dtype == np.dtype("<f8")
    assert r.values.tolist() == [0.12, 0.0, 0.12, 0.0]  # 0.125: half to even
    assert not np.signbit(r.values).any()  # -0.001 rounds to -0.0, stored as 0.0
    assert r.missing is not None and r.missing.tolist() == [False, False, False, True]
    extra = np.array([False, True, False, False])
    m = canon_floats(np.array([np.nan, 7.0, 8.0, 9.0]), None, extra)
    assert m.missing is not None and m.missing.tolist() == [True, True, False, False]
    assert m.values.tolist() == [0.0, 0.0, 8.0, 9.0]
    none = canon_floats(np.array([1.0, 2.0]), None, np.array([False, False]))
    assert none.missing is None and none.values.tolist() == [1.0, 2.0]


def test_instants_are_seconds_and_nanoseconds_in_every_unit() -> None:
    from provenance.hashing.columns import instants

    v = np.array([1500, -1500, 0], dtype=np.int64)
    assert instants(v, "ms", None).values.tolist() == [[1, 500_000_000], [-2, 500_000_000], [0, 0]]
    assert instants(v, "us", None).values.tolist() == [[0, 1_500_000], [-1, 998_500_000], [0, 0]]
    assert instants(v, "s", None).values.tolist() == [[1500, 0], [-1500, 0], [0, 0]]
    two = np.array([2, -1], dtype=np.int64)
    assert instants(two, "m", None).values.tolist() == [[120, 0], [-60, 0]]
    assert instants(two, "h", None).values.tolist() == [[7200, 0], [-3600, 0]]
    assert instants(two, "D", None).values.tolist() == [[172_800, 0], [-86_400, 0]]
    assert instants(two, "W", None).values.tolist() == [[1_209_600, 0], [-604_800, 0]]
    masked = instants(two, "D", np.array([True, False]))
    assert masked.values.tolist() == [[0, 0], [-86_400, 0]]
    assert masked.missing is not None and masked.missing.tolist() == [True, False]
    assert instants(two, "D", np.array([False, False])).missing is None
    with pytest.raises(UnsupportedTypeError) as info:
        instants(two, "ps", None)
    assert str(info.value) == "time unit 'ps' has no canonical digest"


def test_missing_fixed_values_are_zeroed() -> None:
    from provenance.hashing.columns import _fixed

    c = _fixed(np.array([5, 6, 7], dtype=np.int64), np.array([True, False, True]))
    assert c.values.tolist() == [0, 6, 0]
    assert c.missing is not None and c.missing.tolist() == [True, False, True]


def test_unsupported_columns_say_which_and_why() -> None:
    from provenance.hashing.columns import numpy_column, object_column

    with pytest.raises(UnsupportedTypeError) as info:
        numpy_column("x", np.zeros((2, 2)), None)
    assert str(info.value) == "column 'x': a 2-D array has no canonical digest"
    with pytest.raises(UnsupportedTypeError) as info:
        object_column("o", np.array([{"a": 1}, None], dtype=object))
    assert str(info.value) == (
        "column 'o': an object column of mixed values has no canonical digest; object columns "
        "must hold one kind of scalar (str, bytes, bool, int, float or datetime.date) and "
        "missing values; convert it with .astype(...) to a typed column"
    )
    with pytest.raises(
        UnsupportedTypeError,
        match=r"^column 'big': an object column of integer values \(.+\) has no canonical digest$",
    ):
        _chunks(object_column("big", np.array([2**70, 1], dtype=object)))
    mixed = pd.DataFrame({"k": pd.Categorical(["a", 1])})
    with pytest.raises(
        UnsupportedTypeError,
        match=r"^column 'k': a categorical with categories of mixed types \(.+\) has no "
        r"canonical digest$",
    ):
        digest_frame(mixed)
    with_null = pa.DictionaryArray.from_arrays(
        pa.array([0, 1], type=pa.int8()), pa.array(["a", None])
    )
    with pytest.raises(UnsupportedTypeError) as info:
        digest_frame(pa.table({"d": with_null}))
    assert str(info.value) == (
        "column 'd': a categorical whose categories include a missing value has no canonical digest"
    )


def test_object_columns_skip_missing_values_and_round_floats() -> None:
    from provenance.hashing.columns import object_column

    s = object_column("s", np.array(["a", None, "bc"], dtype=object))
    assert (s.type, s.layout) == ("string", "var")
    (chunk,) = _chunks(s)
    assert chunk.lengths.tolist() == [1, 0, 2] and bytes(chunk.data) == b"abc"  # type: ignore[attr-defined]
    f = object_column("f", np.array([0.123, None, 1], dtype=object), 2)
    assert (f.type, f.layout) == ("float64", "fixed")
    (chunk,) = _chunks(f)
    assert chunk.values.tolist() == [0.12, 0.0, 1.0]  # type: ignore[attr-defined]
    assert chunk.missing.tolist() == [False, True, False]  # type: ignore[attr-defined]
    empty = object_column("e", np.array([None, None], dtype=object))
    assert (empty.type, empty.layout, empty.length) == ("null", "fixed", 2)


def test_a_long_column_of_nothing_but_missing_values() -> None:
    from provenance.hashing.fingerprints import row_fingerprints

    n = ROWS_PER_CHUNK + 10
    df = pd.DataFrame({"n": pd.Series([None] * n, dtype=object), "k": np.ones(n, np.int64)})
    fp = row_fingerprints(df)
    assert fp.shape == (n,) and np.unique(fp).size == 1
    assert frame_digest(df).rows == n


def test_categorical_types_layouts_and_ranks() -> None:
    from provenance.hashing.columns import canonical_frame

    df = pd.DataFrame(
        {
            "u": pd.Categorical(["b", None, "a"], categories=["b", "a"]),
            "o": pd.Categorical(["b", None, "a"], categories=["b", "a"], ordered=True),
            "one": pd.Categorical(["a", None], categories=["a"]).repeat(2)[:3],
            "none": pd.Categorical([None, None, None], categories=[]),
        }
    )
    cols = {c.name: c for c in canonical_frame(df).columns}
    assert {k: (c.type, c.layout) for k, c in cols.items()} == {
        "u": ("category", "fixed"),
        "o": ("category[ordered]", "fixed"),
        "one": ("category", "fixed"),
        "none": ("category", "fixed"),
    }
    (u,) = _chunks(cols["u"])
    assert u.values.dtype == np.dtype("<i4") and u.values.tolist() == [1, 0, 0]  # type: ignore[attr-defined]
    (o,) = _chunks(cols["o"])
    assert o.values.tolist() == [0, 0, 1]  # type: ignore[attr-defined]
    (one,) = _chunks(cols["one"])
    assert one.values.tolist() == [0, 0, 0] and one.missing.tolist() == [False, False, True]  # type: ignore[attr-defined]
    (none,) = _chunks(cols["none"])
    assert none.values.dtype == np.dtype("<i4") and none.values.tolist() == [0, 0, 0]  # type: ignore[attr-defined]
    assert cols["none"].categories is not None and cols["none"].categories.length == 0


def test_arrow_dictionaries_are_categoricals() -> None:
    from provenance.hashing.columns import canonical_frame

    t = pa.dictionary(pa.int32(), pa.string(), ordered=True)
    ordered = pa.DictionaryArray.from_arrays(
        pa.array([1, None, 0], type=pa.int32()), pa.array(["z", "a"]), ordered=True
    )
    full = canonical_frame(pa.table({"o": ordered})).columns[0]
    assert full.type == "category[ordered]"
    (chunk,) = _chunks(full)
    # ordered: categories keep their given order (z, a), so codes are not renumbered
    assert chunk.values.tolist() == [1, 0, 0] and chunk.missing.tolist() == [False, True, False]  # type: ignore[attr-defined]
    no_chunks = canonical_frame(pa.table({"e": pa.chunked_array([], type=t)})).columns[0]
    assert (no_chunks.type, _chunks(no_chunks)) == ("category[ordered]", [])
    assert no_chunks.categories is not None and no_chunks.categories.type == "string"


def test_long_arrow_dictionaries_match_pandas_categoricals() -> None:
    from provenance.hashing.fingerprints import row_fingerprints

    n = ROWS_PER_CHUNK + 100
    values = ["b", "a", None, "c"] * (n // 4)
    cat = pd.Categorical(values, categories=["c", "b", "a"])
    arrow = pa.table({"k": pa.array(values).dictionary_encode()})
    assert np.array_equal(row_fingerprints(pd.DataFrame({"k": cat})), row_fingerprints(arrow))
    assert digest_frame(pd.DataFrame({"k": cat})) == digest_frame(arrow)


def test_numpy_columns_of_every_kind_and_the_ones_refused() -> None:
    from provenance.hashing.columns import numpy_column

    b = numpy_column("b", np.array([True, False]), None)
    assert (b.type, b.layout) == ("bool", "fixed")
    s = numpy_column("s", np.array(["a", "bc"]), None)
    assert (s.type, s.layout) == ("string", "var")
    (chunk,) = _chunks(s)
    assert chunk.lengths.tolist() == [1, 2] and bytes(chunk.data) == b"abc"  # type: ignore[attr-defined]
    refused = {
        "l": (
            np.zeros(2, np.longdouble),
            "dtype float128 has no canonical digest; cast to float64",
        ),
        "t": (np.zeros(2, "datetime64[2s]"), "dtype datetime64[2s] has no canonical digest"),
        "c": (np.zeros(2, np.complex128), "dtype complex128 has no canonical digest"),
    }
    for name, (values, message) in refused.items():
        if values.dtype.itemsize <= 8 and values.dtype.kind == "f":
            continue  # a platform whose long double is a double
        with pytest.raises(UnsupportedTypeError) as info:
            numpy_column(name, values, None)
        assert str(info.value) == f"column {name!r}: {message}"


def test_an_object_column_of_ints_beyond_int64_is_refused() -> None:
    from provenance.hashing.columns import object_column

    for big in (2**63, 2**70):
        with pytest.raises(UnsupportedTypeError, match=r"^column 'big': an object column of "):
            _chunks(object_column("big", np.array([big, 1], dtype=object)))


def test_arrow_columns_keep_missing_booleans_and_any_binary_bytes() -> None:
    from provenance.hashing.columns import canonical_frame
    from provenance.hashing.fingerprints import row_fingerprints

    t = pa.table({"b": pa.array([None, False, True])})
    (col,) = canonical_frame(t).columns
    assert (col.type, col.layout) == ("bool", "fixed")
    (chunk,) = _chunks(col)
    assert chunk.values.tolist() == [0, 0, 1]  # type: ignore[attr-defined]
    assert chunk.missing.tolist() == [True, False, False]  # type: ignore[attr-defined]
    fp = row_fingerprints(t)
    assert fp[0] != fp[1]  # missing is not False
    raw = [b"\xff\x00", None, b""]  # not UTF-8
    wide = pa.table({"x": pa.array(raw, type=pa.large_binary())})
    narrow = pa.table({"x": pa.array(raw, type=pa.binary())})
    assert digest_frame(wide) == digest_frame(narrow)
    (chunk,) = _chunks(canonical_frame(wide).columns[0])
    assert chunk.lengths.tolist() == [2, 0, 0] and bytes(chunk.data) == b"\xff\x00"  # type: ignore[attr-defined]


def test_a_missing_string_that_owns_bytes_holds_nothing() -> None:
    """Arrow lets a null slot span bytes of the data buffer; they are not part of the value."""
    from provenance.hashing.columns import canonical_frame

    offsets = pa.py_buffer(np.array([0, 1, 3, 4], dtype=np.int32).tobytes())
    validity = pa.py_buffer(np.packbits([1, 0, 1], bitorder="little").tobytes())
    dirty = pa.StringArray.from_buffers(3, offsets, pa.py_buffer(b"abcd"), validity)
    assert dirty.to_pylist() == ["a", None, "d"]
    (chunk,) = _chunks(canonical_frame(pa.table({"s": dirty})).columns[0])
    assert chunk.lengths.tolist() == [1, 0, 1] and bytes(chunk.data) == b"ad"  # type: ignore[attr-defined]
    assert chunk.missing.tolist() == [False, True, False]  # type: ignore[attr-defined]
    assert digest_frame(pa.table({"s": dirty})) == digest_frame(pa.table({"s": ["a", None, "d"]}))


def test_canonical_frames_of_every_source_with_their_index_and_rounding() -> None:
    import polars as pl

    from provenance.hashing.columns import canonical_frame

    def values(col: object) -> list[object]:
        return [x for c in _chunks(col) for x in c.values.tolist()]  # type: ignore[attr-defined]

    df = pd.DataFrame(
        {"u": np.array([1, 2, 3], np.uint8), "f": np.array([0.125, 1.0, 2.5], np.float32)},
        index=pd.RangeIndex(10, 16, 2, name="r"),
    )
    cf = canonical_frame(df, include_index=True, float_decimals=2)
    assert (cf.source, cf.rows) == ("pandas", 3)
    assert [(c.name, c.type, c.layout) for c in cf.columns] == [
        ("u", "uint8", "fixed"),
        ("f", "float32", "fixed"),
    ]
    f32 = [float(np.float32(0.12)), 1.0, 2.5]  # float32 columns round in float32
    assert values(cf.columns[1]) == f32
    assert cf.index is not None and [(c.name, values(c)) for c in cf.index] == [("r", [10, 12, 14])]
    table = pa.Table.from_pandas(df)
    at = canonical_frame(table, include_index=True, float_decimals=2)
    assert at.source == "arrow" and [(c.name, c.type) for c in at.columns] == [
        ("u", "uint8"),
        ("f", "float32"),
    ]
    assert values(at.columns[1]) == f32
    assert at.index is not None and [(c.name, values(c)) for c in at.index] == [("r", [10, 12, 14])]
    sliced = canonical_frame(table.slice(1), include_index=True)
    assert sliced.index is not None and [(c.name, values(c)) for c in sliced.index] == [
        ("r", [0, 1])
    ]
    stored = pa.Table.from_pandas(pd.DataFrame({"x": [1, 2]}, index=pd.Index([7, 9], name="k")))
    si = canonical_frame(stored, include_index=True)
    assert [c.name for c in si.columns] == ["x"]
    assert si.index is not None and [(c.name, values(c)) for c in si.index] == [("k", [7, 9])]
    unnamed = pa.Table.from_pandas(pd.DataFrame({"x": [1, 2]}, index=pd.Index([7, 9])))
    ui = canonical_frame(unnamed, include_index=True)
    assert ui.index is not None and [(c.name, values(c)) for c in ui.index] == [(None, [7, 9])]
    pf = canonical_frame(pl.DataFrame({"f": [0.125, 3.0]}), include_index=True, float_decimals=2)
    assert (pf.source, pf.rows) == ("polars", 2)
    assert values(pf.columns[0]) == [0.12, 3.0]
    assert pf.index is not None and [(c.name, values(c)) for c in pf.index] == [(None, [0, 1])]
    assert canonical_frame(df).index is None
    with pytest.raises(UnsupportedTypeError) as info:
        canonical_frame(42)
    assert str(info.value) == "int is not a DataFrame or table"
