"""CLI command that runs the lineage HTTP service: ``serve``.

``provenance serve`` listens on 127.0.0.1:5000 unless told otherwise (OpenLineage clients
post to ``http://HOST:PORT/api/v1/lineage``), prints the URL it listens on, and runs until
interrupted. ``--port 0`` takes a free port (the printed URL says which).

Example:
    >>> from click.testing import CliRunner
    >>> from provenance.cli.common import group
    >>> cli = group("Serve.", [("serve", serve), ("noop", lambda: None)])
    >>> "--api-key" in CliRunner().invoke(cli, ["serve", "--help"]).output
    True
"""

from __future__ import annotations

import socket

from provenance.cli.common import err_console, option, out_console, store_option
from provenance.errors import ProvenanceError

__all__ = ["API_KEY_ENV", "bind", "serve"]

#: The environment variable ``--api-key`` defaults to.
API_KEY_ENV = "PROVENANCE_API_KEY"


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (``port`` 0: a free one); connections made
    before the server starts wait in its backlog.

    Example:
        >>> try:
        ...     bind("256.0.0.1", 1)
        ... except ProvenanceError as exc:
        ...     print(str(exc).split(":")[0])
        cannot listen on 256.0.0.1
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP, and without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the backlog until the server accepts them
    except (OSError, OverflowError) as exc:
        sock.close()
        raise ProvenanceError(f"cannot listen on {host}:{port}: {exc}") from exc
    sock.set_inheritable(True)
    return sock


@store_option
@option(
    "--host",
    "host",
    default="127.0.0.1",
    help="Address to listen on (0.0.0.0: every interface).",
)
@option(
    "--port", "-p", "port", type=int, min=0, max=65535, default=5000, help="Port (0: any free one)."
)
@option(
    "--api-key",
    "api_key",
    envvar=API_KEY_ENV,
    help="Require `Authorization: Bearer KEY` on every /api/v1 request.",
)
@option(
    "--max-body-mib",
    "max_body_mib",
    type=float,
    min=0.001,
    default=16.0,
    help="Largest request body taken, in MiB.",
)
@option(
    "--log-level",
    "log_level",
    default="warning",
    help="uvicorn's log level (info shows each request).",
)
def serve(
    store: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    api_key: str | None = None,
    max_body_mib: float = 16.0,
    log_level: str = "warning",
) -> None:
    """Run the HTTP service: OpenLineage in, the graph out.

    OpenLineage events in at /api/v1/lineage; lineage, nodes, versions and runs out.
    """
    import uvicorn

    from provenance.service import create_app
    from provenance.service.app import redact
    from provenance.store import open_store
    from provenance.store.uri import resolve_store_uri

    uri = resolve_store_uri(store)
    open_store(uri).close()  # a store that cannot be opened fails here, in one line
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    app = create_app(uri, api_key=api_key, max_body_bytes=int(max_body_mib * 1024 * 1024))
    out_console(soft_wrap=True).print(
        f"provenance lineage service on http://{shown}:{bound} "
        f"(store {redact(uri)}; API key {'required' if api_key else 'not required'}; "
        f"docs http://{shown}:{bound}/docs)",
        markup=False,
    )
    if host not in ("127.0.0.1", "::1", "localhost") and not api_key:
        err_console().print(
            f"warning: listening on {host} without --api-key: anyone who reaches it can write",
            markup=False,
        )
    config = uvicorn.Config(app, log_level=log_level.lower(), lifespan="on")
    try:
        # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again:
        # Ctrl-C (SIGINT) ends the command normally; SIGTERM ends the process as it should.
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        err_console().print("stopped", markup=False)
    finally:
        sock.close()
