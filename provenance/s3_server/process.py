"""The server process: :func:`start` (provisioning first if needed, or reusing the running
server), :func:`stop`, :func:`status`; finding the running server's pid, launching the JVM
detached, waiting until it accepts a request signed with the stored credentials, and
terminating it.

The server runs as ``java -cp <home>/lib/s3proxy.jar org.gaul.s3proxy.Main --properties
<home>/conf/s3proxy.conf`` in its own session (output in ``<home>/logs/console.log``), so it
outlives the process that started it. Its command line holds no secret.

Readiness is checked with the standard library alone (no boto): an AWS Signature V4 signed
``ListBuckets`` (``GET /``) must answer 200; a 403 means the server runs with other credentials.

Example:
    >>> status("/no/such/home") is None
    True
    >>> stop("/no/such/home")
    False
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from provenance.errors import S3ServerError
from provenance.neo4j_server.process import _alive, _cmdline, _terminate
from provenance.s3_server.config import (
    _JAR_NAME,
    _MAIN_CLASS,
    DEFAULT_VERSION,
    HEAP,
    HOST,
    REGION,
    ServerInfo,
    _free_port,
    _write_conf,
)
from provenance.s3_server.credentials import _read_credentials
from provenance.s3_server.home import (
    Progress,
    _locked,
    _log_size,
    _log_tail,
    _read_state,
    _resolve_home,
    _say,
    _write_state,
)
from provenance.s3_server.provisioning import _find_java, _provision_locked

# Servers this process launched, so that stop() can reap them (no zombies, no ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def start(
    home: str | Path | None = None,
    *,
    port: int | None = None,
    timeout: float = 120.0,
    version: str = DEFAULT_VERSION,
    java: str | None = None,
    mvn: str | None = None,
    maven_repo_local: str | Path | None = None,
    progress: Progress | None = None,
) -> ServerInfo:
    """Start the local s3proxy server (provisioning it first if needed), or reuse the running one.

    A server counts as running when its process (pid file, or a process whose command line
    names this ``home``'s config) is alive. A new server is launched detached and this call
    returns once it accepts a request signed with the stored credentials.

    Args:
        home: the state directory (default: :func:`~provenance.s3_server.default_home`).
        port: the port to listen on; by default the one picked at provisioning (picked again
            if another program took it since). An explicit port that is in use is an error.
        timeout: seconds to wait for the server to answer once launched (provisioning, which
            downloads ~55 MB the first time, is not counted).
        version, java, mvn, maven_repo_local: as for :func:`~provenance.s3_server.provision`.
        progress: called with one-line progress messages.

    Raises:
        S3ServerError: anything that keeps the server from answering, with the tail of its log
            when it was launched.

    Example:
        >>> info = start()  # doctest: +SKIP
        >>> info.endpoint_url  # doctest: +SKIP
        'http://127.0.0.1:40117'
        >>> start().pid == info.pid  # reused  # doctest: +SKIP
        True
    """
    home_path = _resolve_home(home, version)
    if port is not None and not 0 < port < 65536:
        raise S3ServerError(f"invalid port {port}")
    java_exe = _find_java(java)
    with _locked(home_path, progress):
        running = _running_pid(home_path)
        if running is not None:
            return _reuse(home_path, running, port, timeout, progress)
        if port is not None and not _port_free(port):
            raise S3ServerError(f"port {port} on {HOST} is in use by another program")
        state = _provision_locked(home_path, version, mvn, maven_repo_local, False, progress)
        state = _settle_port(home_path, dict(state), port, progress)
        credentials = _credentials(home_path)
        _write_conf(home_path, state, *credentials)
        log_since = _log_size(home_path)
        proc = _launch(home_path, java_exe)
        _say(
            progress,
            f"launched s3proxy {state['version']} (pid {proc.pid}) on port {state['port']}",
        )
        try:
            _wait_until_ready(home_path, state, proc.pid, timeout, proc, log_since)
        except BaseException:
            _terminate(proc.pid, 15.0, proc)
            _pid_file(home_path).unlink(missing_ok=True)
            raise
        return _info(home_path, state, proc.pid, ready=True, started=True)


def _reuse(
    home: Path, pid: int, port: int | None, timeout: float, progress: Progress | None
) -> ServerInfo:
    """:func:`start` on a ``home`` whose server already runs as ``pid``: wait until it answers."""
    state = _read_state(home)
    if state is None:
        raise S3ServerError(
            f"an s3proxy process (pid {pid}) runs on {home} but its state file is missing;"
            f" stop it (kill {pid}) and start again"
        )
    if port is not None and port != state["port"]:
        raise S3ServerError(
            f"s3proxy already runs on {home} with port {state['port']}; stop it first to move"
            f" it to {port}"
        )
    _say(progress, f"reusing the s3proxy server already running (pid {pid})")
    _wait_until_ready(home, state, pid, timeout, _CHILDREN.get(pid))
    _write_pid(home, pid)
    return _info(home, state, pid, ready=True, started=False)


def stop(
    home: str | Path | None = None, *, timeout: float = 30.0, version: str = DEFAULT_VERSION
) -> bool:
    """Stop the local server; True if one was running. SIGTERM, then SIGKILL after ``timeout``.

    The data (``<home>/data``) and the credentials stay; the next :func:`start` serves them.

    Example:
        >>> stop()  # doctest: +SKIP
        True
        >>> stop("/no/such/home")  # never provisioned
        False
    """
    home_path = _resolve_home(home, version)
    if not home_path.is_dir():
        return False
    with _locked(home_path, None):
        pid = _running_pid(home_path)
        if pid is None:
            _pid_file(home_path).unlink(missing_ok=True)
            return False
        _terminate(pid, timeout, _CHILDREN.pop(pid, None))
        _pid_file(home_path).unlink(missing_ok=True)
        return True


def status(
    home: str | Path | None = None, *, check: bool = True, version: str = DEFAULT_VERSION
) -> ServerInfo | None:
    """The running server, or None. ``ready`` says whether it accepts the stored credentials
    (when ``check``).

    Example:
        >>> info = status()  # doctest: +SKIP
        >>> info is None or info.endpoint_url.startswith("http://127.0.0.1:")  # doctest: +SKIP
        True
        >>> status("/no/such/home") is None
        True
    """
    home_path = _resolve_home(home, version)
    if not home_path.is_dir():
        return None
    pid = _running_pid(home_path)
    if pid is None:
        return None
    state = _read_state(home_path)
    if state is None:
        return None
    ready = False
    if check:
        try:
            ready = _answers(home_path, state, timeout=5.0)
        except S3ServerError:
            ready = False
    return _info(home_path, state, pid, ready=ready, started=False)


def _credentials(home: Path) -> tuple[str, str]:
    found = _read_credentials(home)
    if found is None:
        raise S3ServerError(f"{home / 'credentials'} is missing")
    return found


def _info(home: Path, state: dict[str, Any], pid: int, *, ready: bool, started: bool) -> ServerInfo:
    access_key, secret_key = _credentials(home)
    return ServerInfo(
        port=int(state["port"]),
        access_key=access_key,
        secret_key=secret_key,
        pid=pid,
        home=home,
        version=str(state["version"]),
        ready=ready,
        started=started,
    )


# --------------------------------------------------------------------------------------------
# pids
# --------------------------------------------------------------------------------------------
def _pid_file(home: Path) -> Path:
    return home / "s3proxy.pid"


def _write_pid(home: Path, pid: int) -> None:
    _pid_file(home).write_text(f"{pid}\n")


def _is_server_of(pid: int, home: Path) -> bool:
    """True if ``pid`` is the s3proxy server of ``home`` (its command line says so)."""
    args = _cmdline(pid) or []
    return _MAIN_CLASS in args and str(home / "conf" / "s3proxy.conf") in args


def _running_pid(home: Path) -> int | None:
    """The pid of the server running on ``home``: the pid file, else a /proc scan."""
    try:
        pid = int(_pid_file(home).read_text().strip())
    except (OSError, ValueError):
        pid = None
    if pid is not None and _alive(pid) and _is_server_of(pid, home):
        return pid
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if entry.name.isdigit():
                candidate = int(entry.name)
                if _is_server_of(candidate, home) and _alive(candidate):
                    _write_pid(home, candidate)
                    return candidate
    return None


# --------------------------------------------------------------------------------------------
# launching
# --------------------------------------------------------------------------------------------
def _port_free(port: int) -> bool:
    """True if ``port`` on 127.0.0.1 can be bound now."""
    from provenance.neo4j_server.config import _port_free as free

    return free(port)


def _settle_port(
    home: Path, state: dict[str, Any], port: int | None, progress: Progress | None
) -> dict[str, Any]:
    """Apply an explicit port; replace a stored port another program has taken meanwhile."""
    new = dict(state)
    if port is not None:
        new["port"] = port
    elif not _port_free(int(new["port"])):
        picked = _free_port()
        _say(progress, f"port {new['port']} is taken by another program; using {picked}")
        new["port"] = picked
    if new != state:
        _write_state(home, new)
    return new


def _launch(home: Path, java: str) -> subprocess.Popen[bytes]:
    """Launch the server of ``home`` detached; records its pid."""
    cmd = [
        java,
        f"-Xmx{HEAP}",
        "-Dfile.encoding=UTF-8",
        "-cp",
        str(home / "lib" / _JAR_NAME),
        _MAIN_CLASS,
        "--properties",
        str(home / "conf" / "s3proxy.conf"),
    ]
    env = dict(os.environ)
    for var in ("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "S3PROXY_CREDENTIAL", "S3PROXY_IDENTITY"):
        env.pop(var, None)
    log = home / "logs" / "console.log"
    try:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
    except OSError as exc:
        raise S3ServerError(f"cannot launch {java}: {exc}") from exc
    _CHILDREN[proc.pid] = proc
    _write_pid(home, proc.pid)
    return proc


# --------------------------------------------------------------------------------------------
# waiting for a signed request to succeed
# --------------------------------------------------------------------------------------------
def _signed_list_buckets(
    port: int, access_key: str, secret_key: str, now: datetime.datetime
) -> urllib.request.Request:
    """``GET /`` (ListBuckets) signed with AWS Signature Version 4.

    Example:
        >>> when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        >>> req = _signed_list_buckets(9000, "AK", "SK", when)
        >>> req.get_header("X-amz-date")
        '20260102T030405Z'
        >>> req.get_header("Authorization").split(", ")[0]
        'AWS4-HMAC-SHA256 Credential=AK/20260102/us-east-1/s3/aws4_request'
    """
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    host = f"{HOST}:{port}"
    payload = hashlib.sha256(b"").hexdigest()
    signed_headers = "host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join(
        [
            "GET",
            "/",
            "",
            f"host:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n",
            signed_headers,
            payload,
        ]
    )
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (day, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return urllib.request.Request(
        f"http://{host}/",
        headers={
            "Host": host,
            "x-amz-content-sha256": payload,
            "x-amz-date": amz_date,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},"
            f" SignedHeaders={signed_headers}, Signature={signature}",
        },
    )


def _answers(home: Path, state: dict[str, Any], timeout: float) -> bool:
    """True if the server lists buckets for the stored credentials; raises if it refuses them."""
    port = int(state["port"])
    access_key, secret_key = _credentials(home)
    req = _signed_list_buckets(port, access_key, secret_key, datetime.datetime.now(datetime.UTC))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return int(resp.status) == 200
    except urllib.error.HTTPError as exc:
        with contextlib.suppress(OSError):
            exc.close()
        if exc.code == 403:
            raise S3ServerError(
                f"the S3 server on {HOST}:{port} rejects the credentials in"
                f" {home / 'credentials'}; stop it and start again"
            ) from None
        return False
    except (OSError, ValueError):
        return False


def _wait_until_ready(
    home: Path,
    state: dict[str, Any],
    pid: int,
    timeout: float,
    proc: subprocess.Popen[bytes] | None,
    log_since: int = 0,
) -> None:
    """Return once a signed request succeeds; raise if the server exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise S3ServerError(
                f"s3proxy exited with code {proc.returncode} while starting"
                f" (log: {home / 'logs' / 'console.log'})\n" + _log_tail(home, since=log_since)
            )
        if proc is None and not _alive(pid):
            raise S3ServerError(
                f"the s3proxy server (pid {pid}) exited; see {home / 'logs' / 'console.log'}\n"
                + _log_tail(home)
            )
        if _answers(home, state, timeout=5.0):
            return
        if time.monotonic() >= deadline:
            raise S3ServerError(
                f"s3proxy did not answer on http://{HOST}:{state['port']} within {timeout:.0f}s"
                f" (log: {home / 'logs' / 'console.log'})\n" + _log_tail(home, since=log_since)
            )
        time.sleep(0.25)
