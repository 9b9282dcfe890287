"""The tamper-evident log on every backend: one entry per run, verify, and tampering caught.

Each tampering is done the way someone with access to the database would: raw SQL on the
SQLite file, raw Cypher on the Neo4j server, never through the library.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provenance.analysis.erasure import erase
from provenance.analysis.integrity import LogVerdict, verify_log
from provenance.cli.app import app
from provenance.model import Artifact, Edge
from provenance.store import LineageStore, SQLiteStore, open_store, parse_store_uri
from provenance.store.chain import LogEntry, entry_digest, iter_body
from provenance.store.sqlite import _node_row
from provenance.sync import sync
from tests.scenarios import art, transform

BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


# --- raw access: how tampering is done ------------------------------------------------------
class Raw:
    """Changes made behind the library's back."""

    def set_field(self, node_id: str, field: str, value: str) -> None:
        raise NotImplementedError

    def delete_edge(self, edge: Edge) -> None:
        raise NotImplementedError

    def insert_node(self, node: Artifact) -> None:
        raise NotImplementedError

    def set_body(self, seq: int, body: str | bytes) -> None:
        raise NotImplementedError

    def stored_body(self, seq: int) -> object:
        raise NotImplementedError

    def delete_entry(self, seq: int) -> None:
        raise NotImplementedError

    def replace_log(self, entries: list[LogEntry]) -> None:
        raise NotImplementedError

    def set_salt(self, node_id: str, salt: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class RawSQL(Raw):
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)

    def set_field(self, node_id: str, field: str, value: str) -> None:
        self.db.execute(
            "UPDATE nodes SET data = json_set(data, ?, ?) WHERE id = ?",
            (f"$.{field}", value, node_id),
        )

    def set_salt(self, node_id: str, salt: str) -> None:
        self.db.execute("UPDATE nodes SET salt = ? WHERE id = ?", (salt, node_id))

    def set_column(self, node_id: str, column: str, value: str) -> None:
        self.db.execute(f"UPDATE nodes SET {column} = ? WHERE id = ?", (value, node_id))

    def delete_edge(self, edge: Edge) -> None:
        self.db.execute(
            "DELETE FROM edges WHERE source = (SELECT pk FROM nodes WHERE id = ?) AND type = ? "
            "AND target = (SELECT pk FROM nodes WHERE id = ?)",
            (edge.source, edge.type, edge.target),
        )

    def insert_node(self, node: Artifact) -> None:
        self.db.execute(
            "INSERT INTO nodes(id, node_type, name, kind, operation, uri, status, created_at, "
            "data) VALUES (?,?,?,?,?,?,?,?,?)",
            _node_row(node),
        )

    def set_body(self, seq: int, body: str | bytes) -> None:
        self.db.execute("UPDATE log SET body = ? WHERE seq = ?", (body, seq))

    def stored_body(self, seq: int) -> object:
        return self.db.execute("SELECT body FROM log WHERE seq = ?", (seq,)).fetchone()[0]

    def delete_entry(self, seq: int) -> None:
        self.db.execute("DELETE FROM log WHERE seq = ?", (seq,))

    def replace_log(self, entries: list[LogEntry]) -> None:
        self.db.execute("DELETE FROM log")
        self.db.executemany(
            "INSERT INTO log(seq, digest, prev, at, nodes, edges, body, version) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [
                (e.seq, e.digest, e.prev, e.at.isoformat(), e.nodes, e.edges, e.body, e.version)
                for e in entries
            ],
        )

    def close(self) -> None:
        self.db.close()


