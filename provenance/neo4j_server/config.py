"""How the local server is configured: versions, the loopback host and its ports, memory and
JVM options, the generated ``conf/neo4j.conf``, and :class:`ServerInfo` (where a running server
listens and how to log in).

Bolt and HTTP listen on ``127.0.0.1`` only. The ports are picked free at provisioning time and
kept in ``<home>/state.json`` (see :mod:`provenance.neo4j_server.home`); ``neo4j.conf`` is
rewritten from that state on every start.

Example:
    >>> HOST, DEFAULT_USER, DEFAULT_VERSION
    ('127.0.0.1', 'neo4j', '5.26.30')
    >>> conf = _conf_lines(Path("/h"), {"bolt_port": 7999, "http_port": 7998})
    >>> [line for line in conf if line.startswith("server.bolt.listen")]
    ['server.bolt.listen_address=127.0.0.1:7999']
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.errors import Neo4jServerError

#: Latest Neo4j 5.26 LTS patch release that resolves on Maven Central.
DEFAULT_VERSION = "5.26.30"
#: Last ``org.neo4j.client:neo4j-browser`` published on Maven Central.
BROWSER_VERSION = "5.24.0"
#: Environment variable that overrides the state directory.
HOME_ENV = "PROVENANCE_NEO4J_HOME"
#: The only user of a Community server.
DEFAULT_USER = "neo4j"
#: The one address the server listens on.
HOST = "127.0.0.1"

HEAP_ENV = "PROVENANCE_NEO4J_HEAP"  # e.g. "2g"; sets -Xms and -Xmx (default 512m..1g)
PAGECACHE_ENV = "PROVENANCE_NEO4J_PAGECACHE"  # e.g. "1g" (default 512m)

_MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"

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


# --------------------------------------------------------------------------------------------
# what a running server looks like
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

    def _url(self, scheme: str, port: int, *, login: bool = False) -> str:
        """``<scheme>://[user:password@]<host>:<port>``: every URL of the server, built once.

        Example:
            >>> ServerInfo(7687, 7474, "neo4j", "pw", 1, Path("/h"))._url("x", 1, login=True)
            'x://neo4j:pw@127.0.0.1:1'
        """
        credentials = f"{self.user}:{self.password}@" if login else ""
        return f"{scheme}://{credentials}{self.host}:{port}"

    @property
    def uri(self) -> str:
        """Store URI with credentials: ``neo4j://neo4j:<password>@127.0.0.1:<bolt_port>``."""
        return self._url("neo4j", self.bolt_port, login=True)

    @property
    def bolt_uri(self) -> str:
        """Bolt URI for the driver, without credentials: ``bolt://127.0.0.1:<bolt_port>``."""
        return self._url("bolt", self.bolt_port)

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP API: ``http://127.0.0.1:<http_port>``."""
        return self._url("http", self.http_port)

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
# memory and neo4j.conf
# --------------------------------------------------------------------------------------------
def _memory() -> tuple[str, str, str]:
    """(initial heap, max heap, page cache), from the environment or the defaults."""
    heap = os.environ.get(HEAP_ENV, "").strip()
    pagecache = os.environ.get(PAGECACHE_ENV, "").strip() or "512m"
    for var, value in ((HEAP_ENV, heap), (PAGECACHE_ENV, pagecache)):
        if value and not re.fullmatch(r"[1-9]\d*[kKmMgG]?", value):
            raise Neo4jServerError(f"${var}={value!r} is not a size like 512m or 2g")
    return (heap or "512m", heap or "1g", pagecache)


def _conf_lines(home: Path, state: dict[str, Any]) -> list[str]:
    """The lines of ``neo4j.conf`` for ``home`` and the ports in ``state``."""
    heap_initial, heap_max, pagecache = _memory()
    bolt, http = state["bolt_port"], state["http_port"]
    return [
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
        # Erasure (README.md): a replaced value stays in the transaction log files until they
        # are pruned. Keep only the newest file, rotate every 4 MiB (an erasure writes that
        # much filler to rotate past itself) and checkpoint (which prunes) every 15 s.
        "db.tx_log.rotation.retention_policy=keep_none",
        "db.tx_log.rotation.size=4M",
        "db.checkpoint.interval.time=15s",
        "dbms.usage_report.enabled=false",
        *(f"server.jvm.additional={opt}" for opt in _JVM_ADDITIONAL),
    ]


def _write_conf(home: Path, state: dict[str, Any]) -> None:
    """(Re)write ``<home>/conf/neo4j.conf`` atomically."""
    conf = home / "conf" / "neo4j.conf"
    tmp = conf.with_suffix(".conf.tmp")
    tmp.write_text("\n".join(_conf_lines(home, state)) + "\n")
    tmp.replace(conf)


# --------------------------------------------------------------------------------------------
# ports
# --------------------------------------------------------------------------------------------
def _port_free(port: int) -> bool:
    """True if ``port`` on 127.0.0.1 can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _two_free_ports() -> tuple[int, int]:
    """Two distinct ports on 127.0.0.1 that are free now.

    Example:
        >>> bolt, http = _two_free_ports()
        >>> bolt != http
        True
    """
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
