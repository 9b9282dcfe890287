"""The state directory ``<home>`` of the local s3proxy server: where it is, its ``state.json``
(port, version) and reading its log. The lock, progress messages and log tails are the Neo4j
server's own helpers (:mod:`provenance.neo4j_server.home`), shared.

Layout: ``lib/s3proxy.jar``, ``conf/s3proxy.conf`` (mode 0600), ``data/`` (one directory per
bucket), ``logs/`` (``console.log`` = the JVM's output, ``provision.log`` = Maven's),
``state.json``, ``credentials`` (mode 0600), ``s3proxy.pid``, ``.lock``.

Example:
    >>> _resolve_home("/srv/s3", DEFAULT_VERSION)
    PosixPath('/srv/s3')
    >>> _read_state(Path("/no/such/home")) is None
    True
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from provenance.neo4j_server.home import Progress, _locked, _say, _tail
from provenance.s3_server.config import DEFAULT_VERSION, HOME_ENV

__all__ = ["Progress", "_locked", "_say", "_tail", "default_home"]


def default_home(version: str = DEFAULT_VERSION) -> Path:
    """The state directory: ``$PROVENANCE_S3_HOME``, else ``~/.cache/provenance/s3proxy-<v>``.

    Example:
        >>> default_home().name if HOME_ENV not in os.environ else "s3proxy-4.1.0"
        's3proxy-4.1.0'
    """
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser().absolute() / "provenance" / f"s3proxy-{version}"


def _resolve_home(home: str | Path | None, version: str) -> Path:
    """``home`` made absolute, else :func:`default_home` for ``version``."""
    return Path(home).expanduser().absolute() if home is not None else default_home(version)


def _read_state(home: Path) -> dict[str, Any] | None:
    """``<home>/state.json``, or None when it is missing, unreadable or incomplete."""
    try:
        data = json.loads((home / "state.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not {"port", "version"} <= set(data):
        return None
    return data


def _write_state(home: Path, state: dict[str, Any]) -> None:
    """Replace ``<home>/state.json`` atomically (it holds no secret)."""
    tmp = home / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(home / "state.json")


def _log_tail(home: Path, lines: int = 25, since: int = 0) -> str:
    """The last lines of ``console.log`` written after offset ``since``."""
    log = home / "logs" / "console.log"
    tail = _tail(log, lines, since)
    return f"--- last lines of {log} ---\n{tail}" if tail.strip() else "(the server wrote no log)"


def _log_size(home: Path) -> int:
    """The size of ``console.log`` now (0 if none), to read only what a new start writes."""
    try:
        return (home / "logs" / "console.log").stat().st_size
    except OSError:
        return 0