class RawCypher(Raw):
    def __init__(self, server: Any) -> None:
        from neo4j import GraphDatabase

        self.driver = GraphDatabase.driver(server.uri, auth=server.auth)

    def run(self, query: str, **params: Any) -> None:
        self.driver.execute_query(query, **params)

    def set_field(self, node_id: str, field: str, value: str) -> None:
        self.run(
            f"MATCH (n) WHERE (n:Artifact OR n:Transform) AND n.id = $id SET n.{field} = $v",
            id=node_id,
            v=value,
        )

    def set_salt(self, node_id: str, salt: str) -> None:
        self.run("MATCH (n:Artifact {id: $id}) SET n.log_salt = $salt", id=node_id, salt=salt)

    def delete_edge(self, edge: Edge) -> None:
        self.run(
            f"MATCH (t:Transform {{id: $s}})-[r:{edge.type}]->(x) WHERE x.id = $t DELETE r",
            s=edge.source,
            t=edge.target,
        )

    def insert_node(self, node: Artifact) -> None:
        from provenance.store.neo4j import to_props

        self.run("CREATE (a:Artifact) SET a = $props", props=to_props(node))

    def set_body(self, seq: int, body: str | bytes) -> None:
        self.run("MATCH (l:LogEntry {seq: $seq}) SET l.body = $body", seq=seq, body=body)

    def stored_body(self, seq: int) -> object:
        records, _, _ = self.driver.execute_query(
            "MATCH (l:LogEntry {seq: $seq}) RETURN l.body AS body", seq=seq
        )
        return records[0]["body"]

    def delete_entry(self, seq: int) -> None:
        self.run("MATCH (l:LogEntry {seq: $seq}) DELETE l", seq=seq)

    def replace_log(self, entries: list[LogEntry]) -> None:
        self.run("MATCH (l:LogEntry) DELETE l")
        for e in entries:
            props = e.model_dump(mode="json", exclude_none=True)
            self.run("CREATE (l:LogEntry) SET l = $p", p=props)

    def close(self) -> None:
        self.driver.close()


