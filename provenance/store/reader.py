"""Reading a store by the ids people type: prefixes, addresses, depth-bounded walks.

:class:`StoreReader` is the read half shared by :class:`~provenance.Tracker` (which adds
recording) and the CLI's query commands (which need nothing more, so they start fast).

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

from provenance.errors import NotFoundError, TrackingError
from provenance.model import LineageGraph
from provenance.store.base import AnyNode, Direction, LineageStore, resolve_id

__all__ = ["StoreReader"]


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
