"""What every command module shares: the common options, the consoles, printing a result
(``--json`` or rich), opening the store read-only, and building a Typer app from a list of
commands (the one way commands are registered).

Start-up cost: ``provenance --help`` imports every command module, so command modules import
at module level only what their signatures need (typer, the option types, enums); the store,
the analyses, the renderings and the heavy libraries (pandas, numpy, pyarrow, networkx,
jsonschema, the OpenLineage client, FastAPI, neo4j) are imported inside the commands that
use them. Queries read through :class:`~provenance.store.reader.StoreReader`, not a
:class:`~provenance.Tracker` (which loads the capture and hashing machinery that only
recording needs; it extends the same reader).

Example:
    >>> from typer.testing import CliRunner
    >>> def hello(as_json: JsonOpt = False) -> None:
    ...     '''Say hello.'''
    ...     print_json({"hello": "world"}) if as_json else out_console().print("hello")
    >>> cli = typer_app("A tiny CLI.", [("hello", hello), ("hi", hello)])
    >>> CliRunner().invoke(cli, ["hello", "--json"]).output
    '{\\n  "hello": "world"\\n}\\n'
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import RenderableType

    from provenance.store.reader import StoreReader

__all__ = [
    "Command",
    "DepthOpt",
    "IdArg",
    "JsonOpt",
    "LimitOpt",
    "StoreOpt",
    "emit",
    "err_console",
    "one_line",
    "opened_store",
    "out_console",
    "print_json",
    "typer_app",
]

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="Store URI or path (default: $PROVENANCE_STORE or ./.provenance/).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", "-d", min=0, help="Transforms to walk (default: all).")
]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", min=1, help="At most this many nodes; says when truncated.")
]
IdArg = Annotated[str, typer.Argument(metavar="ID", help="Node id or unique prefix.")]

#: A command as it is registered: its name on the command line and its function.
Command = tuple[str, Callable[..., Any]]


def typer_app(help: str, commands: Sequence[Command], *, name: str | None = None) -> typer.Typer:
    """A Typer app with the CLI's settings (help without arguments, no completion, plain
    tracebacks) and ``commands`` registered in order (``--help`` lists them so).

    Example:
        >>> def ping() -> None:
        ...     '''Answer pong.'''
        >>> [c.name for c in typer_app("Ping.", [("ping", ping)]).registered_commands]
        ['ping']
    """
    app = typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # click's plain help: typer's rich help imports rich.markdown and markdown-it (about
        # 0.2 s of every start-up); the first line of each docstring is the summary listed.
        rich_markup_mode=None,
    )
    for command_name, function in commands:
        app.command(command_name)(function)
    return app


def out_console(*, soft_wrap: bool = False) -> Console:
    """Console for results (stdout).

    Example:
        >>> out_console().stderr, out_console(soft_wrap=True).soft_wrap
        (False, True)
    """
    return Console(highlight=False, soft_wrap=soft_wrap)


def err_console(*, soft_wrap: bool = False) -> Console:
    """Console for progress and messages (stderr).

    Example:
        >>> err_console().stderr
        True
    """
    return Console(stderr=True, highlight=False, soft_wrap=soft_wrap)


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (values JSON does not know as strings).

    Example:
        >>> import datetime as dt
        >>> print_json({"when": dt.date(2026, 1, 2)})
        {
          "when": "2026-01-02"
        }
    """
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def emit(result: BaseModel, as_json: bool, render: Callable[[Any], RenderableType]) -> None:
    """Print a command's result: its JSON with ``--json``, else its rich rendering.

    Example:
        >>> from provenance.model import Cost
        >>> emit(Cost(amount=2.5), True, str)
        {
          "amount": 2.5,
          "currency": "USD",
          "resource": null,
          "duration_s": null,
          "team": null,
          "experiment": null
        }
    """
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        out_console().print(render(result))


@contextmanager
def opened_store(store: str | None) -> Iterator[StoreReader]:
    """A reader over an existing store, opened without creating or changing anything (a
    Neo4j store goes through its spool, as a tracker's would).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> path = tempfile.mkdtemp() + "/l.sqlite"
        >>> SQLiteStore(path).close()
        >>> with opened_store(path) as reader:
        ...     reader.store.counts()
        {}
    """
    from provenance.store import open_store
    from provenance.store.reader import StoreReader
    from provenance.store.uri import parse_store_uri, resolve_store_uri

    opened = open_store(store, create=False)
    if parse_store_uri(resolve_store_uri(store)).is_neo4j:
        from provenance.spool import spooled  # only Neo4j stores are spooled

        opened = spooled(opened)
    reader = StoreReader(opened)
    try:
        yield reader
    finally:
        reader.close()


def one_line(message: str) -> str:
    r"""A message folded onto one line (driver errors span several).

    Example:
        >>> one_line("cannot connect:\n  refused\n")
        'cannot connect: refused'
    """
    return " ".join(part.strip() for part in message.splitlines() if part.strip())
