"""Reading a store by the ids people type: full ids, unique prefixes, ``dataset:``/``job:``
addresses, and depth-bounded walks from them.

:func:`resolve_id` turns what a person typed into a node id; :class:`StoreReader` is the read
half shared by :class:`~provenance.Tracker` (which adds recording) and the CLI's query
commands (which need nothing more, so they start fast).

This module sits above both :mod:`provenance.store` and :mod:`provenance.openlineage`: the
store knows nothing of OpenLineage addresses, and an address is handed to
:func:`provenance.openlineage.lookup.resolve_address`.

Example:
    >>> import tempfile
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> store = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> store.write([Artifact(id="blake3:" + "ab" * 32, name="raw")], [])
    >>> reader = StoreReader(store)
    >>> reader.get("abab").name, len(reader.ancestry("abab").nodes)
    ('raw', 1)
    >>> reader.close()
"""

from __future__ import annotations

from provenance.errors import AmbiguousIdError, NotFoundError, TrackingError
from provenance.model import LineageGraph, short_id
from provenance.store.base import AnyNode, Direction, LineageStore

__all__ = ["StoreReader", "resolve_id"]


def resolve_id(store: LineageStore, id_or_prefix: str) -> str:
    """The full id for an exact id, a unique prefix (``blake3:`` may be left out), or a
    Marquez-style address.

    ``dataset:NAMESPACE:NAME`` names the newest version of an OpenLineage dataset (the newest
    artifact whose uri is :func:`~provenance.openlineage.naming.dataset_uri` of the pair, a
    native artifact of that file included); ``job:NAMESPACE:NAME`` the newest run of that
    job (native transforms are in namespace ``provenance``, their job name the operation).
    See :func:`provenance.openlineage.lookup.resolve_address`.

    Raises :class:`NotFoundError` or :class:`AmbiguousIdError`.

    Example:
        >>> import tempfile
        >>> from provenance.model import Transform
        >>> from provenance.store import SQLiteStore
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> t = Transform(id="blake3:" + "1" * 64, operation="clean")
        >>> s.write([t], [])
        >>> resolve_id(s, "1111") == resolve_id(s, "job:provenance:clean") == t.id
        True
        >>> resolve_id(s, "abcd")
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: no node with id 'abcd'
    """
    given = id_or_prefix.strip()
    if not given:
        raise NotFoundError("empty id")
    if store.get(given) is not None:
        return given
    if given.startswith(("dataset:", "job:")):
        # Imported on first use, not for a layering reason (this module is above both): the
        # provenance.openlineage package loads jsonschema, which a query by id never needs.
        from provenance.openlineage.lookup import resolve_address

        return resolve_address(store, given)
    hex_part = given.split(":", 1)[-1]
    if len(hex_part) < 4 or any(c not in "0123456789abcdef" for c in hex_part.lower()):
        raise NotFoundError(f"no node with id {given!r} (give at least 4 hex digits of an id)")
    matches = store.resolve(given, limit=6)
    if not matches:
        raise NotFoundError(f"no node with id {given!r}")
    if len(matches) > 1:
        shown = ", ".join(short_id(m) for m in matches[:5])
        raise AmbiguousIdError(f"id prefix {given!r} is ambiguous: matches {shown}…")
    return matches[0]


class StoreReader:
    """An open store, read by ids resolved like git prefixes (see the module docs)."""

    store: LineageStore

    def __init__(self, store: LineageStore) -> None:
        self.store = store

    def resolve(self, id_or_prefix: str) -> str:
        """The full id for an id, a unique prefix (``blake3:`` may be left out) or a
        ``dataset:``/``job:`` address, like git.

        Raises :class:`NotFoundError` or :class:`~provenance.errors.AmbiguousIdError`.
        """
        return resolve_id(self.store, id_or_prefix)

    def get(self, id_or_prefix: str) -> AnyNode:
        """The node with this id (or unique id prefix).

        Example:
            >>> import tempfile
            >>> from provenance import Tracker
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> a = t.log_artifact(b"hello", name="greeting")
            >>> t.get(a.id[:14]).name
            'greeting'
        """
        node = self.store.get(self.resolve(id_or_prefix))
        if node is None:  # pragma: no cover - resolve() checked it exists
            raise NotFoundError(f"no node with id {id_or_prefix!r}")
        return node

    def ancestry(
        self, id_or_prefix: str, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Everything upstream of a node: every producer, every input of every producer,
        their code versions and models, to ``depth`` transforms (None: all the way), at most
        ``limit`` nodes.

        Example:
            >>> import tempfile
            >>> from provenance import Tracker
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> a = t.log_artifact(b"x", name="a")
            >>> len(t.ancestry(a.id).nodes)
            1
        """
        _check_depth(depth, limit)
        return self.store.traverse(self.resolve(id_or_prefix), Direction.UP, depth, limit)

    def descendants(
        self, id_or_prefix: str, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Everything downstream of a node: the transforms that used it and all they
        produced, to ``depth`` transforms, at most ``limit`` nodes.

        Example:
            >>> import tempfile
            >>> from provenance import Tracker
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> a = t.log_artifact(b"x", name="a")
            >>> t.descendants(a.id).root == a.id
            True
        """
        _check_depth(depth, limit)
        return self.store.traverse(self.resolve(id_or_prefix), Direction.DOWN, depth, limit)

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def _check_depth(depth: int | None, limit: int | None) -> None:
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise TrackingError(f"depth must be a non-negative integer, got {depth!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise TrackingError(f"limit must be a positive integer, got {limit!r}")
