"""``provenance log verify|head``: the tamper-evident log of every write.

Every write that changes the graph appends a hash-chained entry (:mod:`provenance.store.chain`).
``head`` prints the newest entry; its digest is what an auditor pins (in a signed release
note, a ticket) to prove later that nothing before it changed. ``verify`` re-derives the chain
from the stored graph (:func:`~provenance.analysis.integrity.verify_log`): exit 0 with one
``ok`` line, or exit 1 with one line naming the first entry whose nodes, edges or contents
were changed, deleted or inserted outside the library. ``--pin DIGEST`` also requires that
entry to still be in the chain.

Example:
    >>> import tempfile
    >>> from click.testing import CliRunner
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> s.write([Artifact(id="blake3:" + "a" * 64, name="users")], [])
    >>> result = CliRunner().invoke(log_app, ["verify", "--store", s.uri])
    >>> result.exit_code, result.output.split(";")[0]
    (0, 'ok: 1 entry, 1 element match the chain')
    >>> CliRunner().invoke(log_app, ["head", "--store", s.uri]).output.splitlines()[-1][:7]
    'sha256:'
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from provenance.cli.common import (
    err_console,
    group,
    json_option,
    option,
    out_console,
    print_json,
    store_option,
)
from provenance.cli.gates import LogGate, log_gate

if TYPE_CHECKING:
    from provenance.analysis.integrity import Progress as Callback
    from provenance.store import LineageStore

__all__ = ["head_cmd", "log_app", "verify_cmd"]

#: Below this many elements the check takes about a second: no progress bar.
_BAR_FROM = 50_000


@contextmanager
def _progress(store: LineageStore) -> Iterator[Callback | None]:
    """A progress bar on stderr (a terminal, a large store) fed by verify_log's callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from provenance.model import NODE_TYPES
    from provenance.store.base import EDGE_TYPES

    err = err_console()
    head = store.log_head()
    counts = store.counts()
    elements = sum(v for k, v in counts.items() if k in NODE_TYPES or k in EDGE_TYPES)
    if not err.is_terminal or elements < _BAR_FROM:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks = {
            "log": bar.add_task("log entries", total=head.seq if head else 0),
            "graph": bar.add_task("stored elements", total=elements),
        }
        yield lambda phase, n: bar.advance(tasks[phase], n)


@store_option
@option(
    "--pin",
    "pin",
    multiple=True,
    help="An entry digest (from `provenance log head`, 8+ hex digits) that must "
    "still be in the chain. Repeatable.",
)
@json_option
@option(
    "--fail-on",
    "fail_on",
    choices=LogGate,
    default=LogGate.any,
    help="Exit 1 when met: any (a problem found), never (report only).",
)
def verify_cmd(
    store: str | None = None,
    pin: Sequence[str] | None = None,
    as_json: bool = False,
    fail_on: LogGate = LogGate.any,
) -> None:
    """Check the log against the stored graph: exit 1 naming the first tampered entry.

    With --fail-on never, the same report and exit 0 whatever is found.
    """
    from provenance.analysis.integrity import verify_log
    from provenance.store import open_store

    opened = open_store(store, create=False)
    try:
        with _progress(opened) as progress:
            verdict = verify_log(opened, pinned=pin or (), progress=progress)
    finally:
        opened.close()
    if as_json:
        print_json(verdict.model_dump(mode="json"))
    elif verdict.ok:
        out_console(soft_wrap=True).print(verdict.message, markup=False)
    else:
        err_console(soft_wrap=True).print(f"error: {verdict.message}", markup=False)
    if log_gate(verdict, fail_on) is not None:  # the line above said why
        raise click.exceptions.Exit(1)


@store_option
@json_option
def head_cmd(store: str | None = None, as_json: bool = False) -> None:
    """Print the newest log entry; its digest (the last line) is what to pin."""
    from provenance.store import open_store

    opened = open_store(store, create=False)
    try:
        head = opened.log_head()
    finally:
        opened.close()
    if as_json:
        print_json(head.summary() if head else None)
        return
    out = out_console(soft_wrap=True)
    if head is None:
        out.print("no log entries yet (nothing was written)", markup=False)
        return
    out.print(
        f"entry {head.seq} at {head.at.isoformat()}: {head.nodes:,} node(s), "
        f"{head.edges:,} edge(s) written",
        markup=False,
    )
    out.print(head.digest, markup=False)


log_app = group(
    "The tamper-evident log: every write is a hash-chained entry; verify it, pin its head.",
    [("verify", verify_cmd), ("head", head_cmd)],
)
