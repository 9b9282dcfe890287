"""``--fail-on``: verify, contamination, drift, loops and log verify as CI gates, on every
backend. Each command runs on a store that meets the condition and on one that does not; the
expected verdicts are worked out by hand from the hand-built graphs (the analyses' own tests
check the verdicts; these check the exit codes the gates give them)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from provenance import Tracker
from provenance.cli.app import main
from provenance.hashing.core import digest_bytes
from provenance.model import Artifact
from provenance.store import LineageStore, SQLiteStore
from tests import test_analysis_contamination as contam
from tests import test_parity
from tests.test_analysis_drift import A_STATS, B_STATS, cat, put, stats
from tests.test_analysis_impact import mdl, step, write
from tests.test_analysis_loops import ranker

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store


@pytest.fixture
def uri(store: LineageStore, request: pytest.FixtureRequest) -> str:
    """What ``--store`` takes for the fixture's store."""
    if isinstance(store, SQLiteStore):
        return str(store.path)
    return str(request.getfixturevalue("neo4j_server").store_uri)


def gate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- verify ----------------------------------------------------------------------------------
#: The pipeline's steps, written to a module outside the repository at test time: their
#: code version is then their source digest, which nothing else changes (in a git work tree
#: a dirty tree's other files changing under a running test would make them unreproducible).
STEPS = """
import numpy as np
import pandas as pd


def clean(path, factor=1.0):
    df = pd.read_csv(path)
    return df.assign(x=df.x * factor)


def noisy(data):
    return data.assign(n=np.random.normal(size=len(data)).round(6))
"""


