"""Hardening the parts that listen on a network: the HTTP service (``provenance serve``) and
the local Neo4j server (``provenance neo4j start``).

The service's body limit (413) and malformed bodies (400) are covered in test_service.py;
what is checked here: the API key is compared in constant time, the service binds 127.0.0.1
unless told otherwise, and the Neo4j server listens on 127.0.0.1 only (its neo4j.conf and
the sockets the live process holds), with auth on and its password in a 0600 file.
"""

from __future__ import annotations

import inspect
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.neo4j_server import ServerInfo
from provenance.neo4j_server.config import _conf_lines
from provenance.neo4j_server.password import _write_password


# --- the HTTP service -----------------------------------------------------------------------
def test_api_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check of the bearer token goes through hmac.compare_digest (time independent of
    where the first wrong byte is), whatever the key given."""
    import hmac

    from fastapi.testclient import TestClient

    from provenance.service import create_app

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", spy)  # what provenance.service.app calls
    app = create_app(tempfile.mkdtemp() + "/", api_key="s3cret-key")
    with TestClient(app) as client:
        for given, status in (("s3cret-kez", 401), ("", 401), ("s3cret-key", 404)):
            headers = {"Authorization": f"Bearer {given}"} if given else {}
            r = client.get("/api/v1/provenance/nodes/abcd", headers=headers)
            assert r.status_code == status, (given, r.json())
    assert calls == [(b"s3cret-kez", b"s3cret-key"), (b"", b"s3cret-key"), (b"s3cret-key",) * 2]


def test_serve_binds_loopback_unless_told_otherwise() -> None:
    from provenance.cli.service import bind, serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


# --- the local Neo4j server: configuration --------------------------------------------------
def _conf(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_neo4j_conf_listens_on_loopback_with_auth() -> None:
    conf = _conf(_conf_lines(Path("/h"), {"bolt_port": 7999, "http_port": 7998}))
    assert conf["server.default_listen_address"] == "127.0.0.1"
    listen = {k: v for k, v in conf.items() if k.endswith("listen_address")}
    assert listen == {
        "server.default_listen_address": "127.0.0.1",
        "server.bolt.listen_address": "127.0.0.1:7999",
        "server.http.listen_address": "127.0.0.1:7998",
    }
    assert conf["dbms.security.auth_enabled"] == "true"
    assert conf["server.https.enabled"] == "false"
    assert "0.0.0.0" not in "\n".join(conf.values())


def test_password_file_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        _write_password(tmp_path, "Secret1")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "password").stat().st_mode) == 0o600


# --- the live server ------------------------------------------------------------------------
def _listening(pid: int) -> Iterator[tuple[str, int]]:
    """(address, port) of every TCP socket process ``pid`` listens on (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                continue
            hex_addr, hex_port = fields[1].split(":")
            raw = bytes.fromhex(hex_addr)
            # /proc prints each 32-bit word in host (little-endian) order.
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
            yield socket.inet_ntop(family, words), int(hex_port, 16)


@pytest.mark.neo4j
def test_live_neo4j_listens_on_loopback_only(local_neo4j: ServerInfo) -> None:
    assert Path("/proc/self/net/tcp").exists(), "reads the listening sockets from Linux /proc"
    sockets = sorted(_listening(local_neo4j.pid))
    assert {port for _, port in sockets} == {local_neo4j.bolt_port, local_neo4j.http_port}
    for address, _ in sockets:
        assert address in ("127.0.0.1", "::ffff:127.0.0.1", "::1"), sockets


@pytest.mark.neo4j
def test_live_neo4j_requires_auth(local_neo4j: ServerInfo) -> None:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError

    for auth in (None, (local_neo4j.user, "wrong-password")):
        with (
            GraphDatabase.driver(local_neo4j.bolt_uri, auth=auth) as driver,
            pytest.raises(AuthError),
        ):
            driver.verify_connectivity()
    mode = stat.S_IMODE(local_neo4j.password_file.stat().st_mode)
    assert mode == 0o600
