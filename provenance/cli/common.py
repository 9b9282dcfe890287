"""What every command module shares: declaring options and arguments, the common ones, the
consoles, printing a result (``--json`` or rich), opening the store read-only, and building a
click group from a list of commands (the one way commands are registered).

Commands are plain functions: :func:`option` and :func:`argument` attach their click
parameters (in the order written, top first) without changing the function, so a command can
also be called directly, and :func:`group` turns the functions into click commands. The help
pages keep the form the CLI had under Typer: types as ``<str>``, ``<int range>`` or
``<a|b|c>``, an ``Arguments`` section, required arguments as ``{ID}`` in the usage line,
defaults shown.

Start-up cost: ``provenance --help`` imports every command module, so command modules import
at module level only what their declarations need (click, enums); the store, the analyses, the
renderings, rich and the heavy libraries (pandas, numpy, pyarrow, networkx, jsonschema, the
OpenLineage client, FastAPI, neo4j) are imported inside the commands that use them. Queries
read through :class:`~provenance.reader.StoreReader`, not a :class:`~provenance.Tracker`
(which loads the capture and hashing machinery that only recording needs; it extends the same
reader).

Example:
    >>> from click.testing import CliRunner
    >>> @json_option
    ... def hello(as_json: bool = False) -> None:
    ...     '''Say hello.'''
    ...     print_json({"hello": "world"}) if as_json else out_console().print("hello")
    >>> cli = group("A tiny CLI.", [("hello", hello), ("hi", hello)])
    >>> CliRunner().invoke(cli, ["hello", "--json"]).output
    '{\\n  "hello": "world"\\n}\\n'
    >>> hello()  # still a plain function
    hello
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console, RenderableType

    from provenance.reader import StoreReader

__all__ = [
    "Command",
    "argument",
    "command",
    "depth_option",
    "emit",
    "err_console",
    "group",
    "id_argument",
    "json_option",
    "limit_option",
    "one_line",
    "opened_store",
    "option",
    "out_console",
    "print_json",
    "store_option",
]

F = TypeVar("F", bound=Callable[..., Any])

#: A command as it is registered: its name on the command line and its function (or a
#: click command, such as another group).
Command = tuple[str, Callable[..., Any] | click.Command]

#: Where :func:`option` and :func:`argument` keep a function's parameters, first first.
_PARAMS = "__provenance_cli_params__"


def _attach(function: F, param: click.Parameter) -> F:
    """Put ``param`` first among ``function``'s parameters (decorators apply bottom-up)."""
    function.__dict__.setdefault(_PARAMS, []).insert(0, param)
    return function


def _click_type(
    kind: type, lo: float | None, hi: float | None, choices: type[Enum] | None
) -> tuple[click.ParamType[Any], str]:
    """The click type for a Python type (with bounds or choices), and its help label.

    Example:
        >>> _click_type(int, 0, None, None)[1], _click_type(Path, None, None, None)[1]
        ('int range', 'path')
    """
    if choices is not None:
        values = [str(c.value) for c in choices]
        return click.Choice(values), "|".join(values)
    if kind is Path:
        # No checks: a path the command cannot read fails in the command, in one line.
        return click.Path(path_type=Path, readable=False), "path"
    if kind is int:
        if lo is None and hi is None:
            return click.INT, "int"
        low, high = (None if bound is None else int(bound) for bound in (lo, hi))
        return click.IntRange(low, high), "int range"
    if kind is float:
        if lo is None and hi is None:
            return click.FLOAT, "float"
        return click.FloatRange(lo, hi), "float range"
    return click.STRING, "str"


