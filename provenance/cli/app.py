"""The ``provenance`` click group: every command registered in one place, and ``main``.

Each command module defines its commands as plain functions, their options declared with
:func:`~provenance.cli.common.option` (the ``neo4j``, ``log`` and ``spool`` groups as click
groups of their own); they are registered here, in the order ``provenance --help`` lists them.

Example:
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(app, ["ancestry", "--help"]).exit_code
    0
"""

from __future__ import annotations

import os

import click

from provenance.cli import (
    audit,
    data,
    demo,
    lineage,
    neo4j,
    objects,
    openlineage,
    repro,
    s3,
    service,
    spool,
)
from provenance.cli.common import err_console, group, one_line
from provenance.cli.log import log_app
from provenance.errors import ProvenanceError

__all__ = ["app", "main"]


def _mounted(sub: click.Group, help: str) -> click.Group:
    """``sub``'s commands as a group with a shorter help (the summary ``--help`` lists)."""
    return group(help, list(sub.commands.items()))


app = group(
    "Data lineage for AI systems: record, query and audit where data and models came from.",
    [
        ("ancestry", lineage.ancestry),
        ("descendants", lineage.descendants),
        ("show", lineage.show),
        ("list", lineage.list_cmd),
        ("columns", openlineage.columns_cmd),
        ("export", data.export),
        ("hash", data.hash_cmd),
        ("sync", data.sync_cmd),
        ("ingest", openlineage.ingest_cmd),
        ("verify", repro.verify_cmd),
        ("replay", repro.replay_cmd),
        ("checkout", objects.checkout_cmd),
        ("gc", objects.gc_cmd),
        ("contamination", repro.contamination_cmd),
        ("drift", repro.drift_cmd),
        ("cost", repro.cost_cmd),
        ("demo", demo.demo),
        ("audit", audit.audit_cmd),
        ("impact", audit.impact_cmd),
        ("erase", audit.erase_cmd),
        ("loops", audit.loops_cmd),
        ("serve", service.serve),
        ("neo4j", _mounted(neo4j.neo4j_app, "Run a local Neo4j server (no Docker needed).")),
        ("s3", _mounted(s3.s3_app, "Run a local S3-compatible server (no Docker needed).")),
        ("log", _mounted(log_app, "The tamper-evident log: verify it, print its head.")),
        (
            "spool",
            _mounted(spool.spool_app, "The durable spool of runs bound for Neo4j: status, flush."),
        ),
    ],
    name="provenance",
)
# `provenance --version`: "provenance <version>", from the installed package's metadata.
app = click.version_option(
    package_name="provenance", prog_name="provenance", message="%(prog)s %(version)s"
)(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``provenance`` console script; returns the exit code.

    A user's error prints one line on stderr (exit 1; 2 for bad usage); an unexpected one
    says so (exit 3). ``PROVENANCE_DEBUG=1`` shows the traceback instead.

    Example:
        >>> main(["--version"])  # doctest: +ELLIPSIS
        provenance 0...
        0
    """
    debug = os.environ.get("PROVENANCE_DEBUG") == "1"

    def say(message: str) -> None:  # rich is imported only when there is something to say
        err_console().print(message, markup=False, soft_wrap=True)

    try:
        result = app.main(args=argv, standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        say("aborted")
        return 130
    except click.ClickException as exc:
        say(f"error: {exc.format_message()}")
        return 2
    except ProvenanceError as exc:
        if debug:
            raise
        say(f"error: {one_line(str(exc))}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as exc:
        if debug:
            raise
        say(
            f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
            "(PROVENANCE_DEBUG=1 shows the traceback)"
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
