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

One module per concern; this package re-exports the public API:

* :mod:`~provenance.neo4j_server.config`: versions, host and ports, memory and JVM options,
  ``neo4j.conf``, :class:`ServerInfo`;
* :mod:`~provenance.neo4j_server.home`: the state directory (:func:`default_home`), its lock,
  ``state.json`` and logs;
* :mod:`~provenance.neo4j_server.provisioning`: Java, Maven, the jars, :func:`provision`;
* :mod:`~provenance.neo4j_server.password`: the generated password and its 0600 file;
* :mod:`~provenance.neo4j_server.process`: :func:`start`, :func:`stop`, :func:`status`.

Example:
    >>> from provenance import neo4j_server
    >>> info = neo4j_server.start()  # doctest: +SKIP
    >>> info.uri  # doctest: +SKIP
    'neo4j://neo4j:Qx…@127.0.0.1:41873'
    >>> neo4j_server.status().pid == info.pid  # doctest: +SKIP
    True
    >>> neo4j_server.stop()  # doctest: +SKIP
    True
    >>> neo4j_server.status("/no/such/home") is None
    True
"""

from __future__ import annotations

from provenance.neo4j_server.config import (
    BROWSER_VERSION,
    DEFAULT_USER,
    DEFAULT_VERSION,
    HEAP_ENV,
    HOME_ENV,
    HOST,
    PAGECACHE_ENV,
    ServerInfo,
)
from provenance.neo4j_server.home import Progress, default_home
from provenance.neo4j_server.process import start, status, stop
from provenance.neo4j_server.provisioning import (
    MAVEN_SHA512,
    MAVEN_URL,
    MAVEN_VERSION,
    MIN_JAVA,
    POM_XML,
    provision,
)

__all__ = [
    "BROWSER_VERSION",
    "DEFAULT_USER",
    "DEFAULT_VERSION",
    "HEAP_ENV",
    "HOME_ENV",
    "HOST",
    "MAVEN_SHA512",
    "MAVEN_URL",
    "MAVEN_VERSION",
    "MIN_JAVA",
    "PAGECACHE_ENV",
    "POM_XML",
    "Progress",
    "ServerInfo",
    "default_home",
    "provision",
    "start",
    "status",
    "stop",
]
