"""Request bodies of ``POST /api/v1/lineage``: size limit, ``Content-Encoding``, JSON, schema.

Every failure is a :class:`BodyError` carrying the HTTP status to answer (400 malformed,
413 too large, 415 unknown encoding) and one line saying why. Nothing here writes.

Example:
    >>> import gzip, json
    >>> event = {"eventTime": "2026-01-01T00:00:00Z", "producer": "https://example.com/p",
    ...          "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    ...          "eventType": "START", "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
    ...          "job": {"namespace": "airflow", "name": "etl.load"}}
    >>> body = decode_body(gzip.compress(json.dumps(event).encode()), "gzip", limit=1 << 20)
    >>> [e["eventType"] for e in parse_events(body)]
    ['START']
    >>> parse_events(b'{"eventType": "START"')
    Traceback (most recent call last):
    ...
    provenance.errors.BodyError: malformed JSON: Expecting ',' delimiter: line 1 ...
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from provenance.errors import BodyError, OpenLineageEventError
from provenance.openlineage.mapping import check_event

__all__ = ["DEFAULT_MAX_BODY", "BodyError", "decode_body", "parse_events"]

#: The default limit on a request body, before and after decompression (16 MiB).
DEFAULT_MAX_BODY = 16 * 1024 * 1024


def too_large(size: int | str, limit: int, what: str = "request body") -> BodyError:
    """The 413 error for a body over the limit.

    Example:
        >>> str(too_large(20, 10))
        'request body of 20 bytes is over the limit of 10 bytes'
    """
    return BodyError(413, f"{what} of {size} bytes is over the limit of {limit} bytes")


def _gunzip(data: bytes, limit: int, wbits: int) -> bytes:
    out = bytearray()
    while True:
        d = zlib.decompressobj(wbits=wbits)
        try:
            out += d.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise BodyError(400, f"bad compressed body: {exc}") from exc
        if len(out) > limit or d.unconsumed_tail:
            raise too_large(f"more than {limit}", limit, "decompressed body")
        if not d.eof:
            raise BodyError(400, "bad compressed body: truncated stream")
        data = d.unused_data  # gzip allows several members one after the other
        if not data.strip(b"\0"):
            return bytes(out)


def decode_body(body: bytes, encoding: str | None, *, limit: int = DEFAULT_MAX_BODY) -> bytes:
    """The body with its ``Content-Encoding`` (``gzip``, ``deflate``, ``identity``) undone;
    a decompressed body over ``limit`` bytes is refused (413) as it is inflated.

    Example:
        >>> import gzip
        >>> decode_body(gzip.compress(b"[]"), "gzip")
        b'[]'
        >>> decode_body(b"[]", None)
        b'[]'
        >>> decode_body(b"[]", "gzip")
        Traceback (most recent call last):
        ...
        provenance.errors.BodyError: bad compressed body: Error -3 ...
        >>> decode_body(gzip.compress(b" " * 100), "gzip", limit=10)
        Traceback (most recent call last):
        ...
        provenance.errors.BodyError: decompressed body of more than 10 bytes is ...
    """
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # undone in the reverse of the order applied
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            body = _gunzip(body, limit, 31)
        elif coding == "deflate":
            body = _gunzip(body, limit, 15)
        else:
            raise BodyError(415, f"unsupported Content-Encoding {coding!r} (use gzip)")
    return body


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_events(body: bytes) -> list[dict[str, Any]]:
    """The events of a body: one event (a JSON object) or a batch (a JSON array of them),
    every one checked (the OpenLineage schema, and what ingest needs:
    :func:`~provenance.openlineage.mapping.check_event`) before any is returned.

    Example:
        >>> parse_events(b"[]")
        []
        >>> parse_events(b'[{"eventType": "START"}]')
        Traceback (most recent call last):
        ...
        provenance.errors.BodyError: event 0 of the batch: invalid OpenLineage event: ...
    """
    if not body.strip():
        raise BodyError(400, "empty body (send one OpenLineage event, or a JSON array of them)")
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise BodyError(400, f"malformed JSON: {' '.join(str(exc).split())}") from exc
    batch = isinstance(data, list)
    events = data if batch else [data]
    for i, event in enumerate(events):
        try:
            check_event(event)
        except OpenLineageEventError as exc:
            where = f"event {i} of the batch: " if batch else ""
            raise BodyError(400, f"{where}{exc}") from exc
    return events
