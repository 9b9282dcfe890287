"""The state directory ``<home>`` of a local server: where it is, the lock that serialises
provision/start/stop on it, its ``state.json`` (ports, user, versions), and reading its logs.

Layout: ``lib/`` (the jars), ``conf/neo4j.conf``, ``data/``, ``logs/`` (``neo4j.log``,
``debug.log``, ``console.log`` = the JVM's stdout/stderr, ``provision.log`` = Maven's output),
``state.json``, ``password`` (mode 0600), ``neo4j.pid``, ``.lock``.

Example:
    >>> _resolve_home("/srv/n4j", DEFAULT_VERSION)
    PosixPath('/srv/n4j')
    >>> _read_state(Path("/no/such/home")) is None
    True
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from provenance.neo4j_server.config import DEFAULT_VERSION, HOME_ENV

#: Receives one-line progress messages (``provision``/``start``'s ``progress=``).
Progress = Callable[[str], None]


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


def _resolve_home(home: str | Path | None, version: str) -> Path:
    """``home`` made absolute, else :func:`default_home` for ``version``."""
    return Path(home).expanduser().absolute() if home is not None else default_home(version)


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


@contextlib.contextmanager
def _locked(home: Path, progress: Progress | None) -> Iterator[None]:
    """Serialise provision/start/stop across processes sharing ``home`` (created, mode 0700)."""
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


# --------------------------------------------------------------------------------------------
# state.json
# --------------------------------------------------------------------------------------------
def _read_state(home: Path) -> dict[str, Any] | None:
    """``<home>/state.json``, or None when it is missing, unreadable or incomplete."""
    try:
        data = json.loads((home / "state.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not {"bolt_port", "http_port", "user", "version"} <= set(data):
        return None
    return data


def _write_state(home: Path, state: dict[str, Any]) -> None:
    """Replace ``<home>/state.json`` atomically."""
    tmp = home / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(home / "state.json")


# --------------------------------------------------------------------------------------------
# logs
# --------------------------------------------------------------------------------------------
def _tail(path: Path, lines: int, since: int = 0) -> str:
    """The last ``lines`` lines of ``path`` (of its last 64 KiB, from offset ``since``).

    Example:
        >>> import tempfile
        >>> log = Path(tempfile.mkdtemp()) / "x.log"
        >>> _ = log.write_text("one\\ntwo\\nthree\\n")
        >>> _tail(log, 2)
        'two\\nthree'
        >>> _tail(log.parent / "missing.log", 2)
        ''
    """
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
    """The size of ``neo4j.log`` now (0 if none), to read only what a new start writes."""
    try:
        return (home / "logs" / "neo4j.log").stat().st_size
    except OSError:
        return 0
