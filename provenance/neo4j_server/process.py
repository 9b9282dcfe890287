"""The server process: :func:`start` (provisioning first if needed, or reusing the running
server), :func:`stop`, :func:`status`; finding the running server's pid, launching the JVM
detached, waiting until Bolt and HTTP answer, and terminating it.

The server runs as ``java -cp '<home>/lib/*' org.neo4j.server.CommunityEntryPoint`` in its own
session (output in ``<home>/logs/console.log``), so it outlives the process that started it.

Example:
    >>> status("/no/such/home") is None
    True
    >>> stop("/no/such/home")
    False
    >>> _alive(os.getpid())
    True
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from provenance.errors import Neo4jServerError
from provenance.neo4j_server.config import (
    _JVM_ADDITIONAL,
    _MAIN_CLASS,
    BROWSER_VERSION,
    DEFAULT_VERSION,
    HOST,
    ServerInfo,
    _memory,
    _port_free,
    _two_free_ports,
    _write_conf,
)
from provenance.neo4j_server.home import (
    Progress,
    _first_error,
    _locked,
    _log_size,
    _log_tail,
    _read_state,
    _resolve_home,
    _say,
    _write_state,
)
from provenance.neo4j_server.password import _read_password
from provenance.neo4j_server.provisioning import _find_java, _provision_locked

# Servers this process launched, so that stop() can reap them (no zombies, no ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def start(
    home: str | Path | None = None,
    *,
    bolt_port: int | None = None,
    http_port: int | None = None,
    timeout: float = 180.0,
    version: str = DEFAULT_VERSION,
    java: str | None = None,
    mvn: str | None = None,
    maven_repo_local: str | Path | None = None,
    progress: Progress | None = None,
) -> ServerInfo:
    """Start the local server (provisioning it first if needed), or reuse the running one.

    A server counts as running when its process (pid file, or a process whose command line
    names this ``home``) is alive; it is reused once Bolt answers with the stored password.
    A new server is launched detached (own session, output in ``<home>/logs/console.log``)
    and this call returns once Bolt answers ``verify_connectivity`` with the password and the
    HTTP server (Neo4j Browser) answers too.

    Args:
        home: the state directory (default: :func:`~provenance.neo4j_server.default_home`).
        bolt_port, http_port: ports to listen on; by default the ones picked at provisioning
            (picked again if another program took them since). An explicit port that is in
            use is an error.
        timeout: seconds to wait for the server to answer once launched (provisioning, which
            downloads ~170 MB the first time, is not counted).
        version, java, mvn, maven_repo_local: as for
            :func:`~provenance.neo4j_server.provision`.
        progress: called with one-line progress messages.

    Raises:
        Neo4jServerError: anything that keeps the server from answering, with the tail of
            its log when it was launched.

    Example:
        >>> info = start()  # doctest: +SKIP
        >>> start().pid == info.pid  # reused  # doctest: +SKIP
        True
    """
    home_path = _resolve_home(home, version)
    java_exe = _find_java(java)
    for port in (bolt_port, http_port):
        if port is not None and not 0 < port < 65536:
            raise Neo4jServerError(f"invalid port {port}")
    if bolt_port is not None and bolt_port == http_port:
        raise Neo4jServerError("the Bolt and HTTP ports must differ")
    with _locked(home_path, progress):
        running = _running_pid(home_path)
        if running is not None:
            return _reuse(home_path, running, bolt_port, http_port, timeout, progress)
        for port in (bolt_port, http_port):
            if port is not None and not _port_free(port):
                raise Neo4jServerError(f"port {port} on {HOST} is in use by another program")
        _provision_locked(
            home_path, version, BROWSER_VERSION, java_exe, mvn, maven_repo_local, False, progress
        )
        state = _read_state(home_path)
        if state is None:  # pragma: no cover - _provision_locked just wrote it
            raise Neo4jServerError(f"{home_path / 'state.json'} is unreadable")
        state = _settle_ports(home_path, state, bolt_port, http_port, progress)
        _write_conf(home_path, state)
        log_since = _log_size(home_path)
        proc = _launch(home_path, java_exe)
        deadline = time.monotonic() + timeout
        _say(
            progress,
            f"launched Neo4j {state['version']} (pid {proc.pid}); waiting for"
            f" Bolt on {HOST}:{state['bolt_port']}",
        )
        try:
            _wait_until_ready(home_path, state, proc.pid, deadline, timeout, proc, log_since)
        except BaseException:
            _terminate(proc.pid, 30.0, proc)
            _pid_file(home_path).unlink(missing_ok=True)
            raise
        return _info(home_path, state, proc.pid, ready=True, started=True)


def _reuse(
    home: Path,
    pid: int,
    bolt_port: int | None,
    http_port: int | None,
    timeout: float,
    progress: Progress | None,
) -> ServerInfo:
    """:func:`start` on a ``home`` whose server already runs as ``pid``: wait until it answers."""
    state = _read_state(home)
    if state is None:
        raise Neo4jServerError(
            f"a Neo4j process (pid {pid}) runs on {home} but its state file is"
            f" missing; stop it (kill {pid}) and start again"
        )
    for key, wanted in (("bolt_port", bolt_port), ("http_port", http_port)):
        if wanted is not None and wanted != state[key]:
            raise Neo4jServerError(
                f"Neo4j already runs on {home} with {key.replace('_', ' ')}"
                f" {state[key]}; stop it first to move it to {wanted}"
            )
    _say(progress, f"reusing the Neo4j server already running (pid {pid})")
    _wait_until_ready(home, state, pid, time.monotonic() + timeout, timeout, _CHILDREN.get(pid))
    _write_pid(home, pid)
    return _info(home, state, pid, ready=True, started=False)


def stop(
    home: str | Path | None = None, *, timeout: float = 60.0, version: str = DEFAULT_VERSION
) -> bool:
    """Stop the local server; True if one was running. SIGTERM, then SIGKILL after ``timeout``.

    Example:
        >>> stop()  # doctest: +SKIP
        True
        >>> stop()  # nothing left to stop  # doctest: +SKIP
        False
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
        _terminate(pid, timeout, _CHILDREN.get(pid))
        _pid_file(home_path).unlink(missing_ok=True)
        return True


