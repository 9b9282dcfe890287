"""The ``provenance`` command line: the library's verbs, ``--json`` on every query.

Errors a user can cause print one line on stderr and exit non-zero; set
``PROVENANCE_DEBUG=1`` to see the traceback instead.

Example:
    >>> from click.testing import CliRunner
    >>> from provenance.cli.app import app
    >>> CliRunner().invoke(app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

from provenance.cli.app import app, main

__all__ = ["app", "main"]
