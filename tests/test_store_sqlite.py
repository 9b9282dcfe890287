"""Embedded-store specifics the parity suite cannot see: the on-disk schema and its upgrade."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from provenance import Tracker
from provenance.cli.app import main
from provenance.errors import (
    IntegrityError,
    StoreCorruptError,
    StorePermissionError,
    StoreReadOnlyError,
)
from provenance.model import Edge
from provenance.store import Direction, SQLiteStore
from provenance.store import sqlite as sqlite_module
from tests.scenarios import art, multi_input_join, random_dag, transform

# The schema provenance 0.1 wrote (schema_version 1): edges keyed by node id. Frozen here as
# a fixture; the store upgrades such a file when it opens it.
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE nodes (
    id TEXT NOT NULL UNIQUE, node_type TEXT NOT NULL, name TEXT, kind TEXT, operation TEXT,
    uri TEXT, status TEXT, created_at TEXT, data TEXT NOT NULL
);
CREATE INDEX nodes_name ON nodes(name);
CREATE INDEX nodes_kind ON nodes(kind);
CREATE INDEX nodes_operation ON nodes(operation);
CREATE INDEX nodes_uri ON nodes(uri);
CREATE INDEX nodes_created_at ON nodes(created_at);
CREATE TABLE edges (
    source TEXT NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL, role TEXT,
    PRIMARY KEY (source, type, target)
) WITHOUT ROWID;
CREATE INDEX edges_target ON edges(target, type, source);
INSERT INTO meta VALUES ('schema_version', '1');
"""


def _schema_1_copy(store: SQLiteStore, path: Path) -> None:
    """Write ``store``'s graph to ``path`` in the schema-1 layout."""
    old = sqlite3.connect(path)
    old.executescript(SCHEMA_1)
    for batch in store.iter_nodes():
        # Schema 1 had the same node columns, in the same order, less the integer key.
        old.executemany(
            "INSERT INTO nodes VALUES (?,?,?,?,?,?,?,?,?)", map(sqlite_module._node_row, batch)
        )
    for edges in store.iter_edges():
        old.executemany(
            "INSERT INTO edges VALUES (?,?,?,?)",
            [(e.source, e.type, e.target, e.role) for e in edges],
        )
    old.commit()
    old.close()


def _schema_version(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])


@pytest.mark.parametrize("create", [False, True], ids=["read-only", "writable"])
def test_schema_1_store_is_upgraded_on_open(tmp_path: Path, create: bool) -> None:
    current = SQLiteStore(tmp_path / "current.sqlite")
    g = random_dag(current, n_transforms=200)
    multi_input_join(current)
    leaf = max(g.nodes, key=lambda n: n.id).id
    expected_up = current.traverse(leaf, Direction.UP)
    expected_down = current.traverse(g.nodes[0].id, Direction.DOWN)
    expected_counts = current.counts()
    _schema_1_copy(current, tmp_path / "old.sqlite")
    assert _schema_version(tmp_path / "old.sqlite") == "1"

    upgraded = SQLiteStore(tmp_path / "old.sqlite", create=create)
    # via 2, then 3 (the log), then 4 (log format 2: salts and entry versions)
    assert _schema_version(tmp_path / "old.sqlite") == "4"
    assert upgraded.counts() == expected_counts
    assert upgraded.traverse(leaf, Direction.UP) == expected_up
    assert upgraded.traverse(g.nodes[0].id, Direction.DOWN) == expected_down
    assert [e.key for b in upgraded.iter_edges() for e in b] == [
        e.key for b in current.iter_edges() for e in b
    ]
    assert upgraded.read_only is not create
    upgraded.close()
    # Opening again finds the current schema and changes nothing.
    before = (tmp_path / "old.sqlite").read_bytes()
    SQLiteStore(tmp_path / "old.sqlite", create=False).close()
    assert (tmp_path / "old.sqlite").read_bytes() == before