def status(
    home: str | Path | None = None, *, check_bolt: bool = True, version: str = DEFAULT_VERSION
) -> ServerInfo | None:
    """The running server, or None. ``ready`` says whether Bolt answers (when ``check_bolt``).

    Example:
        >>> info = status()  # doctest: +SKIP
        >>> info is None or info.bolt_uri.startswith("bolt://127.0.0.1:")  # doctest: +SKIP
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
    if check_bolt:
        try:
            ready = _bolt_answers(home_path, state, timeout=5.0)
        except Neo4jServerError:
            ready = False
    return _info(home_path, state, pid, ready=ready, started=False)


def _info(home: Path, state: dict[str, Any], pid: int, *, ready: bool, started: bool) -> ServerInfo:
    password = _read_password(home)
    if password is None:
        raise Neo4jServerError(f"{home / 'password'} is missing")
    return ServerInfo(
        bolt_port=int(state["bolt_port"]),
        http_port=int(state["http_port"]),
        user=str(state["user"]),
        password=password,
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
    return home / "neo4j.pid"


def _write_pid(home: Path, pid: int) -> None:
    _pid_file(home).write_text(f"{pid}\n")


def _cmdline(pid: int) -> list[str] | None:
    """The command line of ``pid``, or None when it cannot be read."""
    proc = Path(f"/proc/{pid}/cmdline")
    if proc.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            return proc.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return None
    try:  # macOS & co.
        out = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.split() if out.returncode == 0 else None


def _is_server_of(pid: int, home: Path) -> bool:
    """True if ``pid`` is the Neo4j server of ``home`` (its command line says so)."""
    args = _cmdline(pid) or []
    return _MAIN_CLASS in args and f"--home-dir={home}" in args


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (zombies count as dead; our own children are reaped).

    Example:
        >>> _alive(os.getpid())
        True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


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
# launching and terminating
# --------------------------------------------------------------------------------------------
def _settle_ports(
    home: Path,
    state: dict[str, Any],
    bolt_port: int | None,
    http_port: int | None,
    progress: Progress | None,
) -> dict[str, Any]:
    """Apply explicit ports; replace stored ports another program has taken meanwhile."""
    new = dict(state)
    if bolt_port is not None:
        new["bolt_port"] = bolt_port
    if http_port is not None:
        new["http_port"] = http_port
    for key, explicit in (("bolt_port", bolt_port), ("http_port", http_port)):
        if explicit is None and not _port_free(int(new[key])):
            other = "http_port" if key == "bolt_port" else "bolt_port"
            while True:
                port = _two_free_ports()[0]
                if port != new[other]:
                    break
            _say(progress, f"port {new[key]} is taken by another program; using {port}")
            new[key] = port
    if new != state:
        _write_state(home, new)
    return new


def _launch(home: Path, java: str) -> subprocess.Popen[bytes]:
    """Launch the server of ``home`` detached; records its pid."""
    heap_initial, heap_max, _ = _memory()
    cmd = [
        java,
        "-cp",
        str(home / "lib" / "*"),
        "-Dfile.encoding=UTF-8",
        f"-Xms{heap_initial}",
        f"-Xmx{heap_max}",
        *_JVM_ADDITIONAL,
        _MAIN_CLASS,
        f"--home-dir={home}",
        f"--config-dir={home / 'conf'}",
    ]
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    for var in ("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "NEO4J_AUTH"):
        env.pop(var, None)
    log = home / "logs" / "console.log"
    try:
        with log.open("wb") as out:
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
        raise Neo4jServerError(f"cannot launch {java}: {exc}") from exc
    _CHILDREN[proc.pid] = proc
    _write_pid(home, proc.pid)
    return proc


def _terminate(pid: int, timeout: float, proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM ``pid``; SIGKILL its process group after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (proc.poll() is not None) if proc is not None else not _alive(pid):
            return
        time.sleep(0.25)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + 10
    while time.monotonic() < end and _alive(pid):
        time.sleep(0.1)
    if proc is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)


# --------------------------------------------------------------------------------------------
# waiting for Bolt and HTTP
# --------------------------------------------------------------------------------------------
def _tcp_open(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _http_answers(port: int, timeout: float = 5.0) -> bool:
    """True once the HTTP server (Neo4j Browser, query API) serves its discovery document."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=timeout) as resp:
            return int(resp.status) == 200
    except (OSError, ValueError):
        return False


