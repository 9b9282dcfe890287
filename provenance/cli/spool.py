"""``provenance spool status|flush``: what the durable spool (:mod:`provenance.spool`) holds,
and sending it to its store now.

Mounted by the main CLI (:mod:`provenance.cli.app`) as the ``spool`` group. ``flush`` exits
0 when nothing is left to send, 1 otherwise (the store is still unavailable, or the timeout
ran out), so a job can retry it.

Example:
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(spool_app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from provenance.cli.common import group, json_option, option, out_console, print_json, store_option
from provenance.errors import StoreError

if TYPE_CHECKING:
    from provenance.spool import FlushReport, SpoolStatus

__all__ = ["flush", "spool_app", "status", "status_lines"]

timeout_option = option(
    "--timeout",
    "timeout",
    type=float,
    min=0,
    default=60.0,
    help="Stop sending after this many seconds.",
)


def _store_uri(store: str | None) -> str | None:
    """The store the command is about: ``--store``, else ``$PROVENANCE_STORE``, else None.

    Example:
        >>> _store_uri("neo4j://neo4j:pw@db:7687")
        'neo4j://neo4j:pw@db:7687'
    """
    from provenance.store.uri import STORE_ENV

    return store or os.environ.get(STORE_ENV) or None


def status_lines(status: SpoolStatus) -> list[str]:
    """What one store's spool holds, as lines that read at 80 columns (a long uri or
    directory aside): the store, then what is pending, what was rejected, who writes, where.

    Example:
        >>> from provenance.spool import SpoolStatus
        >>> for line in status_lines(SpoolStatus(store="sqlite:///l.sqlite", directory="/s")):
        ...     print(line)
        sqlite:///l.sqlite
          pending runs: 0, records: 0, oldest: -
          rejected: 0, writers: -
          spool: /s
    """
    oldest = status.oldest_pending.isoformat(timespec="seconds") if status.oldest_pending else "-"
    writers = ", ".join(str(p) for p in status.writers) or "-"
    return [
        status.store,
        f"  pending runs: {status.pending_runs}, records: {status.pending_records}, "
        f"oldest: {oldest}",
        f"  rejected: {status.rejected}, writers: {writers}",
        f"  spool: {status.directory}",
    ]


@store_option
@json_option
def status(store: str | None = None, as_json: bool = False) -> None:
    """Show what is spooled: runs waiting to be sent, since when, rejected records.

    Also the running processes that hold a journal. Without --store (or $PROVENANCE_STORE):
    the spool of every store on this machine.
    """
    from provenance.spool import Spool, spool_statuses

    uri = _store_uri(store)
    statuses = [Spool(uri).status()] if uri else spool_statuses()
    if as_json:
        print_json([s.model_dump(mode="json") for s in statuses])
        return
    out = out_console(soft_wrap=True)
    if not statuses:
        out.print("nothing is spooled", markup=False)
        return
    for i, s in enumerate(statuses):
        if i:
            out.print()
        for line in status_lines(s):
            out.print(line, markup=False)


def _report_line(report: FlushReport) -> str:
    """One line saying what a flush did.

    Example:
        >>> from provenance.spool import FlushReport
        >>> _report_line(FlushReport(store="neo4j://db:7687", directory="/s", sent=3))
        'neo4j://db:7687: sent 3, 0 still spooled'
    """
    parts = [f"{report.store}: sent {report.sent}", f"{report.pending} still spooled"]
    if report.rejected:
        parts.append(f"{report.rejected} rejected (kept in {report.directory}/rejected.jsonl)")
    if report.held_by_others:
        parts.append(f"{report.held_by_others} held by running processes (they send them)")
    if report.timed_out:
        parts.append("timed out")
    if report.error:
        parts.append(f"stopped: {report.error}")
    return ", ".join(parts)


@store_option
@timeout_option
@json_option
def flush(store: str | None = None, timeout: float = 60.0, as_json: bool = False) -> None:
    """Send every run spooled for a store now, oldest first; exit 1 if some are left.

    The store's URI, with its password, comes from --store or $PROVENANCE_STORE. Runs held
    by running processes are left to them.
    """
    from provenance.spool import SpooledStore

    uri = _store_uri(store)
    if not uri:
        raise StoreError("which store? give --store URI (or set $PROVENANCE_STORE)")
    spooled = SpooledStore(uri)  # never raises for a store that is down
    try:
        report = spooled.flush(timeout)
    finally:
        spooled.close(timeout=0)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        out_console(soft_wrap=True).print(_report_line(report), markup=False)
    if report.pending or report.error:
        raise click.exceptions.Exit(1)


spool_app = group(
    "The durable local spool of runs bound for a Neo4j store: see what waits, send it now.",
    [("status", status), ("flush", flush)],
)
