"""``provenance s3 start|stop|status``: a local S3-compatible server (s3proxy), no Docker needed.

Mounted by the main CLI (:mod:`provenance.cli.app`) as the ``s3`` group. ``start`` prints the
endpoint URL as its last line; the secret key is printed only on request, by
``status --env`` (shell ``export`` lines) or ``status --json``::

    eval "$(provenance s3 status --env)"   # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...

Errors print one line on stderr (``PROVENANCE_DEBUG=1`` adds the server log tail) and exit 1.

Example:
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(s3_app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.cli.common import group, json_option, option, out_console, print_json
from provenance.cli.neo4j import _errors, _with_spinner

if TYPE_CHECKING:
    from rich.table import Table

    from provenance import s3_server

__all__ = ["s3_app", "start", "status", "stop"]

# The server machinery (provenance.s3_server) is imported by the commands that use it, so
# `provenance --help` does not load it; the name is s3_server.HOME_ENV.
home_option = option(
    "--home",
    "home",
    type=Path,
    help="State directory (default: $PROVENANCE_S3_HOME or ~/.cache/provenance/s3proxy-<version>).",
)

#: How to get the credentials into a shell, printed by ``start`` and ``status``.
ENV_HINT = 'credentials: eval "$(provenance s3 status --env)"'


def _home_flag(home: Path | None) -> str:
    return f" --home {shlex.quote(str(home))}" if home is not None else ""


def _table(info: s3_server.ServerInfo) -> Table:
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "state",
        "[green]running[/green]"
        if info.ready
        else "[yellow]running, not accepting its credentials yet[/yellow]",
    )
    table.add_row("version", f"s3proxy {info.version} (filesystem backend)")
    table.add_row("pid", str(info.pid))
    table.add_row("endpoint", info.endpoint_url)
    table.add_row("access key id", info.access_key)
    table.add_row("credentials file", str(info.credentials_file))
    table.add_row("data", str(info.data_dir))
    table.add_row("home", str(info.home))
    table.add_row("log", str(info.log_file))
    return table


@home_option
@option("--port", "port", type=int, min=1, max=65535, help="Port (default: picked once).")
@option(
    "--timeout",
    "timeout",
    type=float,
    min=1,
    default=120.0,
    help="Seconds to wait for the server once launched.",
)
def start(home: Path | None = None, port: int | None = None, timeout: float = 120.0) -> None:
    """Start the server (downloading it once), or reuse the running one; prints the endpoint.

    The last line of output is the endpoint URL: http://127.0.0.1:PORT. The secret key is not
    printed; `provenance s3 status --env` prints the export lines.
    """
    from provenance import s3_server

    with _errors():
        info = _with_spinner(
            "starting s3proxy…",
            lambda progress: s3_server.start(home, port=port, timeout=timeout, progress=progress),
        )
    out = out_console(soft_wrap=True)
    verb = "started" if info.started else "already running"
    out.print(f"s3proxy {info.version} {verb} (pid {info.pid})", markup=False)
    out.print(_table(info))
    out.print(ENV_HINT.replace("status", "status" + _home_flag(home)), markup=False)
    sys.stdout.flush()
    # The last line, unstyled and unwrapped, for `| tail -n 1`.
    sys.stdout.write(info.endpoint_url + "\n")


@home_option
@option("--timeout", "timeout", type=float, min=1, default=30.0, help="Seconds before SIGKILL.")
def stop(home: Path | None = None, timeout: float = 30.0) -> None:
    """Stop the server if it runs (its data stay for the next start)."""
    from provenance import s3_server

    with _errors():
        before = s3_server.status(home, check=False)
        stopped = s3_server.stop(home, timeout=timeout)
    out = out_console(soft_wrap=True)
    if stopped:
        pid = f" (pid {before.pid})" if before is not None else ""
        out.print(f"s3proxy stopped{pid}", markup=False)
    else:
        out.print("s3proxy is not running", markup=False)


@home_option
@json_option
@option(
    "--env",
    "as_env",
    is_flag=True,
    help="Print `export` lines for AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL"
    " and AWS_DEFAULT_REGION (includes the secret).",
)
def status(home: Path | None = None, as_json: bool = False, as_env: bool = False) -> None:
    """Say whether the server runs, where, and how to set the credentials.

    --json and --env include the secret key; the plain output does not.
    """
    from provenance import s3_server
    from provenance.errors import S3ServerError

    with _errors():
        info = s3_server.status(home)
        home_path = Path(home).expanduser().absolute() if home else s3_server.default_home()
        if as_env and info is None:
            raise S3ServerError(f"s3proxy is not running (home: {home_path})")
    if as_json:
        print_json(info.to_dict() if info else {"running": False, "home": str(home_path)})
        return
    if as_env and info is not None:
        for name, value in info.env().items():
            sys.stdout.write(f"export {name}={shlex.quote(value)}\n")
        return
    out = out_console(soft_wrap=True)
    if info is None:
        out.print(f"s3proxy is not running (home: {home_path})", markup=False)
        return
    out.print(_table(info))
    out.print(ENV_HINT.replace("status", "status" + _home_flag(home)), markup=False)


s3_app = group(
    "Run a local S3-compatible server (s3proxy, filesystem backend, on 127.0.0.1 with a"
    " generated access key and secret) provisioned from Maven Central; no Docker needed.",
    [("start", start), ("stop", stop), ("status", status)],
)
