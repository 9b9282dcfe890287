"""Erasure records on every backend: the content is marked erased, the skeleton stays, and
no traversal follows the INVALIDATED edge."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from provenance.analysis import audit, erase, erasure_of, impact
from provenance.analysis.integrity import verify_log
from provenance.cli.app import main
from provenance.errors import AnalysisError, NotFoundError
from provenance.model import Artifact, Edge
from provenance.store import Direction, LineageStore, SQLiteStore
from tests import test_parity
from tests.scenarios import CODE, art, transform
from tests.test_analysis_impact import pipeline

store = test_parity.store  # the two-backend fixture: sqlite and neo4j

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def test_erase_keeps_the_skeleton(store: LineageStore) -> None:
    g = pipeline(store)
    users = g["users"].id
    before = store.counts()
    rec = erase(store, users, reason="GDPR art. 17 request #42", at=WHEN)
    assert rec.reason == "GDPR art. 17 request #42" and rec.erased_at == WHEN
    assert not rec.already_erased and rec.artifact.erased
    node = store.get(users)
    assert node is not None and node.erased  # type: ignore[union-attr]
    assert node.uri is None and node.license == "CC-BY-4.0"  # type: ignore[union-attr]
    assert node.erasure_reason == "GDPR art. 17 request #42"  # type: ignore[union-attr]
    after = store.counts()
    # one Erasure transform and one INVALIDATED edge more; nothing else changed
    assert after["Transform"] == before["Transform"] + 1
    assert after["INVALIDATED"] == 1
    same = ("Artifact", "Model", "CodeVersion", "USED", "PRODUCED", "USED_MODEL", "RAN")
    assert {k: after.get(k) for k in same} == {k: before.get(k) for k in same}
    # ancestry of churn still shows users (as erased), never the erasure
    up = store.traverse(g["churn"].id, Direction.UP)
    assert users in up.node_ids and rec.transform_id not in up.node_ids
    assert all(e.type != "INVALIDATED" for e in up.edges)
    down = store.traverse(users, Direction.DOWN)
    assert rec.transform_id not in down.node_ids
    assert g["churn"].id in down.node_ids  # what it fed is still known
    assert store.invalidations([users])[0].source == rec.transform_id


def test_erase_twice_is_a_noop(store: LineageStore) -> None:
    g = pipeline(store)
    first = erase(store, g["users"].id, reason="first", at=WHEN)
    again = erase(store, g["users"].id, reason="second")
    assert again.already_erased and again.reason == "first"
    assert again.transform_id == first.transform_id
    assert store.counts()["INVALIDATED"] == 1


def test_queries_show_erased(store: LineageStore) -> None:
    g = pipeline(store)
    erase(store, g["users"].id, reason="request", at=WHEN)
    plan = impact(store, [g["users"].id])
    assert plan.sources[0].erased
    report = audit(store, g["churn"].id, check_reproducibility=False)
    assert [(s.name, s.erased) for s in report.sources] == [("events", False), ("users", True)]
    assert [r.reason for r in report.erasures] == ["request"]
    assert report.reproducibility.verdict == "unreproducible"
    assert "source users was erased" in report.reproducibility.reasons
    rec = erasure_of(store, g["users"].id)
    assert rec is not None and rec.erased_at == WHEN
    assert erasure_of(store, g["events"].id) is None


def test_erase_bad_input(store: LineageStore) -> None:
    g = pipeline(store)
    with pytest.raises(NotFoundError):
        erase(store, "blake3:" + "0" * 64, reason="x")
    with pytest.raises(AnalysisError):
        erase(store, g["users"].id, reason="  ")
    with pytest.raises(AnalysisError):
        erase(store, CODE.id, reason="x")
    assert store.counts().get("INVALIDATED", 0) == 0


def test_erase_cli(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    path = f"{tmp_path}/lineage.sqlite"
    s = SQLiteStore(path)
    g = pipeline(s)
    s.close()
    assert (
        main(["erase", g["users"].id[7:19], "--reason", "request 7", "--store", path, "--json"])
        == 0
    )
    got = json.loads(capsys.readouterr().out)
    assert got["reason"] == "request 7" and got["artifact"]["erased"] is True
    assert main(["erase", g["users"].id, "--reason", "again", "--store", path]) == 0
    assert "already erased" in capsys.readouterr().out
    assert main(["erase", "ffff0000", "--reason", "x", "--store", path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no node with id" in err[0]
    missing = f"{tmp_path}/nothing-here/lineage.sqlite"
    assert main(["erase", "ffff0000", "--reason", "x", "--store", missing]) == 1
    assert "no provenance store" in capsys.readouterr().err


# --- what an erasure removes, whatever was recorded -------------------------------------------
def stats_with_values(label: str) -> dict[str, Any]:
    """feature_stats as provenance.capture.stats lays them out, every value-level key filled
    (and two this code does not know), each holding ``label``'s secret."""
    secret = f"secret-of-{label}"
    return {
        "stats_version": 1,
        "row_count": 3,
        "column_count": 2,
        "bins": 10,
        "top_k": 10,
        "columns": {
            "email": {
                "kind": "string",
                "dtype": "object",
                "count": 3,
                "nulls": 0,
                "cardinality": 3,
                "top_values": [{"value": secret, "count": 1}],
                "text": {"mean_length": 12.0, "sample": [secret]},
                "examples": [secret],
            },
            "age": {
                "kind": "numeric",
                "dtype": "int64",
                "count": 3,
                "nulls": 0,
                "infinite": 0,
                "cardinality": 3,
                "mean": 41.0,
                "std": 2.0,
                "min": 39,
                "max": 43,
                "quantiles": {"p50": 41.0},
                "histogram": {"edges": [39.0, 43.0], "counts": [3]},
                "some_future_key": secret,
            },
        },
        "row_fingerprints": {"values": [123, 456]},
        "another_future_key": secret,
    }