@dataclass
class Backend:
    """A store of one backend, raw access to it, and how to open it again."""

    name: str
    store: LineageStore
    raw: Raw
    uri: str  # with credentials, for open_store and the CLI

    def reopen(self, **kw: Any) -> LineageStore:
        if self.name == "sqlite":
            return SQLiteStore(self.uri, **kw)
        from provenance.store.neo4j import Neo4jStore

        return Neo4jStore(parse_store_uri(self.uri), **kw)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty store of each backend (the parity suite's), with raw access."""
    if request.param == "sqlite":
        path = tmp_path / "lineage.sqlite"
        b = Backend("sqlite", SQLiteStore(path), RawSQL(path), str(path))
    else:
        request.getfixturevalue("neo4j_clean")
        server = request.getfixturevalue("neo4j_server")
        b = Backend("neo4j", open_store(server.store_uri), RawCypher(server), server.store_uri)
    yield b
    b.raw.close()
    b.store.close()


# --- the scenario: three runs ---------------------------------------------------------------
RAW = art("raw", uri="file:///data/raw.csv")
CLEAN, TRAIN, TEST, MODEL_OUT = art("clean"), art("train"), art("test"), art("fitted")
RUN1 = transform("clean", [RAW], [CLEAN])
RUN2 = transform("split", [CLEAN], [TRAIN, TEST])
RUN3 = transform("fit", [TRAIN], [MODEL_OUT])


def three_runs(store: LineageStore) -> None:
    for nodes, edges in (RUN1, RUN2, RUN3):
        store.write(nodes, edges)


def entries(store: LineageStore) -> list[LogEntry]:
    return [e for batch in store.iter_log() for e in batch]


def failed(verdict: LogVerdict) -> tuple[str, int | None]:
    assert not verdict.ok, verdict
    first = verdict.first_problem
    assert first is not None
    return first.kind, first.seq


# --- the chain ------------------------------------------------------------------------------
def test_one_entry_per_run_chained(backend: Backend) -> None:
    store = backend.store
    assert store.log_head() is None
    three_runs(store)
    log = entries(store)
    assert [e.seq for e in log] == [1, 2, 3]
    assert [e.prev for e in log] == [None, log[0].digest, log[1].digest]
    for e in log:
        assert entry_digest(e.seq, e.prev, e.at, e.nodes, e.edges, e.body) == e.digest
    # Entry 1 created the transform, its code version, raw and clean, and three edges.
    assert (log[0].nodes, log[0].edges) == (4, 3)
    # Entry 2 created the split transform and its two outputs (clean and the code version
    # existed: not re-recorded), and its four edges.
    assert (log[1].nodes, log[1].edges) == (3, 4)
    assert {line.key for line in iter_body(log[1].body) if line.kind == "N"} == {
        RUN2[0][0].id,
        TRAIN.id,
        TEST.id,
    }
    assert store.log_head() == log[-1]
    verdict = verify_log(store)
    assert verdict.ok, verdict.message
    assert (verdict.entries, verdict.elements) == (3, 9 + 10)
    assert verdict.head == log[-1].digest


def test_rewriting_a_run_appends_nothing(backend: Backend) -> None:
    store = backend.store
    three_runs(store)
    head = store.log_head()
    three_runs(store)  # idempotent: the graph does not change, nor does the log
    assert store.log_head() == head
    assert verify_log(store).ok


def test_edges_sent_twice_or_already_stored_are_logged_once(backend: Backend) -> None:
    """An edge repeated within one write, or stored by an earlier one, is one line of the
    entry that created it (the store keeps one edge)."""
    store = backend.store
    run1_nodes, run1_edges = RUN1
    store.write(run1_nodes, run1_edges)
    extra = art("extra")
    (t1,) = [n for n in run1_nodes if n.node_type == "Transform"]
    again = [*run1_edges, run1_edges[0], Edge(source=t1.id, target=extra.id, type="USED")]
    store.write([*run1_nodes, extra], again)  # stored edges again, and one new
    head = store.log_head()
    assert head is not None and (head.seq, head.nodes, head.edges) == (2, 1, 1)
    run2_nodes, run2_edges = RUN2
    store.write(run2_nodes, [*run2_edges, *run2_edges])  # a new run, each edge sent twice
    head = store.log_head()
    assert head is not None and (head.seq, head.nodes, head.edges) == (3, 3, 4)
    assert len({line.key for line in iter_body(head.body)}) == 7
    verdict = verify_log(store)
    assert verdict.ok, verdict.message
    assert verdict.elements == 7 + 2 + 7


def test_a_merge_is_an_entry_and_verifies(backend: Backend) -> None:
    store = backend.store
    three_runs(store)
    store.write([TRAIN.model_copy(update={"license": "CC-BY-4.0"})], [])
    head = store.log_head()
    assert head is not None and (head.seq, head.nodes, head.edges) == (4, 1, 0)
    (line,) = iter_body(head.body)
    assert line.key == TRAIN.id and line.old is not None and line.old != line.value
    assert verify_log(store).ok


def test_label_and_relationship_counts_leave_the_log_out(backend: Backend) -> None:
    store = backend.store
    three_runs(store)
    counts = store.counts()
    assert "LogEntry" not in counts
    assert sum(counts.get(t, 0) for t in ("Artifact", "Transform", "CodeVersion")) == 9
    ids = {n.id for batch in store.iter_nodes() for n in batch}
    assert len(ids) == 9


def test_pinned_head_stays_in_the_chain(backend: Backend) -> None:
    store = backend.store
    store.write(*RUN1)
    store.write(*RUN2)
    pin = store.log_head()
    assert pin is not None
    store.write(*RUN3)
    store.write([TEST.model_copy(update={"owner": "ml-team"})], [])
    verdict = verify_log(store, pinned=[pin.digest, pin.digest[:15]])
    assert verdict.ok, verdict.message
    assert verdict.pinned == {pin.digest: 2, pin.digest[:15]: 2}
    # A digest that is not in the chain fails the check, with a line saying so.
    bogus = "sha256:" + "0" * 64
    verdict = verify_log(store, pinned=[bogus])
    assert failed(verdict) == ("pinned-missing", None)
    assert verdict.message.startswith(f"pinned entry {bogus} is not in the chain")


# --- tampering ------------------------------------------------------------------------------
def test_edited_property_is_caught(backend: Backend) -> None:
    three_runs(backend.store)
    backend.raw.set_field(RAW.id, "owner", "mallory")
    verdict = verify_log(backend.store)
    assert failed(verdict) == ("changed", 1)
    assert verdict.problem_count == 1
    assert verdict.message.startswith("entry 1 (sha256:")
    assert f"node {RAW.id[7:19]} was changed outside the library (recorded by entry 1)" in (
        verdict.message
    )


def test_deleted_edge_is_caught(backend: Backend) -> None:
    three_runs(backend.store)
    used = next(e for e in RUN2[1] if e.type == "USED")
    backend.raw.delete_edge(used)
    verdict = verify_log(backend.store)
    assert failed(verdict) == ("deleted", 2)
    assert f"edge {used.source[7:19]} -USED-> {used.target[7:19]} was deleted" in verdict.message


def test_inserted_node_is_caught(backend: Backend) -> None:
    three_runs(backend.store)
    intruder = art("intruder")
    backend.raw.insert_node(intruder)
    verdict = verify_log(backend.store)
    assert failed(verdict) == ("inserted", None)
    assert verdict.message == (
        f"node {intruder.id[7:19]} was inserted outside the library (no entry covers it)"
    )


def test_edited_entry_is_caught(backend: Backend) -> None:
    store = backend.store
    three_runs(store)
    second = entries(store)[1]
    backend.raw.set_body(second.seq, second.body.replace('"out1"', '"out9"'))
    assert failed(verify_log(store)) == ("entry-edited", 2)


def test_stored_bodies_and_unreadable_ones(backend: Backend) -> None:
    """Both stores keep an entry's body as zlib bytes (smaller than the text) and read a
    text body too (as entries written before compression hold it); bytes that do not
    decompress, or decompress to other lines, are an edited entry."""
    import zlib

    store = backend.store
    three_runs(store)
    second = entries(store)[1]
    stored = backend.raw.stored_body(2)
    assert isinstance(stored, bytes | bytearray) and len(stored) < len(second.body.encode())
    assert zlib.decompress(bytes(stored)).decode() == second.body
    backend.raw.set_body(2, second.body)  # as text: read too
    assert verify_log(store).ok
    backend.raw.set_body(2, b"\x00not zlib")
    assert failed(verify_log(store)) == ("entry-edited", 2)
    other = second.body.replace('"out1"', '"out9"').encode()
    backend.raw.set_body(2, zlib.compress(other))
    assert failed(verify_log(store)) == ("entry-edited", 2)


def test_deleted_entry_is_caught(backend: Backend) -> None:
    three_runs(backend.store)
    backend.raw.delete_entry(2)
    verdict = verify_log(backend.store)
    assert failed(verdict) == ("entry-missing", 2)
    assert "entry 2 is missing from the log" in verdict.message


def test_rewritten_log_is_caught_by_the_pin(backend: Backend) -> None:
    """Someone with write access changes a node and recomputes the whole chain to match: the
    chain is consistent again, so only the pinned head shows the rewrite."""
    store = backend.store
    three_runs(store)
    pin = store.log_head()
    assert pin is not None
    backend.raw.set_field(RAW.id, "owner", "mallory")
    forged: list[LogEntry] = []
    for e in entries(store):
        body = e.body
        if e.seq == 1:
            (tampered,) = (
                s for page in store.iter_stored_elements() for s in page if s.key == RAW.id
            )
            lines = [
                f"N {RAW.id} {tampered.value}" if line.startswith(f"N {RAW.id} ") else line
                for line in body.split("\n")
            ]
            body = "\n".join(lines)
        prev = forged[-1].digest if forged else None
        digest = entry_digest(e.seq, prev, e.at, e.nodes, e.edges, body)
        forged.append(e.model_copy(update={"body": body, "prev": prev, "digest": digest}))
    backend.raw.replace_log(forged)
    assert verify_log(store).ok  # a consistent forgery...
    verdict = verify_log(store, pinned=[pin.digest])
    assert failed(verdict) == ("pinned-missing", None)  # ...that the pinned head exposes


def test_change_before_a_merge_names_the_earlier_entry(backend: Backend) -> None:
    """A later, legitimate write merges into a node changed outside the library: its entry
    records the digest it replaced, which is not what the earlier entry holds."""
    store = backend.store
    three_runs(store)
    backend.raw.set_field(RAW.id, "owner", "mallory")
    store.write([RAW.model_copy(update={"license": "CC-BY-4.0"})], [])
    verdict = verify_log(store)
    assert failed(verdict) == ("changed", 1)
    assert "changed outside the library before entry 4 merged into it" in verdict.message


def test_erasure_is_an_entry_and_verifies(backend: Backend) -> None:
    store = backend.store
    three_runs(store)
    record = erase(store, RAW.id, reason="GDPR art. 17 request #12")
    head = store.log_head()
    assert head is not None and head.seq == 4
    keys = {line.key for line in iter_body(head.body)}
    assert RAW.id in keys and record.transform_id in keys
    assert verify_log(store).ok
    # Erasing again writes nothing; restoring the erased uri behind the library's back is
    # caught at the erasure's entry.
    erase(store, RAW.id, reason="again")
    assert store.log_head() == head
    backend.raw.set_field(RAW.id, "uri", "file:///data/raw.csv")
    assert failed(verify_log(store)) == ("changed", 4)


def test_cascade_erasure_is_one_entry_and_edits_after_it_are_caught(backend: Backend) -> None:
    """A cascade erasure replaces every erased node in one write: one entry recording each
    new (scrubbed) record and the digest it replaced. The log still verifies; an edit of a
    scrubbed node, of its salt, or of the erasure's entry afterwards is caught, at it."""
    store = backend.store
    three_runs(store)
    record = erase(store, RAW.id, reason="GDPR art. 17 request #12", cascade=True)
    # the must-delete set of RAW: everything its data flows into (no model stops it here)
    erased = {RAW.id, CLEAN.id, TRAIN.id, TEST.id, MODEL_OUT.id}
    assert {r.artifact.id for r in record.records} == erased
    head = store.log_head()
    assert head is not None and (head.seq, head.version) == (4, 2)
    lines = list(iter_body(head.body))
    merged = {line.key for line in lines if line.kind == "N" and line.old is not None}
    assert merged == erased
    assert sum(1 for line in lines if line.kind == "E") == len(erased)  # INVALIDATED edges
    assert verify_log(store).ok
    # a value put back into a scrubbed record
    backend.raw.set_field(CLEAN.id, "owner", "mallory")
    verdict = verify_log(store)
    assert failed(verdict) == ("changed", 4)
    assert verdict.first_problem is not None and verdict.first_problem.key == CLEAN.id
    backend.raw.set_field(CLEAN.id, "owner", None)  # type: ignore[arg-type]
    assert verify_log(store).ok
    # a salt swapped: the record no longer hashes to what the erasure's entry holds
    backend.raw.set_salt(TEST.id, "00" * 16)
    assert failed(verify_log(store)) == ("changed", 4)


def test_sync_target_verifies(backend: Backend, tmp_path: Path) -> None:
    source = SQLiteStore(tmp_path / "source.sqlite")
    three_runs(source)
    sync(source, backend.store, batch_size=3)
    verdict = verify_log(backend.store)
    assert verdict.ok, verdict.message
    assert verdict.elements == 19


def test_concurrent_writers_keep_one_chain(backend: Backend) -> None:
    """Two store objects write at once: every entry lands, seqs contiguous, chain intact."""
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        store = backend.reopen()
        try:
            for i in range(8):
                store.write(*transform(f"op{k}", [art(f"in{k}.{i}")], [art(f"out{k}.{i}")]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    log = entries(backend.store)
    assert [e.seq for e in log] == list(range(1, 17))
    verdict = verify_log(backend.store)
    assert verdict.ok, verdict.message


# --- stores without a log -------------------------------------------------------------------
def test_writes_without_the_log_are_reported(backend: Backend) -> None:
    unlogged = backend.reopen(log=False)
    three_runs(unlogged)
    unlogged.close()
    assert backend.store.log_head() is None
    verdict = verify_log(backend.store)
    assert failed(verdict) == ("no-log", None)
    assert "19 elements but no log" in verdict.message


def test_graph_from_before_the_log_gets_genesis_entries(backend: Backend) -> None:
    """SQLite: the schema 2 -> 3 upgrade on open; Neo4j: the first write. Both cover the
    graph as found, then chain the write's own entry after them."""
    if backend.name == "sqlite":
        raw = backend.raw
        assert isinstance(raw, RawSQL)
        three_runs(backend.store)
        backend.store.close()
        raw.db.execute("DROP TABLE log")
        raw.db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        backend.store = backend.reopen(create=False)  # even a read-only open upgrades
        version = raw.db.execute("SELECT value FROM meta").fetchone()[0]
        assert version == "4"
    else:
        unlogged = backend.reopen(log=False)
        three_runs(unlogged)
        unlogged.close()
        backend.store.write(*transform("late", [TEST], [art("late")]))
    log = entries(backend.store)
    genesis = [line for e in log for line in iter_body(e.body)]
    assert {line.key for line in genesis} >= {RAW.id, TRAIN.id, MODEL_OUT.id}
    verdict = verify_log(backend.store)
    assert verdict.ok, verdict.message


# --- backend specifics ----------------------------------------------------------------------
def test_sqlite_index_column_edit_is_caught(tmp_path: Path) -> None:
    """The SQLite store looks artifacts up by indexed columns (name, uri…) beside the JSON
    it returns: a column changed alone is caught too."""
    path = tmp_path / "l.sqlite"
    store = SQLiteStore(path)
    three_runs(store)
    raw = RawSQL(path)
    raw.set_column(RAW.id, "uri", "file:///elsewhere.csv")
    verdict = verify_log(store)
    assert failed(verdict) == ("changed", 1)
    assert "its 'uri' column differs from its stored record" in verdict.message
    raw.close()


@pytest.mark.neo4j
def test_neo4j_extra_label_and_relationship_are_caught(neo4j_clean: Any) -> None:
    store = open_store(neo4j_clean.store_uri)
    three_runs(store)
    raw = RawCypher(neo4j_clean)
    raw.run("MATCH (a:Artifact {id: $id}) SET a:Gold", id=TRAIN.id)
    assert failed(verify_log(store)) == ("changed", 2)
    raw.run("MATCH (a:Artifact {id: $id}) REMOVE a:Gold", id=TRAIN.id)
    assert verify_log(store).ok
    raw.run(
        "MATCH (a:Artifact {id: $a}), (b:Artifact {id: $b}) CREATE (a)-[:DERIVED]->(b)",
        a=TRAIN.id,
        b=TEST.id,
    )
    verdict = verify_log(store)
    assert failed(verdict) == ("inserted", None)
    assert "-DERIVED->" in verdict.message
    raw.close()
    store.close()


@pytest.mark.neo4j
def test_neo4j_clear_removes_the_log(neo4j_clean: Any) -> None:
    store = open_store(neo4j_clean.store_uri)
    three_runs(store)
    assert store.log_head() is not None
    store.clear()  # type: ignore[attr-defined]
    assert store.log_head() is None
    store.close()


# --- the CLI --------------------------------------------------------------------------------
def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_verify_and_head(backend: Backend) -> None:
    three_runs(backend.store)
    head = backend.store.log_head()
    assert head is not None
    result = invoke("log", "head", "--store", backend.uri)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"entry 3 at {head.at.isoformat()}: 2 node(s), 3 edge(s) written",
        head.digest,
    ]
    shown = json.loads(invoke("log", "head", "--store", backend.uri, "--json").stdout)
    assert shown["seq"] == 3 and shown["digest"] == head.digest and "body" not in shown

    result = invoke("log", "verify", "--store", backend.uri, "--pin", head.digest)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"ok: 3 entries, 19 elements match the chain; head 3 {head.digest[:23]}…"
    )

    backend.raw.delete_edge(RUN3[1][0])
    result = invoke("log", "verify", "--store", backend.uri)
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: entry 3 (sha256:")
    assert "-RAN-> " in line and "was deleted outside the library (recorded by entry 3)" in line
    verdict = json.loads(invoke("log", "verify", "--store", backend.uri, "--json").stdout)
    assert verdict["ok"] is False and verdict["problems"][0]["seq"] == 3


def test_cli_head_of_an_empty_store(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "l.sqlite").close()
    result = invoke("log", "head", "--store", str(tmp_path / "l.sqlite"))
    assert (result.exit_code, result.stdout) == (0, "no log entries yet (nothing was written)\n")
    assert invoke("log", "head", "--store", str(tmp_path / "l.sqlite"), "--json").stdout == (
        "null\n"
    )


def test_cli_verify_shows_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    import provenance.cli.log as log_cli

    store = SQLiteStore(tmp_path / "l.sqlite")
    three_runs(store)
    store.close()
    screen = io.StringIO()
    monkeypatch.setattr(log_cli, "_BAR_FROM", 1)
    monkeypatch.setattr(
        log_cli, "err_console", lambda **_: Console(file=screen, force_terminal=True, width=100)
    )
    result = invoke("log", "verify", "--store", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 0, result.output
    assert "stored elements" in screen.getvalue() and "log entries" in screen.getvalue()


_WRITER = """
import sys
from provenance.store import open_store
from tests.scenarios import art, transform

store = open_store(sys.argv[1])
i = int(sys.argv[2])
print("ready", flush=True)
while True:
    i += 1
    store.write(*transform("crash", [art(f"in{i}")], [art(f"out{i}")], key=str(i)))
    print("wrote", flush=True)  # one run committed: the kill may now land anywhere
"""


def test_a_killed_writer_leaves_a_verifiable_chain(backend: Backend) -> None:
    """SIGKILL a process in the middle of writing runs, several times: every run that
    committed has its entry, no entry lacks its run, and the chain verifies."""
    import random
    import subprocess
    import sys
    import time

    rng = random.Random(7)
    repo = Path(__file__).resolve().parents[1]
    for k in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, backend.uri, str(k * 100_000)],
            cwd=repo,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        # After its first commit (a fresh process's first write to a loaded server can take
        # seconds), so every writer leaves at least one run and is killed mid-stream.
        assert proc.stdout.readline().strip() == "wrote"
        time.sleep(rng.uniform(0.2, 1.0))
        proc.kill()
        proc.wait(timeout=60)
    head = backend.store.log_head()
    runs = backend.store.find_transforms(operation="crash")
    assert head is not None and len(runs) >= 4
    assert head.seq == len(runs)  # one entry per committed run, nothing more
    verdict = verify_log(backend.store)
    assert verdict.ok, verdict.message


def test_pins_may_be_bare_hex_prefixes_and_must_be_long_enough(tmp_path: Path) -> None:
    from provenance.errors import AnalysisError

    store = SQLiteStore(tmp_path / "l.sqlite")
    three_runs(store)
    head = store.log_head()
    assert head is not None
    bare = head.digest.split(":")[1][:12].upper()
    assert verify_log(store, pinned=[bare]).pinned == {f"sha256:{bare.lower()}": 3}
    with pytest.raises(AnalysisError, match="at least 8 hex digits"):
        verify_log(store, pinned=["sha256:abcd"])
    result = CliRunner().invoke(app, ["log", "verify", "--store", store.uri, "--pin", "abc"])
    assert result.exit_code != 0


def test_entry_worker_runs_in_a_forked_child() -> None:
    """A store's log worker used in a forked child (which inherits the pool, not its thread)
    starts a thread of its own instead of waiting forever on the parent's."""
    import os

    from provenance.store.chain import EntryWorker

    worker = EntryWorker()
    assert worker.submit(sum, [1, 2]).result(timeout=10) == 3  # the parent's thread runs
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only when its work ran
        try:
            ok = worker.submit(sum, [3, 4]).result(timeout=10) == 7
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    worker.close()
    assert os.waitstatus_to_exitcode(status) == 0