def test_verify_gates(
    store: LineageStore,
    uri: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """raw.csv (on disk) --clean (deterministic)--> cleaned (in memory) --noise (seed 7)-->
    noised. By hand: raw.csv is exact and at its uri; cleaned is exact but only regenerable
    (never written anywhere); noised is seeded; with raw.csv gone, noised is unreproducible."""
    module = f"gate_steps_{tmp_path.name}"
    (tmp_path / f"{module}.py").write_text(STEPS)
    monkeypatch.syspath_prepend(str(tmp_path))
    steps = importlib.import_module(module)
    t = Tracker(store, keep=False)  # nothing kept: "cleaned" is only regenerable
    (tmp_path / "raw.csv").write_text("x\n1\n2\n3\n")
    t.transform("clean", deterministic=True)(steps.clean)(tmp_path / "raw.csv", factor=2.0)
    cleaned = t.last_outputs[0].id
    (raw,) = store.find_artifacts(name="clean.path")  # the function's path argument
    t.transform("noise", seed=7)(steps.noisy)(steps.clean(tmp_path / "raw.csv", factor=2.0))
    noised = t.last_outputs[0].id
    expected = {  # (node, --fail-on) -> exit code
        (raw.id, "unreproducible"): 0,
        (raw.id, "seeded"): 0,
        (raw.id, "any"): 0,
        (cleaned, "seeded"): 0,
        (cleaned, "any"): 1,  # exact, but not at a uri: only regenerable
        (noised, "unreproducible"): 0,
        (noised, "seeded"): 1,
        (noised, "any"): 1,
    }
    for (node, value), want in expected.items():
        code, out, err = gate(capsys, "verify", node, "--store", uri, "--fail-on", value)
        assert code == want, (node, value, err)
        assert "Verdict" in out  # printed whatever the gate says
        assert (f"fail-on {value}: " in err) == bool(want), err
    # no --fail-on: exit 0 whatever the verdict
    assert gate(capsys, "verify", noised, "--store", uri)[0] == 0
    # --json still works when the gate fails
    code, out, _ = gate(capsys, "verify", noised, "--store", uri, "--json", "--fail-on", "seeded")
    assert code == 1 and json.loads(out)["verdict"] == "seeded"
    (tmp_path / "raw.csv").unlink()
    code, _, err = gate(capsys, "verify", noised, "--store", uri, "--fail-on", "unreproducible")
    assert code == 1 and "fail-on unreproducible: the verdict is unreproducible" in err


# --- contamination ---------------------------------------------------------------------------
def test_contamination_gates(
    store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The contamination suite's graph plus two splits with disjoint rows: one of a single raw
    source (clean), one whose sides come from two versions of "raw" (clean, and a name
    match). By hand: TRAIN/TEST_A share rows (leakage); LABELS/TEST_B share nothing and have
    no row fingerprints (unknown)."""
    contam.build(store)
    raw3 = contam.art("raw-v3", "raw3")
    left, right = contam.art("left", fps=[10, 11]), contam.art("right", fps=[12, 13])
    mine, theirs = contam.art("mine", fps=[20, 21]), contam.art("theirs", fps=[22, 23])
    contam.write(
        store,
        [
            ("split3", [raw3], [left, right]),
            ("take_v1", [contam.RAW_V1], [mine]),
            ("take_v2", [contam.RAW_V2], [theirs]),
        ],
    )
    cases = {
        (contam.TRAIN.id, contam.TEST_A.id): {"leakage": 1, "unknown": 1, "any": 1},
        (left.id, right.id): {"leakage": 0, "unknown": 0, "any": 0},
        (contam.LABELS.id, contam.TEST_B.id): {"leakage": 0, "unknown": 1, "any": 1},
        (mine.id, theirs.id): {"leakage": 0, "unknown": 0, "any": 1},  # "raw" v1 vs v2
    }
    verdicts = {}
    for (train, test), by_value in cases.items():
        for value, want in by_value.items():
            code, out, err = gate(
                capsys, "contamination", train, test, "--store", uri, "--json", "--fail-on", value
            )
            assert code == want, (train, test, value, err)
            verdicts[(train, test)] = json.loads(out)["verdict"]
    assert list(verdicts.values()) == ["leakage", "clean", "unknown", "clean"]
    _, _, err = gate(
        capsys, "contamination", mine.id, theirs.id, "--store", uri, "--fail-on", "any"
    )
    assert err.strip() == "fail-on any: other versions of raw on both sides"


# --- drift -----------------------------------------------------------------------------------
def test_drift_gates(store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    """By hand (the drift suite's A and B): x moves 50/50 -> 20/80, major; "old" removed and
    "new" added. c 60/40 -> 40/60: PSI 2 * 0.2 * ln 1.5 = 0.162, minor. Same statistics: no
    flag. A column added to identical ones: no flag, one added."""
    a, b = put(store, "a", A_STATS), put(store, "b", B_STATS, day=2)
    c1 = put(store, "c1", stats(c=cat({"a": 60, "b": 40}, 100)), name="c", day=1)
    c2 = put(store, "c2", stats(c=cat({"a": 40, "b": 60}, 100)), name="c", day=2)
    same = put(store, "same", stats(c=cat({"a": 60, "b": 40}, 100)), name="same")
    wider = put(
        store,
        "wider",
        stats(c=cat({"a": 60, "b": 40}, 100), extra=cat({"z": 100}, 100)),
        name="same",
        day=2,
    )
    cases = {
        (a.id, b.id): {"major": 1, "minor": 1, "any": 1},
        (c1.id, c2.id): {"major": 0, "minor": 1, "any": 1},
        (c1.id, same.id): {"major": 0, "minor": 0, "any": 0},
        (same.id, wider.id): {"major": 0, "minor": 0, "any": 1},
    }
    for (x, y), by_value in cases.items():
        for value, want in by_value.items():
            code, out, err = gate(capsys, "drift", x, y, "--store", uri, "--fail-on", value)
            assert code == want, (x, y, value, err)
            assert out.startswith("Drift ")  # the report is printed either way
    _, _, err = gate(capsys, "drift", c1.id, c2.id, "--store", uri, "--fail-on", "minor")
    assert err.strip() == "fail-on minor: c drifted (minor)"
    _, _, err = gate(capsys, "drift", same.id, wider.id, "--store", uri, "--fail-on", "any")
    assert err.strip() == "fail-on any: extra added"
    # --name: every consecutive pair of the name's versions
    assert gate(capsys, "drift", "--name", "c", "--store", uri, "--fail-on", "major")[0] == 0
    assert gate(capsys, "drift", "--name", "c", "--store", uri, "--fail-on", "minor")[0] == 1
    code, out, _ = gate(
        capsys, "drift", "--name", "d", "--store", uri, "--json", "--fail-on", "major"
    )
    assert code == 1 and len(json.loads(out)["steps"]) == 1


# --- loops -----------------------------------------------------------------------------------
def test_loops_gates_with_loops_of_both_kinds(
    store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ranker(store)  # three model loops and one dataset loop (the loops suite's ranker)
    for value in ("any", "model", "dataset"):
        code, out, err = gate(capsys, "loops", "--store", uri, "--json", "--fail-on", value)
        assert code == 1, (value, err)
        assert len(json.loads(out)["loops"]) == 4
        assert err.startswith(f"fail-on {value}: ")
    assert (
        "3 feedback loops found (ranker/ranker-ft)"
        in gate(capsys, "loops", "--store", uri, "--fail-on", "model")[2]
    )


def test_loops_gates_by_kind_and_without_loops(
    store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A data set refreshed from its own previous version (a dataset loop, no model), then a
    model trained and fine-tuned without any of its outputs flowing back (no loop)."""
    v1 = Artifact(id=digest_bytes(b"feed v1"), name="feed")
    v2 = Artifact(id=digest_bytes(b"feed v2"), name="feed")
    write(store, [step("refresh", [v1], [v2], at=1)])
    expected = {"any": 1, "dataset": 1, "model": 0}
    for value, want in expected.items():
        assert gate(capsys, "loops", "--store", uri, "--fail-on", value)[0] == want, value
    data = Artifact(id=digest_bytes(b"d"), name="d")
    base, tuned = mdl("b", "bert"), mdl("t", "bert")
    write(
        store,
        [step("train", [data], [base], at=2), step("finetune", [data], [tuned], at=3, model=base)],
    )
    assert gate(capsys, "loops", "--store", uri, "--fail-on", "model")[0] == 0


def test_loops_gate_not_met_on_a_store_without_loops(
    store: LineageStore, uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = Artifact(id=digest_bytes(b"d"), name="d")
    write(store, [step("train", [data], [mdl("b", "bert")], at=1)])
    for value in ("any", "model", "dataset"):
        code, out, err = gate(capsys, "loops", "--store", uri, "--fail-on", value)
        assert (code, err) == (0, ""), value
        assert "Feedback loops" in out


# --- log verify ------------------------------------------------------------------------------
def _tamper(store: LineageStore, node_id: str, request: pytest.FixtureRequest) -> None:
    """Rename a node behind the library's back (no log entry for it)."""
    if isinstance(store, SQLiteStore):
        import sqlite3

        with sqlite3.connect(store.path) as db:
            db.execute(
                "UPDATE nodes SET name = 'renamed', data = json_set(data, '$.name', 'renamed') "
                "WHERE id = ?",
                (node_id,),
            )
        return
    from neo4j import GraphDatabase

    server = request.getfixturevalue("neo4j_server")
    with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        driver.execute_query("MATCH (a:Artifact {id: $id}) SET a.name = 'renamed'", id=node_id)


def test_log_verify_gates(
    store: LineageStore,
    uri: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = Artifact(id=digest_bytes(b"kept"), name="kept")
    store.write([a], [])
    for argv in ([], ["--fail-on", "any"], ["--fail-on", "never"]):
        code, out, err = gate(capsys, "log", "verify", "--store", uri, *argv)
        assert (code, err) == (0, ""), argv
        assert out.startswith("ok: 1 entry")
    _tamper(store, a.id, request)
    for argv, want in (([], 1), (["--fail-on", "any"], 1), (["--fail-on", "never"], 0)):
        code, out, err = gate(capsys, "log", "verify", "--store", uri, *argv)
        assert code == want, argv
        assert err.startswith("error: entry 1 "), err  # the problem is reported either way
    code, out, _ = gate(capsys, "log", "verify", "--store", uri, "--json", "--fail-on", "never")
    assert code == 0 and json.loads(out)["ok"] is False


# --- usage -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "abcd"],
        ["contamination", "abcd", "bcde"],
        ["drift", "abcd", "bcde"],
        ["loops"],
        ["log", "verify"],
    ],
)
def test_unknown_fail_on_value_is_a_usage_error(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = gate(capsys, *argv, "--store", str(tmp_path / "none.sqlite"), "--fail-on", "x")
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1, err
    assert lines[0].startswith("error: Invalid value for '--fail-on': 'x' is not one of ")
    assert not (tmp_path / "none.sqlite").exists()
