"""Neo4j store: bounded lookup keys (values of any length, index-backed lookups), the upgrade
of a graph written before them, and driver errors coming out typed."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest

from provenance.errors import IntegrityError, StoreError, StoreUnavailableError
from provenance.store.neo4j import KEY_CHARS, KEY_PROPS, from_props, node_record, store_error
from tests.scenarios import LONG_NAME, LONG_OPERATION, art, long_values, multi_input_join

ex = neo4j.exceptions


# --- without a server -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "typed", "words"),
    [
        (ex.ServiceUnavailable("no route"), StoreUnavailableError, "lost Neo4j at x"),
        (ex.SessionExpired("expired"), StoreUnavailableError, "lost Neo4j at x"),
        (ex.TransientError("deadlock"), StoreUnavailableError, "busy (retries ran out)"),
        (ex.DatabaseError("out of memory"), StoreUnavailableError, "failed on the server"),
        (ex.AuthError("bad password"), StoreUnavailableError, "refused the credentials"),
        (ex.ConstraintError("already exists"), IntegrityError, "refused the write"),
        (ex.ClientError("Invalid input"), StoreError, "refused the query: "),
        (ex.ResultConsumedError(None, "consumed"), StoreError, "the driver failed"),
    ],
)
def test_driver_errors_map_to_typed_errors(error: Exception, typed: type, words: str) -> None:
    got = store_error(neo4j, error, "x")
    assert type(got) is typed and words in str(got)
    assert "\n" not in str(got)


def test_index_limit_error_is_a_store_error_not_unavailable() -> None:
    raw = ex.DatabaseError(
        "Property value is too large to index, please see index documentation for limitations."
        "\nIndex: Index( name='by_hand' ) property size: 9011."
    )
    got = store_error(neo4j, raw, "x")
    assert type(got) is StoreError and "9011 bytes" in str(got) and "'by_hand'" in str(got)


def test_lookup_keys_stay_out_of_nodes_and_log_records() -> None:
    props = {"id": art("a").id, "node_type": "Artifact", "name": "a", "kind": "dataset",
             "created_at": "2024-01-01T00:00:00+00:00"}  # fmt: skip
    keyed = {**props, "name_key": "a", "kind_key": "dataset"}
    assert node_record(["Artifact"], keyed) == node_record(["Artifact"], props)
    assert from_props(["Artifact"], keyed) == from_props(["Artifact"], props)
    assert {"name_key", "kind_key", "uri_key", "operation_key"} == KEY_PROPS
    assert KEY_CHARS * 4 < 8000  # a key's UTF-8 fits a RANGE index entry


# --- with a server --------------------------------------------------------------------------
def _operators(plan: dict[str, Any]) -> list[str]:
    kids = plan.get("children", [])
    return [plan["operatorType"].split("@")[0], *(o for k in kids for o in _operators(k))]


@pytest.mark.neo4j
def test_find_artifacts_seeks_an_index(neo4j_server: Any) -> None:
    from provenance.store import open_store
    from provenance.store.cypher import load_query

    s = open_store(neo4j_server.store_uri)
    try:
        with s._driver.session() as session:  # type: ignore[attr-defined]
            for field in ("name", "kind", "uri"):
                params: dict[str, Any] = {"name": None, "kind": None, "uri": None, "limit": 5}
                params[field] = "x" * 20_000
                result = session.run("EXPLAIN " + load_query("find_artifacts"), **params)
                assert "NodeIndexSeek" in _operators(result.consume().plan), field
    finally:
        s.close()


_LEGACY = {
    "artifact_name": "Artifact) ON (n.name",
    "artifact_kind": "Artifact) ON (n.kind",
    "artifact_uri": "Artifact) ON (n.uri",
    "transform_operation": "Transform) ON (n.operation",
    "transform_name": "Transform) ON (n.name",
}


def _index_names(store: Any) -> set[str]:
    with store._driver.session() as session:
        return {r["name"] for r in session.run("SHOW INDEXES YIELD name RETURN name")}


@pytest.mark.neo4j
def test_graph_from_before_lookup_keys_is_upgraded(neo4j_clean: Any, neo4j_server: Any) -> None:
    """A graph an older provenance wrote (RANGE indexes on the raw values, no keys) gains the
    keys and loses those indexes on connect; lookups and the log still hold."""
    from provenance.analysis import verify_log
    from provenance.store import open_store

    s = open_store(neo4j_server.store_uri)
    g = multi_input_join(s)
    with s._driver.session() as session:  # type: ignore[attr-defined]
        session.run("MATCH (n) WHERE n:Artifact OR n:Transform REMOVE " + ", ".join(
            f"n.{k}" for k in sorted(KEY_PROPS))).consume()  # fmt: skip
        for name, on in _LEGACY.items():
            session.run(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{on})").consume()
    assert set(_LEGACY) <= _index_names(s)
    assert s.find_artifacts(name="users") == []  # no key: the old graph is invisible to lookups
    s.close()

    s = open_store(neo4j_server.store_uri)  # connecting upgrades it
    try:
        assert not set(_LEGACY) & _index_names(s)
        assert [a.id for a in s.find_artifacts(name="users")] == [art("users").id]
        assert [t.operation for t in s.find_transforms(operation="join")] == ["join"]
        assert {n.id for b in s.iter_nodes() for n in b} == {n.id for n in g.nodes}
        assert verify_log(s).ok  # the keys are not part of the logged records
        long_values(s)  # and long values now go in
        assert [t.operation for t in s.find_transforms(operation=LONG_OPERATION)] == [
            LONG_OPERATION
        ]
        assert [a.name for a in s.find_artifacts(name=LONG_NAME)] == [LONG_NAME]
    finally:
        s.close()


@pytest.mark.neo4j
def test_a_refused_query_is_a_store_error(neo4j_server: Any) -> None:
    from provenance.store import open_store

    s = open_store(neo4j_server.store_uri)
    try:
        with pytest.raises(StoreError, match="refused the query") as caught:
            s._tx(lambda tx: list(tx.run("RETURN $missing")))  # type: ignore[attr-defined]
        assert isinstance(caught.value.__cause__, ex.ClientError)
    finally:
        s.close()
