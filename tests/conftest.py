"""Shared pytest fixtures.

Sections are independent; add new ones below their own banner.
"""

from __future__ import annotations

# ============================================================================================
# Neo4j server (fixtures: neo4j_server, neo4j_clean, local_neo4j, neo4j_jars; hooks: tally)
# --------------------------------------------------------------------------------------------
# Tests that need Neo4j are marked ``@pytest.mark.neo4j`` and request ``neo4j_server`` (or
# ``neo4j_clean``, which wipes it first). The server is chosen once per session, and a session
# only ever wipes a server that is its own:
#
#   1. ``$NEO4J_URI`` (+ ``$NEO4J_USER``, default neo4j, and ``$NEO4J_PASSWORD``): that server,
#      used only if its database is empty when the session starts (then what is in it is this
#      session's) or ``PROVENANCE_TEST_NEO4J_WIPE=1`` says its data may be wiped;
#   2. else, when a Docker daemon answers (``docker info``) and ``docker compose`` exists:
#      pytest-docker + docker/docker-compose.yml (neo4j:5.26-community, random password), one
#      compose project and volume per session, removed at its end (``down -v``);
#   3. else a local server of provenance.neo4j_server started for this session alone, in its
#      own home (``.pytest_cache/d/neo4j/sessions/<pid>``), stopped and deleted at session
#      end; servers left by sessions that died are stopped by the next session. The jars
#      (provisioned once from Maven Central, Java 17 + Maven needed) are shared:
#      ``.pytest_cache/d/neo4j/jars-<version>/lib`` (fixture ``neo4j_jars``).
#      ``$PROVENANCE_TEST_NEO4J_DIR`` moves ``.pytest_cache/d/neo4j``.
#
# ``PROVENANCE_TEST_NEO4J=local|docker|env`` forces a choice. With ``CI=true`` a Neo4j that
# cannot be provided fails the run; elsewhere the tests skip with the reason (and the summary
# lists them, see "Skipped tests" below). The summary says ``neo4j tests run: N (server: …)``.
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
#: Lets the tests wipe a ``$NEO4J_URI`` server that holds data when the session starts.
NEO4J_WIPE_ENV = "PROVENANCE_TEST_NEO4J_WIPE"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _in_ci() -> bool:
    return _truthy(os.environ.get("CI"))


@dataclass(frozen=True)
class Neo4jTestServer:
    """The Neo4j server of this test session."""

    uri: str  # Bolt URI without credentials, e.g. bolt://127.0.0.1:7687
    user: str
    password: str = field(repr=False)
    store_uri: str = field(repr=False)  # neo4j://user:password@host:port, for open_store()
    how: str = ""  # how it was provisioned, for the summary line
    browser_url: str | None = None  # Neo4j Browser (served by the local server only)

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


def _holds_data(uri: str, user: str, password: str) -> bool:
    """Whether the server's default database holds any node."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN 1 AS one LIMIT 1")
    return bool(records)


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


# --- the local servers: one per session, jars shared -----------------------------------------
#: Overrides where the tests keep Neo4j jars and their sessions' servers.
NEO4J_TEST_DIR_ENV = "PROVENANCE_TEST_NEO4J_DIR"


def _neo4j_test_dir(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests keep Neo4j jars and their sessions' servers: ``$PROVENANCE_TEST_NEO4J_DIR``,
    else pytest's cache directory (``.pytest_cache/d/neo4j``), else (``-p no:cacheprovider``)
    this session's temp dir."""
    if os.environ.get(NEO4J_TEST_DIR_ENV):
        return Path(os.environ[NEO4J_TEST_DIR_ENV]).absolute()
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("neo4j"))
    return tmp_path_factory.getbasetemp() / "neo4j"


def _pid_alive(pid: int) -> bool:
    from provenance.neo4j_server.process import _alive

    return _alive(pid)


