"""Sealing of an artifact's values on Neo4j (provenance/store/seal.py): what is sealed, that
nothing but the right key opens it, and that the store reads back exactly what it was given."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from provenance import Tracker
from provenance.errors import SealError
from provenance.model import Artifact
from provenance.store.seal import SEALED_PROPERTY, new_key, seal, unseal

ID = "blake3:" + "c" * 64
STATS = {
    "stats_version": 1,
    "row_count": 2,
    "columns": {
        "email": {
            "kind": "string",
            "dtype": "object",
            "count": 2,
            "nulls": 0,
            "cardinality": 2,
            "top_values": [{"value": "ann@example.org", "count": 1}],
        },
        "age": {"kind": "numeric", "dtype": "int64", "count": 2, "min": 31, "max": 77},
    },
}
META = {"team": "crm", "row_fingerprints": [11, 12], "facets": {"x": {"examples": ["bob"]}}}


def props() -> dict[str, Any]:
    return {
        "id": ID,
        "name": "users",
        "feature_stats": json.dumps(STATS, sort_keys=True),
        "metadata": json.dumps(META, sort_keys=True),
    }


def test_sealed_props_hold_only_the_scrubbed_text() -> None:
    sealed, key = seal(props())
    assert key is not None
    text = json.dumps({k: v for k, v in sealed.items() if k != SEALED_PROPERTY})
    for value in ("ann@example.org", "bob", "31", "77", "11, 12"):
        assert value not in text and value.encode() not in sealed[SEALED_PROPERTY]
    # what stays readable: kinds, dtypes and counts (written by hand from the recipe)
    assert json.loads(sealed["feature_stats"]) == {
        "stats_version": 1,
        "row_count": 2,
        "columns": {
            "email": {"kind": "string", "dtype": "object", "count": 2, "nulls": 0,
                      "cardinality": 2},
            "age": {"kind": "numeric", "dtype": "int64", "count": 2},
        },
    }  # fmt: skip
    assert json.loads(sealed["metadata"]) == {"team": "crm", "facets": {"x": {}}}
    assert unseal(sealed, key) == props()


def test_keys_are_fresh_and_of_one_size() -> None:
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(2**62 <= n < 2**63 for k in keys for n in k)
    a, ka = seal(props())
    b, kb = seal(props())
    assert ka != kb and a[SEALED_PROPERTY] != b[SEALED_PROPERTY]


def test_only_its_own_key_and_id_open_it() -> None:
    sealed, key = seal(props())
    assert key is not None
    with pytest.raises(SealError, match="do not open"):
        unseal(sealed, (key[0], key[1] ^ 1))
    with pytest.raises(SealError, match="no key"):
        unseal(sealed, None)
    moved = {**sealed, "id": "blake3:" + "d" * 64}  # the sealed text copied to another node
    with pytest.raises(SealError, match="do not open"):
        unseal(moved, key)
    blob = bytearray(sealed[SEALED_PROPERTY])
    blob[-1] ^= 0x01
    with pytest.raises(SealError, match="do not open"):
        unseal({**sealed, SEALED_PROPERTY: bytes(blob)}, key)


def test_nothing_to_seal_is_written_as_is() -> None:
    plain = {"id": ID, "feature_stats": json.dumps({"row_count": 3}), "metadata": "{}"}
    assert seal(plain) == (plain, None)
    assert unseal(plain, None) == plain


@pytest.mark.neo4j
def test_neo4j_reads_back_every_value_and_rewrites_reseal(
    neo4j_clean: Any, neo4j_server: Any
) -> None:
    """Through the store: the values come back exactly (show, find, iteration), the raw node
    holds none of them, and a second write of the artifact draws a new key."""
    from neo4j import GraphDatabase

    frame = pd.DataFrame({"email": ["ann@example.org", "bob@example.org"], "age": [31, 77]})
    tracker = Tracker(neo4j_server.store_uri, pii_values=True)
    try:
        art = tracker.log_artifact(frame, name="users", metadata={"team": "crm"})
        store = tracker.store
        got = store.get(art.id)
        assert isinstance(got, Artifact) and got.feature_stats == art.feature_stats
        assert [a.id for a in store.find_artifacts(name="users")] == [art.id]
        assert store.find_artifacts(name="users")[0] == got
        assert [n for b in store.iter_nodes() for n in b if n.id == art.id] == [got]
        top = got.feature_stats["columns"]["email"]["top_values"]  # type: ignore[index]
        assert {t["value"] for t in top} == {"ann@example.org", "bob@example.org"}

        def raw() -> tuple[dict[str, Any], list[int]]:
            with GraphDatabase.driver(neo4j_server.uri, auth=neo4j_server.auth) as driver:
                rows, _, _ = driver.execute_query(
                    "MATCH (a:Artifact {id: $id}) MATCH (k:SealKey {id: $id}) "
                    "RETURN properties(a) AS p, [k.k0, k.k1] AS key",
                    id=art.id,
                )
            return rows[0]["p"], rows[0]["key"]

        before, key1 = raw()
        assert "ann@example.org" not in json.dumps(before, default=repr)
        # a second write of the artifact (new metadata merged in) seals under a new key
        tracker.log_artifact(frame, name="users", metadata={"owner": "ml"})
        after, key2 = raw()
        assert key2 != key1 and after[SEALED_PROPERTY] != before[SEALED_PROPERTY]
        merged = store.get(art.id)
        assert isinstance(merged, Artifact)
        assert merged.metadata["metadata"] == {"team": "crm", "owner": "ml"}
        assert merged.feature_stats == art.feature_stats
    finally:
        tracker.close()