def test_edges_are_stored_by_integer_key(tmp_path: Path) -> None:
    """Edge rows hold the nodes' integer keys, and every key joins to the node it names."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    g = multi_input_join(store)
    store.close()
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        rows = db.execute(
            "SELECT s.id, e.type, t.id, typeof(e.source), typeof(e.target) FROM edges e "
            "JOIN nodes s ON s.pk = e.source JOIN nodes t ON t.pk = e.target"
        ).fetchall()
    assert {(s, ty, t) for s, ty, t, _, _ in rows} == {e.key for e in g.edges}
    assert {(a, b) for *_, a, b in rows} == {("integer", "integer")}


def test_rejected_write_leaves_no_keys_behind(tmp_path: Path) -> None:
    """A write refused for a dangling edge leaves nothing; the next write's keys join correctly."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    nodes, edges = transform("op", [art("in")], [art("out")])
    with pytest.raises(IntegrityError):
        store.write(nodes, [*edges, Edge(source=nodes[0].id, target=art("ghost").id, type="USED")])
    assert store.counts() == {}
    store.write(nodes, edges)
    got = store.traverse(art("out").id, Direction.UP)
    assert {e.key for e in got.edges} == {e.key for e in edges}


@pytest.mark.parametrize("field", ["name", "kind", "uri"])
def test_artifact_lookups_use_an_index(tmp_path: Path, field: str) -> None:
    """find_artifacts' filters are index searches (kind and uri indexes are partial)."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    a = art("a", uri="file:///a")
    store.write([a, art("b")], [])
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)  # the SQL it runs, values filled in
    found = store.find_artifacts(**{field: getattr(a, field)})
    store._db.set_trace_callback(None)
    assert sorted(x.name for x in found) == (["a", "b"] if field == "kind" else ["a"])
    (query,) = [q for q in statements if q.startswith("SELECT")]
    plan = store._db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
    assert any(f"USING INDEX nodes_{field} ({field}=?)" in row[-1] for row in plan), plan


# --- access: permission denied, read-only --------------------------------------------------------
def _store_with_one_artifact(directory: Path) -> str:
    t = Tracker(f"{directory}/")
    a = t.log_artifact(b"hello", name="hello")
    t.close()
    return a.id


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_unreadable_store_directory_says_permission_denied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file_modes_enforced: bool
) -> None:
    """A store directory of mode 0 (as root, simulated from the modes: ``file_modes_enforced``)."""
    store = tmp_path / "store"
    _store_with_one_artifact(store)
    store.chmod(0)
    try:
        line = _one_line_error(capsys, ["log", "head", "--store", f"{store}/"])
        assert line == f"error: permission denied: cannot read the provenance store at {store}"
        with pytest.raises(StorePermissionError, match="permission denied"):
            Tracker(f"{store}/")
    finally:
        store.chmod(stat.S_IRWXU)


def test_read_only_store_reads_and_refuses_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file_modes_enforced: bool
) -> None:
    """A read-only store file in a read-only directory (as root, simulated from the modes:
    ``file_modes_enforced``)."""
    store = tmp_path / "store"
    aid = _store_with_one_artifact(store)
    (store / "lineage.sqlite").chmod(0o444)
    store.chmod(0o555)
    try:
        assert main(["show", aid, "--store", f"{store}/", "--json"]) == 0
        assert '"name": "hello"' in capsys.readouterr().out
        t = Tracker(f"{store}/")  # opens for reading
        assert t.store.read_only and t.get(aid).name == "hello"  # type: ignore[union-attr]
        with pytest.raises(StoreReadOnlyError, match="it is read-only"):
            t.log_artifact(b"more", name="more")
        t.close()
    finally:
        store.chmod(stat.S_IRWXU)
        (store / "lineage.sqlite").chmod(0o644)


def test_permission_error_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a store directory without read permission does (simulated: root ignores modes)."""
    store = tmp_path / "store"
    _store_with_one_artifact(store)
    real_stat = Path.stat

    def denied(self: Path, **kw: Any) -> os.stat_result:
        if self.parent == store:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, **kw)

    monkeypatch.setattr(Path, "stat", denied)
    line = _one_line_error(capsys, ["ancestry", "abcd", "--store", f"{store}/"])
    assert line.startswith("error: permission denied: cannot read the provenance store at ")
    assert str(store) in line


