"""The CLI against a real Neo4j server: recording, querying, syncing, and its failure lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provenance.model import LineageGraph
from tests.test_cli import assert_one_line_error, cli

pytestmark = pytest.mark.neo4j


def test_demo_and_queries_on_neo4j(neo4j_clean: Any, tmp_path: Path) -> None:
    uri = neo4j_clean.store_uri
    r = cli("demo", "--json", "--store", uri, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    ids = json.loads(r.stdout)
    assert ids["counts"]["Model"] == 2 and ids["counts"]["Transform"] == 13
    up = cli("ancestry", ids["model_v2"][7:20], "--json", "--store", uri, cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    g = LineageGraph.model_validate_json(up.stdout)
    assert {s.name for s in g.sources()} == {"users.csv", "events.csv", "new_users.csv"}
    # The same pipeline recorded in the embedded store gives the same artifacts upstream.
    local = cli("demo", "--json", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    up_local = cli("ancestry", ids["model_v2"], "--json", cwd=tmp_path)
    g_local = LineageGraph.model_validate_json(up_local.stdout)
    assert {a.id for a in g_local.artifacts} == {a.id for a in g.artifacts}
    human = cli("descendants", ids["events_source"], "--store", uri, cwd=tmp_path)
    assert human.returncode == 0 and "churn_predictions" in human.stdout


def test_sync_cli_between_backends(neo4j_clean: Any, tmp_path: Path) -> None:
    assert cli("demo", "--json", cwd=tmp_path).returncode == 0
    uri = neo4j_clean.store_uri
    for _ in range(2):  # idempotent
        r = cli("sync", "--from", "./.provenance/", "--to", uri, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    copied = json.loads(r.stdout)
    back = cli("sync", "--from", uri, "--to", str(tmp_path / "back") + "/", "--json", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout) == copied
    a = cli("export", "--format", "json", cwd=tmp_path).stdout
    b = cli(
        "export", "--format", "json", "--store", str(tmp_path / "back") + "/", cwd=tmp_path
    ).stdout
    assert (
        LineageGraph.model_validate_json(a).sorted() == LineageGraph.model_validate_json(b).sorted()
    )


def test_unreachable_and_bad_credentials(neo4j_server: Any, tmp_path: Path) -> None:
    port = neo4j_server.uri.rsplit(":", 1)[1]
    assert_one_line_error(
        cli("ancestry", "abcdef", "--store", f"neo4j://neo4j:x@127.0.0.1:{port}", cwd=tmp_path),
        "refused the credentials",
    )
    assert_one_line_error(
        cli("ancestry", "abcdef", "--store", "bolt://neo4j:x@127.0.0.1:1", cwd=tmp_path),
        "cannot reach Neo4j",
    )
