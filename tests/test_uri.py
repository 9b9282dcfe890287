from __future__ import annotations

from pathlib import Path

import pytest

from provenance.errors import InvalidStoreURIError
from provenance.store.uri import SQLITE_FILENAME, parse_store_uri, resolve_store_uri


def test_plain_paths_and_sqlite_uris(tmp_path: Path) -> None:
    assert parse_store_uri(f"{tmp_path}/").path == f"{tmp_path}/{SQLITE_FILENAME}"
    assert parse_store_uri(str(tmp_path)).path == f"{tmp_path}/{SQLITE_FILENAME}"  # existing dir
    assert parse_store_uri(f"sqlite://{tmp_path}/x.db").path == f"{tmp_path}/x.db"
    assert parse_store_uri("sqlite:///./rel.db").path == "rel.db"
    assert parse_store_uri("./.provenance/").path == f".provenance/{SQLITE_FILENAME}"


def test_neo4j_uris() -> None:
    u = parse_store_uri("neo4j://neo4j:p%40ss@127.0.0.1:7688?database=lineage")
    assert (u.scheme, u.host, u.port, u.user, u.password, u.database) == (
        "neo4j",
        "127.0.0.1",
        7688,
        "neo4j",
        "p@ss",
        "lineage",
    )
    assert u.driver_uri == "neo4j://127.0.0.1:7688"
    assert "p@ss" not in u.redacted()
    assert parse_store_uri("bolt+s://db.example.com").port == 7687


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "postgres://x",
        "neo4j://",
        "neo4j://h:notaport",
        "neo4j://h:7687/dbname",
        "neo4j://h?x=1",
        "sqlite://relative",
        "s3:bucket/key",
    ],
)
def test_malformed(bad: str) -> None:
    with pytest.raises(InvalidStoreURIError):
        parse_store_uri(bad)


def test_resolution_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROVENANCE_STORE", raising=False)
    assert resolve_store_uri(None) == "./.provenance/"
    monkeypatch.setenv("PROVENANCE_STORE", "sqlite:///tmp/x.db")
    assert resolve_store_uri(None) == "sqlite:///tmp/x.db"
    assert resolve_store_uri("other/") == "other/"
