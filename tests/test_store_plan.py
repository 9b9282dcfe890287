"""The write planner (provenance.store.plan): what a write adds and the log lines that record
it, with expected values worked out by hand from the log format (provenance.store.chain);
then both backends against an independent oracle over seeded random write sequences."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance.errors import IntegrityError
from provenance.model import Artifact, Edge, Transform
from provenance.store import LineageStore, SQLiteStore
from provenance.store.chain import LogEntry, entry_digest, iter_body, unpack_body
from provenance.store.merge import merge_batch, merge_node
from provenance.store.neo4j import node_record, to_props
from provenance.store.plan import Found, NodeCodec, packed_entry, plan_write
from tests import test_parity

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
A = "blake3:" + "a" * 64
B = "blake3:" + "b" * 64
C = "blake3:" + "c" * 64
T = "blake3:" + "1" * 64


def unsalted(record: str) -> str:
    """A format 1 element digest (a node stored without a salt) worked out from the format:
    SHA-256 over the domain line and the record (chain.element_digest, re-derived, not called)."""
    return hashlib.sha256(b"provenance:log-element:v1\n" + record.encode()).hexdigest()


def digest(record: str, salt: str) -> str:
    """A format 2 element digest: SHA-256 over the domain line, the salt, a newline and the
    record."""
    return hashlib.sha256(f"provenance:log-element:v2\n{salt}\n{record}".encode()).hexdigest()


class SaltStream:
    """The deterministic salt source the tests install (provenance.store.chain.salt_source):
    byte k of the stream is ``k % 251``, so the n-th salt drawn (16 bytes, as hex) is known
    here without the library."""

    def __init__(self) -> None:
        self.drawn = 0

    def __call__(self, n: int) -> bytes:
        out = bytes((self.drawn + i) % 251 for i in range(n))
        self.drawn += n
        return out

    @staticmethod
    def salt(n: int) -> str:
        """The n-th salt (from 0) of a fresh stream."""
        return bytes((16 * n + i) % 251 for i in range(16)).hex()


@pytest.fixture(autouse=True)
def salts(monkeypatch: pytest.MonkeyPatch) -> SaltStream:
    stream = SaltStream()
    monkeypatch.setattr("provenance.store.chain.salt_source", stream)
    return stream


#: A codec whose records are short strings, so every expected digest is spelled out here.
RECORD = NodeCodec(
    encode=lambda n: f"{n.id[7:9]}|{getattr(n, 'uri', None)}|{getattr(n, 'status', None)}",
    record=lambda row: row,
    stored_record=lambda raw: raw,
)


def art(node_id: str, uri: str | None = None) -> Artifact:
    return Artifact(id=node_id, name=node_id[7:9], uri=uri, created_at=T0)


def run(status: str = "succeeded") -> Transform:
    return Transform(id=T, operation="clean", status=status)  # type: ignore[arg-type]


def used(target: str, role: str | None = None) -> Edge:
    return Edge(source=T, target=target, type="USED", role=role)


# --- the planner, by hand -------------------------------------------------------------------
def test_empty_write_plans_nothing() -> None:
    plan = plan_write({}, {}, [], RECORD)
    assert (plan.nodes, plan.created, plan.merged, list(plan.edges)) == ([], [], [], [])
    assert plan.lines() == ([], 0)


def test_created_nodes_and_edges_in_write_order() -> None:
    nodes = {T: run(), A: art(A), B: art(B, "file:///b")}
    edges = [used(A, "input"), used(B)]
    plan = plan_write(nodes, {}, edges, RECORD, set(), lambda e: e.key)
    assert [w.node.id for w in plan.created] == [T, A, B] and plan.merged == []
    assert [w.row for w in plan.nodes] == ["11|None|succeeded", "aa|None|None", "bb|file:///b|None"]
    lines, n_nodes = plan.lines()
    assert n_nodes == 3
    s0, s1, s2 = (SaltStream.salt(i) for i in range(3))
    assert [w.salt for w in plan.nodes] == [s0, s1, s2]
    assert lines == [
        f"N {T} {digest('11|None|succeeded', s0)}",
        f"N {A} {digest('aa|None|None', s1)}",
        f"N {B} {digest('bb|file:///b|None', s2)}",
        f'E {T} USED {A} "input"',
        f"E {T} USED {B} null",
    ]


def test_a_node_stored_as_written_is_left_out() -> None:
    found = {A: Found(art(A), "aa|stored")}
    plan = plan_write({A: art(A)}, found, [], RECORD)
    assert plan.nodes == [] and plan.lines() == ([], 0)


def test_a_merged_node_names_the_record_it_replaced() -> None:
    # the stored artifact has no uri; the write fills it: one update, its old digest from the
    # record as stored (the raw value), not from re-encoding the stored node, with the salt it
    # was stored with (this codec reads none: a node a format 1 writer stored)
    found = {A: Found(art(A), "aa|as-stored")}
    plan = plan_write({A: art(A, "file:///a")}, found, [], RECORD)
    assert plan.created == [] and [w.node.uri for w in plan.merged] == ["file:///a"]
    assert plan.merged[0].before == found[A]
    new = digest("aa|file:///a|None", SaltStream.salt(0))
    assert plan.lines() == ([f"N {A} {new} {unsalted('aa|as-stored')}"], 1)
    # a stored salt salts the replaced digest
    salted = NodeCodec(
        RECORD.encode, RECORD.record, lambda raw: raw[0], stored_salt=lambda raw: raw[1]
    )
    plan = plan_write({A: art(A, "file:///a")}, {A: Found(art(A), ("old", "5a" * 16))}, [], salted)
    new = digest("aa|file:///a|None", SaltStream.salt(1))
    assert plan.lines() == ([f"N {A} {new} {digest('old', '5a' * 16)}"], 1)


def test_replace_writes_the_node_as_given() -> None:
    # a merge keeps the stored uri (artifacts only fill empty fields); a replacement drops it
    stored = art(A, "file:///a")
    found = {A: Found(stored, "aa|file:///a|None")}
    assert plan_write({A: art(A)}, found, [], RECORD).nodes == []
    plan = plan_write({A: art(A)}, found, [], RECORD, replace=True)
    assert [w.node.uri for w in plan.merged] == [None] and plan.created == []
    new = digest("aa|None|None", SaltStream.salt(0))
    assert plan.lines() == ([f"N {A} {new} {unsalted('aa|file:///a|None')}"], 1)
    # replacing with the same node changes nothing; replacing with another type is refused
    assert plan_write({A: stored}, found, [], RECORD, replace=True).nodes == []
    with pytest.raises(IntegrityError, match="refusing to replace"):
        plan_write({A: Transform(id=A, operation="x")}, found, [], RECORD, replace=True)


def test_merged_nodes_order_write_order_or_last() -> None:
    nodes = {A: art(A, "file:///a"), B: art(B), C: art(C)}
    found = {A: Found(art(A), "old-a")}

    def expected(first: int) -> tuple[str, str, str]:  # salts drawn in write order: A, B, C
        sa, sb, sc = (SaltStream.salt(first + i) for i in range(3))
        return (
            f"N {A} {digest('aa|file:///a|None', sa)} {unsalted('old-a')}",
            f"N {B} {digest('bb|None|None', sb)}",
            f"N {C} {digest('cc|None|None', sc)}",
        )

    new_a, new_b, new_c = expected(0)
    assert plan_write(nodes, found, [], RECORD).node_lines() == [new_a, new_b, new_c]
    last = NodeCodec(RECORD.encode, RECORD.record, RECORD.stored_record, merges_last=True)
    new_a, new_b, new_c = expected(3)
    assert plan_write(nodes, found, [], last).node_lines() == [new_b, new_c, new_a]


def test_an_edge_sent_twice_logs_its_first() -> None:
    edges = [used(A, "first"), used(B), used(A, "second")]
    plan = plan_write({}, {}, edges, RECORD, set(), lambda e: e.key)
    assert plan.edge_lines() == [f'E {T} USED {A} "first"', f"E {T} USED {B} null"]
    # None vouches "nothing stored, no repeats" (a store that checks for repeats as it
    # inserts): every edge gets a line until the store says otherwise
    vouched = plan_write({}, {}, edges, RECORD, None, lambda e: e.key)
    assert len(vouched.edge_lines()) == 3
    assert vouched.with_stored_edges(set()).edge_lines() == plan.edge_lines()


def test_an_edge_already_stored_has_no_line() -> None:
    edges = [used(A), used(B)]
    plan = plan_write({}, {}, edges, RECORD, {(T, "USED", A)}, lambda e: e.key)
    assert plan.lines() == ([f"E {T} USED {B} null"], 0)
    assert list(plan.edges) == edges  # the store inserts every edge, keeping stored ones


def test_packed_entry_from_the_lines() -> None:
    lines = [f"N {A} {unsalted('x')}", f"E {T} USED {A} null"]
    entry, body = packed_entry((7, "sha256:prev"), lines, 1)
    assert (entry.seq, entry.prev, entry.nodes, entry.edges) == (8, "sha256:prev", 1, 1)
    assert unpack_body(body) == entry.body == "\n".join(lines)
    assert entry.digest == entry_digest(8, "sha256:prev", entry.at, 1, 1, entry.body)


# --- both backends against an oracle --------------------------------------------------------
def _sqlite_record(node: Any) -> str:
    return str(node.model_dump_json())


def _neo4j_record(node: Any) -> str:
    labels = ["Artifact", "Model"] if node.node_type == "Model" else [node.node_type]
    return node_record(labels, to_props(node))


class Oracle:
    """What a store holds after each write, and the body its next entry must have: worked out
    from the merge rules and the log format, without the planner."""

    def __init__(self, record: Any, merges_last: bool) -> None:
        self.nodes: dict[str, Any] = {}
        self.salts: dict[str, str] = {}  # each node's salt: drawn in write order per write
        self.drawn = 0
        self.edges: set[tuple[str, str, str]] = set()
        self.record, self.merges_last = record, merges_last

    def next_salt(self) -> str:
        self.drawn += 1
        return SaltStream.salt(self.drawn - 1)


def _role(role: str | None) -> str:
    return "null" if role is None else f'"{role}"'


def _random_writes(seed: int, n_writes: int = 12) -> Iterator[tuple[list[Any], list[Edge]]]:
    """Writes over a small pool of ids, so nodes get re-sent, merged and left unchanged, and
    edges get repeated within a write and re-sent after they are stored."""
    rng = random.Random(seed)
    arts = ["blake3:" + f"{i:x}" * 64 for i in range(10, 16)]
    runs = ["blake3:" + f"{i}" * 64 for i in range(1, 5)]
    known: set[str] = set()
    for _ in range(n_writes):
        nodes: list[Any] = []
        for a in rng.sample(arts, rng.randint(0, 4)):
            uri = rng.choice([None, None, f"file:///{a[7:9]}"])
            nodes.append(Artifact(id=a, name=a[7:9], uri=uri, created_at=T0))
        for t in rng.sample(runs, rng.randint(0, 2)):
            status = rng.choice(["running", "failed", "succeeded"])
            metrics = rng.choice([{}, {"acc": 0.5}, {"f1": 0.25}])
            nodes.append(Transform(id=t, operation="op", status=status, metrics=metrics))
        if nodes and rng.random() < 0.3:
            nodes.append(rng.choice(nodes))  # an id twice in one write
        here = known | {n.id for n in nodes}
        sources = [t for t in runs if t in here]
        targets = [a for a in arts if a in here]
        edges: list[Edge] = []
        for _ in range(rng.randint(0, 6) if sources and targets else 0):
            edges.append(
                Edge(
                    source=rng.choice(sources),
                    target=rng.choice(targets),
                    type=rng.choice(["USED", "PRODUCED"]),
                    role=rng.choice([None, "input", "weights"]),
                )
            )
        if edges and rng.random() < 0.4:
            edges.append(edges[0].model_copy(update={"role": "again"}))  # repeated, new role
        known = here
        yield nodes, edges


def _expected_lines(oracle: Oracle, nodes: list[Any], edges: list[Edge]) -> list[str]:
    """The oracle's body lines, node lines in the backend's order."""
    by_id = merge_batch(nodes)
    node_lines: list[tuple[bool, str]] = []  # (merged?, line) in write order
    for node_id, node in by_id.items():
        old = oracle.nodes.get(node_id)
        new = merge_node(old, node)
        if old is not None and new == old:
            continue
        old_salt, salt = oracle.salts.get(node_id), oracle.next_salt()
        if old is None:
            node_lines.append((False, f"N {node_id} {digest(oracle.record(new), salt)}"))
        else:
            assert old_salt is not None
            old_digest = digest(oracle.record(old), old_salt)
            line = f"N {node_id} {digest(oracle.record(new), salt)} {old_digest}"
            node_lines.append((True, line))
        oracle.nodes[node_id], oracle.salts[node_id] = new, salt
    if oracle.merges_last:
        node_lines.sort(key=lambda x: x[0])  # stable: created, then merged, each in order
    lines = [line for _, line in node_lines]
    for e in edges:
        if e.key not in oracle.edges:
            oracle.edges.add(e.key)
            lines.append(f"E {e.source} {e.type} {e.target} {_role(e.role)}")
    return lines


def _entries(s: LineageStore) -> list[LogEntry]:
    return [e for batch in s.iter_log() for e in batch]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_writes_log_what_the_oracle_says(store: LineageStore, seed: int) -> None:
    sqlite = isinstance(store, SQLiteStore)
    oracle = Oracle(_sqlite_record if sqlite else _neo4j_record, merges_last=sqlite)
    expected: list[list[str]] = []
    for nodes, edges in _random_writes(seed):
        lines = _expected_lines(oracle, nodes, edges)
        store.write(nodes, edges)
        if lines:
            expected.append(lines)
    entries = _entries(store)
    assert [e.body.split("\n") for e in entries] == expected
    prev = None
    for n, e in enumerate(entries, 1):
        lines = e.body.split("\n")
        n_nodes = sum(1 for line in lines if line.startswith("N "))
        assert (e.seq, e.prev, e.nodes, e.edges) == (n, prev, n_nodes, len(lines) - n_nodes)
        assert e.version == 2
        assert e.digest == entry_digest(e.seq, e.prev, e.at, e.nodes, e.edges, e.body, 2)
        prev = e.digest


def _shape(entry: LogEntry) -> list[tuple[str, Any, bool]]:
    """An entry's lines without the digests (which differ by backend: each digests its own
    records), created nodes first: what both backends must agree on."""
    parsed = [(x.kind, x.key, x.old is not None) for x in iter_body(entry.body)]
    return sorted(parsed, key=lambda x: (x[0] == "E", x[2])) if parsed else []


@pytest.mark.neo4j
@pytest.mark.parametrize("seed", [4, 5])
def test_both_backends_log_the_same_elements(
    tmp_path: Path, neo4j_clean: Any, neo4j_server: Any, seed: int
) -> None:
    from provenance.store import open_store

    stores = [SQLiteStore(tmp_path / "lineage.sqlite"), open_store(neo4j_server.store_uri)]
    try:
        for nodes, edges in _random_writes(seed):
            for s in stores:
                s.write(nodes, edges)
        sqlite_log, neo4j_log = (_entries(s) for s in stores)
    finally:
        for s in stores:
            s.close()
    assert [(e.seq, e.nodes, e.edges) for e in sqlite_log] == [
        (e.seq, e.nodes, e.edges) for e in neo4j_log
    ]
    assert [_shape(e) for e in sqlite_log] == [_shape(e) for e in neo4j_log]
    edge_lines = [[x for x in e.body.split("\n") if x.startswith("E ")] for e in sqlite_log]
    assert edge_lines == [[x for x in e.body.split("\n") if x.startswith("E ")] for e in neo4j_log]
