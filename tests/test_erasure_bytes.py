"""Erasure erases: a value planted in a PII source leaves no byte behind, on both backends.

A unique value is planted in a categorical column and a free-text column of a PII source
DataFrame logged with feature statistics; two frames are derived from it through tracked
runs; ``provenance erase ID --cascade`` erases the three. Then the raw bytes of the store's
files (SQLite: the database, ``-wal`` and ``-shm``; Neo4j: every node and relationship
property, and the transaction logs of the session's server once its next checkpoint pruned
them), every export format, the HTML audit, ``show --json`` and the spool are searched for
the value: zero hits, and the tamper-evident log still verifies. Each search is first shown
to find the value before the erasure, so a zero afterwards means something.

On Neo4j the values are sealed (``provenance/store/seal.py``): no property holds them in the
clear, even before the erasure (what the library reads does), and the server's store files
may keep the sealed text in records the erasure freed. What must go is the key that opens
it: before the erasure each key's bytes are found in the server's store files (once a
checkpoint flushed them), after it they are found in no store file and no transaction log.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from provenance import Tracker
from provenance.analysis.integrity import verify_log
from provenance.cli.app import main
from provenance.model import Artifact
from provenance.spool import Spool, spool_dir
from provenance.store import LineageStore, open_store
from provenance.store.seal import seal

PLANTED = "zq7-planted-4b1d@example.org"
PLANTED_BYTES = PLANTED.encode()
BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]
#: How long the Neo4j server may take to checkpoint (every 15 s on the servers this project
#: provisions) and prune the transaction logs that held the value.
PRUNE_WAIT_S = 120.0


@dataclass
class Target:
    name: str
    uri: str  # with credentials, for Tracker, open_store and the CLI
    server: Any  # the Neo4j test server (uri, auth), None for SQLite
    path: Path | None  # the SQLite file


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "sqlite":
        path = tmp_path / "lineage.sqlite"
        return Target("sqlite", str(path), None, path)
    request.getfixturevalue("neo4j_clean")
    server = request.getfixturevalue("neo4j_server")
    return Target("neo4j", server.store_uri, server, None)


def users() -> pd.DataFrame:
    """Thirty users; every third has the planted value as its segment (a categorical) and in
    its bio (free text), so both are top values of their columns."""
    n = 30
    segment = [PLANTED if i % 3 == 0 else f"segment-{i % 4}" for i in range(n)]
    bio = [
        f"I fly kites, write to {PLANTED}" if i % 3 == 0 else f"user {i} likes long walks"
        for i in range(n)
    ]
    return pd.DataFrame(
        {
            "user_id": range(n),
            "segment": pd.Categorical(segment),
            "bio": bio,
            "age": [20 + i for i in range(n)],
        }
    )


@dataclass
class Pipeline:
    source: Artifact
    clean: Artifact
    features: Artifact
    events: Artifact  # unrelated, not derived from the source: keeps its values


def build(uri: str) -> Pipeline:
    """The PII source, two frames derived from it through tracked runs, and an unrelated
    frame (values of every column recorded: ``pii_values=True``)."""
    tracker = Tracker(uri, pii_values=True)
    try:
        frame = users()
        source = tracker.log_artifact(frame, name="users", contains_pii=True)
        events = tracker.log_artifact(
            pd.DataFrame({"kind": ["click", "view", "click"], "n": [1, 2, 3]}), name="events"
        )
        with tracker.run("clean", inputs=[source], params={"min_age": 21}) as run:
            kept = frame[frame["age"] >= 21].reset_index(drop=True)
            clean = run.output(kept, name="users_clean", kind="dataset")
        with tracker.run("features", inputs=[clean]) as run:
            feats = kept[["segment", "bio"]].assign(bio_length=kept["bio"].str.len())
            features = run.output(feats, name="user_features", kind="dataset")
    finally:
        tracker.close()
    return Pipeline(source, clean, features, events)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out + captured.err


def sqlite_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def hits(blob: bytes, needle: bytes = PLANTED_BYTES) -> int:
    return blob.count(needle)


def exports(target: Target, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    """Every export format, written by the CLI."""
    got = {}
    for fmt in ("json", "graphml", "openlineage", "prov-json", "prov-n", "prov-o"):
        path = out / f"export.{fmt}"
        cli(capsys, "export", "--format", fmt, "--out", str(path), "--store", target.uri)
        got[fmt] = path.read_bytes()
    return got


def neo4j_properties(target: Target) -> bytes:
    """Every property of every node and relationship the server holds (log entries, locks
    and all), as JSON bytes: read behind the library's back."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(target.server.uri, auth=target.server.auth) as driver:
        nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
        rels, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN properties(r) AS p")
    dump = [[r["l"], r["p"]] for r in nodes] + [r["p"] for r in rels]
    return json.dumps(dump, default=repr, ensure_ascii=False).encode()


