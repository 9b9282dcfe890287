"""The ``provenance`` Typer app: every command group registered in one place, and ``main``.

Each command module defines its commands as plain functions (the ``neo4j`` group as a Typer
sub-app); they are registered here, in the order ``provenance --help`` lists them.

Example:
    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["ancestry", "--help"]).exit_code
    0
"""

from __future__ import annotations

import os

import typer

from provenance.cli import (
    audit,
    data,
    demo,
    lineage,
    neo4j,
    openlineage,
    repro,
    service,
    spool,
)
from provenance.cli.common import err_console, one_line, typer_app
from provenance.cli.log import log_app
from provenance.errors import ProvenanceError

__all__ = ["app", "main"]

# Typer re-raises click's exceptions (recent Typer vendors click); take the classes from
# Typer's public ones so this works with either.
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)

app = typer_app(
    "Data lineage for AI systems: record, query and audit where data and models came from.",
    [
        ("ancestry", lineage.ancestry),
        ("descendants", lineage.descendants),
        ("show", lineage.show),
        ("columns", openlineage.columns_cmd),
        ("export", data.export),
        ("hash", data.hash_cmd),
        ("sync", data.sync_cmd),
        ("ingest", openlineage.ingest_cmd),
        ("verify", repro.verify_cmd),
        ("replay", repro.replay_cmd),
        ("contamination", repro.contamination_cmd),
        ("drift", repro.drift_cmd),
        ("cost", repro.cost_cmd),
        ("demo", demo.demo),
        ("audit", audit.audit_cmd),
        ("impact", audit.impact_cmd),
        ("erase", audit.erase_cmd),
        ("loops", audit.loops_cmd),
        ("serve", service.serve),
    ],
    name="provenance",
)
app.add_typer(neo4j.neo4j_app, name="neo4j", help="Run a local Neo4j server (no Docker needed).")
app.add_typer(log_app, name="log", help="The tamper-evident log: verify it, print its head.")
app.add_typer(
    spool.spool_app, name="spool", help="The durable spool of runs bound for Neo4j: status, flush."
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``provenance`` console script; returns the exit code.

    A user's error prints one line on stderr (exit 1; 2 for bad usage); an unexpected one
    says so (exit 3). ``PROVENANCE_DEBUG=1`` shows the traceback instead.

    Example:
        >>> main(["--version"])
        2
    """
    debug = os.environ.get("PROVENANCE_DEBUG") == "1"
    err = err_console()
    try:
        result = app(args=argv, standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted", markup=False)
        return 130
    except _CLICK_ERROR as exc:
        err.print(f"error: {exc.format_message()}", markup=False, soft_wrap=True)  # type: ignore[attr-defined]
        return 2
    except ProvenanceError as exc:
        if debug:
            raise
        err.print(f"error: {one_line(str(exc))}", markup=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
            "(PROVENANCE_DEBUG=1 shows the traceback)",
            markup=False,
            soft_wrap=True,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
