"""Row fingerprints: per-row, column-order independent, value-canonical, vectorised."""

from __future__ import annotations

import base64
import struct

import blake3
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from provenance.hashing import row_fingerprints
from provenance.hashing.columns import ROWS_PER_CHUNK
from provenance.hashing.fingerprints import decode_row_sample, row_sample, shared_rows


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


# --------------------------------------------------------------------------------------------
# Mutation testing (issue 21; tests/README.md): the powers table, row samples and shared rows.
# Expected values are written out by hand or computed with Python integers / base64 directly.
# --------------------------------------------------------------------------------------------
_K = 0x9E3779B97F4A7C15  # the string polynomial's multiplier, from the module's definition


def _b64(values: list[int]) -> str:
    """Little-endian uint64 values, base64-encoded (the documented sample encoding)."""
    return base64.b64encode(struct.pack(f"<{len(values)}Q", *values)).decode("ascii")


def test_the_powers_table_is_k_to_the_p_modulo_2_64() -> None:
    from provenance.hashing.fingerprints import _Powers, _powers

    p = [0, 1, 2, 4095, 4096, 4097, 8191, 65535, 65536, 65537, 200_003, (1 << 20) + 7]
    expected = [pow(_K, x, 1 << 64) for x in p]
    fresh = _Powers()  # grows its high table on demand (65536 and above)
    got = fresh(np.array(p, dtype=np.int64))
    assert got.dtype == np.uint64 and got.tolist() == expected
    assert fresh(np.array([3], dtype=np.int64)).tolist() == [pow(_K, 3, 1 << 64)]
    assert _powers(np.array(p, dtype=np.int64)).tolist() == expected
    assert fresh(np.zeros(0, dtype=np.int64)).tolist() == []


def test_row_sample_keeps_every_row_up_to_its_size() -> None:
    a = pd.DataFrame({"x": [1, 2, 3]})
    fps = row_fingerprints(a).tolist()
    for size in (3, 10):
        assert row_sample(a, size=size) == {
            "version": 1,
            "rows": 3,
            "threshold": None,
            "fingerprints": _b64(fps),
            "positions": None,
        }
    one = row_sample(pd.DataFrame({"x": [7]}), size=1)
    assert one["threshold"] is None and one["rows"] == 1
    for bad in (0, -1):
        with pytest.raises(ValueError, match=rf"^size must be positive, got {bad}$"):
            row_sample(a, size=bad)


def test_row_sample_above_its_size_keeps_the_rows_below_the_threshold() -> None:
    df = pd.DataFrame({"x": range(40)})
    fps = row_fingerprints(df).tolist()
    s = row_sample(df, size=10)
    threshold = (1 << 64) * 10 // 40  # an exact integer, 2**62
    assert type(s["threshold"]) is int and s["threshold"] == threshold == 1 << 62
    kept = [i for i, f in enumerate(fps) if f < threshold]
    assert 0 < len(kept) < 40
    assert s == {
        "version": 1,
        "rows": 40,
        "threshold": threshold,
        "fingerprints": _b64([fps[i] for i in kept]),
        "positions": _b64(kept),
    }
    d = decode_row_sample(s)
    assert d.sampled and d.rows == 40 and d.threshold == threshold
    assert d.fingerprints.dtype == np.uint64 and d.positions.dtype == np.int64
    assert d.fingerprints.tolist() == [fps[i] for i in kept] and d.positions.tolist() == kept


def test_decoded_samples_keep_every_bit_and_their_types() -> None:
    big = [1, (1 << 64) - 1, 1 << 63, (1 << 63) + 1]
    d = decode_row_sample(big)
    assert d.fingerprints.dtype == np.uint64 and d.fingerprints.tolist() == big
    assert d.positions.dtype == np.int64 and d.positions.tolist() == [0, 1, 2, 3]
    assert (d.rows, d.threshold, d.sampled) == (4, None, False)
    full = decode_row_sample(
        {"version": 1, "rows": 4, "threshold": None, "fingerprints": _b64(big), "positions": None}
    )
    assert full.fingerprints.dtype == np.uint64 and full.fingerprints.tolist() == big
    assert full.positions.dtype == np.int64 and full.positions.tolist() == [0, 1, 2, 3]
    assert not full.sampled


