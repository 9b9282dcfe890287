"""Provisioning ``<home>`` from Maven Central: Java and Maven (fetched from Maven Central when
none is installed), the Maven project that resolves the server jars into ``<home>/lib``, and
:func:`provision`, which also lays out the state directory, picks the ports and sets the
password.

A tiny Maven project (:data:`POM_XML`, the same file as ``docker/neo4j-provision/pom.xml``)
resolves ``org.neo4j:neo4j`` + ``org.neo4j.app:neo4j-server`` + ``org.neo4j.client:neo4j-browser``
and copies the jars into ``<home>/lib``. Maven's own download cache stays in ``~/.m2``.

Example:
    >>> "<artifactId>neo4j-browser</artifactId>" in POM_XML
    True
    >>> MAVEN_URL.endswith(f"apache-maven-{MAVEN_VERSION}-bin.tar.gz")
    True
    >>> _lib_ok(Path("/no/such/home/lib"), DEFAULT_VERSION, BROWSER_VERSION)
    False
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from provenance.errors import Neo4jServerError
from provenance.neo4j_server.config import (
    BROWSER_VERSION,
    DEFAULT_USER,
    DEFAULT_VERSION,
    _two_free_ports,
    _write_conf,
)
from provenance.neo4j_server.home import (
    Progress,
    _locked,
    _read_state,
    _resolve_home,
    _say,
    _tail,
    _write_state,
)
from provenance.neo4j_server.password import _ensure_password

#: Oldest Java that runs Neo4j 5.26.
MIN_JAVA = 17

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

_PROVISIONED_MARKER = ".provenance-provisioned.json"
_HOME_DIRS = ("conf", "data", "logs", "run", "plugins", "import")

#: The Maven project that provisions the server; byte-identical to
#: ``docker/neo4j-provision/pom.xml`` (a test checks it). Versions and the output folder are
#: properties, overridden with ``-D`` on the command line.
POM_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<!--
  Provisions a Neo4j 5.26 LTS Community server from Maven Central, without Docker.

  Used by provenance/neo4j_server/ (`provenance neo4j start`), which embeds this exact file
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
        home: the state directory (default: :func:`~provenance.neo4j_server.default_home`).
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
    """:func:`provision`'s work, under the lock of ``home``."""
    for sub in _HOME_DIRS:
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


# --------------------------------------------------------------------------------------------
# Java and Maven
# --------------------------------------------------------------------------------------------
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


def _find_mvn(mvn: str | None) -> str:
    """``mvn`` (or the given executable) on PATH, else Maven fetched from Maven Central."""
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


# --------------------------------------------------------------------------------------------
# the jars
# --------------------------------------------------------------------------------------------
def _lib_ok(lib: Path, version: str, browser_version: str) -> bool:
    """True if ``lib`` holds the jars of exactly these versions (its marker says so)."""
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
    """Resolve the jars into ``<home>/lib`` with Maven unless they are there already.

    Maven writes into ``lib.partial``, renamed to ``lib`` only once it succeeded.
    """
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
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
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