def neo4j_seals(target: Target, ids: list[str]) -> dict[str, tuple[bytes | None, list[int]]]:
    """Per artifact id: its raw ``sealed_values`` property and the numbers of its key, read
    behind the library's back."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(target.server.uri, auth=target.server.auth) as driver:
        rows, _, _ = driver.execute_query(
            "UNWIND $ids AS id MATCH (a:Artifact {id: id}) OPTIONAL MATCH (k:SealKey {id: id}) "
            "RETURN id, a.sealed_values AS sealed, [n IN [k.k0, k.k1] WHERE n IS NOT NULL] AS key",
            ids=ids,
        )
    return {r["id"]: (r["sealed"], list(r["key"])) for r in rows}


def neo4j_store_files(target: Target) -> list[Path] | None:
    """The store files of the test server's database when it runs on this machine (None
    otherwise)."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(target.server.uri, auth=target.server.auth) as driver:
        rows, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name = 'server.directories.data' RETURN value"
        )
    root = Path(str(rows[0]["value"])) / "databases" / "neo4j" if rows else None
    if root is None or not root.is_dir():
        return None
    return [p for p in root.rglob("*") if p.is_file()]


def key_hits(files: list[Path], numbers: list[int]) -> dict[str, int]:
    """Per file, how many of the key numbers its bytes hold (as 8 bytes, either order)."""
    needles = [struct.pack(order, n) for n in numbers for order in (">q", "<q")]
    found = {}
    for f in files:
        try:
            blob = f.read_bytes()
        except FileNotFoundError:  # rotated away while listed
            continue
        found[f.name] = sum(blob.count(x) for x in needles)
    return {name: n for name, n in found.items() if n}


def present(files: list[Path], numbers: list[int]) -> set[int]:
    """The key numbers some file's bytes hold (as 8 bytes, either order)."""
    blobs = []
    for f in files:
        try:
            blobs.append(f.read_bytes())
        except FileNotFoundError:  # rotated away while listed
            continue
    return {
        n
        for n in numbers
        if any(struct.pack(order, n) in b for b in blobs for order in (">q", "<q"))
    }


def wait_for(check: Any, what: str) -> Any:
    """Poll ``check()`` until it returns a falsy value or :data:`PRUNE_WAIT_S` passed (the
    server checkpoints on its own schedule); the last value. ``what`` names the wait."""
    deadline = time.monotonic() + PRUNE_WAIT_S
    while (value := check()) and time.monotonic() < deadline:
        time.sleep(2)
    return value