def _to_enum(choices: type[Enum]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        return None if value is None else choices(value)

    return convert


def option(
    *decls: str,
    help: str | None = None,
    type: type = str,
    default: Any = None,
    min: float | None = None,
    max: float | None = None,
    choices: type[Enum] | None = None,
    multiple: bool = False,
    required: bool = False,
    is_flag: bool = False,
    envvar: str | None = None,
) -> Callable[[F], F]:
    """Declare an option of the decorated command: its names (the last, without dashes, the
    function's parameter), a Python type (``str``, ``int``, ``float``, ``Path``; ``min`` and
    ``max`` bound numbers; ``choices`` an enum of the values taken), its default (shown in
    the help unless None) and help.

    Example:
        >>> @option("--depth", "-d", "depth", type=int, min=0, help="How deep.")
        ... def walk(depth: int | None = None) -> None:
        ...     '''Walk.'''
        >>> (o,) = walk.__dict__[_PARAMS]
        >>> o.opts, o.name, o.metavar
        (['--depth', '-d'], 'depth', '<int range>')
    """
    if isinstance(default, Enum):
        default = default.value

    def make() -> click.Option:  # a parameter of its own for each command
        if is_flag:
            return click.Option(list(decls), is_flag=True, default=bool(default), help=help)
        click_type, label = _click_type(type, min, max, choices)
        # No default rather than None: recent click (8.3+) takes an explicit None as a value.
        extra = {} if default is None else {"default": default}
        return click.Option(
            list(decls),
            type=click_type,
            metavar=f"<list[{label}]>" if multiple else f"<{label}>",
            multiple=multiple,
            required=required,
            envvar=envvar,
            show_envvar=envvar is not None,
            show_default=True,
            callback=_to_enum(choices) if choices is not None else None,
            help=help,
            **extra,
        )

    return lambda function: _attach(function, make())


class _Argument(click.Argument):
    """An argument with a help text, listed under ``Arguments`` (``ID <str>  help``) and
    shown in the usage line as ``{ID}`` when required, ``[ID]`` when not."""

    def __init__(self, param_decls: Sequence[str], *, help: str | None, label: str, **attrs: Any):
        super().__init__(param_decls, **attrs)
        self.help = help
        self.label = label

    def _display_name(self) -> str:
        return self.metavar or self.name or ""

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        name = self._display_name()
        name = f"{{{name}}}" if self.required else f"[{name}]"
        return [name + ("..." if self.nargs != 1 else "")]

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return f"'{self._display_name()}'"

    def get_help_record(self, ctx: click.Context) -> tuple[str, str]:
        name = self._display_name()
        if self.metavar is None and self.nargs != 1:
            name += "..."
        help = self.help or ""
        if self.required:
            help = f"{help}  [required]" if help else "[required]"
        return f"{name} <{self.label}>", help


def argument(
    name: str,
    *,
    help: str,
    metavar: str | None = None,
    type: type = str,
    required: bool = True,
    nargs: int = 1,
) -> Callable[[F], F]:
    """Declare a positional argument of the decorated command (``name``: the function's
    parameter; ``nargs=-1``: any number, passed as a tuple).

    Example:
        >>> @argument("node_id", metavar="ID", help="A node.")
        ... def show(node_id: str) -> None:
        ...     '''Show.'''
        >>> cmd = command("show", show)
        >>> cmd.collect_usage_pieces(click.Context(cmd))
        ['[OPTIONS]', '{ID}']
    """

    def make() -> _Argument:  # a parameter of its own for each command
        click_type, label = _click_type(type, None, None, None)
        return _Argument(
            [name],
            help=help,
            label=f"list[{label}]" if nargs != 1 else label,
            type=click_type,
            metavar=metavar,
            required=required,
            nargs=nargs,
        )

    return lambda function: _attach(function, make())


#: ``--store``/``-s``, ``--json``, ``--depth``/``-d``, ``--limit`` and the ``ID`` argument,
#: as most commands take them.
store_option = option(
    "--store",
    "-s",
    "store",
    help="Store URI or path (default: $PROVENANCE_STORE or ./.provenance/).",
)
json_option = option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
depth_option = option(
    "--depth", "-d", "depth", type=int, min=0, help="Transforms to walk (default: all)."
)
limit_option = option(
    "--limit", "limit", type=int, min=1, help="At most this many nodes; says when truncated."
)
id_argument = argument("node_id", metavar="ID", help="Node id or unique prefix.")


class _Command(click.Command):
    """A command whose help lists its arguments (with their help) before its options, in
    one form whatever click's version (8.5 added a section of its own for arguments)."""

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Nothing: :meth:`format_options` lists the arguments."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and param.param_type_name in records:
                records[param.param_type_name].append(record)
        for title, kind in (("Arguments", "argument"), ("Options", "option")):
            if records[kind]:
                with formatter.section(title):
                    formatter.write_dl(records[kind])


class _Group(click.Group):
    """A group listing its commands in the order registered; help when given no command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # Ctrl-C: exit 130, quietly (the shell shows ^C)
            raise click.exceptions.Exit(130) from None


def command(name: str, function: Callable[..., Any]) -> click.Command:
    """The click command running ``function`` with the parameters declared on it; its help
    is the function's docstring (the first line is the summary ``--help`` lists).

    Example:
        >>> def ping() -> None:
        ...     '''Answer pong.'''
        >>> command("ping", ping).get_short_help_str()
        'Answer pong.'
    """
    return _Command(
        name,
        callback=function,
        params=list(function.__dict__.get(_PARAMS, [])),
        help=inspect.getdoc(function),
    )


def group(help: str, commands: Sequence[Command], *, name: str | None = None) -> click.Group:
    """A click group with the CLI's settings (help without a command) and ``commands``
    registered in order (``--help`` lists them so).

    Example:
        >>> def ping() -> None:
        ...     '''Answer pong.'''
        >>> list(group("Ping.", [("ping", ping)]).commands)
        ['ping']
    """
    cli = _Group(name=name, help=help, no_args_is_help=True)
    for command_name, function in commands:
        if isinstance(function, click.Command):
            cli.add_command(function, command_name)
        else:
            cli.add_command(command(command_name, function))
    return cli


def out_console(*, soft_wrap: bool = False) -> Console:
    """Console for results (stdout).

    Example:
        >>> out_console().stderr, out_console(soft_wrap=True).soft_wrap
        (False, True)
    """
    from rich.console import Console

    return Console(highlight=False, soft_wrap=soft_wrap)


def err_console(*, soft_wrap: bool = False) -> Console:
    """Console for progress and messages (stderr).

    Example:
        >>> err_console().stderr
        True
    """
    from rich.console import Console

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
    from provenance.reader import StoreReader
    from provenance.store import open_store
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
