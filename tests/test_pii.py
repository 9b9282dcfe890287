"""PII is inherited by what a tracked run produces, and no value of an identifier or free-text
column of a PII artifact is recorded: not in the stored node, ``provenance show --json``, or
``provenance export``; on both backends.

The planted values are unique strings; each check looks for them in the JSON text itself, so
a value hidden anywhere (top values, min/max, a sample) is found.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import provenance
from provenance import Artifact, Tracker, TrackingError
from provenance.cli.app import main
from provenance.store import LineageStore, SQLiteStore
from tests import test_parity

store = test_parity.store  # the two-backend fixture: sqlite and neo4j

PLANTED_EMAIL = "zq7.planted-4471@example.org"
PLANTED_BIO = "Planted biography xyzzy-4471 who collects rare teapots in Reykjavik"
PLANTED = (PLANTED_EMAIL, PLANTED_BIO)


def people(n: int = 40) -> pd.DataFrame:
    """A PII table: e-mails and bios all distinct, the planted ones in row 7."""
    emails = [f"user{i}@mail{i % 3}.example.com" for i in range(n)]
    bios = [f"Person number {i} likes hiking, reading and long walks" for i in range(n)]
    emails[7], bios[7] = PLANTED_EMAIL, PLANTED_BIO
    return pd.DataFrame(
        {"email": emails, "bio": bios, "age": [20 + (i * 7) % 50 for i in range(n)]}
    )


def store_uri(request: pytest.FixtureRequest, s: LineageStore) -> str:
    """The URI the CLI opens ``s`` by."""
    if isinstance(s, SQLiteStore):
        return s.uri
    return str(request.getfixturevalue("neo4j_server").store_uri)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def assert_no_planted(text: str) -> None:
    for value in PLANTED:
        assert value not in text
        assert "xyzzy-4471" not in text and "zq7.planted" not in text  # no fragment either


def test_pii_values_recorded_nowhere_source_and_derived(
    store: LineageStore, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    tracker = Tracker(store)
    df = people()
    source = tracker.log_artifact(df, name="people", contains_pii=True)
    with tracker.run("adults", inputs=[source]) as run:
        adults = run.output(df[df.age >= 21].reset_index(drop=True), name="adults")
    assert PLANTED_EMAIL in set(df[df.age >= 21].email)  # row 7 (age 69) is kept
    # the derived frame inherits the flag: no contains_pii was passed
    assert adults.contains_pii is True
    for art in (source, adults):
        stored = store.get(art.id)
        assert isinstance(stored, Artifact) and stored.contains_pii is True
        assert_no_planted(stored.model_dump_json())
        cols = stored.feature_stats["columns"]  # type: ignore[index]
        # identifier and free text: kind, dtype, count, nulls, cardinality, text only
        n = stored.row_count
        assert cols["email"]["role"] == "identifier" and cols["bio"]["role"] == "free_text"
        for name in ("email", "bio"):
            col = cols[name]
            assert col["values_redacted"] is True and (col["count"], col["nulls"]) == (n, 0)
            assert col["cardinality"] == n  # every value distinct, by construction
            assert not {"top_values", "min", "max", "quantiles", "histogram"} & set(col)
            assert all(isinstance(v, int | float) for v in col["text"].values())
        assert cols["bio"]["text"]["max_length"] == len(PLANTED_BIO)  # the longest, by hand
        # a feature keeps its statistics: the ages of the table, by hand
        ages = df.age if art is source else df.age[df.age >= 21]
        assert (cols["age"]["min"], cols["age"]["max"]) == (int(ages.min()), int(ages.max()))
    uri = store_uri(request, store)
    for art in (source, adults):
        shown = cli_json(capsys, "show", art.id, "--json", "--store", uri)
        assert json.loads(shown)["id"] == art.id
        assert_no_planted(shown)
    exported = cli_json(capsys, "export", "--format", "json", "--store", uri)
    assert source.id in exported and adults.id in exported
    assert_no_planted(exported)


def test_explicit_false_wins_and_opt_in_keeps_values(store: LineageStore) -> None:
    tracker = Tracker(store)
    df = people()
    source = tracker.log_artifact(df, name="people", contains_pii=True)
    with tracker.run("pseudonymise", inputs=[source]) as run:
        said_no = run.output(df.iloc[:20], name="checked", contains_pii=False)
        model = run.output({"w": np.arange(4.0)}, name="weights")
        kept = run.output(df.iloc[:30], name="kept", pii_values=True)
    assert said_no.contains_pii is False  # the user's explicit False wins
    assert store.get(said_no.id).contains_pii is False  # type: ignore[union-attr]
    tops = [v["value"] for v in said_no.feature_stats["columns"]["email"]["top_values"]]  # type: ignore[index]
    assert PLANTED_EMAIL in tops  # not PII: recorded as always
    assert store.get(model.id).contains_pii is True  # type: ignore[union-attr]
    # opt-in on the call: flagged, and the values kept
    stored = store.get(kept.id)
    assert stored is not None and stored.contains_pii is True  # type: ignore[union-attr]
    assert PLANTED_EMAIL in stored.model_dump_json()
    # opt-in on the tracker
    everything = Tracker(store, pii_values=True).log_artifact(
        df.iloc[:35], name="all", contains_pii=True
    )
    assert PLANTED_BIO in store.get(everything.id).model_dump_json()  # type: ignore[union-attr]
    # a run with no PII input flags nothing
    plain = tracker.log_artifact(pd.DataFrame({"x": [1, 2, 3]}), name="plain")
    with tracker.run("copy", inputs=[plain]) as run:
        copy = run.output(pd.DataFrame({"x": [3, 2, 1]}), name="copy")
    assert copy.contains_pii is None


def test_pii_inherited_through_the_model_and_an_artifact_output(store: LineageStore) -> None:
    tracker = Tracker(store)
    df = people()
    source = tracker.log_artifact(df, name="people", contains_pii=True)
    with tracker.run("train", inputs=[source]) as run:
        model = run.output({"w": np.ones(3)}, name="model")
    other = tracker.log_artifact(pd.DataFrame({"q": [1.0, 2.0]}), name="queries")
    with tracker.run("predict", inputs=[other], model=model) as run:
        preds = run.output(np.array([0.1, 0.9]), name="preds")
    assert preds.contains_pii is True  # from the model, itself trained on PII
    logged = tracker.log_artifact(pd.DataFrame({"z": [5, 6]}), name="logged first")
    assert logged.contains_pii is None
    with tracker.run("derive", inputs=[source]) as run:
        again = run.output(logged, name="logged first")
    assert again.contains_pii is True
    assert store.get(logged.id).contains_pii is True  # type: ignore[union-attr]


def test_bad_pii_values(store: LineageStore) -> None:
    tracker = Tracker(store)
    with pytest.raises(TrackingError, match="pii_values must be True or False"):
        tracker.log_artifact(people(), name="people", contains_pii=True, pii_values="yes")
    with pytest.raises(TrackingError, match="pii_values must be True or False"):
        Tracker(store, pii_values=1)  # type: ignore[arg-type]


def test_autolog_frame_from_a_pii_file_is_pii(store: LineageStore, tmp_path: Path) -> None:
    tracker = Tracker(store)
    src = tmp_path / "people.csv"
    people().to_csv(src, index=False)
    logged = tracker.log_artifact(src, name="people.csv", kind="dataset", contains_pii=True)
    assert_no_planted(logged.model_dump_json())
    with provenance.autolog(tracker):
        df = pd.read_csv(src)
        df[df.age > 30].to_parquet(tmp_path / "older.parquet")
    frames = store.find_artifacts(name="frame written to older.parquet")
    assert len(frames) == 1 and frames[0].contains_pii is True
    for art in store.find_artifacts():
        assert_no_planted(art.model_dump_json())
    written = store.find_artifacts(name="older.parquet")
    assert len(written) == 1 and written[0].contains_pii is True
