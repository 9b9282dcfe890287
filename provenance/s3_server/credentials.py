"""The server's access key and secret key: generated once, kept in ``<home>/credentials`` (a
JSON file created with mode 0600), never written to ``state.json`` or a log. Only
``provenance s3 status --json`` / ``--env`` print the secret, on request.

Example:
    >>> access_key, secret_key = _new_credentials()
    >>> len(access_key), access_key.isalnum(), access_key.isupper()
    (20, True, True)
    >>> len(secret_key), secret_key.isalnum()
    (40, True)
    >>> _read_credentials(Path("/no/such/home")) is None
    True
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path

from provenance.errors import S3ServerError

_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits


def _new_credentials() -> tuple[str, str]:
    """(access key: 20 upper-case letters and digits, secret key: 40 letters and digits)."""
    access_key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(20))
    secret_key = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    return access_key, secret_key


def _read_credentials(home: Path) -> tuple[str, str] | None:
    """(access key, secret key) from ``<home>/credentials``, or None when there is none."""
    path = home / "credentials"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise S3ServerError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) and data[k] for k in ("access_key", "secret_key")
    ):
        raise S3ServerError(f"{path} does not hold an access_key and a secret_key")
    return str(data["access_key"]), str(data["secret_key"])


def _write_credentials(home: Path, access_key: str, secret_key: str) -> None:
    """Write ``<home>/credentials``, created with mode 0600 (never readable by others).

    Example:
        >>> import stat
        >>> import tempfile
        >>> home = Path(tempfile.mkdtemp())
        >>> _write_credentials(home, "AK", "SK")
        >>> _read_credentials(home), oct(stat.S_IMODE((home / "credentials").stat().st_mode))
        (('AK', 'SK'), '0o600')
    """
    path = home / "credentials"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"access_key": access_key, "secret_key": secret_key}, fh)
        fh.write("\n")
    os.chmod(path, 0o600)


def _ensure_credentials(home: Path) -> tuple[str, str]:
    """The credentials of ``home``, generated on first use.

    Example:
        >>> import tempfile
        >>> home = Path(tempfile.mkdtemp())
        >>> _ensure_credentials(home) == _ensure_credentials(home)
        True
    """
    found = _read_credentials(home)
    if found is not None:
        return found
    access_key, secret_key = _new_credentials()
    _write_credentials(home, access_key, secret_key)
    return access_key, secret_key
