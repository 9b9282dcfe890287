"""``provenance neo4j start|stop|status``: a local Neo4j 5.26 server, no Docker needed.

Mounted by the main CLI (:mod:`provenance.cli.app`) as the ``neo4j`` group. ``start`` prints the
store URI as its last line, so scripts can do::

    export PROVENANCE_STORE=$(provenance neo4j start | tail -n 1)

Errors print one line on stderr (``PROVENANCE_DEBUG=1`` adds the server log tail) and exit 1.

Example:
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(neo4j_app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from provenance.cli.common import err_console, group, json_option, option, out_console, print_json
from provenance.errors import ProvenanceError

if TYPE_CHECKING:
    from rich.table import Table

    from provenance import neo4j_server

__all__ = ["neo4j_app", "start", "status", "stop"]

# The server machinery (provenance.neo4j_server) is imported by the commands that use it, so
# `provenance --help` does not load it; the name is neo4j_server.HOME_ENV (a test checks).
home_option = option(
    "--home",
    "home",
    type=Path,
    help="State directory (default: $PROVENANCE_NEO4J_HOME or"
    " ~/.cache/provenance/neo4j-<version>).",
)

T = TypeVar("T")


@contextmanager
def _errors() -> Iterator[None]:
    """Turn library errors into one line on stderr and exit code 1."""
    try:
        yield
    except ProvenanceError as exc:
        first, _, rest = str(exc).partition("\n")
        err = err_console(soft_wrap=True)
        err.print(f"error: {first}", markup=False)
        if rest and os.environ.get("PROVENANCE_DEBUG") == "1":
            err.print(rest, markup=False)
        raise click.exceptions.Exit(1) from None


def _with_spinner(message: str, work: Callable[[Callable[[str], None]], T]) -> T:
    err = err_console(soft_wrap=True)
    if not err.is_terminal:
        return work(lambda msg: err.print(f"[dim]{msg}[/dim]"))
    with err.status(message) as spinner:

        def progress(msg: str) -> None:
            err.print(f"[dim]{msg}[/dim]")
            spinner.update(msg)

        return work(progress)


def _table(info: neo4j_server.ServerInfo) -> Table:
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "state",
        "[green]running[/green]"
        if info.ready
        else "[yellow]running, Bolt not answering yet[/yellow]",
    )
    table.add_row("version", f"Neo4j {info.version} Community")
    table.add_row("pid", str(info.pid))
    table.add_row("bolt", info.bolt_uri)
    table.add_row("browser", info.browser_url)
    table.add_row("user", info.user)
    table.add_row("password file", str(info.password_file))
    table.add_row("home", str(info.home))
    table.add_row("log", str(info.log_file))
    return table


@home_option
@option(
    "--bolt-port", "bolt_port", type=int, min=1, max=65535, help="Bolt port (default: picked once)."
)
@option(
    "--http-port", "http_port", type=int, min=1, max=65535, help="HTTP port (default: picked once)."
)
@option(
    "--timeout",
    "timeout",
    type=float,
    min=1,
    default=180.0,
    help="Seconds to wait for the server once launched.",
)
def start(
    home: Path | None = None,
    bolt_port: int | None = None,
    http_port: int | None = None,
    timeout: float = 180.0,
) -> None:
    """Start the server (downloading it once), or reuse the running one; prints the store URI.

    The last line of output is the store URI: neo4j://neo4j:PASSWORD@127.0.0.1:PORT
    """
    from provenance import neo4j_server

    with _errors():
        info = _with_spinner(
            "starting Neo4j…",
            lambda progress: neo4j_server.start(
                home, bolt_port=bolt_port, http_port=http_port, timeout=timeout, progress=progress
            ),
        )
    out = out_console(soft_wrap=True)
    verb = "started" if info.started else "already running"
    out.print(f"Neo4j {info.version} {verb} (pid {info.pid})", markup=False)
    out.print(_table(info))
    sys.stdout.flush()
    # The last line, unstyled and unwrapped, for `| tail -n 1`.
    sys.stdout.write(info.uri + "\n")


@home_option
@option("--timeout", "timeout", type=float, min=1, default=60.0, help="Seconds before SIGKILL.")
def stop(home: Path | None = None, timeout: float = 60.0) -> None:
    """Stop the server if it runs."""
    from provenance import neo4j_server

    with _errors():
        before = neo4j_server.status(home, check_bolt=False)
        stopped = neo4j_server.stop(home, timeout=timeout)
    out = out_console(soft_wrap=True)
    if stopped:
        pid = f" (pid {before.pid})" if before is not None else ""
        out.print(f"Neo4j stopped{pid}", markup=False)
    else:
        out.print("Neo4j is not running", markup=False)


@home_option
@json_option
def status(home: Path | None = None, as_json: bool = False) -> None:
    """Say whether the server runs, where, and how to log in."""
    from provenance import neo4j_server

    with _errors():
        info = neo4j_server.status(home)
        home_path = Path(home).expanduser().absolute() if home else neo4j_server.default_home()
    if as_json:
        print_json(info.to_dict() if info else {"running": False, "home": str(home_path)})
        return
    out = out_console(soft_wrap=True)
    if info is None:
        out.print(f"Neo4j is not running (home: {home_path})", markup=False)
        return
    out.print(_table(info))
    out.print(f"store URI: {info.uri}", markup=False)


neo4j_app = group(
    "Run a local Neo4j 5.26 Community server (Bolt + Neo4j Browser on 127.0.0.1, random"
    " password) provisioned from Maven Central; no Docker needed.",
    [("start", start), ("stop", stop), ("status", status)],
)
