"""Feature statistics (provenance.capture.stats) on frames whose answers are known by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from provenance.capture import QUANTILES, STATS_VERSION, feature_stats, rebin_histogram
from provenance.capture.stats import column_role, redact_identifying_values
from provenance.errors import CaptureError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": [10, 20, 30, 40, 50],
            "x": [1.0, 2.0, 3.0, 4.0, None],
            "c": ["a", "b", "a", None, "a"],
            "b": [True, False, True, True, False],
            "d": pd.to_datetime(["2024-01-02", None, "2023-12-31", "2024-03-01", "2024-01-01"]),
        }
    )


def test_hand_computed_numbers(frame: pd.DataFrame) -> None:
    s = feature_stats(frame, bins=4, top_k=5)
    assert s["stats_version"] == STATS_VERSION == 1
    assert (s["row_count"], s["column_count"], s["bins"], s["top_k"]) == (5, 5, 4, 5)
    n = s["columns"]["n"]
    assert n["kind"] == "numeric" and n["dtype"] == "int64"
    assert (n["count"], n["nulls"], n["infinite"]) == (5, 0, 0)
    assert n["mean"] == 30.0
    assert n["std"] == pytest.approx(math.sqrt(250.0), rel=1e-15)  # ddof=1
    assert (n["min"], n["max"]) == (10, 50) and isinstance(n["min"], int)
    # linear interpolation at position q * (n - 1) over 10 20 30 40 50
    assert n["quantiles"] == pytest.approx(
        {"p01": 10.4, "p05": 12.0, "p25": 20.0, "p50": 30.0, "p75": 40.0, "p95": 48.0, "p99": 49.6},
        rel=1e-12,
    )
    assert n["histogram"] == {"edges": [10.0, 20.0, 30.0, 40.0, 50.0], "counts": [1, 1, 1, 2]}

    x = s["columns"]["x"]
    assert (x["count"], x["nulls"]) == (4, 1)
    assert x["mean"] == 2.5
    assert x["std"] == pytest.approx(math.sqrt(5 / 3), rel=1e-15)
    assert (x["min"], x["max"]) == (1.0, 4.0)
    assert x["histogram"]["counts"] == [1, 1, 1, 1] and sum(x["histogram"]["counts"]) == 4

    c = s["columns"]["c"]
    assert c["kind"] == "string" and (c["count"], c["nulls"], c["cardinality"]) == (4, 1, 2)
    assert c["top_values"] == [{"value": "a", "count": 3}, {"value": "b", "count": 1}]

    b = s["columns"]["b"]
    assert b["kind"] == "boolean" and b["cardinality"] == 2
    assert b["top_values"] == [{"value": True, "count": 3}, {"value": False, "count": 2}]

    d = s["columns"]["d"]
    assert d["kind"] == "datetime" and (d["count"], d["nulls"]) == (4, 1)
    assert (d["min"], d["max"]) == ("2023-12-31T00:00:00", "2024-03-01T00:00:00")

    text = json.dumps(s, allow_nan=False)  # strict JSON: no NaN / Infinity anywhere
    assert json.loads(text) == s


def test_infinities_and_all_missing_and_constants() -> None:
    df = pd.DataFrame(
        {
            "inf": [1.0, np.inf, -np.inf, np.nan],
            "empty": [np.nan] * 4,
            "const": [7.0] * 4,
            "one": [5.0, None, None, None],
        }
    )
    s = feature_stats(df)
    inf = s["columns"]["inf"]
    assert (inf["count"], inf["nulls"], inf["infinite"]) == (3, 1, 2)
    assert inf["mean"] == 1.0 and inf["std"] is None and inf["min"] == inf["max"] == 1.0
    empty = s["columns"]["empty"]
    assert (empty["count"], empty["nulls"]) == (0, 4)
    assert empty["mean"] is None and empty["histogram"] is None and empty["quantiles"] is None
    const = s["columns"]["const"]
    assert const["std"] == 0.0
    assert const["histogram"] == {"edges": [7.0, 7.0], "counts": [4]}
    assert set(const["quantiles"]) == set(QUANTILES) and set(const["quantiles"].values()) == {7.0}
    assert s["columns"]["one"]["std"] is None
    json.dumps(s, allow_nan=False)


def test_categorical_nullable_and_object_columns() -> None:
    df = pd.DataFrame(
        {
            "cat": pd.Categorical(["x", "y", "x", None], categories=["x", "y", "unused"]),
            "Int": pd.array([1, None, 3, 4], dtype="Int64"),
            "bool": pd.array([True, None, False, True], dtype="boolean"),
            "obj_num": pd.Series([1, 2.5, None, 4], dtype=object),
            "mixed": pd.Series(["a", 1, "a", None], dtype=object),
            "lists": pd.Series([[1], [2], [1], None], dtype=object),
        }
    )
    s = feature_stats(df, top_k=1)
    cat = s["columns"]["cat"]
    assert cat["kind"] == "categorical" and cat["cardinality"] == 2  # "unused" not counted
    assert cat["top_values"] == [{"value": "x", "count": 2}]
    i = s["columns"]["Int"]
    assert i["kind"] == "numeric" and (i["count"], i["nulls"]) == (3, 1)
    assert (i["min"], i["max"], i["mean"]) == (1, 4, pytest.approx(8 / 3))
    assert s["columns"]["bool"]["top_values"] == [{"value": True, "count": 2}]
    assert s["columns"]["obj_num"]["kind"] == "numeric"
    assert s["columns"]["obj_num"]["mean"] == pytest.approx(7.5 / 3)
    mixed = s["columns"]["mixed"]
    assert mixed["kind"] == "categorical" and mixed["cardinality"] == 2
    lists = s["columns"]["lists"]  # unhashable values: counted, top values as text if pandas can
    assert lists["count"] == 3 and lists["nulls"] == 1
    assert lists["kind"] == "other" or lists["top_values"] == [{"value": "[1]", "count": 2}]
    json.dumps(s, allow_nan=False)


def test_ties_keep_first_appearance_and_top_k_limits() -> None:
    df = pd.DataFrame({"v": ["q", "p", "r", "p", "q", "s"]})
    s = feature_stats(df, top_k=3)
    assert s["columns"]["v"]["top_values"] == [
        {"value": "q", "count": 2},
        {"value": "p", "count": 2},
        {"value": "r", "count": 1},
    ]
    assert s["columns"]["v"]["cardinality"] == 4
    assert feature_stats(df, top_k=0)["columns"]["v"]["top_values"] == []


def test_odd_column_names_and_empty_frames() -> None:
    df = pd.DataFrame([[1, 2, 3]], columns=["a", "a", 7])
    s = feature_stats(df)
    assert list(s["columns"]) == ["a", "a#2", "7"]
    empty = feature_stats(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    assert empty["row_count"] == 0 and empty["columns"]["a"]["count"] == 0
    assert feature_stats(pd.DataFrame())["columns"] == {}


def test_bad_arguments() -> None:
    with pytest.raises(CaptureError):
        feature_stats([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        feature_stats(pd.DataFrame({"a": [1]}), bins=0)
    with pytest.raises(ValueError):
        feature_stats(pd.DataFrame({"a": [1]}), top_k=-1)


def test_histograms_are_numpy_histograms() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=10_000)
    s = feature_stats(pd.DataFrame({"v": values}), bins=13)
    counts, edges = np.histogram(values, bins=13, range=(values.min(), values.max()))
    h = s["columns"]["v"]["histogram"]
    assert h["counts"] == counts.tolist() and h["edges"] == edges.tolist()
    q = np.quantile(values, list(QUANTILES.values()))
    assert list(s["columns"]["v"]["quantiles"].values()) == q.tolist()


def test_rebin_histogram() -> None:
    assert rebin_histogram([0, 2, 4], [4, 8], [0, 1, 2, 3, 4]) == [2.0, 2.0, 4.0, 4.0]
    assert rebin_histogram([0, 10], [10], [-5, 5, 20]) == [5.0, 5.0]
    assert rebin_histogram([0, 10], [10], [20, 30]) == [0.0]
    assert rebin_histogram([5, 5], [3], [0, 5, 10]) == [0.0, 3.0]
    assert rebin_histogram([10, 10], [3], [0, 5, 10]) == [0.0, 3.0]  # last bin closed
    old = feature_stats(pd.DataFrame({"v": np.arange(100.0)}), bins=10)["columns"]["v"]
    h = old["histogram"]
    common = np.linspace(-10, 110, 7).tolist()
    assert sum(rebin_histogram(h["edges"], h["counts"], common)) == pytest.approx(100)
    with pytest.raises(ValueError):
        rebin_histogram([0, 1], [1, 2], [0, 1])


def test_a_million_rows() -> None:
    """Stats of a million rows in four dtypes (how long they take against pandas's own
    ``describe``: bench/bench_claims.py)."""
    n = 1_000_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "f": rng.normal(size=n),
            "i": rng.integers(0, 1000, n),
            "s": pd.Series(rng.integers(0, 500, n)).astype(str),
            "b": rng.random(n) < 0.3,
        }
    )
    s = feature_stats(df)
    assert s["row_count"] == n and s["columns"]["s"]["cardinality"] == 500
    assert s["columns"]["i"]["cardinality"] == df["i"].nunique()


def _strings(value: object) -> list[str]:
    """Every string in a JSON value, keys excluded."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_text_statistics_hold_numbers_only() -> None:
    emails = [f"p{i}@x{i}.org" for i in range(25)]
    s = feature_stats(pd.DataFrame({"contact": emails, "note": ["a b"] * 25}))
    for name in ("contact", "note"):
        text = s["columns"][name]["text"]
        assert set(text) == {"mean_length", "max_length", "with_spaces", "email_like"}
        assert _strings(text) == []  # no sampled value kept
    contact = s["columns"]["contact"]["text"]
    # p0@x0.org .. p9@x9.org are 9 characters, p10@x10.org .. 11: 10*9 + 15*11 over 25
    assert contact["mean_length"] == pytest.approx((10 * 9 + 15 * 11) / 25)
    assert (contact["max_length"], contact["email_like"], contact["with_spaces"]) == (11, 1.0, 0.0)


