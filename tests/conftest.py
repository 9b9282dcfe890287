"""Shared pytest fixtures.

Sections are independent; add new ones below their own banner.
"""

from __future__ import annotations

# ============================================================================================
# Neo4j server (fixtures: neo4j_server, neo4j_clean, local_neo4j; hooks: neo4j tally)
# --------------------------------------------------------------------------------------------
# Tests that need Neo4j are marked ``@pytest.mark.neo4j`` and request ``neo4j_server`` (or
# ``neo4j_clean``). The server is chosen once per session:
#
#   1. ``$NEO4J_URI`` (+ ``$NEO4J_USER``, default neo4j, and ``$NEO4J_PASSWORD``): that server;
#   2. else, when a Docker daemon answers (``docker info``) and ``docker compose`` exists:
#      pytest-docker + docker/docker-compose.yml (neo4j:5.26-community, random password);
#   3. else the local server of provenance.neo4j_server (provisioned from Maven Central, Java
#      17 + Maven needed); started if needed and stopped at session end only if this session
#      started it and no other pytest session still uses it.
#
# ``PROVENANCE_TEST_NEO4J=local|docker|env`` forces a choice. With ``CI=true`` a Neo4j that
# cannot start fails the run and a skipped neo4j test fails the session; elsewhere the tests
# skip with the reason. The terminal summary says ``neo4j tests run: N (server: …)``.
# ============================================================================================
import functools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urlsplit

import pytest

if TYPE_CHECKING:
    from provenance.neo4j_server import ServerInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
NEO4J_COMPOSE_FILE = REPO_ROOT / "docker" / "docker-compose.yml"
_NEO4J_START_TIMEOUT = float(os.environ.get("PROVENANCE_TEST_NEO4J_TIMEOUT", "300"))


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Neo4jTestServer:
    """The Neo4j server of this test session."""

    uri: str  # Bolt URI without credentials, e.g. bolt://127.0.0.1:7687
    user: str
    password: str = field(repr=False)
    store_uri: str = field(repr=False)  # neo4j://user:password@host:port, for open_store()
    how: str = ""  # how it was provisioned, for the summary line

    @property
    def auth(self) -> tuple[str, str]:
        """``(user, password)`` for ``neo4j.GraphDatabase.driver``."""
        return (self.user, self.password)


@dataclass
class _Neo4jTally:
    how: str = "not started (no neo4j test needed it)"
    ran: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # nodeid -> reason
    marked: set[str] = field(default_factory=set)  # nodeids marked neo4j


_NEO4J = _Neo4jTally()


def _neo4j_unavailable(reason: str) -> NoReturn:
    """Fail (CI) or skip (elsewhere): a Neo4j test without a server."""
    _NEO4J.how = f"unavailable: {reason.splitlines()[0]}"
    if _in_ci():
        pytest.fail(
            f"Neo4j is required with CI=true but could not be provided: {reason}", pytrace=False
        )
    pytest.skip(f"no Neo4j server: {reason.splitlines()[0]}")


def _store_uri(scheme: str, user: str, password: str, host: str, port: int) -> str:
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}"


def _bolt_ready(uri: str, user: str, password: str) -> bool:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, DriverError, Neo4jError

    try:
        with GraphDatabase.driver(
            uri, auth=(user, password), connection_timeout=5, connection_acquisition_timeout=5
        ) as driver:
            driver.verify_connectivity()
        return True
    except AuthError:
        raise
    except (DriverError, Neo4jError, OSError):
        return False


@functools.cache
def _docker_available() -> tuple[bool, str]:
    if shutil.which("docker") is None:
        return False, "no docker client"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
        if info.returncode != 0:
            return False, "no Docker daemon answers `docker info`"
        compose = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if compose.returncode != 0:
            return False, "Docker daemon answers but `docker compose` is missing"
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"docker failed: {exc}"
    return True, "docker"


def _neo4j_backend() -> str:
    forced = os.environ.get("PROVENANCE_TEST_NEO4J", "").strip().lower()
    if forced in ("local", "docker", "env"):
        return forced
    if os.environ.get("NEO4J_URI"):
        return "env"
    return "docker" if _docker_available()[0] else "local"


