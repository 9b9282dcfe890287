"""Lineage stores: the protocol, the embedded SQLite backend and the Neo4j backend.

Example:
    >>> import tempfile
    >>> store = open_store(tempfile.mkdtemp() + "/")
    >>> type(store).__name__
    'SQLiteStore'
    >>> store.close()
"""

from __future__ import annotations

from provenance.store.base import AnyNode, Direction, LineageStore, Purgeable, PurgeReport
from provenance.store.sqlite import SQLiteStore
from provenance.store.uri import (
    DEFAULT_STORE,
    STORE_ENV,
    StoreURI,
    parse_store_uri,
    resolve_store_uri,
)


def open_store(uri: str | None = None, *, create: bool = True) -> LineageStore:
    """Open the store a URI names (see :mod:`provenance.store.uri`).

    ``create=False`` never creates or modifies anything: a missing embedded store raises
    :class:`~provenance.errors.StoreNotFoundError`.
    """
    parsed = parse_store_uri(resolve_store_uri(uri))
    if parsed.is_neo4j:
        from provenance.store.neo4j import Neo4jStore

        return Neo4jStore(parsed)
    assert parsed.path is not None
    return SQLiteStore(parsed.path, create=create)


__all__ = [
    "DEFAULT_STORE",
    "STORE_ENV",
    "AnyNode",
    "Direction",
    "LineageStore",
    "PurgeReport",
    "Purgeable",
    "SQLiteStore",
    "StoreURI",
    "open_store",
    "parse_store_uri",
    "resolve_store_uri",
]
