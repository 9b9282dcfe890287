"""Store URIs: which backend, where, with which credentials.

Accepted forms:

* a plain path (``./.provenance/``, ``/data/lineage.sqlite``) or ``sqlite:///path``: the
  embedded store. A directory (existing, or written with a trailing ``/``) holds
  ``lineage.sqlite``;
* ``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://``, ``bolt://``, ``bolt+s://``, ``bolt+ssc://``
  with ``user:password@host:port`` and an optional ``?database=name``.

Example:
    >>> parse_store_uri("sqlite:///tmp/x.sqlite").path
    '/tmp/x.sqlite'
    >>> parse_store_uri("neo4j://neo4j:pw@127.0.0.1:7687").scheme
    'neo4j'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from provenance.errors import InvalidStoreURIError

DEFAULT_STORE = "./.provenance/"
STORE_ENV = "PROVENANCE_STORE"
SQLITE_FILENAME = "lineage.sqlite"
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


@dataclass(frozen=True)
class StoreURI:
    """A parsed store URI."""

    scheme: str  # "sqlite" or one of NEO4J_SCHEMES
    path: str | None = None  # sqlite: the database file
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None

    @property
    def is_neo4j(self) -> bool:
        """True for every Neo4j/Bolt scheme."""
        return self.scheme in NEO4J_SCHEMES

    @property
    def driver_uri(self) -> str:
        """The URI to hand the neo4j driver (no credentials, no query)."""
        return f"{self.scheme}://{self.host}:{self.port}"

    def redacted(self) -> str:
        """The URI with the password hidden, for printing."""
        if self.scheme == "sqlite":
            return (
                f"sqlite:///{self.path}"
                if not str(self.path).startswith("/")
                else (f"sqlite://{self.path}")
            )
        user = f"{self.user}:***@" if self.user else ""
        db = f"?database={self.database}" if self.database else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}{db}"


def resolve_store_uri(uri: str | None = None) -> str:
    """The store URI to use: the argument, else ``$PROVENANCE_STORE``, else ``./.provenance/``.

    Example:
        >>> resolve_store_uri("sqlite:///x.sqlite")
        'sqlite:///x.sqlite'
    """
    if uri:
        return uri
    return os.environ.get(STORE_ENV) or DEFAULT_STORE


def _is_dir(p: Path) -> bool:
    """``p.is_dir()``, False where the operating system will not say (a parent that cannot be
    searched): opening the store then reports the permission problem, with its path."""
    try:
        return p.is_dir()
    except OSError:
        return False


def _sqlite_path(raw: str) -> str:
    """The database file a path names: ``lineage.sqlite`` inside it when it is a directory
    (existing, or written with a trailing ``/``).

    Example:
        >>> _sqlite_path("/nonexistent/store/")
        '/nonexistent/store/lineage.sqlite'
    """
    if not raw:
        raise InvalidStoreURIError("store URI names no path")
    p = Path(raw).expanduser()
    if raw.endswith("/") or _is_dir(p):
        p = p / SQLITE_FILENAME
    return str(p)


def parse_store_uri(uri: str) -> StoreURI:
    """Parse and validate a store URI; :class:`InvalidStoreURIError` when it is malformed.

    Example:
        >>> parse_store_uri("bolt://u:p@localhost:7687?database=lineage").database
        'lineage'
    """
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidStoreURIError("store URI is empty")
    uri = uri.strip()
    if "://" not in uri:
        if ":" in uri.split("/")[0] and not uri.startswith((".", "/", "~")) and len(uri) > 2:
            scheme = uri.split(":", 1)[0]
            raise InvalidStoreURIError(
                f"malformed store URI {uri!r}: unknown scheme {scheme!r} "
                f"(use a path, sqlite:///path, or {'/'.join(NEO4J_SCHEMES[:4])}://user:pw@host:port)"
            )
        return StoreURI(scheme="sqlite", path=_sqlite_path(uri))
    scheme, rest = uri.split("://", 1)
    scheme = scheme.lower()
    if scheme == "sqlite":
        # sqlite:///abs/path (three slashes: empty host + absolute path) or sqlite:///./rel.
        if not rest.startswith("/"):
            raise InvalidStoreURIError(
                f"malformed store URI {uri!r}: write sqlite:///absolute/path or sqlite:///./relative"
            )
        path = rest[1:] if rest.startswith("/./") or rest.startswith("/~") else rest
        return StoreURI(scheme="sqlite", path=_sqlite_path(path))
    if scheme not in NEO4J_SCHEMES:
        raise InvalidStoreURIError(
            f"malformed store URI {uri!r}: unknown scheme {scheme!r} "
            f"(known: sqlite, {', '.join(NEO4J_SCHEMES)})"
        )
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidStoreURIError(f"malformed store URI {uri!r}: bad port") from exc
    if not parts.hostname:
        raise InvalidStoreURIError(f"malformed store URI {uri!r}: no host")
    if parts.path not in ("", "/"):
        raise InvalidStoreURIError(
            f"malformed store URI {uri!r}: pick the database with ?database=name, not a path"
        )
    query = parse_qs(parts.query)
    unknown = set(query) - {"database"}
    if unknown:
        raise InvalidStoreURIError(
            f"malformed store URI {uri!r}: unknown parameter(s) {', '.join(sorted(unknown))}"
        )
    return StoreURI(
        scheme=scheme,
        host=parts.hostname,
        port=port or 7687,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=query["database"][0] if "database" in query else None,
    )
