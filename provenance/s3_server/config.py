"""How the local S3-compatible server is configured: the s3proxy version, the loopback host
and its port, the generated ``conf/s3proxy.conf``, and :class:`ServerInfo` (where a running
server listens and which credentials it accepts).

s3proxy listens on ``127.0.0.1`` only, on a port picked free at provisioning time and kept in
``<home>/state.json`` (see :mod:`provenance.s3_server.home`). Objects are kept by jclouds'
``filesystem`` provider under ``<home>/data`` (one directory per bucket). ``s3proxy.conf``
holds the secret key too, so it is written with mode 0600 and rewritten on every start.

Example:
    >>> HOST, DEFAULT_VERSION, REGION
    ('127.0.0.1', '4.1.0', 'us-east-1')
    >>> conf = _conf_lines(Path("/h"), {"port": 9000}, "AK", "SK")
    >>> [line for line in conf if line.startswith("s3proxy.endpoint")]
    ['s3proxy.endpoint=http://127.0.0.1:9000']
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: s3proxy release on Maven Central (``org.gaul:s3proxy``, classifier jar-with-dependencies).
DEFAULT_VERSION = "4.1.0"
#: Environment variable that overrides the state directory.
HOME_ENV = "PROVENANCE_S3_HOME"
#: The one address the server listens on.
HOST = "127.0.0.1"
#: The region clients sign for (s3proxy accepts any; botocore needs one).
REGION = "us-east-1"
#: Maximum Java heap of the server (``-Xmx``).
HEAP = "512m"

_MAIN_CLASS = "org.gaul.s3proxy.Main"
_JAR_NAME = "s3proxy.jar"


# --------------------------------------------------------------------------------------------
# what a running server looks like
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerInfo:
    """Where a local s3proxy server listens and which credentials it accepts.

    Example:
        >>> info = ServerInfo(port=9000, access_key="AK", secret_key="SK", pid=1,
        ...                   home=Path("/tmp/s3"))
        >>> info.endpoint_url
        'http://127.0.0.1:9000'
        >>> "SK" in repr(info)
        False
        >>> info.env()["AWS_ENDPOINT_URL"]
        'http://127.0.0.1:9000'
        >>> sorted(info.storage_options())
        ['endpoint_url', 'key', 'secret']
    """

    port: int
    access_key: str
    secret_key: str = field(repr=False)
    pid: int
    home: Path
    version: str = DEFAULT_VERSION
    host: str = HOST
    #: True when the server accepted a request signed with the stored credentials.
    ready: bool = True
    #: True when this call launched the server, False when it reused a running one.
    started: bool = False

    @property
    def endpoint_url(self) -> str:
        """The S3 endpoint: ``http://127.0.0.1:<port>`` (path-style buckets)."""
        return f"http://{self.host}:{self.port}"

    @property
    def data_dir(self) -> Path:
        """Where the objects are kept (``<home>/data/<bucket>/<key>``)."""
        return self.home / "data"

    @property
    def credentials_file(self) -> Path:
        """The 0600 JSON file holding the access key and the secret key."""
        return self.home / "credentials"

    @property
    def log_file(self) -> Path:
        """The server's output (``<home>/logs/console.log``)."""
        return self.home / "logs" / "console.log"

    def env(self) -> dict[str, str]:
        """Environment variables that point boto3/botocore, s3fs and the AWS CLI here.

        ``AWS_ENDPOINT_URL`` is honoured by botocore 1.31+ (and so by s3fs and the AWS CLI v2).

        Example:
            >>> ServerInfo(9000, "AK", "SK", 1, Path("/h")).env()["AWS_SECRET_ACCESS_KEY"]
            'SK'
        """
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": REGION,
        }

    def storage_options(self) -> dict[str, str]:
        """fsspec/s3fs options: ``s3fs.S3FileSystem(**info.storage_options())``.

        Example:
            >>> ServerInfo(9000, "AK", "SK", 1, Path("/h")).storage_options()["key"]
            'AK'
        """
        return {
            "key": self.access_key,
            "secret": self.secret_key,
            "endpoint_url": self.endpoint_url,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (includes the secret key: only ``status --json`` prints it).

        Example:
            >>> ServerInfo(9000, "AK", "SK", 1, Path("/h")).to_dict()["endpoint_url"]
            'http://127.0.0.1:9000'
        """
        return {
            "running": True,
            "ready": self.ready,
            "pid": self.pid,
            "version": self.version,
            "host": self.host,
            "port": self.port,
            "endpoint_url": self.endpoint_url,
            "region": REGION,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "home": str(self.home),
            "data_dir": str(self.data_dir),
            "credentials_file": str(self.credentials_file),
            "log_file": str(self.log_file),
        }


# --------------------------------------------------------------------------------------------
# s3proxy.conf
# --------------------------------------------------------------------------------------------
def _conf_lines(home: Path, state: dict[str, Any], access_key: str, secret_key: str) -> list[str]:
    """The lines of ``s3proxy.conf`` for ``home``, the port in ``state`` and the credentials."""
    return [
        "# Generated by provenance.s3_server; rewritten on every start (mode 0600: it holds",
        "# the secret key).",
        f"s3proxy.endpoint=http://{HOST}:{state['port']}",
        "s3proxy.authorization=aws-v2-or-v4",
        f"s3proxy.identity={access_key}",
        f"s3proxy.credential={secret_key}",
        "jclouds.provider=filesystem",
        # jclouds' own login to the backend; the filesystem provider ignores it.
        "jclouds.identity=local",
        "jclouds.credential=local",
        f"jclouds.filesystem.basedir={home / 'data'}",
    ]


def _write_conf(home: Path, state: dict[str, Any], access_key: str, secret_key: str) -> Path:
    """(Re)write ``<home>/conf/s3proxy.conf`` atomically, mode 0600; returns its path."""
    conf = home / "conf" / "s3proxy.conf"
    tmp = conf.with_suffix(".conf.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(_conf_lines(home, state, access_key, secret_key)) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(conf)
    return conf


# --------------------------------------------------------------------------------------------
# ports
# --------------------------------------------------------------------------------------------
def _free_port() -> int:
    """A port on 127.0.0.1 that is free now.

    Example:
        >>> 0 < _free_port() < 65536
        True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