# --- leases: several pytest sessions (and people) may share the one local server -----------
def _lease_dir(home: Path) -> Path:
    return home / "leases"


def _pid_alive(pid: int) -> bool:
    from provenance.neo4j_server.process import _alive

    return _alive(pid)


def _take_lease(home: Path) -> Path:
    leases = _lease_dir(home)
    leases.mkdir(parents=True, exist_ok=True)
    lease = leases / str(os.getpid())
    lease.write_text("pytest\n")
    return lease


def _other_live_leases(home: Path) -> list[int]:
    others = []
    for entry in _lease_dir(home).glob("*"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        if _pid_alive(int(entry.name)):
            others.append(int(entry.name))
        else:
            entry.unlink(missing_ok=True)
    return others


@pytest.fixture(scope="session")
def local_neo4j() -> Iterator[ServerInfo]:
    """The local server of :mod:`provenance.neo4j_server` (started if needed).

    Stopped at session end only if this session started it and no other live pytest
    session holds a lease on it.
    """
    from provenance import neo4j_server
    from provenance.errors import ProvenanceError

    try:
        info = neo4j_server.start(timeout=_NEO4J_START_TIMEOUT)
    except ProvenanceError as exc:
        _neo4j_unavailable(f"local server: {exc}")
    lease = _take_lease(info.home)
    try:
        yield info
    finally:
        lease.unlink(missing_ok=True)
        if info.started and not _other_live_leases(info.home):
            neo4j_server.stop(info.home)


# --- pytest-docker overrides (used only when the Docker backend is chosen) -------------------
@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    """pytest-docker: our compose file."""
    return str(NEO4J_COMPOSE_FILE)


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    """pytest-docker: one project (hence one fresh named volume) per session."""
    return f"provenance-test-{os.getpid()}"


def _neo4j_from_env() -> Neo4jTestServer:
    uri = os.environ.get("NEO4J_URI", "")
    if not uri:
        _neo4j_unavailable("PROVENANCE_TEST_NEO4J=env but NEO4J_URI is not set")
    user = os.environ.get("NEO4J_USER") or os.environ.get("NEO4J_USERNAME") or "neo4j"
    password = os.environ.get("NEO4J_PASSWORD", "")
    parts = urlsplit(uri)
    if not parts.hostname:
        _neo4j_unavailable(f"NEO4J_URI={uri!r} names no host")
    port = parts.port or 7687
    host = parts.hostname or ""
    try:
        ready = _bolt_ready(f"{parts.scheme}://{host}:{port}", user, password)
    except Exception as exc:  # AuthError and the like
        _neo4j_unavailable(f"NEO4J_URI={uri}: {exc}")
    if not ready:
        _neo4j_unavailable(f"NEO4J_URI={uri} does not answer")
    return Neo4jTestServer(
        uri=f"{parts.scheme}://{host}:{port}",
        user=user,
        password=password,
        store_uri=_store_uri(parts.scheme, user, password, host, port),
        how=f"$NEO4J_URI {parts.scheme}://{host}:{port}",
    )


def _neo4j_from_docker(request: pytest.FixtureRequest) -> Neo4jTestServer:
    import secrets

    ok, why = _docker_available()
    if not ok:
        _neo4j_unavailable(f"Docker backend: {why}")
    password = os.environ.get("NEO4J_PASSWORD") or secrets.token_hex(16)
    os.environ["NEO4J_PASSWORD"] = password  # read by docker compose (NEO4J_AUTH)
    try:
        services = request.getfixturevalue("docker_services")
        host = str(request.getfixturevalue("docker_ip"))
        port = int(services.port_for("neo4j", 7687))
        uri = f"bolt://{host}:{port}"
        check: Callable[[], bool] = lambda: _bolt_ready(uri, "neo4j", password)  # noqa: E731
        services.wait_until_responsive(check=check, timeout=_NEO4J_START_TIMEOUT, pause=1.0)
    except Exception as exc:
        _neo4j_unavailable(f"Docker backend ({NEO4J_COMPOSE_FILE}): {exc}")
    return Neo4jTestServer(
        uri=uri,
        user="neo4j",
        password=password,
        store_uri=_store_uri("neo4j", "neo4j", password, host, port),
        how="docker (pytest-docker, neo4j:5.26-community)",
    )


@pytest.fixture(scope="session")
def neo4j_server(request: pytest.FixtureRequest) -> Neo4jTestServer:
    """The session's Neo4j: ``uri`` (Bolt, no credentials), ``user``, ``password``, ``store_uri``.

    Example::

        @pytest.mark.neo4j
        def test_x(neo4j_server):
            store = open_store(neo4j_server.store_uri)
    """
    backend = _neo4j_backend()
    if backend == "env":
        server = _neo4j_from_env()
    elif backend == "docker":
        server = _neo4j_from_docker(request)
    else:
        info: ServerInfo = request.getfixturevalue("local_neo4j")
        server = Neo4jTestServer(
            uri=info.bolt_uri,
            user=info.user,
            password=info.password,
            store_uri=info.uri,
            how=(
                "local provenance.neo4j_server "
                f"({'started by this session' if info.started else 'reused'}, {info.home})"
            ),
        )
    _NEO4J.how = server.how
    return server


@pytest.fixture
def neo4j_clean(neo4j_server: Neo4jTestServer) -> Iterator[Neo4jTestServer]:
    """``neo4j_server`` with every lineage node and relationship deleted first (the store's
    own batched ``clear``, which copes with a million-node graph left by the benchmark)."""
    from provenance.store import open_store

    store = open_store(neo4j_server.store_uri)
    try:
        store.clear()  # type: ignore[attr-defined]
    finally:
        store.close()
    yield neo4j_server


# --- hooks: count neo4j tests, forbid skipping them in CI -----------------------------------
class _Neo4jTallyPlugin:
    """Hook implementations, registered as a plugin so conftest hook names stay free."""

    @pytest.hookimpl
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        _NEO4J.marked.update(item.nodeid for item in items if item.get_closest_marker("neo4j"))

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in _NEO4J.marked:
            return
        if report.when == "call" and (
            report.passed or report.failed or hasattr(report, "wasxfail")
        ):
            _NEO4J.ran += 1
        elif report.skipped and not hasattr(report, "wasxfail"):
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            _NEO4J.skipped.setdefault(report.nodeid, reason)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if _in_ci() and _NEO4J.skipped and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(f"neo4j tests run: {_NEO4J.ran} (server: {_NEO4J.how})")
        if _NEO4J.skipped:
            ci = _in_ci()
            verdict = "this FAILS the session (CI=true)" if ci else "allowed outside CI"
            terminalreporter.write_line(
                f"neo4j tests skipped: {len(_NEO4J.skipped)} ({verdict})", red=ci, yellow=not ci
            )
            for nodeid, reason in sorted(_NEO4J.skipped.items()):
                terminalreporter.write_line(f"  {nodeid}: {reason}")


def pytest_configure(config: pytest.Config) -> None:
    """Register the Neo4j tally plugin (other sections may add their own lines here)."""
    if not config.pluginmanager.has_plugin("provenance-neo4j-tally"):
        config.pluginmanager.register(_Neo4jTallyPlugin(), "provenance-neo4j-tally")


# ============================================================================================
# (other fixtures go below, in their own sections)
# ============================================================================================


# ============================================================================================
# Spool (provenance.spool): every test gets its own spool root
# --------------------------------------------------------------------------------------------
# A Tracker in front of Neo4j journals each run under $PROVENANCE_SPOOL_DIR before sending
# it; pointing that at the test's tmp_path keeps tests out of ~/.cache/provenance/spool and
# out of each other's spools. Subprocesses started by a test inherit it.
# ============================================================================================
@pytest.fixture(autouse=True)
def _private_spool_root(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = tmp_path_factory.mktemp("spool")
    monkeypatch.setenv("PROVENANCE_SPOOL_DIR", str(root))
    return root
