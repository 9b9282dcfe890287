"""Drift: PSI, KS, mean/std shift on hand-made statistics, on every backend."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from provenance.analysis.drift import (
    DriftThresholds,
    drift,
    drift_over_versions,
    histogram_ks,
    histogram_psi,
)
from provenance.cli.app import main
from provenance.errors import MissingStatsError, NotFoundError
from provenance.hashing.core import digest_bytes
from provenance.model import Artifact, Edge, Model, Transform
from provenance.render import render_drift
from provenance.store import LineageStore, SQLiteStore
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store


def num(edges: list[float], counts: list[int], mean: float, std: float) -> dict[str, Any]:
    return {
        "kind": "numeric",
        "count": sum(counts),
        "nulls": 0,
        "mean": mean,
        "std": std,
        "histogram": {"edges": edges, "counts": counts},
    }


def cat(top: dict[str, int], count: int) -> dict[str, Any]:
    return {
        "kind": "string",
        "count": count,
        "nulls": 0,
        "cardinality": len(top),
        "top_values": [{"value": k, "count": v} for k, v in top.items()],
    }


def stats(**columns: dict[str, Any]) -> dict[str, Any]:
    return {"stats_version": 1, "row_count": 100, "columns": columns}


def put(
    store: LineageStore, label: str, fs: dict[str, Any] | None, *, name: str = "d", day: int = 1
) -> Artifact:
    a = Artifact(
        id=digest_bytes(label.encode()),
        name=name,
        kind="dataset",
        feature_stats=fs,
        created_at=dt.datetime(2026, 1, day, tzinfo=dt.UTC),
    )
    store.write([a], [])
    return a


A_STATS = stats(
    x=num([0, 1, 2], [50, 50], mean=1.0, std=0.5),
    c=cat({"a": 60, "b": 40}, 100),
    old=num([0, 1], [100], mean=0.5, std=0.3),
)
B_STATS = stats(
    x=num([0, 1, 2], [20, 80], mean=1.3, std=0.5),
    c=cat({"a": 50, "b": 50}, 100),
    new=num([0, 1], [100], mean=0.5, std=0.3),
)


def test_numeric_and_categorical_by_hand(store: LineageStore) -> None:
    a, b = put(store, "a", A_STATS), put(store, "b", B_STATS)
    r = drift(store, a.id, b.id)
    by = {f.feature: f for f in r.features}
    x = by["x"]
    # PSI: p = (.5, .5), q = (.2, .8): (.2-.5) ln(.2/.5) + (.8-.5) ln(.8/.5) = 0.274887 + 0.141004
    assert x.psi == pytest.approx(0.3 * math.log(2.5) + 0.3 * math.log(1.6), abs=1e-9)
    assert x.psi == pytest.approx(0.41589, abs=1e-5)
    # KS: same edges 0, 1, 2; CDFs 0, .5, 1 and 0, .2, 1 -> 0.3
    assert x.ks == pytest.approx(0.3)
    # mean shift (1.3 - 1.0) / 0.5 = 0.6 std (minor, > 0.5); std ratio 1.0 (none)
    assert x.mean_shift == pytest.approx(0.6) and x.std_ratio == pytest.approx(1.0)
    assert x.severity == "major"  # PSI 0.416 > 0.2 and KS 0.3 > 0.2
    assert [f.split()[0] for f in x.flags] == ["psi", "ks", "mean"]
    c = by["c"]
    # (.5-.6) ln(.5/.6) + (.5-.4) ln(.5/.4) = 0.018232 + 0.022314 = 0.040547; "other" 0 both
    assert c.psi == pytest.approx(0.1 * math.log(1.2) + 0.1 * math.log(1.25), abs=1e-9)
    assert c.severity == "none" and c.ks is None
    assert r.added == ["new"] and r.removed == ["old"] and r.drifted == ["x"]


def test_categorical_other_bin_and_epsilon(store: LineageStore) -> None:
    # top_k = 1 on both sides: A lists a:60 of 100 (other 40), B lists b:70 of 100 (other 30).
    # Bins a, b, other: p = (.6, 0 -> 1e-4, .4), q = (0 -> 1e-4, .7, .3)
    a = put(store, "a", stats(c=cat({"a": 60}, 100)))
    b = put(store, "b", stats(c=cat({"b": 70}, 100)))
    eps = 1e-4
    want = (
        (eps - 0.6) * math.log(eps / 0.6)
        + (0.7 - eps) * math.log(0.7 / eps)
        + (0.3 - 0.4) * math.log(0.3 / 0.4)
    )
    got = drift(store, a.id, b.id).features[0]
    assert got.psi == pytest.approx(want, abs=1e-9) and got.severity == "major"


def test_rebinning_when_edges_differ() -> None:
    # A: [0,1,2] (10, 10); B: [1,2,3] (10, 10). Common edges: union 0..3 in 2 bins [0,1.5,3].
    # A's cumulative counts at 0, 1.5, 3: 0, 15, 20 -> (15, 5); B's: 0, 5, 20 -> (5, 15).
    # PSI = (.25-.75) ln(1/3) + (.75-.25) ln 3 = ln 3
    assert histogram_psi([0, 1, 2], [10, 10], [1, 2, 3], [10, 10]) == pytest.approx(math.log(3))
    # KS on edges 0,1,2,3: F_A = 0,.5,1,1; F_B = 0,0,.5,1 -> 0.5
    assert histogram_ks([0, 1, 2], [10, 10], [1, 2, 3], [10, 10]) == pytest.approx(0.5)
    # point masses: the same value -> no drift; different values -> KS 1
    assert histogram_psi([5, 5], [3], [5, 5], [7]) == 0.0
    assert histogram_ks([5, 5], [3], [5, 5], [7]) == 0.0
    assert histogram_ks([5, 5], [3], [6, 6], [3]) == 1.0
    # a point mass inside a uniform bin: at x=1 (left limit) F_A = .5, F_B = 0 -> .5
    assert histogram_ks([0, 2], [10], [1, 1], [10]) == pytest.approx(0.5)


def test_std_ratio_and_custom_thresholds(store: LineageStore) -> None:
    a = put(store, "a", stats(x=num([0, 1], [10], mean=0.0, std=1.0)))
    b = put(store, "b", stats(x=num([0, 1], [10], mean=0.0, std=2.5)))
    f = drift(store, a.id, b.id).features[0]
    assert f.std_ratio == pytest.approx(2.5) and f.severity == "major"  # 2.5 > 2.0
    lax = DriftThresholds(std_ratio_minor=3, std_ratio_major=4)
    assert drift(store, a.id, b.id, thresholds=lax).features[0].severity == "none"


def test_over_versions_orders_by_created_at(store: LineageStore) -> None:
    # written out of order; v_nostats has no statistics and is skipped
    v3 = put(store, "v3", B_STATS, day=3)
    v1 = put(store, "v1", A_STATS, day=1)
    v2 = put(store, "v2", A_STATS, day=2)
    nostats = put(store, "v_nostats", None, day=4)
    put(store, "other", A_STATS, name="other")
    r = drift_over_versions(store, "d")
    assert r.versions == [v1.id, v2.id, v3.id] and r.skipped == [nostats.id]
    assert [(s.a_id, s.b_id) for s in r.steps] == [(v1.id, v2.id), (v2.id, v3.id)]
    assert r.steps[0].drifted == [] and r.steps[1].drifted == ["x"]
    with pytest.raises(NotFoundError):
        drift_over_versions(store, "nope")


def test_bad_input(store: LineageStore) -> None:
    a = put(store, "a", A_STATS)
    bare = put(store, "bare", None)
    with pytest.raises(MissingStatsError, match="no feature statistics"):
        drift(store, a.id, bare.id)
    with pytest.raises(NotFoundError):
        drift(store, a.id, "blake3:" + "0" * 64)


def test_real_frames_identical_and_shifted() -> None:
    import pandas as pd

    from provenance.analysis.drift import compare_stats
    from provenance.capture import feature_stats

    df = pd.DataFrame({"x": [float(i) for i in range(100)], "c": ["a", "b"] * 50})
    same, _, _ = compare_stats(feature_stats(df), feature_stats(df))
    assert all(f.severity == "none" and f.psi == 0.0 for f in same)
    shifted = df.assign(x=df.x + 50)  # half the mass moves out of A's range
    f = compare_stats(feature_stats(df), feature_stats(shifted))[0][0]
    # uniform on [0, 99] vs [50, 149]: KS = 50/99.. ~ 0.505 on the histograms' CDFs
    assert f.ks == pytest.approx(0.5, abs=0.02) and f.severity == "major"


def test_render_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    s = SQLiteStore(f"{tmp_path}/l.sqlite")
    a, b, bare = put(s, "a", A_STATS), put(s, "b", B_STATS), put(s, "bare", None)
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(render_drift(drift(s, a.id, b.id)))
    text = console.export_text()
    assert "1 of 2 features flagged" in text and "major" in text
    s.close()
    uri = f"{tmp_path}/l.sqlite"
    assert main(["drift", a.id, b.id[:16], "--store", uri, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["drifted"] == ["x"] and data["thresholds"]["psi_major"] == 0.2
    assert main(["drift", "--name", "d", "--store", uri, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["steps"]) == 1
    assert main(["drift", a.id, bare.id, "--store", uri]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no feature statistics" in err[0]
    assert main(["drift", a.id, "--store", uri]) == 1
    assert "two artifact ids" in capsys.readouterr().err


def _people(rng: Any, n: int, start: int, age_mean: float) -> Any:
    import pandas as pd

    ids = range(start, start + n)
    words = ["data", "lineage", "model", "coffee", "cycling", "python", "music", "travel"]
    return pd.DataFrame(
        {
            "user_id": list(ids),  # named like an identifier
            "row": list(ids),  # no such name: distinct, consecutive integers
            "email": [f"user{i}@example.com" for i in ids],
            "handle": [f"h{i:06x}" for i in ids],  # unique short strings
            "bio": [" ".join(rng.choice(words, 8)) + f" #{i}" for i in ids],
            "age": rng.normal(age_mean, 5, n).round().astype(int),  # a real feature
            "plan": rng.choice(["free", "pro"], n),
        }
    )


def test_identifiers_and_free_text_are_not_compared(tmp_path: Path) -> None:
    """Two cohorts of users: every id, e-mail, handle and bio differs (as it always will);
    only age and plan are features. The ids are reported apart, not flagged as drift."""
    import numpy as np
    from rich.console import Console

    from provenance import Tracker

    rng = np.random.default_rng(3)
    t = Tracker(f"{tmp_path}/store/")
    a = t.log_artifact(_people(rng, 400, 1, 40.0), name="users")
    b = t.log_artifact(_people(rng, 400, 5001, 40.0), name="users")
    r = drift(t.store, a.id, b.id)
    assert [(c.feature, c.role) for c in r.not_compared] == [
        ("user_id", "identifier"),
        ("row", "identifier"),
        ("email", "identifier"),
        ("handle", "identifier"),
        ("bio", "free_text"),
    ]
    assert [f.feature for f in r.features] == ["age", "plan"]
    assert r.drifted == []  # before: user_id, row, email, handle and bio all drifted
    c = t.log_artifact(_people(rng, 400, 9001, 55.0), name="users")  # older users: real drift
    assert drift(t.store, a.id, c.id).drifted == ["age"]
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(render_drift(r))
    text = console.export_text()
    assert "not compared (identifier / free text): user_id: named like an identifier" in text
    assert "bio: free text" in text
    t.close()


def test_column_role_reads_older_statistics_and_spares_features() -> None:
    """Statistics recorded before the text statistics: top values still tell e-mails and
    text apart; low-cardinality strings, floats and small integers stay features."""
    from provenance.capture.stats import column_role

    emails = cat({f"u{i}@shop.example": 1 for i in range(10)}, 500)
    assert column_role("contact", emails) == (
        "identifier",
        "e-mail addresses or contact details",
    )
    text = cat({"I love hiking and long walks on the beach " + str(i): 1 for i in range(10)}, 90)
    text["cardinality"] = 88  # nearly every value distinct
    assert column_role("about", text) == ("free_text", "free text (mean length 43 characters)")
    text["cardinality"] = 10  # long, but ten values repeated: a category, a feature
    assert column_role("about", text) is None
    assert column_role("country", cat({"fr": 60, "de": 40}, 100)) is None
    assert column_role("score", num([0, 1], [100], 0.5, 0.1)) is None  # floats never
    small = {"kind": "numeric", "dtype": "int64", "count": 100, "cardinality": 7, "min": 1,
             "max": 7}  # fmt: skip
    assert column_role("rating", small) is None
    assert column_role("orderId", small) == ("identifier", "named like an identifier")
    assert column_role("valid", small) is None  # "id" inside a word is not a token
    assert column_role("email_domain", cat({"gmail.com": 70, "example.org": 30}, 100)) is None


# --- two models: no feature statistics, metrics compared -------------------------------------
def _trained(store: LineageStore, label: str, name: str, day: int, **metrics: float) -> Model:
    """A model (no feature statistics) and the succeeded run that produced it."""
    m = Model(
        id=digest_bytes(label.encode()),
        name=name,
        created_at=dt.datetime(2026, 1, day, tzinfo=dt.UTC),
    )
    t = Transform(
        id=digest_bytes(f"train {label}".encode()),
        operation="train",
        metrics=metrics,
        started_at=dt.datetime(2026, 1, day, tzinfo=dt.UTC),
    )
    store.write([m, t], [])
    store.write([], [Edge(source=t.id, target=m.id, type="PRODUCED")])
    return m


@pytest.fixture
def uri(store: LineageStore, request: pytest.FixtureRequest) -> str:
    """What ``--store`` takes for the fixture's store."""
    if isinstance(store, SQLiteStore):
        return str(store.path)
    return str(request.getfixturevalue("neo4j_server").store_uri)


