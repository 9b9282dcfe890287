"""Row fingerprints: per-row, column-order independent, value-canonical, vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from provenance.hashing import row_fingerprints
from provenance.hashing.columns import ROWS_PER_CHUNK


def test_shape_dtype_and_column_order() -> None:
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, np.nan, -0.0]})
    fp = row_fingerprints(df)
    assert fp.dtype == np.uint64 and fp.shape == (3,)
    assert np.array_equal(fp, row_fingerprints(df[["c", "a", "b"]]))


def test_equal_rows_equal_fingerprints_wherever_they_are() -> None:
    a = pd.DataFrame({"id": [1, 2, 3, 4], "name": ["w", "x", "y", "z"]})
    b = pd.DataFrame({"name": ["y", "q", "w"], "id": [3, 9, 1]})
    fa, fb = row_fingerprints(a), row_fingerprints(b)
    shared = set(fa.tolist()) & set(fb.tolist())
    assert shared == {int(fa[0]), int(fa[2])}


def test_every_value_matters() -> None:
    base = pd.DataFrame({"a": [1, 1, 1, 1], "b": ["x", "x", "xy", "x"], "c": [1.0, 1.5, 1.0, 1.0]})
    fp = row_fingerprints(base)
    assert len(set(fp.tolist())) == 3  # rows 0 and 3 are identical, the others differ
    assert fp[0] == fp[3]


def test_names_and_families_matter() -> None:
    one = row_fingerprints(pd.DataFrame({"a": [1]}))
    assert one[0] != row_fingerprints(pd.DataFrame({"b": [1]}))[0]
    assert one[0] != row_fingerprints(pd.DataFrame({"a": [1.0]}))[0]
    assert one[0] != row_fingerprints(pd.DataFrame({"a": ["1"]}))[0]
    assert one[0] != row_fingerprints(pd.DataFrame({"a": [True]}))[0]
    # a value moving to another column is a different row
    assert (
        row_fingerprints(pd.DataFrame({"a": ["ab"], "b": ["c"]}))[0]
        != row_fingerprints(pd.DataFrame({"a": ["a"], "b": ["bc"]}))[0]
    )


def test_values_not_storage() -> None:
    wide = pd.DataFrame({"i": np.array([1, -5, 7], dtype=np.int64), "s": ["a", "b", "a"]})
    narrow = pd.DataFrame(
        {
            "i": np.array([1, -5, 7], dtype=np.int8),
            "s": pd.Categorical(["a", "b", "a"], categories=["b", "a", "zzz"]),
        }
    )
    assert np.array_equal(row_fingerprints(wide), row_fingerprints(narrow))
    f32 = pd.DataFrame({"x": np.array([0.5, 2.0], dtype=np.float32)})
    f64 = pd.DataFrame({"x": np.array([0.5, 2.0], dtype=np.float64)})
    assert np.array_equal(row_fingerprints(f32), row_fingerprints(f64))


def test_missing_and_negative_zero() -> None:
    a = pd.DataFrame({"x": [np.nan, -0.0], "s": [None, "k"]})
    b = pd.DataFrame({"x": [None, 0.0], "s": [np.nan, "k"]})
    assert np.array_equal(row_fingerprints(a), row_fingerprints(b))
    c = pd.DataFrame({"x": [0.0, -0.0], "s": ["", "k"]})
    assert row_fingerprints(c)[0] != row_fingerprints(a)[0]


def test_float_decimals() -> None:
    a = pd.DataFrame({"x": [0.1 + 0.2]})
    b = pd.DataFrame({"x": [0.3]})
    assert row_fingerprints(a)[0] != row_fingerprints(b)[0]
    assert row_fingerprints(a, float_decimals=9)[0] == row_fingerprints(b, float_decimals=9)[0]


def test_index_on_request() -> None:
    a = pd.DataFrame({"x": [1, 2]}, index=[10, 20])
    b = pd.DataFrame({"x": [1, 2]}, index=[10, 99])
    assert np.array_equal(row_fingerprints(a), row_fingerprints(b))
    fa, fb = row_fingerprints(a, include_index=True), row_fingerprints(b, include_index=True)
    assert fa[0] == fb[0] and fa[1] != fb[1]


def test_no_collisions_on_many_distinct_rows() -> None:
    n = 200_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "k": np.arange(n),
            "s": pd.Series(rng.integers(0, 50, n).astype(str), dtype="str"),
            "x": rng.integers(0, 3, n).astype(float),
        }
    )
    fp = row_fingerprints(df)
    assert np.unique(fp).size == n


def test_strings_of_every_length_and_chunking() -> None:
    rng = np.random.default_rng(2)
    n = ROWS_PER_CHUNK + 100
    lengths = rng.integers(0, 40, n)
    lengths[5] = 3_000_000  # one string longer than a vectorised batch
    alphabet = np.frombuffer(b"abcdefghij\xc3\xa9", dtype=np.uint8)
    blob = alphabet[rng.integers(0, 10, int(lengths.sum()))].tobytes().decode("ascii")
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    words = [blob[offsets[i] : offsets[i + 1]] for i in range(n)]
    df = pd.DataFrame({"w": pd.Series(words, dtype="str")})
    fp = row_fingerprints(df)
    table = pa.table({"w": pa.array(words, type=pa.large_string())})
    rechunked = pa.Table.from_batches(table.slice(0, 7).to_batches() + table.slice(7).to_batches())
    assert np.array_equal(fp, row_fingerprints(rechunked))
    assert np.array_equal(fp, row_fingerprints(pa.table({"w": pa.array(words, type=pa.string())})))
    # the long string's fingerprint depends on its last byte too
    changed = words.copy()
    changed[5] = changed[5][:-1] + ("a" if changed[5][-1] != "a" else "b")
    fp2 = row_fingerprints(pd.DataFrame({"w": pd.Series(changed, dtype="str")}))
    assert fp2[5] != fp[5]
    assert np.array_equal(np.delete(fp2, 5), np.delete(fp, 5))


def test_polars_and_arrow_agree_with_pandas() -> None:
    df = pd.DataFrame({"a": [1, 2], "s": ["x", None], "t": pd.to_datetime(["2020-01-01", None])})
    fp = row_fingerprints(df)
    assert np.array_equal(fp, row_fingerprints(pa.Table.from_pandas(df)))
    import polars as pl  # the dev extra installs it

    assert np.array_equal(fp, row_fingerprints(pl.from_pandas(df)))