def test_unreadable_file_and_sqlite_refusals_map_to_typed_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    _store_with_one_artifact(store)
    path = store / "lineage.sqlite"
    real_access = os.access
    monkeypatch.setattr(
        sqlite_module.os,
        "access",
        lambda p, mode: False if Path(p) == path and mode & os.R_OK else real_access(p, mode),
    )
    line = _one_line_error(capsys, ["log", "head", "--store", f"{store}/"])
    assert line == f"error: permission denied: cannot read the provenance store at {path}"
    monkeypatch.setattr(sqlite_module.os, "access", real_access)

    def refusing(code: int, text: str) -> Any:
        def _init(self: SQLiteStore, writable: bool) -> int:
            exc = sqlite3.OperationalError(text)
            exc.sqlite_errorcode = code  # type: ignore[attr-defined]
            raise exc

        return _init

    cases = [
        (sqlite3.SQLITE_READONLY, "attempt to write a readonly database", StoreReadOnlyError),
        (sqlite3.SQLITE_PERM, "access permission denied", StorePermissionError),
        (sqlite3.SQLITE_NOTADB, "file is not a database", StoreCorruptError),
    ]
    for code, text, error in cases:
        monkeypatch.setattr(SQLiteStore, "_init", refusing(code, text))
        with pytest.raises(error) as caught:
            SQLiteStore(path)
        assert "\n" not in str(caught.value) and str(path.parent) in str(caught.value)


def test_read_only_store_opens_for_reading_and_says_so_on_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store on a read-only file system (simulated: SQLite cannot open its shared-memory
    file there, the CANTOPEN it answers, so the store reopens it as immutable)."""
    store = tmp_path / "store"
    aid = _store_with_one_artifact(store)
    monkeypatch.setattr(sqlite_module, "_read_only_reason", lambda p: "read-only file system")
    real_init = SQLiteStore._init

    def cannot_open_shm(self: SQLiteStore, writable: bool) -> int:
        if not self._immutable:
            exc = sqlite3.OperationalError("unable to open database file")
            exc.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN  # type: ignore[attr-defined]
            raise exc
        return real_init(self, writable)

    monkeypatch.setattr(SQLiteStore, "_init", cannot_open_shm)
    assert main(["show", aid, "--store", f"{store}/", "--json"]) == 0
    assert '"name": "hello"' in capsys.readouterr().out
    t = Tracker(f"{store}/")
    assert t.store.read_only and t.store.read_only_reason == "read-only file system"  # type: ignore[attr-defined]
    with pytest.raises(StoreReadOnlyError) as caught:
        t.log_artifact(b"more", name="more")
    assert str(caught.value) == (
        f"cannot write to the store at {store / 'lineage.sqlite'}: it is read-only "
        "(read-only file system)"
    )
    t.close()
    reader = SQLiteStore(store / "lineage.sqlite", create=False)
    with pytest.raises(StoreReadOnlyError, match="opened for reading only"):
        reader.write([art("x")], [])
    reader.close()


def test_store_path_under_a_directory_that_cannot_be_searched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--store DIR`` (no trailing slash) where asking whether DIR is a directory is itself
    denied: one line naming the path, not an internal error (simulated)."""
    store = tmp_path / "locked" / "store"
    real_stat = Path.stat

    def denied(self: Path, **kw: Any) -> os.stat_result:
        if str(self).startswith(str(store)):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, **kw)

    monkeypatch.setattr(Path, "stat", denied)
    line = _one_line_error(capsys, ["log", "head", "--store", str(store)])
    assert line == f"error: permission denied: cannot read the provenance store at {store}"