def _stop_servers_of_dead_sessions(sessions: Path) -> None:
    """Stop and delete the servers of sessions that ended without doing so (killed)."""
    from provenance import neo4j_server

    for home in sessions.glob("*"):
        if not home.name.isdigit() or int(home.name) == os.getpid():
            continue
        if not _pid_alive(int(home.name)):
            neo4j_server.stop(home)
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def neo4j_jars(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``lib`` directory of Neo4j jars (provisioned from Maven Central once, then shared by
    the test sessions of this checkout): a test's own server home links its ``lib`` here."""
    from provenance import neo4j_server
    from provenance.errors import ProvenanceError
    from provenance.neo4j_server.provisioning import _lib_ok

    version, browser = neo4j_server.DEFAULT_VERSION, neo4j_server.BROWSER_VERSION
    home = _neo4j_test_dir(request.config, tmp_path_factory) / f"jars-{version}"
    if not _lib_ok(home / "lib", version, browser):
        try:
            neo4j_server.provision(home)
        except ProvenanceError as exc:
            _neo4j_unavailable(f"provisioning Neo4j's jars: {exc}")
    return home / "lib"


def new_neo4j_home(home: Path, jars: Path) -> Path:
    """An empty server home whose ``lib`` is ``jars`` (no download); returns ``home``."""
    home.mkdir(parents=True, mode=0o700)
    (home / "lib").symlink_to(jars, target_is_directory=True)
    return home


@pytest.fixture(scope="session")
def local_neo4j(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, neo4j_jars: Path
) -> Iterator[ServerInfo]:
    """A local server of :mod:`provenance.neo4j_server` for this session alone: its own home
    (``sessions/<pid>``), started here, stopped and deleted at session end."""
    from provenance import neo4j_server
    from provenance.errors import ProvenanceError

    sessions = _neo4j_test_dir(request.config, tmp_path_factory) / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    _stop_servers_of_dead_sessions(sessions)
    home = sessions / str(os.getpid())
    if home.exists():  # a pid reused since a session that died
        neo4j_server.stop(home)
        shutil.rmtree(home)
    new_neo4j_home(home, neo4j_jars)
    try:
        try:
            info = neo4j_server.start(home, timeout=_NEO4J_START_TIMEOUT)
        except ProvenanceError as exc:
            _neo4j_unavailable(f"local server: {exc}")
        yield info
    finally:
        neo4j_server.stop(home)
        shutil.rmtree(home, ignore_errors=True)


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
    bolt = f"{parts.scheme}://{host}:{port}"
    try:
        ready = _bolt_ready(bolt, user, password)
        foreign = ready and _holds_data(bolt, user, password)
    except Exception as exc:  # AuthError and the like
        _neo4j_unavailable(f"NEO4J_URI={uri}: {exc}")
    if not ready:
        _neo4j_unavailable(f"NEO4J_URI={uri} does not answer")
    if foreign and not _truthy(os.environ.get(NEO4J_WIPE_ENV)):
        _neo4j_unavailable(
            f"NEO4J_URI={bolt} holds data this test session did not write, and the tests "
            f"wipe the database they use: point NEO4J_URI at an empty database, or set "
            f"{NEO4J_WIPE_ENV}=1 to let them wipe this one"
        )
    return Neo4jTestServer(
        uri=bolt,
        user=user,
        password=password,
        store_uri=_store_uri(parts.scheme, user, password, host, port),
        how=f"$NEO4J_URI {bolt}",
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
            how=f"local provenance.neo4j_server (this session's own, {info.home})",
            browser_url=info.browser_url,
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


# ============================================================================================
# S3-compatible server (fixtures: s3_jar, s3_server, s3_bucket)
# --------------------------------------------------------------------------------------------
# Tests that need S3 are marked ``@pytest.mark.s3`` and request ``s3_server`` (or
# ``s3_bucket``, a new empty bucket per test; needs s3fs, from the dev extra). The server is a
# local s3proxy of provenance.s3_server (filesystem backend, 127.0.0.1, generated keys),
# started once per session in its own home (``.pytest_cache/d/s3proxy/sessions/<pid>``),
# stopped and deleted at session end; servers left by sessions that died are stopped by the
# next session. The jar (provisioned once from Maven Central, Java 17 + Maven as for Neo4j) is
# shared: ``.pytest_cache/d/s3proxy/jar-<version>/lib`` (``$PROVENANCE_TEST_S3_DIR`` moves
# ``.pytest_cache/d/s3proxy``). With ``CI=true`` a server that cannot be started fails the
# run; elsewhere the tests skip with the reason (listed in the summary, see below).
# ============================================================================================
#: Overrides where the tests keep the s3proxy jar and their sessions' servers.
S3_TEST_DIR_ENV = "PROVENANCE_TEST_S3_DIR"
_S3_START_TIMEOUT = float(os.environ.get("PROVENANCE_TEST_S3_TIMEOUT", "180"))


@dataclass(frozen=True)
class S3TestServer:
    """The S3-compatible server of this test session."""

    endpoint_url: str
    access_key: str
    secret_key: str = field(repr=False)
    home: Path
    pid: int

    def storage_options(self) -> dict[str, str]:
        """fsspec/s3fs options: ``s3fs.S3FileSystem(**server.storage_options())``."""
        return {
            "key": self.access_key,
            "secret": self.secret_key,
            "endpoint_url": self.endpoint_url,
        }


def _s3_unavailable(reason: str) -> NoReturn:
    """Fail (CI) or skip (elsewhere): an S3 test without a server."""
    if _in_ci():
        pytest.fail(
            f"the S3 server is required with CI=true but could not be started: {reason}",
            pytrace=False,
        )
    pytest.skip(f"no S3 server: {reason.splitlines()[0]}")


def _s3_test_dir(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``$PROVENANCE_TEST_S3_DIR``, else ``.pytest_cache/d/s3proxy``, else the session temp."""
    if os.environ.get(S3_TEST_DIR_ENV):
        return Path(os.environ[S3_TEST_DIR_ENV]).absolute()
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("s3proxy"))
    return tmp_path_factory.getbasetemp() / "s3proxy"


@pytest.fixture(scope="session")
def s3_jar(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``lib`` directory holding ``s3proxy.jar`` (from Maven Central once, then shared by
    the test sessions of this checkout): a server home links its ``lib`` here."""
    from provenance import s3_server
    from provenance.errors import ProvenanceError
    from provenance.s3_server.provisioning import _lib_ok

    home = _s3_test_dir(request.config, tmp_path_factory) / f"jar-{s3_server.DEFAULT_VERSION}"
    if not _lib_ok(home / "lib", s3_server.DEFAULT_VERSION):
        try:
            s3_server.provision(home)
        except ProvenanceError as exc:
            _s3_unavailable(f"provisioning s3proxy: {exc}")
    return home / "lib"


def new_s3_home(home: Path, jar_lib: Path) -> Path:
    """An empty server home whose ``lib`` is ``jar_lib`` (no download); returns ``home``."""
    home.mkdir(parents=True, mode=0o700)
    (home / "lib").symlink_to(jar_lib, target_is_directory=True)
    return home


@pytest.fixture(scope="session")
def s3_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, s3_jar: Path
) -> Iterator[S3TestServer]:
    """This session's own s3proxy: started here, stopped and deleted at session end."""
    from provenance import s3_server as server
    from provenance.errors import ProvenanceError

    sessions = _s3_test_dir(request.config, tmp_path_factory) / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    for old in sessions.glob("*"):  # servers of sessions that died without stopping them
        if old.name.isdigit() and int(old.name) != os.getpid() and not _pid_alive(int(old.name)):
            server.stop(old)
            shutil.rmtree(old, ignore_errors=True)
    home = sessions / str(os.getpid())
    if home.exists():  # a pid reused since a session that died
        server.stop(home)
        shutil.rmtree(home)
    new_s3_home(home, s3_jar)
    try:
        try:
            info = server.start(home, timeout=_S3_START_TIMEOUT)
        except ProvenanceError as exc:
            _s3_unavailable(f"local s3proxy: {exc}")
        yield S3TestServer(
            endpoint_url=info.endpoint_url,
            access_key=info.access_key,
            secret_key=info.secret_key,
            home=home,
            pid=info.pid,
        )
    finally:
        server.stop(home)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def s3_bucket(s3_server: S3TestServer) -> str:
    """A new, empty bucket on the session's S3 server (its name; ``s3://<name>``)."""
    import uuid

    try:
        import s3fs
    except ImportError as exc:
        _s3_unavailable(f"s3fs is not installed ({exc}): pip install -e '.[dev]'")
    fs = s3fs.S3FileSystem(**s3_server.storage_options(), skip_instance_cache=True)
    name = f"test-{uuid.uuid4().hex[:16]}"
    # Not fs.mkdir(name): s3fs first probes GetBucketLocation, which s3proxy answers for a
    # bucket that does not exist, so mkdir would raise FileExistsError without creating it.
    fs.call_s3("create_bucket", Bucket=name)
    return name


# ============================================================================================
# Skipped tests (hooks: the skip tally, with the Neo4j tally above)
# --------------------------------------------------------------------------------------------
# No test may stop testing silently. With ``CI=true`` any skipped test (a skip or skipif
# marker, ``pytest.skip``/``importorskip`` in a test or a fixture, a module skipped at
# collection) fails the session, and the terminal summary lists each skipped test with its
# reason; elsewhere skips are allowed and listed the same way. (A test whose own setup did not
# take must fail outright, not skip: see tests/test_autolog.py.)
# ============================================================================================
#: Every skipped test or module of the session: nodeid -> reason.
_SKIPPED: dict[str, str] = {}


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class _TallyPlugin:
    """Hook implementations, registered as a plugin so conftest hook names stay free."""

    @pytest.hookimpl
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        _NEO4J.marked.update(item.nodeid for item in items if item.get_closest_marker("neo4j"))

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:
            _SKIPPED.setdefault(report.nodeid, _skip_reason(report))

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        skipped = report.skipped and not hasattr(report, "wasxfail")
        if skipped:
            _SKIPPED.setdefault(report.nodeid, _skip_reason(report))
        if report.nodeid not in _NEO4J.marked:
            return
        if report.when == "call" and (
            report.passed or report.failed or hasattr(report, "wasxfail")
        ):
            _NEO4J.ran += 1
        elif skipped:
            _NEO4J.skipped.setdefault(report.nodeid, _skip_reason(report))

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if _in_ci() and _SKIPPED and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        ci = _in_ci()
        verdict = "this FAILS the session (CI=true)" if ci else "allowed outside CI"
        terminalreporter.write_line(f"neo4j tests run: {_NEO4J.ran} (server: {_NEO4J.how})")
        if _NEO4J.skipped:
            terminalreporter.write_line(
                f"neo4j tests skipped: {len(_NEO4J.skipped)} ({verdict})", red=ci, yellow=not ci
            )
        if _SKIPPED:
            terminalreporter.write_line(
                f"skipped tests: {len(_SKIPPED)} ({verdict})", red=ci, yellow=not ci
            )
            for nodeid, reason in sorted(_SKIPPED.items()):
                terminalreporter.write_line(f"  SKIPPED {nodeid}: {reason}")


def pytest_configure(config: pytest.Config) -> None:
    """Register the tally plugin (other sections may add their own lines here)."""
    if not config.pluginmanager.has_plugin("provenance-tally"):
        config.pluginmanager.register(_TallyPlugin(), "provenance-tally")


# ============================================================================================
# Per-test timeouts (pytest-timeout; the default is [tool.pytest.ini_options] timeout)
# --------------------------------------------------------------------------------------------
# A test that hangs fails after the default (300 s of its own body) instead of stalling the
# run; a test marked ``slow`` gets 900 s unless it sets its own ``@pytest.mark.timeout``.
# ============================================================================================
SLOW_TEST_TIMEOUT_S = 900


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give ``slow`` tests their longer timeout."""
    if not config.pluginmanager.hasplugin("timeout"):
        return
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TEST_TIMEOUT_S))


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


# ============================================================================================
# Digest cache (provenance.hashing.cache): every test gets its own
# --------------------------------------------------------------------------------------------
# DigestCache() defaults to ~/.cache/provenance/digests.sqlite; $PROVENANCE_CACHE_DIR moves
# it. Pointing that at a directory of the test's own keeps tests out of the user's cache
# (which a test could otherwise read stale digests from, or fill) and out of each other's.
# Subprocesses started by a test inherit it.
# ============================================================================================
@pytest.fixture(autouse=True)
def _private_digest_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = tmp_path_factory.mktemp("digest-cache")
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(root))
    return root


# ============================================================================================
# Keras: the torch backend
# --------------------------------------------------------------------------------------------
# Keras 3 picks its backend once, when first imported, from $KERAS_BACKEND (default
# tensorflow, which the test environment does not install); the framework tests run Keras on
# torch. Set here, before any test module imports keras; subprocesses inherit it.
# ============================================================================================
os.environ.setdefault("KERAS_BACKEND", "torch")


# ============================================================================================
# File permissions as an unprivileged user sees them (fixture: file_modes_enforced)
# --------------------------------------------------------------------------------------------
# Root reads and writes files whatever their mode, and CI runs as root. A test about a
# permission failure requests ``file_modes_enforced`` and then chmods files under its
# tmp_path: as another user the kernel refuses as usual; as root the refusal is simulated
# from the same mode bits (the owner's: ``os.access`` answers by them, and ``os.open`` and
# ``Path.stat`` raise PermissionError where the owner would get EACCES), for paths under the
# test's tmp_path only. So the test runs, and asserts the same, either way.
# ============================================================================================
_MODE_BITS = ((os.R_OK, 0o400), (os.W_OK, 0o200), (os.X_OK, 0o100))


@pytest.fixture
def file_modes_enforced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Permission checks by mode bits under ``tmp_path``; True where simulated (as root)."""
    if os.geteuid() != 0:
        return False
    import errno
    import stat as stat_module

    real_access, real_open, real_stat = os.access, os.open, Path.stat
    scope = tmp_path.resolve()

    def owner_may(path: Path, want: int) -> bool:
        mode = stat_module.S_IMODE(real_stat(path).st_mode)
        return all(mode & bit for flag, bit in _MODE_BITS if want & flag)

    def searchable(path: Path) -> bool:
        """Whether every directory on the way to ``path`` inside the scope may be searched."""
        return all(owner_may(p, os.X_OK) for p in path.parents if p.is_relative_to(scope))

    def in_scope(path: Any) -> Path | None:
        if isinstance(path, int):
            return None
        absolute = Path(os.path.abspath(os.fsdecode(path)))
        return absolute if absolute.is_relative_to(scope) and absolute != scope else None

    def denied(path: Path) -> PermissionError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        p = in_scope(path)
        if p is None:
            return real_access(path, mode, *args, **kwargs)
        if not searchable(p):
            return False
        return real_access(path, mode, *args, **kwargs) and owner_may(p, mode)

    def open_(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        p = in_scope(path)
        if p is not None:
            if not searchable(p):
                raise denied(p)
            if os.path.lexists(p):
                access_mode = flags & os.O_ACCMODE
                want = {os.O_RDONLY: os.R_OK, os.O_WRONLY: os.W_OK}.get(
                    access_mode, os.R_OK | os.W_OK
                )
                if not owner_may(p, want):
                    raise denied(p)
            elif not owner_may(p.parent, os.W_OK | os.X_OK):
                raise denied(p)
        return real_open(path, flags, mode, *args, **kwargs)

    def stat(self: Path, **kwargs: Any) -> os.stat_result:
        p = in_scope(self)
        if p is not None and not searchable(p):
            raise denied(p)
        return real_stat(self, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(Path, "stat", stat)
    return True