def valued(label: str, **kw: Any) -> Artifact:
    return art(
        label,
        uri=f"file:///data/{label}.csv",
        feature_stats=stats_with_values(label),
        metadata={
            "row_fingerprints": [1, 2, 3],
            "openlineage": {
                "facets": {
                    "dataQualityMetrics": {
                        "rowCount": 3,
                        "columnMetrics": {"age": {"nullCount": 0, "min": 39, "max": 43}},
                    }
                }
            },
            "team": "crm",
        },
        **kw,
    )


#: What every erased artifact above must keep of its statistics: written out by hand.
SCRUBBED_STATS = {
    "stats_version": 1,
    "row_count": 3,
    "column_count": 2,
    "bins": 10,
    "top_k": 10,
    "columns": {
        "email": {"kind": "string", "dtype": "object", "count": 3, "nulls": 0, "cardinality": 3},
        "age": {
            "kind": "numeric",
            "dtype": "int64",
            "count": 3,
            "nulls": 0,
            "infinite": 0,
            "cardinality": 3,
        },
    },
}
SCRUBBED_METADATA = {
    "openlineage": {
        "facets": {
            "dataQualityMetrics": {"rowCount": 3, "columnMetrics": {"age": {"nullCount": 0}}}
        }
    },
    "team": "crm",
}


def test_erasure_keeps_counts_and_drops_every_value(store: LineageStore) -> None:
    users = valued("users", contains_pii=True, row_count=3)
    store.write([users], [])
    erase(store, users.id, reason="request", at=WHEN)
    node = store.get(users.id)
    assert isinstance(node, Artifact)
    assert node.feature_stats == SCRUBBED_STATS and node.metadata == SCRUBBED_METADATA
    assert (node.uri, node.row_count, node.name, node.contains_pii) == (None, 3, "users", True)
    assert "secret-of-users" not in node.model_dump_json()
    # A run re-recording the artifact (same content, same id, its values again) cannot bring
    # them back: an erased artifact is stored scrubbed whatever is merged into it.
    store.write([valued("users", contains_pii=True, license="CC0")], [])
    node = store.get(users.id)
    assert isinstance(node, Artifact) and node.erased_at == WHEN
    assert node.feature_stats == SCRUBBED_STATS and node.metadata == SCRUBBED_METADATA
    assert node.license == "CC0"  # a field that holds no value of the content is filled
    assert verify_log(store).ok


def test_erasing_an_artifact_an_older_provenance_erased_scrubs_it(store: LineageStore) -> None:
    # Erased as provenance did before: marked, uri cleared, values kept (written raw through
    # the store, as a replacement, since merges now scrub).
    old = valued("users").model_copy(
        update={"uri": None, "erased_at": WHEN, "erasure_reason": "first"}
    )
    store.write([old], [], replace=True)
    assert "secret-of-users" in str(store.get(old.id))
    again = erase(store, old.id, reason="second")
    assert again.already_erased and again.reason == "first"
    node = store.get(old.id)
    assert isinstance(node, Artifact) and node.feature_stats == SCRUBBED_STATS
    assert store.counts().get("INVALIDATED", 0) == 0  # no new record, just the scrub
    assert verify_log(store).ok


def _data_reach(source: str, edges: list[Edge]) -> set[str]:
    """Oracle: artifacts reached from ``source`` by USED -> PRODUCED steps (no models here)."""
    used: dict[str, set[str]] = {}
    produced: dict[str, set[str]] = {}
    for e in edges:
        if e.type == "USED":
            used.setdefault(e.target, set()).add(e.source)
        elif e.type == "PRODUCED":
            produced.setdefault(e.source, set()).add(e.target)
    seen: set[str] = set()
    frontier = [source]
    while frontier:
        a = frontier.pop()
        for t in used.get(a, ()):
            for o in produced.get(t, ()):
                if o not in seen and o != source:
                    seen.add(o)
                    frontier.append(o)
    return seen


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_erasures_verify_and_scrub_exactly_their_reach(
    store: LineageStore, seed: int
) -> None:
    """Random small graphs, random erasures (some cascading, some repeated) in random order:
    after each, the log verifies, the erased artifacts are exactly those the oracle says and
    hold no value, and the others keep theirs."""
    rng = random.Random(seed)
    artifacts = [valued(f"a{seed}-{i}") for i in range(8)]
    edges: list[Edge] = []
    store.write(artifacts[:2], [])
    for i in range(2, len(artifacts)):
        inputs = rng.sample(artifacts[:i], rng.randint(1, min(2, i)))
        nodes, run_edges = transform(f"t{i}", inputs, [artifacts[i]])
        store.write([*nodes, artifacts[i]], run_edges)
        edges += run_edges
    expected: set[str] = set()
    order = [*rng.sample(artifacts, 5), rng.choice(artifacts)]  # the last one may repeat
    for a in order:
        cascade = rng.random() < 0.5
        erase(store, a.id, reason=f"request {a.name}", cascade=cascade)
        expected |= {a.id} | (_data_reach(a.id, edges) if cascade else set())
        verdict = verify_log(store)
        assert verdict.ok, verdict.message
        nodes = {n.id: n for n in store.get_many([x.id for x in artifacts])}
        assert {i for i, n in nodes.items() if isinstance(n, Artifact) and n.erased} == expected
        for i, n in nodes.items():
            assert isinstance(n, Artifact)
            secret = f"secret-of-{n.name}" in n.model_dump_json()
            assert secret == (i not in expected), n.name
    assert store.counts()["INVALIDATED"] == len(expected)
