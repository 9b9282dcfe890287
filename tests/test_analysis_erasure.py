"""Erasure records on every backend: the content is marked erased, the skeleton stays, and
no traversal follows the INVALIDATED edge."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from provenance.analysis import audit, erase, erasure_of, impact
from provenance.cli.app import main
from provenance.errors import AnalysisError, NotFoundError
from provenance.store import Direction, LineageStore, SQLiteStore
from tests import test_parity
from tests.scenarios import CODE
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
