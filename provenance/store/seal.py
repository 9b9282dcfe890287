"""Sealed values: how the Neo4j store keeps an artifact's values erasable from its files.

Neo4j never overwrites the record a changed or removed property freed: the bytes of an
erased value stay in its store files until the record is reused, which nothing controls.
What it does overwrite in place is a fixed-size property set to a new value of the same
size. So the Neo4j store never writes an artifact's values in the clear:

* what an erasure removes (:func:`~provenance.store.scrub.scrub_artifact`: every value
  statistic of ``feature_stats`` and ``metadata``) is written as :data:`SEALED_PROPERTY`,
  the node's original ``feature_stats`` and ``metadata`` text encrypted (AES-256-GCM, the
  node id as associated data) with a key drawn for this write; the node's own
  ``feature_stats`` and ``metadata`` hold the scrubbed text (what Neo4j Browser shows);
* the key is two 63-bit integers with the top bit set (:func:`new_key`: always the same
  encoded size), held by a ``SealKey`` node of the artifact's id, set anew by every write of
  the artifact, in place;
* a write of the artifact without values (an erasure) sets the key to random numbers: the
  sealed text left in freed records can no longer be read. The store's purge then deletes
  the key node (its freed record holds only the random numbers).

Reads (:func:`unseal`) decrypt with the stored key and give back the properties exactly as
written before sealing, so the log's node records are unchanged by the sealing.

Example:
    >>> props = {"id": "blake3:" + "a" * 64, "name": "users",
    ...          "feature_stats": '{"row_count": 1, "columns": {"email": {"count": 1, '
    ...                           '"top_values": [{"value": "a@x.org", "count": 1}]}}}'}
    >>> sealed, sealing = seal(props)
    >>> "a@x.org" in str(sealed), sealed["feature_stats"]
    (False, '{"columns": {"email": {"count": 1}}, "row_count": 1}')
    >>> unseal(sealed, sealing) == props
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from typing import Any, Final

from provenance.errors import MissingExtraError, SealError
from provenance.store.scrub import scrub_feature_stats, scrub_metadata

__all__ = [
    "KEY_LABEL",
    "SEALED_FIELDS",
    "SEALED_PROPERTY",
    "new_key",
    "seal",
    "unseal",
]

#: The label of the nodes holding the keys.
KEY_LABEL: Final = "SealKey"
#: The property holding an artifact's sealed values.
SEALED_PROPERTY: Final = "sealed_values"
#: The properties (JSON text) whose values are sealed.
SEALED_FIELDS: Final = ("feature_stats", "metadata")
_FORMAT: Final = b"\x01"
_NONCE: Final = 12
_KEY_CONTEXT: Final = b"provenance:seal-key:v1\n"
#: A key number's range: [2**62, 2**63), so that Neo4j stores every key in the same size.
_LOW: Final = 1 << 62

Key = tuple[int, int]


def new_key() -> Key:
    """A fresh key: two random integers of 62 bits with bit 62 set.

    Example:
        >>> k = new_key()
        >>> all(2**62 <= n < 2**63 for n in k), new_key() != k
        (True, True)
    """
    return (_LOW | secrets.randbits(62), _LOW | secrets.randbits(62))


def _aead(key: Key) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError as exc:  # pragma: no cover - installed with the neo4j extra
        raise MissingExtraError("cryptography", "neo4j", "seal values on Neo4j") from exc
    raw = key[0].to_bytes(8, "big") + key[1].to_bytes(8, "big")
    return AESGCM(hashlib.sha256(_KEY_CONTEXT + raw).digest())


def _scrubbed(field: str, text: str) -> str:
    value = json.loads(text)
    if not isinstance(value, dict):
        return text
    clean = scrub_feature_stats(value) if field == "feature_stats" else scrub_metadata(value)
    return text if clean == value else json.dumps(clean, sort_keys=True)


def seal(props: dict[str, Any]) -> tuple[dict[str, Any], Key | None]:
    """The properties to write for an artifact's ``props`` and the key that seals them; the
    key is None (and ``props`` returned as they are) when they hold no value to seal.

    Example:
        >>> seal({"id": "x", "metadata": '{"team": "crm"}'})
        ({'id': 'x', 'metadata': '{"team": "crm"}'}, None)
    """
    plain = {f: props[f] for f in SEALED_FIELDS if isinstance(props.get(f), str)}
    clean = {f: _scrubbed(f, text) for f, text in plain.items()}
    if clean == plain:
        return props, None
    key = new_key()
    nonce = os.urandom(_NONCE)
    body = json.dumps(plain, sort_keys=True).encode()
    box = _aead(key).encrypt(nonce, body, str(props["id"]).encode())
    return {**props, **clean, SEALED_PROPERTY: _FORMAT + nonce + box}, key


def unseal(props: dict[str, Any], key: Key | None) -> dict[str, Any]:
    """``props`` as written before :func:`seal` (unchanged when not sealed). Raises
    :class:`SealError` when the key is missing or does not open them.

    Example:
        >>> unseal({"id": "x"}, None)
        {'id': 'x'}
    """
    sealed = props.get(SEALED_PROPERTY)
    if sealed is None:
        return props
    out = {k: v for k, v in props.items() if k != SEALED_PROPERTY}
    if key is None or not isinstance(sealed, bytes | bytearray) or sealed[:1] != _FORMAT:
        raise SealError(f"the sealed values of {props.get('id')} have no key to open them")
    from cryptography.exceptions import InvalidTag

    nonce, box = bytes(sealed[1 : 1 + _NONCE]), bytes(sealed[1 + _NONCE :])
    try:
        body = _aead(key).decrypt(nonce, box, str(props.get("id")).encode())
    except InvalidTag as exc:
        raise SealError(f"the sealed values of {props.get('id')} do not open with its key") from exc
    out.update(json.loads(body))
    return out