def test_redact_identifying_values_by_hand() -> None:
    n = 60
    df = pd.DataFrame(
        {
            "user_id": np.arange(1000, 1000 + n),  # named like an identifier
            "email": [f"u{i}@example.org" for i in range(n)],
            "bio": [f"I am person {i} and I like walking by the sea" for i in range(n)],
            "seq": np.arange(n) + 5,  # distinct and consecutive: a row number
            "city": ["Oslo", "Lima"] * (n // 2),  # a feature
            "score": np.linspace(0.0, 1.0, n),  # floats are never identifiers
        }
    )
    full = feature_stats(df)
    before = json.dumps(full, sort_keys=True)
    s = redact_identifying_values(full)
    assert json.dumps(full, sort_keys=True) == before  # the input is not changed
    cols = s["columns"]
    want = {
        "user_id": ("identifier", "named like an identifier"),
        "email": ("identifier", "e-mail addresses or contact details"),
        # 42 characters plus the number: (10 * 1 + 50 * 2) / 60 digits on average: 43.8
        "bio": ("free_text", "free text (mean length 44 characters)"),
        "seq": ("identifier", "every value distinct and consecutive (a row number or key)"),
    }
    for name, (role, why) in want.items():
        col = cols[name]
        assert (col["role"], col["role_reason"], col["values_redacted"]) == (role, why, True)
        assert (col["count"], col["nulls"], col["cardinality"]) == (n, 0, n)
        assert col["kind"] == full["columns"][name]["kind"]
        assert col["dtype"] == full["columns"][name]["dtype"]
        assert not {"top_values", "min", "max", "mean", "std", "quantiles", "histogram"} & set(col)
        assert column_role(name, col) == (role, why)  # the role survives the redaction
    assert cols["bio"]["text"]["max_length"] == len("I am person 10 and I like walking by the sea")
    assert "text" not in cols["user_id"]  # integers have no text statistics
    # features untouched
    assert cols["city"] == full["columns"]["city"] and cols["score"] == full["columns"]["score"]
    assert s["row_fingerprints"] == full["row_fingerprints"] and s["row_count"] == n
    # no value of the redacted columns is left anywhere
    text = json.dumps(s)
    for value in ("u7@example.org", "I am person 7 and", "1007"):
        assert value not in text
    assert redact_identifying_values(s) == s  # twice: nothing more