def neo4j_tx_logs(target: Target) -> list[Path] | None:
    """The transaction log files of the test server's database, when the server runs on this
    machine and keeps none it has checkpointed (retention ``keep_none``, as the servers this
    project provisions are configured); None otherwise (a server configured elsewhere)."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(target.server.uri, auth=target.server.auth) as driver:
        rows, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
            names=[
                "server.directories.transaction.logs.root",
                "db.tx_log.rotation.retention_policy",
            ],
        )
    settings = {r["name"]: str(r["value"]) for r in rows}
    root = Path(settings.get("server.directories.transaction.logs.root", "/nonexistent"))
    if settings.get("db.tx_log.rotation.retention_policy") not in ("keep_none", "false"):
        return None
    if not root.is_dir():
        return None
    return [p for p in root.rglob("*") if p.is_file()]


def test_cascade_erasure_leaves_no_trace(
    target: Target,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every key the Neo4j store seals values under, per artifact (each write draws one): an
    # earlier write's key must not survive either, or the sealed text it left would open.
    drawn: dict[str, list[int]] = {}
    if target.server is not None:
        import provenance.store.neo4j as neo4j_store

        def recording_seal(props: dict[str, Any]) -> tuple[dict[str, Any], Any]:
            out, key = seal(props)
            if key is not None:
                drawn.setdefault(str(props["id"]), []).extend(key)
            return out, key

        monkeypatch.setattr(neo4j_store, "seal", recording_seal)
    p = build(target.uri)
    derived = [p.clean, p.features]
    erased = [p.source, *derived]
    before = tmp_path / "before"
    before.mkdir()

    # Before: the value is everywhere the issue found it.
    for a in erased:
        assert PLANTED in cli(capsys, "show", a.id, "--json", "--store", target.uri)
    exported = exports(target, before, capsys)
    assert hits(exported["json"]) and hits(exported["graphml"])  # the others carry no stats
    if target.path is not None:
        assert sum(hits(f.read_bytes()) for f in sqlite_files(target.path)) > 0
    else:
        # sealed: no property holds a value in the clear, every erased artifact a sealed text
        # and a key, whose bytes the server's store files hold once a checkpoint flushed them
        assert hits(neo4j_properties(target)) == 0
        seals = neo4j_seals(target, [a.id for a in erased])
        assert all(sealed and len(key) == 2 for sealed, key in seals.values()), seals
        keys = [n for a in erased for n in drawn[a.id]]
        # the keys stored are the last ones drawn
        assert all(seals[a.id][1] == drawn[a.id][-2:] for a in erased)
        store_files = neo4j_store_files(target)
        if store_files is not None:
            current = [n for a in erased for n in seals[a.id][1]]
            unflushed = wait_for(
                lambda: len(current) - len(present(neo4j_store_files(target) or [], current)),
                "the keys flushed to the store files",
            )
            assert unflushed == 0, f"{unflushed} of {len(current)} keys never reached a store file"
        # a run not yet sent, left in the spool by a process that ended: the source again
        spool = Spool(target.uri, spool_dir(target.uri))
        spool.append([p.source], [])
        spool.close()
        assert sum(hits(f.read_bytes()) for f in spool.directory.iterdir() if f.is_file())

    out = cli(
        capsys, "erase", p.source.id, "--cascade", "--reason", "GDPR art. 17 #9", "--store",
        target.uri,
    )  # fmt: skip
    assert "erased 3 artifacts" in out
    for a in erased:
        assert a.name is not None and a.name in out and a.id[7:19] in out

    store: LineageStore = open_store(target.uri)
    try:
        verdict = verify_log(store)
        assert verdict.ok, verdict.message
        for a in erased:
            node = store.get(a.id)
            assert isinstance(node, Artifact) and node.erased and node.uri is None
            assert node.erasure_reason == "GDPR art. 17 #9"
            assert node.feature_stats is not None  # skeleton and counts kept
            assert node.feature_stats["row_count"] == node.row_count
            segment = node.feature_stats["columns"]["segment"]
            assert segment["count"] > 0 and "top_values" not in segment
        assert store.counts()["INVALIDATED"] == 3
        kept = store.get(p.events.id)
        assert isinstance(kept, Artifact) and not kept.erased
        assert kept.feature_stats is not None
        assert kept.feature_stats["columns"]["kind"]["top_values"][0]["value"] == "click"
        records = b"".join(n.model_dump_json().encode() for b in store.iter_nodes() for n in b)
        assert hits(records) == 0
    finally:
        store.close()

    # After: nowhere. The store's files...
    if target.path is not None:
        files = sqlite_files(target.path)
        assert target.path in files
        found = {f.name: hits(f.read_bytes()) for f in files}
        assert sum(found.values()) == 0, found
    else:
        assert hits(neo4j_properties(target)) == 0
        assert all(s == (None, []) for s in neo4j_seals(target, [a.id for a in erased]).values())
        logs = neo4j_tx_logs(target)
        if logs is not None:  # pruned at the server's next checkpoint (every 15 s)
            found = wait_for(
                lambda: (
                    {f.name: hits(f.read_bytes()) for f in neo4j_tx_logs(target) or []}
                    | key_hits(neo4j_tx_logs(target) or [], keys)
                ),
                "the transaction logs pruned",
            )
            assert sum(found.values()) == 0, found
        if store_files is not None:  # overwritten in place, flushed at a checkpoint
            found = wait_for(
                lambda: key_hits(neo4j_store_files(target) or [], keys), "the keys overwritten"
            )
            assert not found, f"erased values' key bytes left in store files: {found}"
        spooled = {f.name: hits(f.read_bytes()) for f in spool.directory.iterdir()}
        assert sum(spooled.values()) == 0, spooled
    # ...every export, the HTML audit and show --json.
    after = tmp_path / "after"
    after.mkdir()
    found = {fmt: hits(blob) for fmt, blob in exports(target, after, capsys).items()}
    assert sum(found.values()) == 0, found
    html = after / "audit.html"
    cli(capsys, "audit", p.features.id, "--quick", "--out", str(html), "--store", target.uri)
    assert html.stat().st_size > 0 and hits(html.read_bytes()) == 0
    for a in erased:
        assert PLANTED not in cli(capsys, "show", a.id, "--json", "--store", target.uri)

    # Erasing again is a no-op.
    out = cli(capsys, "erase", p.source.id, "--cascade", "--reason", "again", "--store", target.uri)
    assert out.count("already erased") == 3 and "again" not in out
    store = open_store(target.uri)
    try:
        assert store.counts()["INVALIDATED"] == 3
        assert verify_log(store).ok
    finally:
        store.close()


def _salts(path: Path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return {i: (data, salt) for i, data, salt in db.execute("SELECT id, data, salt FROM nodes")}
    finally:
        db.close()


def test_erased_records_digests_confirm_no_guess(tmp_path: Path) -> None:
    """The log keeps the digests of the erased records, but salted with salts the erasure
    replaced and no file of the store holds any more: a guess of the erased values (the
    record as it was, which is all but the values known) cannot be checked against them."""
    path = tmp_path / "lineage.sqlite"
    p = build(str(path))
    old = _salts(path)
    store = open_store(str(path))
    try:
        from provenance.analysis.erasure import erase

        result = erase(store, p.source.id, reason="request", cascade=True)
        assert [r.artifact.id for r in result.records] == [p.source.id, p.clean.id, p.features.id]
        lines = [
            line.split(" ") for b in store.iter_log() for e in b for line in e.body.split("\n")
        ]
    finally:
        store.close()
    new = _salts(path)
    blob = b"".join(f.read_bytes() for f in sqlite_files(path))
    for a in (p.source, p.clean, p.features):
        record, salt = old[a.id]
        assert PLANTED in record  # the record the log once covered held the value
        # its digest in the log: salted (format 2) with the salt of that version...
        payload = b"provenance:log-element:v2\n" + salt.encode() + b"\n" + record.encode()
        digest = hashlib.sha256(payload).hexdigest()
        assert any(parts[0] == "N" and parts[1] == a.id and digest in parts for parts in lines)
        # ...which the erasure replaced, and which no byte of the store keeps
        assert new[a.id][1] != salt and salt.encode() not in blob
        assert re.fullmatch(r"[0-9a-f]{32}", new[a.id][1])


def test_erase_without_cascade_says_what_still_holds_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lineage.sqlite"
    p = build(str(path))
    out = cli(capsys, "erase", p.source.id[7:19], "--reason", "request 3", "--store", str(path))
    assert "erased 1 artifact" in out
    assert "2 derived artifacts still hold values derived from it" in out
    assert "users_clean" in out and "user_features" in out and "--cascade erases them" in out
    data = json.loads(
        cli(capsys, "erase", p.source.id, "--reason", "x", "--store", str(path), "--json")
    )
    assert data["already_erased"] is True and data["reason"] == "request 3"
    assert [d["name"] for d in data["still_derived"]] == ["users_clean", "user_features"]
    # the derived frames keep their values until they are erased too
    blob = b"".join(f.read_bytes() for f in sqlite_files(path))
    assert hits(blob) > 0
    out = cli(capsys, "erase", p.source.id, "--cascade", "--reason", "x", "--store", str(path))
    assert "erased 2 artifacts" in out and "already erased users" in out
    assert hits(b"".join(f.read_bytes() for f in sqlite_files(path))) == 0
