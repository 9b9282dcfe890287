"""A real local S3-compatible server (s3proxy with its filesystem backend), without Docker:
for the tests of remotes and for users who want an S3 endpoint on their machine.

s3proxy (Apache-2.0, https://github.com/gaul/s3proxy) is provisioned from Maven Central as
one jar-with-dependencies (``org.gaul:s3proxy``, copied by a tiny Maven project into
``<home>/lib/s3proxy.jar``) and runs on the machine's Java 17+ as ``java -cp s3proxy.jar
org.gaul.s3proxy.Main --properties <home>/conf/s3proxy.conf``, with jclouds' ``filesystem``
provider keeping objects as files under ``<home>/data/<bucket>/``. Everything lives in one
state directory, ``<home>``:

* ``$PROVENANCE_S3_HOME`` if set, else ``$XDG_CACHE_HOME/provenance/s3proxy-<version>``
  (``~/.cache/provenance/s3proxy-4.1.0``). Maven's own download cache stays in ``~/.m2``.
* ``lib/s3proxy.jar``; ``conf/s3proxy.conf`` (mode 0600, rewritten on every start); ``data/``;
  ``logs/console.log`` (the JVM's output); ``state.json`` (port, version); ``credentials``
  (mode 0600: the generated access key and secret key); ``s3proxy.pid``.

The server listens on 127.0.0.1 only, on a free port picked at provisioning time and kept in
``state.json``; requests must be signed (AWS Signature V2 or V4) with the generated access key
and secret key. The server runs detached, so it outlives the process that started it;
:func:`start` reuses a running server; data survive :func:`stop` and the next :func:`start`.

One module per concern; this package re-exports the public API:

* :mod:`~provenance.s3_server.config`: version, host and port, ``s3proxy.conf``,
  :class:`ServerInfo` (endpoint, credentials as environment variables or fsspec options);
* :mod:`~provenance.s3_server.home`: the state directory (:func:`default_home`), ``state.json``;
* :mod:`~provenance.s3_server.credentials`: the generated keys and their 0600 file;
* :mod:`~provenance.s3_server.provisioning`: the jar from Maven Central, :func:`provision`;
* :mod:`~provenance.s3_server.process`: :func:`start`, :func:`stop`, :func:`status`.

Example:
    >>> from provenance import s3_server
    >>> info = s3_server.start()  # doctest: +SKIP
    >>> info.endpoint_url  # doctest: +SKIP
    'http://127.0.0.1:40117'
    >>> import s3fs  # doctest: +SKIP
    >>> fs = s3fs.S3FileSystem(**info.storage_options())  # doctest: +SKIP
    >>> s3_server.stop()  # doctest: +SKIP
    True
    >>> s3_server.status("/no/such/home") is None
    True
"""

from __future__ import annotations

from provenance.s3_server.config import DEFAULT_VERSION, HOME_ENV, HOST, REGION, ServerInfo
from provenance.s3_server.home import Progress, default_home
from provenance.s3_server.process import start, status, stop
from provenance.s3_server.provisioning import MIN_JAVA, POM_XML, provision

__all__ = [
    "DEFAULT_VERSION",
    "HOME_ENV",
    "HOST",
    "MIN_JAVA",
    "POM_XML",
    "REGION",
    "Progress",
    "ServerInfo",
    "default_home",
    "provision",
    "start",
    "status",
    "stop",
]
