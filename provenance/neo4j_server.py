"""A real local Neo4j 5.26 LTS Community server, without Docker.

The server is provisioned from Maven Central: a tiny Maven project (the same file as
``docker/neo4j-provision/pom.xml``) resolves ``org.neo4j:neo4j`` + ``org.neo4j.app:neo4j-server``
+ ``org.neo4j.client:neo4j-browser`` and copies the jars into ``<home>/lib``; the server then
runs as ``java -cp '<home>/lib/*' org.neo4j.server.CommunityEntryPoint`` with a generated
``neo4j.conf``. Everything lives in one state directory, ``<home>``:

* ``$PROVENANCE_NEO4J_HOME`` if set, else ``$XDG_CACHE_HOME/provenance/neo4j-<version>``
  (``~/.cache/provenance/neo4j-5.26.30``). Maven's own download cache stays in ``~/.m2``.
* ``lib/`` the jars; ``conf/neo4j.conf`` (rewritten on every start); ``data/``, ``logs/``
  (``neo4j.log``, ``debug.log``, ``console.log`` = the JVM's stdout/stderr); ``state.json``
  (ports, user, version); ``password`` (mode 0600); ``neo4j.pid``.

Bolt and HTTP listen on 127.0.0.1 only, on free ports picked at provisioning time and kept
in ``state.json``. Authentication is on; the ``neo4j`` user's password is random (32
letters and digits, so it is safe inside a URI) and is set before the first start with Neo4j's
own ``neo4j-admin dbms set-initial-password`` (class ``org.neo4j.cli.AdminTool``). The default
``neo4j``/``neo4j`` password is never usable. Neo4j Browser is served at
``http://127.0.0.1:<http_port>/browser/``.

The server runs detached (its own session, output in ``logs/console.log``), so it outlives
the process that started it; :func:`start` reuses a running server.

Example:
    >>> from provenance import neo4j_server
    >>> info = neo4j_server.start()  # doctest: +SKIP
    >>> info.uri  # doctest: +SKIP
    'neo4j://neo4j:Qx…@127.0.0.1:41873'
    >>> neo4j_server.status().pid == info.pid  # doctest: +SKIP
    True
    >>> neo4j_server.stop()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.errors import Neo4jServerError

__all__ = [
    "BROWSER_VERSION",
    "DEFAULT_USER",
    "DEFAULT_VERSION",
    "HOME_ENV",
    "POM_XML",
    "ServerInfo",
    "default_home",
    "provision",
    "start",
    "status",
    "stop",
]

#: Latest Neo4j 5.26 LTS patch release that resolves on Maven Central.
DEFAULT_VERSION = "5.26.30"
#: Last ``org.neo4j.client:neo4j-browser`` published on Maven Central.
BROWSER_VERSION = "5.24.0"
#: Environment variable that overrides the state directory.
HOME_ENV = "PROVENANCE_NEO4J_HOME"
#: The only user of a Community server.
DEFAULT_USER = "neo4j"
HOST = "127.0.0.1"
MIN_JAVA = 17

HEAP_ENV = "PROVENANCE_NEO4J_HEAP"  # e.g. "2g"; sets -Xms and -Xmx (default 512m..1g)
PAGECACHE_ENV = "PROVENANCE_NEO4J_PAGECACHE"  # e.g. "1g" (default 512m)

_MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_CLASS = "org.neo4j.cli.AdminTool"
_PROVISIONED_MARKER = ".provenance-provisioned.json"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits

# The JVM options of Neo4j's default neo4j.conf (server.jvm.additional); the official `neo4j`
# launcher script adds them, so we do too when running the entry point directly.
_JVM_ADDITIONAL = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
)

#: The Maven project that provisions the server; byte-identical to
#: ``docker/neo4j-provision/pom.xml`` (a test checks it). Versions and the output folder are
#: properties, overridden with ``-D`` on the command line.
POM_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<!--
  Provisions a Neo4j 5.26 LTS Community server from Maven Central, without Docker.

  Used by provenance/neo4j_server.py (`provenance neo4j start`), which embeds this exact file
  (POM_XML; tests/test_neo4j_server.py checks that the two are identical). It builds nothing:
  it resolves the server jars plus Neo4j Browser and copies them into ${neo4j.lib.dir}, which
  is then run with `java -cp 'lib/*' org.neo4j.server.CommunityEntryPoint`.

  By hand:
    mvn -B -ntp -f docker/neo4j-provision/pom.xml package \\
        -Dneo4j.lib.dir=$HOME/.cache/provenance/neo4j-5.26.30/lib
-->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>

  <groupId>provenance</groupId>
  <artifactId>neo4j-provision</artifactId>
  <version>1</version>
  <packaging>pom</packaging>

  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <!-- Latest Neo4j 5.26 LTS patch release on Maven Central (override: -Dneo4j.version). -->
    <neo4j.version>5.26.30</neo4j.version>
    <!-- Last Neo4j Browser on Maven Central; served at http://host:http_port/browser/. -->
    <neo4j.browser.version>5.24.0</neo4j.browser.version>
    <neo4j.lib.dir>${project.build.directory}/lib</neo4j.lib.dir>
  </properties>

  <dependencies>
    <!-- The Community DBMS: kernel, Cypher, Bolt, record storage, neo4j-admin, the
         CommunityEntryPoint main class; pulls in neo4j-server too. -->
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>${neo4j.version}</version>
    </dependency>
    <!-- The HTTP server (Jetty), query API and static content such as the Browser. -->
    <dependency>
      <groupId>org.neo4j.app</groupId>
      <artifactId>neo4j-server</artifactId>
      <version>${neo4j.version}</version>
    </dependency>
    <!-- Neo4j Browser: a jar of static web resources. -->
    <dependency>
      <groupId>org.neo4j.client</groupId>
      <artifactId>neo4j-browser</artifactId>
      <version>${neo4j.browser.version}</version>
    </dependency>
  </dependencies>

  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
        <executions>
          <execution>
            <id>copy-server-jars</id>
            <phase>package</phase>
            <goals>
              <goal>copy-dependencies</goal>
            </goals>
            <configuration>
              <outputDirectory>${neo4j.lib.dir}</outputDirectory>
              <includeScope>runtime</includeScope>
              <overWriteIfNewer>true</overWriteIfNewer>
            </configuration>
          </execution>
        </executions>
      </plugin>
    </plugins>
  </build>
</project>
"""