def test_two_models_are_compared_by_their_metrics_and_say_so(
    store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = _trained(store, "v1", "churn", 1, auc=0.8)
    v2 = _trained(store, "v2", "churn", 2, auc=0.85)
    bare1, bare2 = _trained(store, "b1", "bare", 1), _trained(store, "b2", "bare", 2)
    r = drift(store, v1.id, v2.id)
    assert not r.features_compared and r.features == [] and r.drifted == []
    assert (
        r.features_note == "models have no feature statistics: their recorded metrics are compared"
    )
    ((metric, a, b, change),) = [(c.metric, c.a, c.b, c.change) for c in r.metrics]
    assert (metric, a, b) == ("auc", 0.8, 0.85) and change == pytest.approx(0.05)
    # without metrics either: a report that says there is nothing to compare, not an error
    empty = drift(store, bare1.id, bare2.id)
    assert not empty.features_compared and empty.metrics == []
    assert empty.features_note == (
        "models have no feature statistics, and neither has metrics recorded "
        "(run.log_metric): nothing to compare"
    )
    assert main(["drift", v1.id, v2.id, "--store", uri]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Drift churn -> churn: compared by their recorded metrics")
    assert "models have no feature statistics" in out and "auc" in out and "+0.05" in out
    assert "thresholds" not in out and "PSI" not in out  # no empty feature table
    assert main(["drift", bare1.id, bare2.id, "--store", uri]) == 0
    assert "Drift bare -> bare: nothing compared" in capsys.readouterr().out
    # a table without statistics, and no metrics on either side: one line, no option named
    a, raw = put(store, "a", A_STATS), put(store, "raw", None, name="raw")
    assert main(["drift", a.id, raw.id, "--store", uri]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: artifact raw (") and "no feature statistics recorded" in line
    assert "stats=" not in line