def _bolt_answers(home: Path, state: dict[str, Any], timeout: float) -> bool:
    """True if Bolt accepts the stored password; raises if it rejects it."""
    port = int(state["bolt_port"])
    if not _tcp_open(port):
        return False
    try:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, DriverError, Neo4jError
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        raise Neo4jServerError(
            "the neo4j Python driver is not installed: pip install 'provenance[neo4j]'"
        ) from exc
    driver = GraphDatabase.driver(
        f"bolt://{HOST}:{port}",
        auth=(str(state["user"]), _read_password(home) or ""),
        connection_timeout=timeout,
        connection_acquisition_timeout=timeout,
        max_connection_pool_size=1,
    )
    try:
        driver.verify_connectivity()
        return True
    except AuthError as exc:
        raise Neo4jServerError(
            f"the Neo4j server on {HOST}:{port} rejects the password in {home / 'password'}"
            f" ({exc.message}); stop it and delete {home / 'data'} to start over"
        ) from exc
    except (DriverError, Neo4jError, OSError):
        return False
    finally:
        driver.close()


def _wait_until_ready(
    home: Path,
    state: dict[str, Any],
    pid: int,
    deadline: float,
    timeout: float,
    proc: subprocess.Popen[bytes] | None,
    log_since: int = 0,
) -> None:
    """Return once Bolt and HTTP answer; raise if the server exits or ``deadline`` passes."""
    while True:
        if proc is not None and proc.poll() is not None:
            raise Neo4jServerError(
                f"Neo4j exited with code {proc.returncode} while starting:"
                f" {_first_error(home, log_since)} (logs: {home / 'logs'})\n"
                + _log_tail(home, since=log_since)
            )
        if proc is None and not _alive(pid):
            raise Neo4jServerError(
                f"the Neo4j server (pid {pid}) exited; see"
                f" {home / 'logs' / 'neo4j.log'}\n" + _log_tail(home)
            )
        if _bolt_answers(home, state, timeout=5.0) and _http_answers(int(state["http_port"])):
            return
        if time.monotonic() >= deadline:
            raise Neo4jServerError(
                f"Neo4j did not answer on bolt://{HOST}:{state['bolt_port']} within"
                f" {timeout:.0f}s (log: {home / 'logs' / 'neo4j.log'})\n"
                + _log_tail(home, since=log_since)
            )
        time.sleep(0.5)
