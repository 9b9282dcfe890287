"""Digest primitives: algorithms, the ``algo:hex`` format, domain tags, canonical JSON.

Every content id this package makes is domain-separated and versioned: the hashed bytes start
with ``provenance:<domain>:v<HASH_VERSION>`` and a newline (see :func:`domain_prefix`), so a file, a
DataFrame and a JSON document can never share an id by accident, and a future change of any
canonical form (a new :data:`HASH_VERSION`) never silently re-derives an old id differently.
:func:`digest_bytes` is the one exception: it is the raw hash primitive (``sha256sum`` /
``b3sum`` of the buffer); content ids of bytes come from :func:`digest_blob`.

Example:
    >>> from provenance.hashing.core import digest_bytes, parse_digest
    >>> d = digest_bytes(b"hello")
    >>> d.split(":")[0], len(parse_digest(d)[1])
    ('blake3', 64)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal, Protocol, cast

import blake3 as _blake3

from provenance.errors import UnknownAlgorithmError, UnsupportedTypeError

Algorithm = Literal["blake3", "sha256"]
ALGORITHMS: tuple[Algorithm, ...] = ("blake3", "sha256")
DEFAULT_ALGORITHM: Algorithm = "blake3"
#: Version of every canonical form in this package. Bump it (and keep the old code path) when
#: any canonical serialization changes, so old ids are never silently re-derived differently.
HASH_VERSION = 1

_DIGEST_RE = re.compile(r"^(blake3|sha256):([0-9a-f]{64})$")

#: Buffers of at least this many bytes are hashed by multithreaded BLAKE3
#: (:func:`digest_blob`, :func:`digest_bytes`). It changes only the speed, never a digest:
#: BLAKE3 gives the same value on any number of threads, and SHA-256 ignores it.
MULTITHREAD_MIN_BYTES = 1 << 24


class Hasher(Protocol):
    """The incremental-hash interface shared by ``blake3.blake3`` and ``hashlib`` objects."""

    def update(self, data: bytes | bytearray | memoryview, /) -> object: ...

    def hexdigest(self) -> str: ...


def check_algorithm(algo: str) -> Algorithm:
    """Return ``algo`` typed as an :data:`Algorithm`, or raise :class:`UnknownAlgorithmError`.

    Example:
        >>> check_algorithm("sha256")
        'sha256'
    """
    for known in ALGORITHMS:
        if algo == known:
            return known
    raise UnknownAlgorithmError(
        f"unknown digest algorithm {algo!r}; choose one of {', '.join(ALGORITHMS)}"
    )


def new_hasher(algo: str = DEFAULT_ALGORITHM, *, multithreaded: bool = False) -> Hasher:
    """A fresh incremental hasher for ``algo``.

    ``multithreaded`` lets BLAKE3 spread one large ``update`` over all cores.

    Example:
        >>> h = new_hasher("sha256"); _ = h.update(b"abc"); h.hexdigest()[:8]
        'ba7816bf'
    """
    algo = check_algorithm(algo)
    if algo == "blake3":
        if multithreaded:
            return cast(Hasher, _blake3.blake3(max_threads=_blake3.blake3.AUTO))
        return cast(Hasher, _blake3.blake3())
    return cast(Hasher, hashlib.sha256())


def format_digest(algo: str, hexdigest: str) -> str:
    """Write a digest as ``algo:hex``.

    Example:
        >>> format_digest("blake3", "ab" * 32)[:10]
        'blake3:aba'
    """
    return f"{check_algorithm(algo)}:{hexdigest}"


def parse_digest(digest: str) -> tuple[Algorithm, str]:
    """Split ``algo:hex`` into its parts, validating both.

    Example:
        >>> parse_digest("sha256:" + "0" * 64)[0]
        'sha256'
    """
    m = _DIGEST_RE.fullmatch(digest)
    if not m:
        raise ValueError(f"not a full digest of the form algo:hex: {digest!r}")
    return cast(Algorithm, m.group(1)), m.group(2)


def is_digest(value: str) -> bool:
    """True when ``value`` is a full ``algo:hex`` digest.

    Example:
        >>> is_digest("blake3:" + "f" * 64), is_digest("blake3:ff")
        (True, False)
    """
    return bool(_DIGEST_RE.fullmatch(value))


def domain_prefix(domain: str, version: int | None = None) -> bytes:
    """The bytes every digest of ``domain`` starts with: ``provenance:<domain>:v<version>``.

    ``version`` defaults to :data:`HASH_VERSION` (content ids); a format with a version of its
    own passes it (the log chain: :data:`provenance.store.chain.LOG_FORMAT_VERSION`), so that
    bumping the one does not move the other.

    Example:
        >>> domain_prefix("blob")
        b'provenance:blob:v1\\n'
        >>> domain_prefix("log-entry", version=3)
        b'provenance:log-entry:v3\\n'
    """
    if not domain or any(c in domain for c in ":\n"):
        raise ValueError(f"bad digest domain {domain!r}")
    return f"provenance:{domain}:v{HASH_VERSION if version is None else version}\n".encode()


def new_domain_hasher(
    domain: str, algo: str = DEFAULT_ALGORITHM, *, multithreaded: bool = False
) -> Hasher:
    """A fresh hasher that has already absorbed :func:`domain_prefix` of ``domain``.

    Example:
        >>> h = new_domain_hasher("blob"); _ = h.update(b"abc")
        >>> format_digest("blake3", h.hexdigest()) == digest_blob(b"abc")
        True
    """
    h = new_hasher(algo, multithreaded=multithreaded)
    h.update(domain_prefix(domain))
    return h


def digest_blob(data: bytes | bytearray | memoryview, algo: str = DEFAULT_ALGORITHM) -> str:
    """The content id of a byte string: the same id a file holding these bytes gets.

    Domain-separated (``provenance:blob:v1``), so it differs from ``b3sum``/``sha256sum``
    of the bytes (use :func:`digest_bytes` for that).

    Example:
        >>> from provenance.hashing import digest_file
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.bin"; _ = p.write_bytes(b"abc")
        >>> digest_blob(b"abc") == digest_file(p)
        True
    """
    mv = memoryview(data)
    if not mv.c_contiguous or (mv.ndim > 1 and mv.nbytes == 0):
        mv = memoryview(mv.tobytes())  # contiguous; an empty N-d view cannot be cast
    h = new_domain_hasher("blob", algo, multithreaded=mv.nbytes >= MULTITHREAD_MIN_BYTES)
    h.update(mv.cast("B") if mv.ndim != 1 or mv.format != "B" else mv)
    return format_digest(algo, h.hexdigest())


def digest_bytes(data: bytes | bytearray | memoryview, algo: str = DEFAULT_ALGORITHM) -> str:
    """Digest an in-memory buffer with no domain tag: the plain ``sha256sum``/``b3sum`` value.

    This is the primitive the domain-tagged digests are built on; a content id for bytes is
    :func:`digest_blob`.

    Example:
        >>> digest_bytes(b"", "sha256")[7:15]
        'e3b0c442'
    """
    h = new_hasher(algo, multithreaded=len(data) >= MULTITHREAD_MIN_BYTES)
    h.update(data)
    return format_digest(algo, h.hexdigest())


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays, paths, datetimes, sets: one canonical JSON form each.
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item() if not isinstance(obj, np.floating) else _float(obj)
    if isinstance(obj, np.ndarray):
        return [_json_default(x) if isinstance(x, np.generic) else x for x in obj.tolist()]
    if isinstance(obj, _dt.datetime):
        return obj.isoformat()
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=lambda x: json.dumps(x, sort_keys=True, default=str))
    if hasattr(obj, "__fspath__"):
        return str(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    raise UnsupportedTypeError(
        f"value of type {type(obj).__name__} has no canonical JSON form; "
        "pass plain numbers, strings, lists and dicts"
    )


def _float(x: Any) -> Any:
    f = float(x)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0.0:
        return 0  # -0.0, 0.0 and 0 are one value
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def _normalize(obj: Any) -> Any:
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, Mapping):
        return {str(k): _normalize(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_normalize(v) for v in obj]
    return _normalize(_json_default(obj))


def canonical_json(obj: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, one form for equal numbers.

    ``1`` and ``1.0`` are the same hyperparameter; ``NaN`` and ``-0.0`` have one form each.

    Example:
        >>> canonical_json({"b": 1.0, "a": [2, -0.0]})
        '{"a":[2,0],"b":1}'
    """
    return json.dumps(
        _normalize(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def digest_json(obj: Any, algo: str = DEFAULT_ALGORITHM, *, domain: str = "json") -> str:
    """Digest the canonical JSON of ``obj`` under a domain tag (so ids of kinds never collide).

    Example:
        >>> digest_json({"a": 1}) == digest_json({"a": 1.0})
        True
    """
    payload = domain_prefix(domain) + canonical_json(obj).encode()
    return digest_bytes(payload, algo)
