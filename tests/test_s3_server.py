"""The local S3-compatible server (provenance.s3_server) and its CLI, against a real s3proxy.

The ``s3``-marked tests use the session's own server (fixture ``s3_server`` in
tests/conftest.py, started once and stopped at the session's end) through s3fs, the client
library of the ``remote`` extra; ``test_stop_start_keeps_data`` runs a second, throwaway server
in a home of its own. Expected values are computed here independently: object bytes, sorted
key lists, and the multipart ETag (MD5 of the parts' MD5s, ``-<parts>``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provenance import s3_server as local_s3
from provenance.cli.app import app
from provenance.errors import S3ServerError
from provenance.s3_server import ServerInfo
from tests.conftest import S3TestServer, new_s3_home

s3fs = pytest.importorskip("s3fs")  # the dev extra installs it; a skip fails CI

MiB = 2**20


def _fs(server: S3TestServer, **overrides: str) -> Any:
    """A fresh s3fs client for ``server`` (no instance cache, no listings cache)."""
    options = {**server.storage_options(), **overrides}
    return s3fs.S3FileSystem(**options, skip_instance_cache=True, use_listings_cache=False)


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["s3", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 held by a listening socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


# --- no server needed ----------------------------------------------------------------------
def test_server_info_endpoint_env_and_options() -> None:
    info = ServerInfo(port=9123, access_key="AKX", secret_key="s3cr3t", pid=1, home=Path("/h"))
    assert info.endpoint_url == "http://127.0.0.1:9123"
    assert info.env() == {
        "AWS_ACCESS_KEY_ID": "AKX",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9123",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    assert info.storage_options() == {
        "key": "AKX",
        "secret": "s3cr3t",
        "endpoint_url": "http://127.0.0.1:9123",
    }
    assert "s3cr3t" not in repr(info)
    assert info.credentials_file == Path("/h/credentials")


def test_status_and_stop_of_a_home_that_never_ran(tmp_path: Path) -> None:
    assert local_s3.status(tmp_path / "nothing") is None
    assert local_s3.stop(tmp_path / "nothing") is False
    code, out, _ = _cli("status", "--home", str(tmp_path / "nothing"), "--json")
    assert code == 0
    assert json.loads(out) == {"running": False, "home": str(tmp_path / "nothing")}


def test_missing_java_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(S3ServerError, match="Java not found"):
        local_s3.start(tmp_path / "home", java=str(tmp_path / "no-such-java"))


def test_cli_busy_port_is_one_line_exit_1(tmp_path: Path, busy_port: int) -> None:
    code, out, err = _cli("start", "--home", str(tmp_path / "home"), "--port", str(busy_port))
    assert code == 1
    assert err.strip() == f"error: port {busy_port} on 127.0.0.1 is in use by another program"
    assert "Traceback" not in out + err


def test_cli_env_of_a_stopped_server_is_an_error(tmp_path: Path) -> None:
    code, out, err = _cli("status", "--home", str(tmp_path), "--env")
    assert (code, out) == (1, "")
    assert err.strip() == f"error: s3proxy is not running (home: {tmp_path})"


# --- against the session's server ----------------------------------------------------------
@pytest.mark.s3
def test_put_get_list_delete(s3_server: S3TestServer, s3_bucket: str) -> None:
    fs = _fs(s3_server)
    objects = {"b.txt": b"bee\n", "a.txt": b"", "dir/c.bin": bytes(range(256)) * 3}
    for key, data in objects.items():
        fs.pipe(f"{s3_bucket}/{key}", data)
    assert fs.find(s3_bucket) == [f"{s3_bucket}/{k}" for k in ("a.txt", "b.txt", "dir/c.bin")]
    assert fs.ls(f"{s3_bucket}/dir", detail=False) == [f"{s3_bucket}/dir/c.bin"]
    for key, data in objects.items():
        assert fs.cat(f"{s3_bucket}/{key}") == data
        assert fs.info(f"{s3_bucket}/{key}")["size"] == len(data)
    # the filesystem backend keeps each object as a plain file under <home>/data/<bucket>/
    assert (s3_server.home / "data" / s3_bucket / "dir" / "c.bin").read_bytes() == objects[
        "dir/c.bin"
    ]
    fs.rm(f"{s3_bucket}/b.txt")
    assert fs.find(s3_bucket) == [f"{s3_bucket}/a.txt", f"{s3_bucket}/dir/c.bin"]
    with pytest.raises(FileNotFoundError):
        fs.cat(f"{s3_bucket}/b.txt")
    assert not (s3_server.home / "data" / s3_bucket / "b.txt").exists()


@pytest.mark.s3
def test_each_test_gets_a_new_empty_bucket(s3_server: S3TestServer, s3_bucket: str) -> None:
    fs = _fs(s3_server)
    assert fs.find(s3_bucket) == []
    assert s3_bucket in fs.ls("", detail=False)


@pytest.mark.s3
def test_multipart_upload_of_20_mib(
    s3_server: S3TestServer, s3_bucket: str, tmp_path: Path
) -> None:
    data = os.urandom(20 * MiB)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    fs = _fs(s3_server)
    fs.put_file(str(src), f"{s3_bucket}/big.bin", chunksize=5 * MiB)
    # S3's multipart ETag: MD5 over the concatenated MD5s of the parts, then "-<parts>"; four
    # 5 MiB parts prove the upload went through CreateMultipartUpload/UploadPart/Complete.
    parts = [hashlib.md5(data[i : i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB)]
    expected = hashlib.md5(b"".join(parts)).hexdigest() + "-4"
    info = fs.info(f"{s3_bucket}/big.bin")
    assert info["ETag"].strip('"') == expected
    assert info["size"] == 20 * MiB
    assert fs.cat(f"{s3_bucket}/big.bin") == data
    fs.get_file(f"{s3_bucket}/big.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == data


@pytest.mark.s3
def test_wrong_secret_is_refused_with_403(s3_server: S3TestServer, s3_bucket: str) -> None:
    good = _fs(s3_server)
    good.pipe(f"{s3_bucket}/kept.txt", b"kept")
    bad = _fs(s3_server, secret=s3_server.secret_key + "x")
    for attempt in (
        lambda: bad.ls(s3_bucket),
        lambda: bad.cat(f"{s3_bucket}/kept.txt"),
        lambda: bad.pipe(f"{s3_bucket}/intruder.txt", b"no"),
    ):
        with pytest.raises(PermissionError) as caught:
            attempt()
        cause = caught.value.__cause__
        assert cause is not None
        assert cause.response["ResponseMetadata"]["HTTPStatusCode"] == 403  # type: ignore[attr-defined]
    unknown = _fs(s3_server, key="AKNOBODY")
    with pytest.raises(PermissionError):
        unknown.ls(s3_bucket)
    assert good.find(s3_bucket) == [f"{s3_bucket}/kept.txt"]


@pytest.mark.s3
def test_the_printed_environment_configures_s3fs(
    s3_server: S3TestServer, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: `eval "$(provenance s3 status --env)"`, then a client with no options works."""
    code, out, _ = _cli("status", "--home", str(s3_server.home), "--env")
    assert code == 0
    env = dict(
        shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in out.splitlines()
    )
    assert env == {
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "AWS_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.pipe(f"{s3_bucket}/from-env.txt", b"env")
    assert _fs(s3_server).cat(f"{s3_bucket}/from-env.txt") == b"env"


@pytest.mark.s3
def test_cli_status_json_and_plain(s3_server: S3TestServer) -> None:
    code, out, _ = _cli("status", "--home", str(s3_server.home), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["running"] is True and doc["ready"] is True
    assert doc["pid"] == s3_server.pid
    assert doc["endpoint_url"] == s3_server.endpoint_url
    assert doc["port"] == int(s3_server.endpoint_url.rsplit(":", 1)[1])
    assert (doc["access_key"], doc["secret_key"]) == (s3_server.access_key, s3_server.secret_key)
    assert doc["credentials_file"] == str(s3_server.home / "credentials")
    code, out, _ = _cli("status", "--home", str(s3_server.home))
    assert code == 0
    assert s3_server.endpoint_url in out and s3_server.access_key in out
    assert s3_server.secret_key not in out  # plain status never prints the secret
    assert f'eval "$(provenance s3 status --home {s3_server.home} --env)"' in out


@pytest.mark.s3
def test_secret_only_in_0600_files(s3_server: S3TestServer) -> None:
    home = s3_server.home
    for name in ("credentials", "conf/s3proxy.conf"):
        assert s3_server.secret_key in (home / name).read_text()
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("state.json", "logs/console.log"):
        assert s3_server.secret_key not in (home / name).read_text()
    cmdline = Path(f"/proc/{s3_server.pid}/cmdline").read_bytes().decode()
    assert s3_server.secret_key not in cmdline
    assert "127.0.0.1" in (home / "conf" / "s3proxy.conf").read_text()


@pytest.mark.s3
def test_start_reuses_the_running_server(s3_server: S3TestServer, busy_port: int) -> None:
    again = local_s3.start(s3_server.home)
    assert (again.pid, again.started, again.endpoint_url) == (
        s3_server.pid,
        False,
        s3_server.endpoint_url,
    )
    with pytest.raises(S3ServerError, match="already runs"):
        local_s3.start(s3_server.home, port=busy_port)


@pytest.mark.s3
def test_stop_start_keeps_data(s3_jar: Path, tmp_path: Path) -> None:
    home = new_s3_home(tmp_path / "home", s3_jar)
    try:
        first = local_s3.start(home)
        assert first.started
        fs = s3fs.S3FileSystem(
            **first.storage_options(), skip_instance_cache=True, use_listings_cache=False
        )
        fs.call_s3("create_bucket", Bucket="survivor")
        fs.pipe("survivor/x/y.txt", b"still here")

        assert local_s3.stop(home) is True
        assert local_s3.status(home) is None
        assert local_s3.stop(home) is False
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", first.port), timeout=2).close()

        second = local_s3.start(home)
        assert second.started and second.pid != first.pid
        assert (second.port, second.access_key, second.secret_key) == (
            first.port,
            first.access_key,
            first.secret_key,
        )
        fs2 = s3fs.S3FileSystem(
            **second.storage_options(), skip_instance_cache=True, use_listings_cache=False
        )
        assert fs2.find("survivor") == ["survivor/x/y.txt"]
        assert fs2.cat("survivor/x/y.txt") == b"still here"
    finally:
        local_s3.stop(home)