Progress = Callable[[str], None]

# Servers this process launched, so that stop() can reap them (no zombies, no ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


# --------------------------------------------------------------------------------------------
# public types
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerInfo:
    """Where a local Neo4j server listens and how to log in.

    Example:
        >>> info = ServerInfo(bolt_port=7687, http_port=7474, user="neo4j", password="pw",
        ...                   pid=123, home=Path("/tmp/n"))
        >>> info.uri
        'neo4j://neo4j:pw@127.0.0.1:7687'
        >>> info.bolt_uri
        'bolt://127.0.0.1:7687'
        >>> info.browser_url
        'http://127.0.0.1:7474/browser/'
    """

    bolt_port: int
    http_port: int
    user: str
    password: str = field(repr=False)
    pid: int
    home: Path
    version: str = DEFAULT_VERSION
    host: str = HOST
    #: True when Bolt answered with the stored password (False: process up, Bolt not yet).
    ready: bool = True
    #: True when this call launched the server, False when it reused a running one.
    started: bool = False

    @property
    def uri(self) -> str:
        """Store URI with credentials: ``neo4j://neo4j:<password>@127.0.0.1:<bolt_port>``."""
        return f"neo4j://{self.user}:{self.password}@{self.host}:{self.bolt_port}"

    @property
    def bolt_uri(self) -> str:
        """Bolt URI for the driver, without credentials: ``bolt://127.0.0.1:<bolt_port>``."""
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP API: ``http://127.0.0.1:<http_port>``."""
        return f"http://{self.host}:{self.http_port}"

    @property
    def browser_url(self) -> str:
        """Neo4j Browser: ``http://127.0.0.1:<http_port>/browser/``."""
        return f"{self.http_url}/browser/"

    @property
    def log_file(self) -> Path:
        """The server's user log (``<home>/logs/neo4j.log``)."""
        return self.home / "logs" / "neo4j.log"

    @property
    def password_file(self) -> Path:
        """The 0600 file holding the password."""
        return self.home / "password"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (includes the password and the store URI).

        Example:
            >>> ServerInfo(7687, 7474, "neo4j", "pw", 1, Path("/h")).to_dict()["bolt_uri"]
            'bolt://127.0.0.1:7687'
        """
        return {
            "running": True,
            "ready": self.ready,
            "pid": self.pid,
            "version": self.version,
            "host": self.host,
            "bolt_port": self.bolt_port,
            "http_port": self.http_port,
            "user": self.user,
            "password": self.password,
            "uri": self.uri,
            "bolt_uri": self.bolt_uri,
            "browser_url": self.browser_url,
            "home": str(self.home),
            "password_file": str(self.password_file),
            "log_file": str(self.log_file),
        }


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------
def default_home(version: str = DEFAULT_VERSION) -> Path:
    """The state directory: ``$PROVENANCE_NEO4J_HOME``, else ``~/.cache/provenance/neo4j-<v>``.

    Example:
        >>> default_home().name if HOME_ENV not in os.environ else "neo4j-5.26.30"
        'neo4j-5.26.30'
    """
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser().absolute() / "provenance" / f"neo4j-{version}"


def provision(
    home: str | Path | None = None,
    *,
    version: str = DEFAULT_VERSION,
    browser_version: str = BROWSER_VERSION,
    java: str | None = None,
    mvn: str | None = None,
    maven_repo_local: str | Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Make ``home`` ready to run: jars, config, ports, password. Idempotent; returns ``home``.

    Downloads the jars with Maven only when ``<home>/lib`` is missing or was provisioned for
    other versions (or ``force``). Picks free ports once; generates the password once and sets
    it as the initial password before the first start.

    Args:
        home: the state directory (default: :func:`default_home`).
        version: Neo4j version (``org.neo4j:neo4j``).
        browser_version: ``org.neo4j.client:neo4j-browser`` version.
        java: the ``java`` executable (default: ``$JAVA_HOME/bin/java``, else ``java`` on PATH).
        mvn: the ``mvn`` executable (default: ``mvn`` on PATH).
        maven_repo_local: Maven's download cache (default: Maven's own, ``~/.m2/repository``).
        force: download the jars again.
        progress: called with one-line progress messages.

    Raises:
        Neo4jServerError: Java or Maven missing, Maven failed, the admin tool failed.

    Example:
        >>> home = provision()  # doctest: +SKIP
        >>> (home / "password").stat().st_mode & 0o777 == 0o600  # doctest: +SKIP
        True
    """
    home_path = _resolve_home(home, version)
    java_exe = _find_java(java)
    with _locked(home_path, progress):
        _provision_locked(
            home_path, version, browser_version, java_exe, mvn, maven_repo_local, force, progress
        )
    return home_path


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
        home: the state directory (default: :func:`default_home`).
        bolt_port, http_port: ports to listen on; by default the ones picked at provisioning
            (picked again if another program took them since). An explicit port that is in
            use is an error.
        timeout: seconds to wait for the server to answer once launched (provisioning, which
            downloads ~170 MB the first time, is not counted).
        version, java, mvn, maven_repo_local: as for :func:`provision`.
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
            state = _read_state(home_path)
            if state is not None:
                for key, wanted in (("bolt_port", bolt_port), ("http_port", http_port)):
                    if wanted is not None and wanted != state[key]:
                        raise Neo4jServerError(
                            f"Neo4j already runs on {home_path} with {key.replace('_', ' ')}"
                            f" {state[key]}; stop it first to move it to {wanted}"
                        )
                _say(progress, f"reusing the Neo4j server already running (pid {running})")
                _wait_until_ready(
                    home_path,
                    state,
                    running,
                    time.monotonic() + timeout,
                    timeout,
                    _CHILDREN.get(running),
                )
                _write_pid(home_path, running)
                return _info(home_path, state, running, ready=True, started=False)
            raise Neo4jServerError(
                f"a Neo4j process (pid {running}) runs on {home_path} but its state file is"
                f" missing; stop it (kill {running}) and start again"
            )
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


