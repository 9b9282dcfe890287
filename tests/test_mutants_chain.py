"""Tests that kill surviving mutants of ``provenance.store.chain`` (issue 21, mutation
testing; tests/README.md): the log's line formats, digests and chaining, checked against the
recipe in the module docs with ``hashlib`` directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from provenance.model import Edge
from provenance.store import chain
from provenance.store.chain import (
    Stored,
    edge_line,
    edge_props_value,
    element_digest,
    element_label,
    entry_digest,
    genesis_entries,
    iter_body,
    new_edge_lines,
    next_entry,
    node_line,
    pack_body,
    removal_line,
    role_value,
    unpack_body,
)

AT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
A = "blake3:" + "a" * 64
T = "blake3:" + "1" * 64


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_element_and_entry_digests_follow_the_recipe() -> None:
    assert element_digest('{"id":1}') == sha('provenance:log-element:v1\n{"id":1}')
    salt = "0f" * 16
    assert element_digest('{"id":1}', salt) == sha(f'provenance:log-element:v2\n{salt}\n{{"id":1}}')
    body = f"N {A} d1\nE {T} USED {A} null"
    header = f"seq 3\nprev sha256:ab\nat {AT.isoformat()}\nnodes 1\nedges 1\n\n"
    for version in (1, 2):
        expected = "sha256:" + sha(f"provenance:log-entry:v{version}\n" + header + body)
        assert entry_digest(3, "sha256:ab", AT, 1, 1, body, version) == expected
        # No previous entry is written "-".
        no_prev = header.replace("sha256:ab", "-")
        first = "sha256:" + sha(f"provenance:log-entry:v{version}\n" + no_prev)
        assert entry_digest(3, None, AT, 1, 1, "", version) == first
    # the default is the format new entries are written with; an unknown one is refused
    assert entry_digest(3, None, AT, 1, 1, "") == first
    with pytest.raises(ValueError, match="log format 3"):
        entry_digest(3, None, AT, 1, 1, "", 3)


def test_next_entry_chains_and_counts() -> None:
    first = next_entry(None, [node_line(A, "d1")], nodes=1, edges=0, at=AT)
    assert (first.seq, first.prev, first.nodes, first.edges) == (1, None, 1, 0)
    assert first.body == f"N {A} d1"
    assert first.version == 2
    assert first.digest == entry_digest(1, None, AT, 1, 0, f"N {A} d1", 2)
    lines = [node_line(A, "d2", "d1"), edge_line(T, "USED", A, "null")]
    second = next_entry(first, lines, nodes=1, edges=1, at=AT)
    assert (second.seq, second.prev, second.body) == (
        2,
        first.digest,
        f"N {A} d2 d1\nE {T} USED {A} null",
    )
    third = next_entry(second.ref, [], nodes=0, edges=0, at=AT)
    assert (third.seq, third.prev, third.body) == (3, second.digest, "")
    assert third.summary() == {
        "seq": 3,
        "digest": third.digest,
        "prev": second.digest,
        "at": "2026-01-02T03:04:05Z",
        "version": 2,
        "nodes": 0,
        "edges": 0,
    }


def test_line_formats_and_values() -> None:
    assert node_line(A, "d") == f"N {A} d"
    assert node_line(A, "d", "o") == f"N {A} d o"
    assert edge_line(T, "USED", A, '"in"') == f'E {T} USED {A} "in"'
    assert role_value(None) == "null"
    assert role_value("é input") == '"é input"'  # not ASCII-escaped
    assert edge_props_value({}) == "null"
    assert edge_props_value({"role": None}) == "null"
    assert edge_props_value({"role": "in"}) == '"in"'
    assert edge_props_value({"role": 3}) == '{"role":3}'
    assert edge_props_value({"w": 2, "role": "é"}) == '{"role":"é","w":2}'
    # A property JSON cannot encode is written as its repr.
    when = dt.date(2026, 1, 2)
    assert edge_props_value({"at": when}) == '{"at":"datetime.date(2026, 1, 2)"}'


def test_new_edge_lines_skip_stored_and_repeated_edges() -> None:
    e1 = Edge(source=T, target=A, type="USED", role="in")
    e2 = Edge(source=T, target=A, type="PRODUCED")
    line1, line2 = f'E {T} USED {A} "in"', f"E {T} PRODUCED {A} null"
    assert new_edge_lines([e1, e2, e1]) == [line1, line2, line1]
    stored = {e2.key}
    assert new_edge_lines([e1, e2, e1], stored, lambda e: e.key) == [line1]
    assert stored == {e2.key}  # not changed


def test_iter_body_parses_and_rejects() -> None:
    body = f'N {A} d1\nN {A} d2 d1\nE {T} USED {A} "in put"'
    assert [tuple(x) for x in iter_body(body)] == [
        ("N", A, "d1", None),
        ("N", A, "d2", "d1"),
        ("E", (T, "USED", A), '"in put"', None),
    ]
    assert list(iter_body("")) == []
    for bad in (f"N {A}", f"N {A} a b c", f"E {T} USED {A}", "X y", f"n {A} d"):
        with pytest.raises(ValueError, match=r"^not a log line: "):
            list(iter_body(bad))
    with pytest.raises(ValueError, match=r"^not a log line: 'xxxxx"):
        list(iter_body("x" * 200))
    try:
        list(iter_body("x" * 200))
    except ValueError as exc:
        assert str(exc) == f"not a log line: {'x' * 80!r}"


def test_genesis_entries_chunk_and_chain() -> None:
    found = [
        Stored(A, "d1"),
        Stored((T, "USED", A), "null"),
        Stored(T, "d2"),
    ]
    entries = list(genesis_entries(None, found, chunk=2))
    assert [(e.seq, e.nodes, e.edges, e.body) for e in entries] == [
        (1, 1, 1, f"N {A} d1\nE {T} USED {A} null"),
        (2, 1, 0, f"N {T} d2"),
    ]
    assert entries[1].prev == entries[0].digest
    assert entries[0].at == entries[1].at
    one = list(genesis_entries((7, "sha256:x"), found))
    assert [(e.seq, e.prev, e.nodes, e.edges) for e in one] == [(8, "sha256:x", 2, 1)]
    assert list(genesis_entries(None, [])) == []


def test_bodies_pack_and_unpack() -> None:
    packed = pack_body("N a b")
    assert zlib.decompress(packed) == b"N a b"
    assert packed == zlib.compress(b"N a b", 1)
    assert unpack_body(packed) == "N a b"
    assert unpack_body(bytearray(packed)) == "N a b"
    assert unpack_body("text") == "text" and unpack_body(None) == ""
    assert unpack_body(b"junk").startswith("! unreadable body: ")
    assert unpack_body(zlib.compress(b"\xff\xfe")).startswith("! unreadable body: ")


def test_element_labels() -> None:
    assert element_label(A) == "node aaaaaaaaaaaa"
    assert element_label((T, "USED", A)) == "edge 111111111111 -USED-> aaaaaaaaaaaa"
    assert element_label("") == "node (no id)"
    assert element_label(("", "USED", "")) == "edge (no id) -USED-> (no id)"


def test_lines_split_on_single_spaces_only() -> None:
    for bad in (f"N {A}\td1", f"E {T}\tUSED {A} null", f"D {T}\tUSED {A}"):
        with pytest.raises(ValueError, match=r"^not a log line: "):
            list(iter_body(bad))


def test_removal_lines_are_written_and_parsed() -> None:
    # module docs: "D <node id>" for a removed node, "D <source> <TYPE> <target>" for an edge
    assert removal_line(A) == f"D {A}"
    assert removal_line((T, "USED", A)) == f"D {T} USED {A}"
    body = f"N {A} d1\nD {A}\nE {T} USED {A} null\nD {T} USED {A}\nN {T} d2"
    assert [tuple(x) for x in iter_body(body)] == [
        ("N", A, "d1", None),
        ("D", A, "", None),
        ("E", (T, "USED", A), "null", None),
        ("D", (T, "USED", A), "", None),
        ("N", T, "d2", None),
    ]
    for bad in ("D", f"D {A} x", f"D {T} USED {A} null", f"d {A}", f"D  {A}"):
        with pytest.raises(ValueError, match=r"^not a log line: "):
            list(iter_body(bad))


def test_new_edge_lines_without_a_key_keeps_every_edge() -> None:
    e = Edge(source=T, target=A, type="USED")
    line = f"E {T} USED {A} null"
    assert new_edge_lines([e, e], set(), None) == [line, line]
    assert new_edge_lines([e, e], None, lambda x: x.key) == [line, line]


def test_genesis_entries_count_every_line_and_chain_every_chunk_after_the_head() -> None:
    # A store that already has entries up to seq 7 and holds a graph the log does not
    # cover: its genesis entries continue the chain, each chunk after the one before.
    found = [
        Stored((T, "USED", A), "null"),
        Stored((T, "PRODUCED", A), '"out"'),
        Stored(A, "d1"),
        Stored(T, "d2"),
        Stored(A, "d3"),
    ]
    entries = list(genesis_entries((7, "sha256:x"), found, chunk=2))
    assert [(e.seq, e.nodes, e.edges) for e in entries] == [(8, 0, 2), (9, 2, 0), (10, 1, 0)]
    assert [e.prev for e in entries] == ["sha256:x", entries[0].digest, entries[1].digest]
    body = f'E {T} USED {A} null\nE {T} PRODUCED {A} "out"'
    header = f"seq 8\nprev sha256:x\nat {entries[0].at.isoformat()}\nnodes 0\nedges 2\n\n"
    assert entries[0].body == body
    assert entries[0].digest == "sha256:" + sha("provenance:log-entry:v2\n" + header + body)


def test_new_salts_split_one_draw_into_salts_of_salt_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # salt_source is the documented hook for a deterministic source; each salt is SALT_BYTES
    # (16) bytes of one draw, as 32 hex digits, in order
    draws: list[int] = []

    def counting(n: int) -> bytes:
        draws.append(n)
        return bytes(range(n))

    monkeypatch.setattr(chain, "salt_source", counting)
    assert chain.new_salts(3) == [bytes(range(i, i + 16)).hex() for i in (0, 16, 32)]
    assert chain.new_salts(3)[1] == "101112131415161718191a1b1c1d1e1f"
    assert draws == [48, 48]
    assert chain.new_salts(0) == [] and chain.new_salts(-1) == [] and draws == [48, 48]


def test_an_unknown_log_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError) as err:
        entry_digest(1, None, AT, 0, 0, "", 3)
    assert str(err.value) == "log format 3 is not one this provenance knows (1, 2)"


AT_EXIT = """
import atexit
from provenance.store.chain import EntryWorker

worker = EntryWorker()
worker.submit(sum, [0]).result()  # its thread exists, as in a store that wrote before


def boom():
    raise ValueError("boom")


def flush():  # a spool flushed at exit: no thread takes new work any more
    print(worker.submit(sum, [1, 2]).result())
    print(repr(worker.submit(boom).exception()))


atexit.register(flush)
"""


def test_entry_worker_at_interpreter_exit_runs_the_work_in_the_caller() -> None:
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", AT_EXIT],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=True,
        timeout=120,
    )
    assert out.stdout.splitlines() == ["3", "ValueError('boom')"], out.stderr
