"""The ``neo4j`` user's password: generated once (32 letters and digits, so it is safe inside
a URI), kept in ``<home>/password`` (mode 0600), and set before the first start with Neo4j's
own ``neo4j-admin dbms set-initial-password`` (class ``org.neo4j.cli.AdminTool``). The default
``neo4j``/``neo4j`` password is never usable.

Example:
    >>> password = _new_password()
    >>> len(password), password.isalnum()
    (32, True)
    >>> _read_password(Path("/no/such/home")) is None
    True
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
from pathlib import Path

from provenance.errors import Neo4jServerError
from provenance.neo4j_server.home import Progress, _say

_ADMIN_CLASS = "org.neo4j.cli.AdminTool"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def _new_password() -> str:
    """32 random letters and digits."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(32))


def _read_password(home: Path) -> str | None:
    """The password in ``<home>/password``, or None when there is none."""
    try:
        text = (home / "password").read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Neo4jServerError(f"cannot read {home / 'password'}: {exc}") from exc
    return text or None


def _write_password(home: Path, password: str) -> None:
    """Write ``<home>/password``, created with mode 0600 (never readable by others).

    Example:
        >>> import stat
        >>> import tempfile
        >>> home = Path(tempfile.mkdtemp())
        >>> _write_password(home, "Secret1")
        >>> _read_password(home), oct(stat.S_IMODE((home / "password").stat().st_mode))
        ('Secret1', '0o600')
    """
    fd = os.open(home / "password", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")


def _system_db_exists(home: Path) -> bool:
    return (home / "data" / "databases" / "system").exists()


def _ensure_password(home: Path, java: str, progress: Progress | None) -> str:
    """The password of ``home``: generated and set as the initial one before the first start.

    Once the server has initialised its system database the password cannot change here; a
    missing password file is then an error.
    """
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
        password = _new_password()
        _write_password(home, password)
    os.chmod(pw_file, 0o600)
    _say(progress, "setting the initial password (neo4j-admin dbms set-initial-password)")
    _set_initial_password(home, java, password)
    return password


def _set_initial_password(home: Path, java: str, password: str) -> None:
    """Run ``neo4j-admin dbms set-initial-password`` on ``home`` (writes data/dbms/auth.ini)."""
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