def stop(
    home: str | Path | None = None, *, timeout: float = 60.0, version: str = DEFAULT_VERSION
) -> bool:
    """Stop the local server; True if one was running. SIGTERM, then SIGKILL after ``timeout``.

    Example:
        >>> stop()  # doctest: +SKIP
        True
        >>> stop()  # nothing left to stop  # doctest: +SKIP
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


# --------------------------------------------------------------------------------------------
# provisioning
# --------------------------------------------------------------------------------------------
def _resolve_home(home: str | Path | None, version: str) -> Path:
    return Path(home).expanduser().absolute() if home is not None else default_home(version)


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _find_java(java: str | None) -> str:
    """The java executable; checks it runs and is Java 17 or newer."""
    exe: str | None
    if java is not None:
        exe = java if os.path.sep in java or Path(java).exists() else shutil.which(java)
    else:
        java_home = os.environ.get("JAVA_HOME")
        candidate = Path(java_home) / "bin" / "java" if java_home else None
        exe = (
            str(candidate)
            if candidate is not None and candidate.is_file()
            else (shutil.which("java"))
        )
    if exe is None or not Path(exe).is_file():
        raise Neo4jServerError(
            f"Java not found ({java or 'no JAVA_HOME, no java on PATH'}): Neo4j 5.26 needs"
            f" Java {MIN_JAVA} or 21 (e.g. apt-get install openjdk-17-jre-headless)"
        )
    try:
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Neo4jServerError(f"cannot run {exe} -version: {exc}") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if out.returncode != 0 or match is None:
        raise Neo4jServerError(f"{exe} -version failed: {(out.stderr or out.stdout).strip()}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_…"
        major = int(match.group(2))
    if major < MIN_JAVA:
        raise Neo4jServerError(
            f"{exe} is Java {major}; Neo4j 5.26 needs Java {MIN_JAVA} or 21 (set JAVA_HOME)"
        )
    return exe


#: Maven fetched from Maven Central when none is installed (checked against its SHA-512).
MAVEN_VERSION = "3.9.9"
MAVEN_SHA512 = (
    "a555254d6b53d267965a3404ecb14e53c3827c09c3b94b5678835887ab404556"
    "bfaf78dcfe03ba76fa2508649dca8531c74bca4d5846513522404d48e8c4ac8b"
)
MAVEN_URL = (
    "https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/"
    f"{MAVEN_VERSION}/apache-maven-{MAVEN_VERSION}-bin.tar.gz"
)


def _find_mvn(mvn: str | None) -> str:
    exe = shutil.which(mvn or "mvn")
    if exe is not None:
        return exe
    if mvn is not None:
        raise Neo4jServerError(f"Maven not found: {mvn}")
    return _bootstrap_maven()


def _bootstrap_maven() -> str:
    """Maven from Maven Central into the cache (once); the path of its ``mvn``."""
    import hashlib
    import tarfile

    root = Path(os.environ.get("PROVENANCE_CACHE_DIR") or Path.home() / ".cache" / "provenance")
    home = root / f"apache-maven-{MAVEN_VERSION}"
    exe = home / "bin" / "mvn"
    if exe.is_file():
        return str(exe)
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"apache-maven-{MAVEN_VERSION}-bin.tar.gz"
    try:
        with urllib.request.urlopen(MAVEN_URL, timeout=120) as resp, archive.open("wb") as out:
            shutil.copyfileobj(resp, out)
    except OSError as exc:
        raise Neo4jServerError(
            f"Maven is not installed and could not be fetched from Maven Central ({exc}); "
            "install it (e.g. apt-get install maven)"
        ) from exc
    if hashlib.sha512(archive.read_bytes()).hexdigest() != MAVEN_SHA512:
        archive.unlink()
        raise Neo4jServerError(f"the Maven archive from {MAVEN_URL} failed its SHA-512 check")
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    archive.unlink()
    return str(exe)


def _provision_locked(
    home: Path,
    version: str,
    browser_version: str,
    java: str,
    mvn: str | None,
    maven_repo_local: str | Path | None,
    force: bool,
    progress: Progress | None,
) -> None:
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    _ensure_lib(home, version, browser_version, mvn, maven_repo_local, force, progress)
    state = _read_state(home)
    if state is None:
        bolt, http = _two_free_ports()
        state = {"user": DEFAULT_USER, "bolt_port": bolt, "http_port": http}
    if (state.get("version"), state.get("browser_version")) != (version, browser_version):
        state = dict(state, version=version, browser_version=browser_version)
        _write_state(home, state)
    _write_conf(home, state)
    _ensure_password(home, java, progress)


def _lib_ok(lib: Path, version: str, browser_version: str) -> bool:
    try:
        marker = json.loads((lib / _PROVISIONED_MARKER).read_text())
    except (OSError, ValueError):
        return False
    return bool(
        marker.get("version") == version
        and marker.get("browser_version") == browser_version
        and (lib / f"neo4j-{version}.jar").is_file()
    )


def _ensure_lib(
    home: Path,
    version: str,
    browser_version: str,
    mvn: str | None,
    maven_repo_local: str | Path | None,
    force: bool,
    progress: Progress | None,
) -> None:
    lib = home / "lib"
    if not force and _lib_ok(lib, version, browser_version):
        return
    mvn_exe = _find_mvn(mvn)
    work = home / "provision"
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(POM_XML)
    partial = home / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    cmd = [
        mvn_exe,
        "-B",
        "-ntp",
        "-f",
        str(work / "pom.xml"),
        "package",
        f"-Dneo4j.version={version}",
        f"-Dneo4j.browser.version={browser_version}",
        f"-Dneo4j.lib.dir={partial}",
    ]
    if maven_repo_local is not None:
        cmd.append(f"-Dmaven.repo.local={Path(maven_repo_local).expanduser().absolute()}")
    log = home / "logs" / "provision.log"
    _say(progress, f"downloading Neo4j {version} from Maven Central (once; ~170 MB)")
    began = time.monotonic()
    try:
        with log.open("wb") as out:
            proc = subprocess.run(
                cmd,
                cwd=work,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=3600,
            )
    except (OSError, subprocess.SubprocessError) as exc:
        raise Neo4jServerError(f"cannot run Maven ({mvn_exe}): {exc}") from exc
    if proc.returncode != 0 or not (partial / f"neo4j-{version}.jar").is_file():
        raise Neo4jServerError(
            f"Maven could not provision Neo4j {version} (exit {proc.returncode}; log: {log})\n"
            + _tail(log, 30)
        )
    (partial / _PROVISIONED_MARKER).write_text(
        json.dumps(
            {
                "version": version,
                "browser_version": browser_version,
                "provisioned_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        )
    )
    shutil.rmtree(lib, ignore_errors=True)
    partial.rename(lib)
    _say(
        progress,
        f"provisioned {len(list(lib.glob('*.jar')))} jars in {time.monotonic() - began:.0f}s",
    )


def _system_db_exists(home: Path) -> bool:
    return (home / "data" / "databases" / "system").exists()


def _ensure_password(home: Path, java: str, progress: Progress | None) -> str:
    pw_file = home / "password"
    password = _read_password(home)
    if _system_db_exists(home):
        if password is None:
            raise Neo4jServerError(
                f"{pw_file} is missing but the server in {home} is already initialised with"
                f" its password; delete {home / 'data'} to start over (erases the graph)"
            )
        return password
    if password is None:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(32))
        fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
    os.chmod(pw_file, 0o600)
    _say(progress, "setting the initial password (neo4j-admin dbms set-initial-password)")
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    env.pop("JAVA_OPTS", None)
    cmd = [
        java,
        "-cp",
        str(home / "lib" / "*"),
        "-Xmx256m",
        _ADMIN_CLASS,
        "dbms",
        "set-initial-password",
        password,
    ]
    try:
        proc = subprocess.run(
            cmd,
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise Neo4jServerError(f"cannot run neo4j-admin: {exc}") from exc
    if proc.returncode != 0 or not (home / "data" / "dbms" / "auth.ini").is_file():
        detail = (proc.stderr or proc.stdout).strip().replace(password, "***")
        raise Neo4jServerError(
            f"neo4j-admin dbms set-initial-password failed (exit {proc.returncode}): {detail}"
        )
    return password


def _read_password(home: Path) -> str | None:
    try:
        text = (home / "password").read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Neo4jServerError(f"cannot read {home / 'password'}: {exc}") from exc
    return text or None


def _read_state(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((home / "state.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not {"bolt_port", "http_port", "user", "version"} <= set(data):
        return None
    return data


def _write_state(home: Path, state: dict[str, Any]) -> None:
    tmp = home / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(home / "state.json")


def _memory() -> tuple[str, str, str]:
    """(initial heap, max heap, page cache), from the environment or the defaults."""
    heap = os.environ.get(HEAP_ENV, "").strip()
    pagecache = os.environ.get(PAGECACHE_ENV, "").strip() or "512m"
    for var, value in ((HEAP_ENV, heap), (PAGECACHE_ENV, pagecache)):
        if value and not re.fullmatch(r"[1-9]\d*[kKmMgG]?", value):
            raise Neo4jServerError(f"${var}={value!r} is not a size like 512m or 2g")
    return (heap or "512m", heap or "1g", pagecache)


def _write_conf(home: Path, state: dict[str, Any]) -> None:
    heap_initial, heap_max, pagecache = _memory()
    bolt, http = state["bolt_port"], state["http_port"]
    lines = [
        "# Generated by provenance.neo4j_server; rewritten on every start.",
        f"server.default_listen_address={HOST}",
        f"server.default_advertised_address={HOST}",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address={HOST}:{bolt}",
        f"server.bolt.advertised_address={HOST}:{bolt}",
        "server.bolt.tls_level=DISABLED",
        "server.http.enabled=true",
        f"server.http.listen_address={HOST}:{http}",
        f"server.http.advertised_address={HOST}:{http}",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.memory.heap.initial_size={heap_initial}",
        f"server.memory.heap.max_size={heap_max}",
        f"server.memory.pagecache.size={pagecache}",
        f"server.directories.data={home / 'data'}",
        f"server.directories.logs={home / 'logs'}",
        f"server.directories.run={home / 'run'}",
        f"server.directories.lib={home / 'lib'}",
        f"server.directories.plugins={home / 'plugins'}",
        f"server.directories.import={home / 'import'}",
        "db.tx_log.rotation.retention_policy=512M size",
        "dbms.usage_report.enabled=false",
        *(f"server.jvm.additional={opt}" for opt in _JVM_ADDITIONAL),
    ]
    conf = home / "conf" / "neo4j.conf"
    tmp = conf.with_suffix(".conf.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(conf)


# --------------------------------------------------------------------------------------------
# processes, ports, Bolt
# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(home: Path, progress: Progress | None) -> Iterator[None]:
    """Serialise provision/start/stop across processes sharing ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        home.chmod(0o700)
    fd = os.open(home / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(progress, f"waiting for another process using {home}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _pid_file(home: Path) -> Path:
    return home / "neo4j.pid"


def _write_pid(home: Path, pid: int) -> None:
    _pid_file(home).write_text(f"{pid}\n")


def _cmdline(pid: int) -> list[str] | None:
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
    args = _cmdline(pid) or []
    return _MAIN_CLASS in args and f"--home-dir={home}" in args


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (zombies count as dead; our own children are reaped)."""
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


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _two_free_ports() -> tuple[int, int]:
    socks: list[socket.socket] = []
    try:
        for _ in range(2):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            socks.append(sock)
        return socks[0].getsockname()[1], socks[1].getsockname()[1]
    finally:
        for sock in socks:
            sock.close()


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


def _terminate(pid: int, timeout: float, proc: subprocess.Popen[bytes] | None) -> None:
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


def _tail(path: Path, lines: int, since: int = 0) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(since if since <= size else 0, size - 64 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _first_error(home: Path, since: int = 0) -> str:
    """The JVM's first complaint (console.log), else neo4j.log's last ERROR/WARN line."""
    for line in _tail(home / "logs" / "console.log", 200).splitlines():
        if line.strip() and not re.match(r"\d{4}-\d\d-\d\d .*\b(INFO|DEBUG)\b", line):
            return line.strip()
    lines = _tail(home / "logs" / "neo4j.log", 200, since).splitlines()
    for line in reversed(lines):
        if re.search(r"\b(ERROR|WARN)\b", line):
            return line.strip()
    return lines[-1].strip() if lines else "no error message"


def _log_tail(home: Path, lines: int = 25, since: int = 0) -> str:
    """The last lines of console.log and of neo4j.log (written after offset ``since``)."""
    parts = []
    for name, offset in (("console.log", 0), ("neo4j.log", since)):
        tail = _tail(home / "logs" / name, lines, offset)
        if tail.strip():
            parts.append(f"--- last lines of {home / 'logs' / name} ---\n{tail}")
    return "\n".join(parts) or "(the server wrote no log)"


def _log_size(home: Path) -> int:
    try:
        return (home / "logs" / "neo4j.log").stat().st_size
    except OSError:
        return 0


if __name__ == "__main__":  # pragma: no cover - debugging aid
    print(start(progress=lambda m: print(m, file=sys.stderr)).uri)