def test_malformed_row_samples_say_what_is_wrong() -> None:
    base = {"version": 1, "rows": 9, "threshold": 1 << 60, "fingerprints": _b64([5, 6])}
    with pytest.raises(ValueError, match=r"^malformed row sample: a sampled row sample lists "):
        decode_row_sample(base)
    with pytest.raises(ValueError) as info:
        decode_row_sample({**base, "positions": _b64([0])})
    assert str(info.value) == "malformed row sample: positions and fingerprints differ in length"
    with pytest.raises(ValueError) as info:
        decode_row_sample({**base, "positions": 3})
    assert str(info.value) == "malformed row sample: a sampled row sample lists its positions"


def test_shared_rows_counts_and_examples_when_not_sampled() -> None:
    a = decode_row_sample([10, 20, 30, 10])
    b = decode_row_sample([30, 30, 10, 99, 30, 30, 20, 30])
    r = shared_rows(a, b)
    assert (r.a_rows, r.b_rows, r.b_rows_in_a, r.distinct_shared) == (4, 8, 7, 3)
    assert r.sampled is False and r.rate == 1.0
    # (row of b, first row of a with that fingerprint); five by default
    assert r.examples == [(0, 2), (1, 2), (2, 0), (4, 2), (5, 2)]
    assert shared_rows(a, b, examples=2).examples == [(0, 2), (1, 2)]


def test_shared_rows_of_samples_cut_to_the_smaller_threshold() -> None:
    cut = 1 << 62  # a rate of 1/4
    a = decode_row_sample(
        {
            "version": 1,
            "rows": 100,
            "threshold": 1 << 63,
            "fingerprints": _b64([5, 7, (1 << 62) + 1, 9]),
            "positions": _b64([3, 4, 5, 6]),
        }
    )
    b = decode_row_sample(
        {
            "version": 1,
            "rows": 50,
            "threshold": cut,
            "fingerprints": _b64([7, 9, 11, (1 << 62) + 1]),
            "positions": _b64([0, 1, 2, 3]),
        }
    )
    r = shared_rows(a, b)
    assert r.sampled is True and r.rate == 0.25
    assert (r.b_rows_in_a, r.distinct_shared) == (8, 2)  # 2 hits scaled by 4
    assert r.examples == [(0, 4), (1, 6)]
    # the estimate never exceeds b's rows
    small_b = decode_row_sample(
        {
            "version": 1,
            "rows": 6,
            "threshold": cut,
            "fingerprints": _b64([7, 9]),
            "positions": _b64([0, 1]),
        }
    )
    assert shared_rows(a, small_b).b_rows_in_a == 6


def test_shared_rows_refuses_samples_whose_positions_do_not_match() -> None:
    from provenance.hashing.fingerprints import RowSample

    good = decode_row_sample([1, 2])
    bad = RowSample(2, None, np.array([1, 2], dtype=np.uint64), np.array([0], dtype=np.int64))
    for a, b in ((bad, good), (good, bad)):
        with pytest.raises(ValueError):
            shared_rows(a, b)


def test_an_empty_string_has_one_fingerprint_wherever_it_is() -> None:
    alone = row_fingerprints(pd.DataFrame({"s": [""]}))[0]
    fp = row_fingerprints(pd.DataFrame({"s": ["", "ab", "", "c", ""]}))
    assert fp[0] == fp[2] == fp[4] == alone
    assert len({int(fp[0]), int(fp[1]), int(fp[3])}) == 3


_M64 = (1 << 64) - 1


def _ref_mix(x: int) -> int:
    """splitmix64's finaliser, on Python integers."""
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _ref_salt(json_text: str) -> int:
    payload = b"provenance:fingerprint:v1\n" + json_text.encode()
    return int.from_bytes(blake3.blake3(payload).digest()[:8], "little")


def test_fingerprints_of_instants_and_integers_follow_the_recipe() -> None:
    """One row of a timestamp column (seconds, nanoseconds) and an int column, recomputed from
    the definition (splitmix64 finaliser, BLAKE3 salts) with Python integers."""
    when = pd.Timestamp("2024-01-02 03:04:05.123456789")
    df = pd.DataFrame({"t": [when], "i": np.array([-5], dtype=np.int16)})
    seconds, nanos = when.value // 10**9, when.value % 10**9
    assert nanos == 123_456_789
    pair = _ref_salt('["pair"]')
    h_t = _ref_mix((_ref_mix(seconds ^ pair) + nanos) & _M64)
    h_i = -5 & _M64  # the int64 bits of -5
    acc = _ref_mix(h_t ^ _ref_salt('["column","\\"t\\"","timestamp"]'))
    acc = (acc + _ref_mix(h_i ^ _ref_salt('["column","\\"i\\"","int"]'))) & _M64
    expected = _ref_mix(acc ^ _ref_salt('["columns",2]'))
    assert row_fingerprints(df).tolist() == [expected]
