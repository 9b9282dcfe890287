"""The Neo4j backend: the same protocol as the embedded store, over the official driver.

Writes are one managed transaction per call (retried by the driver on transient errors),
batched with UNWIND + MERGE. Reads walk the graph level by level (the shared walk of
:mod:`provenance.store.walk`) with the ``provenance/cypher/*_step`` queries, one per level,
so no path is ever enumerated. ``neo4j://`` routing URIs work, so a cluster or Aura
is a drop-in for a single server.

Values of any length: names, kinds, uris and operations are looked up through bounded keys
(``name_key`` = the first :data:`KEY_CHARS` characters of ``name``, and so on), which the
upsert queries set and ``schema.cypher`` indexes, so a value of 10 KB or 1 MB is stored and
found like a short one (a RANGE index entry holds about 8 KB, a TEXT index entry about
32 KB). The keys are derived, so reads drop them (:func:`from_props`) and the tamper-evident
log leaves them out of node records (:func:`node_record`).

Errors: every driver error comes out as one of the store's typed errors: the server gone, not
serving, busy past the driver's retries, failing server-side, or refusing the credentials is
:class:`~provenance.errors.StoreUnavailableError` (what the spool keeps and retries); a
uniqueness constraint refusing a write is :class:`~provenance.errors.IntegrityError`; any
other refusal is :class:`~provenance.errors.StoreError`.

Example (needs a server):
    >>> store = Neo4jStore(parse_store_uri("neo4j://neo4j:secret@127.0.0.1:7687"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any, TypeVar

from provenance.errors import (
    IntegrityError,
    NotFoundError,
    SealError,
    StoreError,
    StoreUnavailableError,
)
from provenance.model import (
    Artifact,
    Edge,
    EdgeType,
    LineageGraph,
    Model,
    Transform,
    node_from_dict,
    short_id,
)
from provenance.store.base import (
    INVALIDATED,
    PARENT,
    PRODUCED,
    RAN,
    USED,
    USED_MODEL,
    AnyNode,
    Direction,
    PurgeReport,
    StoreBase,
    in_order,
    listed_types,
    name_glob,
    newest_first,
    newest_versions,
)
from provenance.store.chain import (
    SALT_PROPERTY,
    EntryWorker,
    HeadRef,
    LogEntry,
    Stored,
    edge_props_value,
    element_digest,
    genesis_entries,
    pack_body,
    unpack_body,
)
from provenance.store.cypher import load_query, load_statements
from provenance.store.merge import merge_batch
from provenance.store.plan import Found, NodeCodec, WritePlan, packed_entry, plan_write
from provenance.store.seal import SEALED_PROPERTY, Key, new_key, seal, unseal
from provenance.store.uri import StoreURI
from provenance.store.walk import StepEdge, walk
from provenance.wording import plural

T = TypeVar("T")

#: Fields held as JSON text in Neo4j (maps of maps are not property values).
JSON_FIELDS = frozenset(
    {
        "feature_stats",
        "metadata",
        "hyperparameters",
        "seed_state",
        "cost",
        "environment",
        "metrics",
    }
)
_EDGE_QUERIES = {
    USED: "merge_used",
    PRODUCED: "merge_produced",
    USED_MODEL: "merge_used_model",
    RAN: "merge_ran",
    INVALIDATED: "merge_invalidated",
    PARENT: "merge_parent",
}
_UPSERTS = {
    "Artifact": "upsert_artifacts",
    "Model": "upsert_artifacts",
    "Transform": "upsert_transforms",
    "CodeVersion": "upsert_code_versions",
}
BATCH = 5000
#: Characters of a name, kind, uri or operation its lookup key holds (``left(value, 1000)``
#: in the Cypher files: at most 4000 bytes, well inside a RANGE index entry).
KEY_CHARS = 1000
#: The derived lookup-key properties (``schema.cypher``): set by the upsert queries, dropped
#: on read and left out of the log's node records.
KEY_PROPS = frozenset({"name_key", "kind_key", "uri_key", "operation_key"})
#: What a node's record leaves out: the lookup keys and the salt (:data:`SALT_PROPERTY`).
_DERIVED_PROPS = KEY_PROPS | {SALT_PROPERTY}
#: The most filler :meth:`Neo4jStore.purge` writes to rotate the transaction log (a larger
#: ``db.tx_log.rotation.size`` is left alone: the log then rotates on the server's schedule).
PURGE_FILL_MAX = 64 << 20
_PURGE_SETTINGS = (
    "db.tx_log.rotation.size",
    "db.tx_log.rotation.retention_policy",
    "db.checkpoint.interval.time",
)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
          "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}  # fmt: skip
#: Cypher LIMIT takes no null: "no limit" is this many rows.
_NO_LIMIT = 2**62
#: Reads of a sealed node whose key a concurrent write changed (:meth:`Neo4jStore._unseal_rows`).
_SEAL_READS = 3
#: Attempts at a write whose log entry a concurrent writer keeps beating to the next seq.
_LOG_RETRIES = 20
# Per walk direction: the step query and its frontier parameter.
_STEPS = {
    Direction.UP: ("ancestry_step", "artifact_ids"),
    Direction.DOWN: ("descendants_step", "node_ids"),
}


def _setting_bytes(value: str | None) -> int | None:
    """A size setting as Neo4j shows it (``256.00MiB``, ``128K``) in bytes; None if unreadable.

    Example:
        >>> _setting_bytes("4.00MiB"), _setting_bytes("128K"), _setting_bytes("lots")
        (4194304, 131072, None)
    """
    found = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", value or "")
    if found is None or found.group(2).lower() not in _UNITS:
        return None
    try:
        return int(float(found.group(1)) * _UNITS[found.group(2).lower()])
    except ValueError:
        return None


def _same_ids(keys: Sequence[str]) -> dict[str, str]:
    """The walk's key-to-id map where keys are ids."""
    return {k: k for k in keys}


def glob_regex(pattern: str) -> str:
    r"""The Cypher (Java) regex matching what the glob ``pattern`` matches, as
    :func:`~provenance.store.base.name_glob` defines it: ``*`` any run of characters, ``?``
    one, every other character itself (ASCII punctuation escaped), the whole name.

    Example:
        >>> glob_regex("users_*.csv")
        '(?s)users\\_.*\\.csv'
    """
    out = ["(?s)"]
    for c in pattern:
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c.isascii() and not c.isalnum():
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def to_props(node: AnyNode) -> dict[str, Any]:
    """Neo4j properties of a node: scalars and lists as they are, nested maps as JSON text.

    Null fields are left out (Neo4j has no null properties).
    """
    # short_id only serves Neo4j Browser captions (provenance/cypher/browser-style.grass).
    props: dict[str, Any] = {"short_id": short_id(node.id, 8)}
    for key, value in node.model_dump(mode="json").items():
        if value is None:
            continue
        if key in JSON_FIELDS:
            props[key] = json.dumps(value, sort_keys=True)
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            props[key] = json.dumps(value)
        else:
            props[key] = value
    return props


def from_props(labels: Sequence[str], props: dict[str, Any]) -> AnyNode:
    """Rebuild a node from its labels and properties."""
    data = {k: v for k, v in props.items() if k not in KEY_PROPS}
    data.pop("short_id", None)
    data.pop(SALT_PROPERTY, None)
    for key in JSON_FIELDS & data.keys():
        if isinstance(data[key], str):
            data[key] = json.loads(data[key])
    if "Model" in labels:
        data["node_type"] = "Model"
    return node_from_dict(data)


def _foreign(value: Any) -> str:
    """JSON for a property value the library never writes (a temporal or spatial value set by
    hand): its type and text, so the record differs from anything the log holds."""
    return f"<{type(value).__name__}> {value}"


def _record_encoder() -> Callable[[Any], str]:
    """Canonical JSON (sorted keys, no spaces, UTF-8 as is), the way ``json.dumps`` writes it.

    ``json.dumps`` builds a C encoder on every call; for the many small records of a write,
    building it once halves the cost. Falls back to ``json.dumps`` where the C encoder is
    missing or writes differently.
    """

    def dumps(value: Any) -> str:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_foreign
        )

    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

        # (markers, default, encoder, indent, key and item separators, sort_keys, skipkeys,
        # allow_nan), as json.JSONEncoder.iterencode passes them.
        encode = c_make_encoder(
            None, _foreign, encode_basestring, None, ":", ",", True, False, True
        )
        sample = [["A"], {"b": [1, 2.5, 'é"\n'], "a": True, "c": None, "d": float("nan")}]
        if "".join(encode(sample, 0)) != dumps(sample):
            return dumps
    except (ImportError, TypeError):  # pragma: no cover - not CPython
        return dumps
    return lambda value: "".join(encode(value, 0))


_encode_record = _record_encoder()


def node_record(labels: Sequence[str], props: dict[str, Any]) -> str:
    """A node's stored record as the log digests it: its labels and properties as JSON.

    The lookup keys (:data:`KEY_PROPS`) are left out: they are derived from the values the
    record holds, and a graph written before them gains them on upgrade without its log
    changing. So is the node's salt (``log_salt``), which the digest takes apart
    (:func:`~provenance.store.chain.element_digest`).

    Example:
        >>> node_record(["Model", "Artifact"], {"name": "m", "id": "x", "name_key": "m",
        ...                                     "log_salt": "00"})
        '[["Artifact","Model"],{"id":"x","name":"m"}]'
    """
    if not _DERIVED_PROPS.isdisjoint(props):
        props = {k: v for k, v in props.items() if k not in _DERIVED_PROPS}
    return _encode_record([sorted(labels), props])


#: A node as written or stored: its labels and properties.
_Raw = tuple[list[str], dict[str, Any]]


def _stored_entry(entry: LogEntry, body: bytes | None = None) -> dict[str, Any]:
    """A log entry's properties as the store keeps them: its body compressed
    (:func:`pack_body`; ``body`` when it is at hand)."""
    props = entry.model_dump(mode="json", exclude_none=True)
    props["body"] = pack_body(entry.body) if body is None else body
    return props


def _raw_record(raw: _Raw) -> str:
    """The record the log digests of a node's labels and properties (:func:`node_record`)."""
    return node_record(*raw)


def _encode(node: AnyNode) -> _Raw:
    """A node as the upsert queries write it: its labels and properties."""
    return _labels(node), to_props(node)


def _raw_salt(raw: _Raw) -> str | None:
    """The salt a node was stored with (None: by a log format 1 writer)."""
    salt = raw[1].get(SALT_PROPERTY)
    return salt if isinstance(salt, str) else None


#: How this store writes nodes and what of them the log digests
#: (:func:`~provenance.store.plan.plan_write`).
_CODEC: NodeCodec[_Raw, _Raw] = NodeCodec(
    encode=_encode, record=_raw_record, stored_record=_raw_record, stored_salt=_raw_salt
)


def _edge_key(edge: Edge) -> tuple[str, str, str]:
    return edge.key


def _entry_props(
    head: HeadRef | None, plan: WritePlan[_Raw, _Raw, tuple[str, str, str]]
) -> dict[str, Any] | None:
    """The stored properties of the log entry a write appends after ``head``
    (:meth:`~provenance.store.plan.WritePlan.lines`); None when it has no line."""
    lines, n_nodes = plan.lines()
    if not lines:
        return None
    return _stored_entry(*packed_entry(head, lines, n_nodes))


def _labels(node: AnyNode) -> list[str]:
    """The labels the upsert queries give a node."""
    return ["Artifact", "Model"] if isinstance(node, Model) else [node.node_type]


def _index_limit_error(exc: Exception) -> StoreError | None:
    """A clear error for Neo4j's refusal of a value too large for an index, else None.

    Neo4j's RANGE indexes hold string values of at most about 8 KB and a longer one fails the
    whole write. The indexes of ``schema.cypher`` only hold bounded keys, so this is a safety
    net for an index added by hand (or left by an older provenance).

    Example:
        >>> str(_index_limit_error(Exception(
        ...     "Property value is too large to index ... name='artifact_name' ... "
        ...     "property size: 9011."))).split(";")[0]
        "Neo4j cannot index a value of 9011 bytes (index 'artifact_name'"
    """
    text = str(exc)
    if "too large to index" not in text:
        return None
    index = re.search(r"name='([^']+)'", text)
    size = re.search(r"property size: (\d+)", text)
    return StoreError(
        f"Neo4j cannot index a value of {size.group(1) + ' bytes' if size else 'that size'} "
        f"({'index ' + repr(index.group(1)) if index else 'an index'}; RANGE indexes hold "
        "strings of up to about 8 KB, and this store's own indexes only bounded keys: drop "
        "that index); nothing was written"
    )


def store_error(neo4j: Any, exc: Exception, where: str) -> StoreError:
    """The store's typed error for a driver error ``exc`` (``where``: the redacted URI).

    Unavailable (the spool keeps the record and retries): the server gone or not serving
    (:func:`_unavailable_errors`), busy past the driver's own retries (``TransientError``),
    failing server-side (``DatabaseError``, except a value too large for an index), refusing
    the credentials (``AuthError``). A constraint refusing a write is an
    :class:`IntegrityError`; anything else the server or driver refuses is a
    :class:`StoreError`. The driver's message is folded onto one line.

    Example:
        >>> import neo4j
        >>> type(store_error(neo4j, neo4j.exceptions.TransientError("busy"), "x")).__name__
        'StoreUnavailableError'
        >>> str(store_error(neo4j, neo4j.exceptions.ResultConsumedError(None, "gone"), "x"))
        'Neo4j at x: the driver failed: ResultConsumedError: gone'
    """
    ex = neo4j.exceptions
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    code = getattr(exc, "code", None)
    what = f"{code}: {text}" if code and code not in text else text or type(exc).__name__
    if isinstance(exc, _unavailable_errors(neo4j)):
        return StoreUnavailableError(f"lost Neo4j at {where}: {what}")
    if isinstance(exc, ex.AuthError):
        return StoreUnavailableError(f"Neo4j at {where} refused the credentials: {what}")
    if isinstance(exc, ex.TransientError):
        return StoreUnavailableError(f"Neo4j at {where} is busy (retries ran out): {what}")
    if isinstance(exc, ex.DatabaseError):
        limit = _index_limit_error(exc)
        if limit is not None:
            return limit
        return StoreUnavailableError(f"Neo4j at {where} failed on the server: {what}")
    if isinstance(exc, ex.ConstraintError):
        return IntegrityError(f"Neo4j at {where} refused the write: {what}; nothing was written")
    if isinstance(exc, ex.Neo4jError):
        return StoreError(f"Neo4j at {where} refused the query: {what}")
    return StoreError(f"Neo4j at {where}: the driver failed: {type(exc).__name__}: {text}")


def _unavailable_errors(neo4j: Any) -> tuple[type[Exception], ...]:
    """The driver errors that mean the server is gone or not serving, not that the query is
    wrong: raised as :class:`StoreUnavailableError` (which :mod:`provenance.spool` keeps
    spooled). ``IncompleteCommit`` (the connection dropped during COMMIT) is a
    ``ServiceUnavailable``; ``DatabaseUnavailable`` is what a starting or stopping server says.

    Example:
        >>> import neo4j
        >>> [c.__name__ for c in _unavailable_errors(neo4j)]
        ['ServiceUnavailable', 'SessionExpired', 'DatabaseUnavailable']
    """
    ex = neo4j.exceptions
    return (ex.ServiceUnavailable, ex.SessionExpired, ex.DatabaseUnavailable)


class Neo4jStore(StoreBase):
    """A :class:`~provenance.store.base.LineageStore` on a Neo4j 5 server or cluster.

    Every write that changes the graph appends a ``(:LogEntry)`` node to the tamper-evident
    log in its own transaction (:mod:`provenance.store.chain`); lineage reads never see them.
    Logged writes take the ``(:LogLock)`` node's lock first, so they run one at a time, like
    the embedded store's, and each merges into what the previous one committed.
    A graph written before the log gets genesis entries covering it as found, in the first
    write's transaction. ``log=False`` leaves the log out, for measuring its cost only.
    """

    def __init__(
        self,
        uri: StoreURI,
        *,
        apply_schema: bool = True,
        log: bool = True,
        driver_config: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            import neo4j
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StoreError(
                "the Neo4j backend needs the neo4j driver: pip install 'provenance[neo4j]'"
            ) from exc
        self._neo4j = neo4j
        self.log_enabled = log
        self._log_checked = False  # whether a graph from before the log was looked for
        self._worker = EntryWorker()  # builds log entries while the server merges
        self.uri = uri.redacted()
        self.database = uri.database
        auth = (uri.user, uri.password or "") if uri.user else None
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri.driver_uri,
                auth=auth,
                notifications_min_severity="OFF",
                **dict(driver_config or {}),  # e.g. shorter timeouts (provenance.spool)
            )
            self._driver.verify_connectivity()
        except neo4j.exceptions.AuthError as exc:
            raise StoreUnavailableError(f"Neo4j at {self.uri} refused the credentials") from exc
        except (
            neo4j.exceptions.ServiceUnavailable,
            neo4j.exceptions.DriverError,
            OSError,
            ValueError,
        ) as exc:
            raise StoreUnavailableError(f"cannot reach Neo4j at {self.uri}: {exc}") from exc
        if apply_schema:
            try:
                self.apply_schema()
            except StoreError:  # e.g. it went away right after answering
                self._driver.close()
                raise

    # --- plumbing ------------------------------------------------------------------------
    def _session(self) -> Any:
        return (
            self._driver.session(database=self.database)
            if self.database
            else self._driver.session()
        )

    def _tx(self, work: Callable[[Any], T], *, write: bool = False) -> T:
        """Run ``work`` in one managed read (or write) transaction, retried by the driver on
        transient errors."""
        try:
            with self._session() as s:
                execute = s.execute_write if write else s.execute_read
                return execute(work)  # type: ignore[no-any-return]
        except (self._neo4j.exceptions.Neo4jError, self._neo4j.exceptions.DriverError) as exc:
            raise store_error(self._neo4j, exc, self.uri) from exc

    def _auto(self, statements: Sequence[str], **params: Any) -> list[Any]:
        """Run statements one after the other in auto-commit transactions (schema changes,
        ``CALL … IN TRANSACTIONS``); the records of the last one."""
        try:
            with self._session() as s:
                rows: list[Any] = []
                for stmt in statements:
                    result = s.run(stmt, **params)
                    rows = list(result)
                    result.consume()
                return rows
        except (self._neo4j.exceptions.Neo4jError, self._neo4j.exceptions.DriverError) as exc:
            raise store_error(self._neo4j, exc, self.uri) from exc

    @staticmethod
    def _rows(query: str, tx: Any, /, **params: Any) -> list[Any]:
        """Run the named query of provenance/cypher/ in transaction ``tx``; all its records."""
        return list(tx.run(load_query(query), **params))

    def apply_schema(self) -> None:
        """Create the constraints and indexes of ``schema.cypher`` (idempotent); a graph
        written before lookup keys (``legacy_indexes.cypher`` finds its indexes) is upgraded
        once by ``schema_upgrade.cypher``."""
        self._auto(load_statements("schema"))
        if self._auto([load_query("legacy_indexes")]):
            self._auto(load_statements("schema_upgrade"))

    def close(self) -> None:
        """Close the driver."""
        self._worker.close()
        self._driver.close()

    def purge(self) -> PurgeReport:
        """Keep the values writes replaced (an erasure's) from outliving them in the server's
        files, as far as the server allows (README.md, Erasure, says what is guaranteed).

        An artifact's values reach Neo4j only sealed (:mod:`provenance.store.seal`): an
        erasure's write overwrote their key in place; this first overwrites, then deletes,
        every key that opens nothing any more. Neo4j keeps a replaced value (and key) in its
        transaction logs (a transaction records the records it changes before and after)
        until they are pruned, and a freed record's bytes in its store files until the
        record is reused (the sealed text, which no key opens any more). So this next
        writes one filler node as long as a log file (``db.tx_log.rotation.size``, up to
        :data:`PURGE_FILL_MAX` bytes) and deletes it, which rotates the log past the erasure,
        then writes once more; with ``db.tx_log.rotation.retention_policy=keep_none`` (as
        :mod:`provenance.neo4j_server` configures its servers) the next checkpoint prunes
        every log file holding the values. On Enterprise Edition it asks for that checkpoint
        (``db.checkpoint()``); Community checkpoints on its own schedule
        (``db.checkpoint.interval.time``), so ``complete`` is always False here (the
        pruning follows), and ``note`` says what remains.
        """
        steps: list[str] = []
        # keys that open nothing any more: overwritten in place, then deleted (seal.py)
        [wiped] = self._tx(partial(self._rows, "seal_wipe"), write=True)
        [dropped] = self._tx(partial(self._rows, "seal_drop"), write=True)
        if wiped["wiped"] or dropped["dropped"]:
            steps.append(
                f"overwrote and deleted {plural(int(dropped['dropped']), 'key')} of erased "
                "sealed values"
            )
        try:
            settings = {
                r["name"]: str(r["value"])
                for r in self._auto([load_query("purge_settings")], names=list(_PURGE_SETTINGS))
            }
        except StoreError:
            settings = {}
        rotation = _setting_bytes(settings.get("db.tx_log.rotation.size"))
        retention = settings.get("db.tx_log.rotation.retention_policy", "")
        if rotation is not None and rotation <= PURGE_FILL_MAX:
            chunk = "0" * min(rotation + 1024, 1 << 20)
            count = -(-(rotation + 1024) // len(chunk))
            fill = {f"f{i}": chunk for i in range(count)}
            # the filler, then a small write in the log file after it: pruning keeps the file
            # of the last transaction a checkpoint covers, and prunes the ones before
            for props in (fill, {"f0": "0"}):
                self._tx(partial(self._rows, "purge_fill", fill=props), write=True)
                self._tx(partial(self._rows, "purge_unfill"), write=True)
            steps.append(
                "rotated the transaction log past the erasure "
                f"({len(chunk) * count:,} bytes of filler written and deleted)"
            )
        else:
            steps.append(
                "did not rotate the transaction log: db.tx_log.rotation.size is "
                f"{settings.get('db.tx_log.rotation.size', 'unknown')} (filler up to "
                f"{PURGE_FILL_MAX >> 20} MiB)"
            )
        try:
            self._auto([load_query("purge_checkpoint")])
            steps.append("checkpointed (db.checkpoint)")
        except StoreError:
            interval = settings.get("db.checkpoint.interval.time", "its interval")
            steps.append(f"left the checkpoint to the server's schedule (every {interval})")
        pruning = retention.strip().lower() in ("keep_none", "false")
        sealed = (
            "its store files never held the values in the clear (sealed, README.md, Erasure): "
            "freed records may keep the sealed text, whose key was overwritten in place"
        )
        note = (
            "the server prunes the transaction log files holding the erased values (sealed) "
            f"and their keys at that checkpoint (retention keep_none); {sealed}"
            if pruning
            else f"the server keeps transaction logs by db.tx_log.rotation.retention_policy="
            f"{retention or 'unknown'}: the erased values' keys stay in them until pruned, "
            f"and open the sealed values; set it to keep_none (README.md, Erasure); {sealed}"
        )
        return PurgeReport(backend="neo4j", steps=steps, complete=False, note=note)

    # --- writes --------------------------------------------------------------------------
    def write(
        self,
        nodes: Sequence[AnyNode],
        edges: Sequence[Edge],
        *,
        replace: bool = False,
        replace_ids: Collection[str] = (),
        remove_edges: Sequence[Edge] = (),
        remove_nodes: Sequence[str] = (),
    ) -> None:
        """Merge nodes and edges in one transaction: all or nothing (``replace``: each node
        replaces the stored one, :mod:`provenance.store.plan`; the upsert queries set every
        property anew either way). ``replace_ids``, ``remove_edges``, ``remove_nodes``: see
        :meth:`~provenance.store.base.RebindingStore.write` (``remove_edges.cypher``,
        ``remove_artifacts.cypher``)."""
        written = [i for i in remove_nodes if i in {n.id for n in nodes}] if remove_nodes else []
        if written:
            raise IntegrityError(
                f"node {short_id(written[0])}… is both written and removed; nothing was written"
            )
        by_id = merge_batch(nodes)
        edge_rows: dict[EdgeType, list[dict[str, Any]]] = {}
        for e in edges:
            edge_rows.setdefault(e.type, []).append(
                {"source": e.source, "target": e.target, "role": e.role}
            )

        log = self.log_enabled

        def work(tx: Any) -> None:
            head: HeadRef | None = None
            if log:
                # one writer at a time, and the head it chains to (lock_log.cypher)
                [lock] = self._rows("lock_log", tx)
                head = next(((int(h["seq"]), h["digest"]) for h in lock["head"]), None)
                if not self._log_checked and head is None:
                    head = self._start_log(tx)  # a graph written before the log: cover it
            found: dict[str, Found[_Raw]] = {}
            for labels, props in self._fetch_raw(tx, list(by_id)):
                n = from_props(labels, props)
                found[n.id] = Found(n, (labels, props))
            stored: set[tuple[str, str, str]] | None = None
            if log:
                stored = self._stored_edges(tx, edges, by_id.keys() - found.keys())
            gone_edges: list[tuple[str, str, str]] = []
            if remove_edges:
                keys = [dict(zip(("source", "type", "target"), k, strict=True))
                        for k in dict.fromkeys(e.key for e in remove_edges)]  # fmt: skip
                for i in range(0, len(keys), BATCH):
                    rows = self._rows("remove_edges", tx, rows=keys[i : i + BATCH])
                    gone_edges += [(r["source"], r["type"], r["target"]) for r in rows]
            gone_nodes = [r["props"]["id"] for r in self._fetch_raw_ids(tx, remove_nodes)]
            plan = plan_write(
                by_id,
                found,
                edges,
                _CODEC,
                stored,
                _edge_key,
                replace=replace,
                replace_ids=replace_ids,
                removed_nodes=gone_nodes,
                removed_edges=gone_edges,
            )
            groups: dict[str, list[dict[str, Any]]] = {}
            for w in plan.nodes:
                props = {**w.row[1], SALT_PROPERTY: w.salt}
                row: dict[str, Any] = {"id": w.node.id, "props": props}
                if isinstance(w.node, Artifact):
                    # values sealed under a key drawn for this write (provenance/store/seal.py)
                    props, key = seal(props)
                    row.update(props=props, is_model=isinstance(w.node, Model),
                               sealed=key is not None, key=list(key or new_key()))  # fmt: skip
                groups.setdefault(_UPSERTS[w.node.node_type], []).append(row)
            entry: Future[dict[str, Any] | None] | None = None
            if log:
                # the entry is digested, encoded and compressed while the server merges
                entry = self._worker.submit(_entry_props, head, plan)
            for query, rows in groups.items():
                for i in range(0, len(rows), BATCH):
                    self._rows(query, tx, rows=rows[i : i + BATCH])
            for etype, rows in edge_rows.items():
                for i in range(0, len(rows), BATCH):
                    chunk = rows[i : i + BATCH]
                    matched = self._rows(_EDGE_QUERIES[etype], tx, rows=chunk)[0]["matched"]
                    if matched != len(chunk):
                        raise IntegrityError(
                            f"{len(chunk) - matched} {etype} edge(s) reference nodes that do not "
                            "exist (or of the wrong kind); nothing was written"
                        )
            for i in range(0, len(gone_nodes), BATCH):
                [left] = self._rows("remove_artifacts", tx, ids=gone_nodes[i : i + BATCH])
                if left["joined"]:
                    raise IntegrityError(
                        f"{len(left['joined'])} node(s) the write removes are still joined by "
                        "edges; nothing was written"
                    )
            appended = entry.result() if entry is not None else None
            if appended is not None:
                self._rows("append_log", tx, entry=appended)

        for attempt in range(1, _LOG_RETRIES + 1):
            try:
                self._tx(work, write=True)
                break
            except IntegrityError as exc:
                # A writer that does not take the lock (an older provenance) appended the
                # entry with our seq first (log_entry_seq refused ours): the transaction rolled
                # back; redo it on the new head.
                refused = exc.__cause__
                ours = isinstance(refused, self._neo4j.exceptions.ConstraintError)
                if not ours or "LogEntry" not in str(refused) or attempt == _LOG_RETRIES:
                    raise
        self._log_checked = log

    def _fetch_raw_ids(self, tx: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The stored artifacts among ``ids`` (rows of ``get_nodes``, unopened)."""
        unique = list(dict.fromkeys(ids))
        out: list[dict[str, Any]] = []
        for i in range(0, len(unique), BATCH):
            rows = self._rows("get_nodes", tx, ids=unique[i : i + BATCH])
            out += [dict(r) for r in rows if "Artifact" in r["labels"]]
        return out

    # --- the log (provenance.store.chain) -------------------------------------------------
    def _fetch_raw(self, tx: Any, ids: Sequence[str]) -> list[tuple[list[str], dict[str, Any]]]:
        """Labels and properties of the nodes with these ids, as stored."""
        out: list[tuple[list[str], dict[str, Any]]] = []
        for i in range(0, len(ids), BATCH):
            rows = self._node_rows(tx, "get_nodes", ids=list(ids[i : i + BATCH]))
            out.extend((r["labels"], r["props"]) for r in rows)
        return out

    def _node_rows(self, tx: Any, query: str, /, **params: Any) -> list[dict[str, Any]]:
        """The rows of a query returning nodes' ``labels`` and ``props``, in transaction
        ``tx``, with the props as written before sealing (:func:`_unseal_rows`)."""
        return self._unseal_rows(tx, self._rows(query, tx, **params))

    def _node_page(self, query: str, after: str, limit: int, tx: Any) -> list[dict[str, Any]]:
        """A page of nodes after id ``after`` (:meth:`_node_rows` of ``query``)."""
        return self._node_rows(tx, query, after=after, limit=limit)

    def _unseal_rows(self, tx: Any, rows: Sequence[Any]) -> list[dict[str, Any]]:
        """``rows`` (records with ``props``) as dicts, every sealed node's props opened with
        its key (``seal_keys.cypher``, in the same transaction).

        The node and its key are read by two statements: a write committed between them
        (a new key and sealed text) makes the pair not match, so such a node is read again
        with its key, up to :data:`_SEAL_READS` times, before :class:`SealError`."""
        out = [dict(r) for r in rows]
        pending = {i: r["props"] for i, r in enumerate(out) if SEALED_PROPERTY in r["props"]}
        for attempt in range(1, _SEAL_READS + 1):
            ids = [p["id"] for p in pending.values()]
            keys: dict[str, Key] = {
                k["id"]: (int(k["k0"]), int(k["k1"]))
                for i in range(0, len(ids), BATCH)
                for k in self._rows("seal_keys", tx, ids=ids[i : i + BATCH])
            }
            failed: dict[int, dict[str, Any]] = {}
            for i, props in pending.items():
                try:
                    out[i]["props"] = unseal(props, keys.get(props["id"]))
                except SealError:
                    if attempt == _SEAL_READS:
                        raise
                    failed[i] = props
            if not failed:
                break
            again = {
                r["props"]["id"]: r["props"]
                for r in self._rows("get_nodes", tx, ids=[p["id"] for p in failed.values()])
            }
            pending = {}
            for i, props in failed.items():
                fresh = again.get(props["id"], props)
                if SEALED_PROPERTY in fresh:
                    pending[i] = fresh
                else:
                    out[i]["props"] = fresh
        return out

    def _stored_edges(
        self, tx: Any, edges: Sequence[Edge], created: set[str]
    ) -> set[tuple[str, str, str]]:
        """The keys of these edges already stored (only an edge whose source existed before
        the write can be): the log's entry leaves them out."""
        older = list(dict.fromkeys(e.source for e in edges if e.source not in created))
        stored: set[tuple[str, str, str]] = set()
        for i in range(0, len(older), BATCH):
            rows = self._rows("transform_edges", tx, transform_ids=older[i : i + BATCH])
            stored.update((r["source"], r["type"], r["target"]) for r in rows)
        return stored

    def _append_log(self, tx: Any, entry: LogEntry) -> None:
        """Store ``entry`` (:func:`_stored_entry`): a genesis entry."""
        self._rows("append_log", tx, entry=_stored_entry(entry))

    def _start_log(self, tx: Any) -> HeadRef | None:
        """Genesis entries covering the graph as found (none when it is empty): how a graph
        written before the log starts its chain, in the first write's transaction. The last
        one's ``(seq, digest)``, or None when the graph is empty."""
        if not any(r["n"] for r in self._rows("counts", tx)):
            return None

        def run(query: str, **params: Any) -> list[Any]:
            return self._node_rows(tx, query, **params)

        stored = (s for page in self._stored_pages(run) for s in page)
        head: HeadRef | None = None
        for entry in genesis_entries(None, stored):
            self._append_log(tx, entry)
            head = entry.ref
        return head

    @staticmethod
    def _entry(data: dict[str, Any]) -> LogEntry:
        # an entry without a version (format 1) projects it as null
        fields = {k: v for k, v in data.items() if v is not None or k == "prev"}
        return LogEntry.model_validate({**fields, "body": unpack_body(data.get("body"))})

    def log_head(self) -> LogEntry | None:
        """The newest log entry, or None when nothing was written yet."""
        rows = self._tx(lambda tx: self._rows("log_head", tx))
        return self._entry(rows[0]["entry"]) if rows else None

    def iter_log(self, batch_size: int = 16) -> Iterator[list[LogEntry]]:
        """Every log entry in ``seq`` order, in batches."""
        after = 0
        while True:
            rows = self._tx(partial(self._rows, "log_entries", after=after, limit=batch_size))
            if not rows:
                return
            batch = [self._entry(r["entry"]) for r in rows]
            yield batch
            after = batch[-1].seq

    def iter_stored_elements(self, batch_size: int = 5000) -> Iterator[list[Stored]]:
        """Every lineage node (by the digest of its labels and properties) and every
        relationship leaving one (by its role; of any type, to anything), as stored."""

        def run(query: str, **params: Any) -> list[Any]:
            return self._tx(lambda tx: self._node_rows(tx, query, **params))

        yield from self._stored_pages(run, max(1, batch_size // 4))

    @staticmethod
    def _stored_pages(run: Callable[..., list[Any]], page: int = 1000) -> Iterator[list[Stored]]:
        """Pages of ``stored_elements.cypher`` (run by ``run(query, **params)``) as elements."""
        after = ""
        while rows := run("stored_elements", after=after, limit=page):
            out: list[Stored] = []
            for r in rows:
                props = r["props"]
                node_id = props.get("id")
                salt = props.get(SALT_PROPERTY)
                digest = element_digest(
                    node_record(r["labels"], props), salt if isinstance(salt, str) else None
                )
                out.append(Stored(node_id, digest))
                for x in r["out"]:
                    key = (node_id, x["type"], x["target"] or "")
                    out.append(Stored(key, edge_props_value(x["props"])))
            yield out
            after = rows[-1]["props"]["id"]

    # --- reads ---------------------------------------------------------------------------
    def _fetch(self, tx: Any, ids: Sequence[str]) -> list[AnyNode]:
        out: list[AnyNode] = []
        for i in range(0, len(ids), BATCH):
            rows = self._node_rows(tx, "get_nodes", ids=list(ids[i : i + BATCH]))
            out.extend(from_props(r["labels"], r["props"]) for r in rows)
        return out

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""
        found = self._tx(lambda tx: self._fetch(tx, [node_id]))
        return found[0] if found else None

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids, in the order given; missing ids are left out."""
        unique = list(dict.fromkeys(node_ids))
        return in_order(node_ids, self._tx(lambda tx: self._fetch(tx, unique)))

    def resolve(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids that start with ``prefix``; a bare hex prefix matches under every algorithm."""
        prefix = prefix.strip().lower()
        prefixes = [prefix] if ":" in prefix else [f"blake3:{prefix}", f"sha256:{prefix}"]
        rows = self._tx(lambda tx: self._rows("resolve_prefix", tx, prefixes=prefixes, limit=limit))
        return [r["id"] for r in rows]

    def find_artifacts(
        self,
        *,
        name: str | None = None,
        kind: str | None = None,
        uri: str | None = None,
        limit: int | None = None,
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first (at most ``limit``)."""
        cap = _NO_LIMIT if limit is None else limit
        rows = self._tx(
            lambda tx: self._node_rows(
                tx, "find_artifacts", name=name, kind=kind, uri=uri, limit=cap
            )
        )
        return [
            a
            for a in (from_props(r["labels"], r["props"]) for r in rows)
            if isinstance(a, Artifact)
        ]

    def find_transforms(
        self, *, operation: str | None = None, name: str | None = None
    ) -> list[Transform]:
        """Transforms matching every given field, newest first (``find_transforms.cypher``:
        an index seek on operation or name)."""
        rows = self._tx(
            lambda tx: self._rows("find_transforms", tx, operation=operation, name=name)
        )
        found = (from_props(r["labels"], r["props"]) for r in rows)
        return newest_first(t for t in found if isinstance(t, Transform))

    def recent_nodes(
        self,
        *,
        node_type: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        operation: str | None = None,
        limit: int | None = None,
    ) -> list[AnyNode]:
        """Nodes newest first, filtered (:meth:`.base.LineageStore.recent_nodes`): one run of
        ``recent_nodes.cypher``, every value a parameter (a glob as a regex,
        :func:`glob_regex`)."""
        types = listed_types(node_type, limit)
        glob = name is not None and name_glob(name)
        params: dict[str, Any] = {
            "node_types": list(types),
            "kind": kind,
            "operation": operation,
            "name": None if glob else name,
            "name_regex": glob_regex(name) if name is not None and glob else None,
            "limit": _NO_LIMIT if limit is None else limit,
        }
        rows = self._tx(lambda tx: self._node_rows(tx, "recent_nodes", **params))
        return [from_props(r["labels"], r["props"]) for r in rows]

    def _next_level(
        self, tx: Any, nodes: Sequence[str], transforms: Sequence[str], direction: Direction
    ) -> list[StepEdge[str]]:
        """The walk's next level (:class:`~provenance.store.walk.NextLevel`): one call of
        ``ancestry_step`` / ``descendants_step``, which returns each transform reached with
        its edges."""
        query, key = _STEPS[direction]
        rows = self._rows(query, tx, **{key: list(nodes), "transform_ids": list(transforms)})
        return [
            (r["transform"], e["type"], e["target"], e["role"]) for r in rows for e in r["edges"]
        ]

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Ancestry (``UP``) or descendants (``DOWN``); the shared walk of
        :mod:`provenance.store.walk`, in one read transaction."""

        def work(tx: Any) -> LineageGraph:
            roots = self._fetch(tx, [node_id])
            if not roots:
                raise NotFoundError(f"no node with id {node_id}")
            return walk(
                node_id,
                node_id,
                root_is_transform=roots[0].node_type == "Transform",
                direction=direction,
                depth=depth,
                limit=limit,
                next_level=partial(self._next_level, tx),
                ids=_same_ids,
                fetch=partial(self._fetch, tx),
            )

        return self._tx(work)

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node in id order, in batches."""
        after = ""
        while True:
            rows = self._tx(partial(self._node_page, "iter_nodes", after, batch_size))
            if not rows:
                return
            batch = [from_props(r["labels"], r["props"]) for r in rows]
            yield batch
            after = batch[-1].id

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge in (source, type, target) order, in batches of transforms' edges."""
        after = ""
        while True:
            page = max(1, batch_size // 4)  # transforms per page; ~4 edges each
            rows = self._tx(partial(self._rows, "iter_edges", after_source=after, limit=page))
            if not rows:
                return
            yield [
                Edge(source=r["source"], type=r["type"], target=r["target"], role=r["role"])
                for r in rows
            ]
            after = rows[-1]["source"]

    def counts(self) -> dict[str, int]:
        """Nodes per node type and edges per edge type (zero counts left out)."""
        rows = self._tx(lambda tx: self._rows("counts", tx))
        return {r["key"]: int(r["n"]) for r in rows if r["n"]}

    def clear(self) -> None:
        """Delete every lineage node and relationship (for tests and benchmarks)."""
        self._auto(load_statements("clear"))

    def _edge_rows(self, query: str, key: str, ids: Sequence[str]) -> list[Edge]:
        unique = list(dict.fromkeys(ids))
        out: list[Edge] = []
        for i in range(0, len(unique), BATCH):
            rows = self._tx(partial(self._rows, query, **{key: unique[i : i + BATCH]}))
            out.extend(
                Edge(source=r["source"], type=r["type"], target=r["target"], role=r["role"])
                for r in rows
            )
        return out

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms (``transform_edges.cypher``)."""
        out = self._edge_rows("transform_edges", "transform_ids", transform_ids)
        out.sort(key=lambda e: (e.source, e.type, e.target))
        return out

    def uri_versions(self, uri: str) -> list[tuple[str, _dt.datetime]]:
        """``(id, created_at)`` of every artifact with this uri (``uri_versions.cypher``)."""
        rows = self._tx(partial(self._rows, "uri_versions", uri=uri))
        out: list[tuple[str, _dt.datetime]] = []
        for r in rows:
            when = _dt.datetime.fromisoformat(str(r["created_at"]))
            out.append((r["id"], when if when.tzinfo else when.replace(tzinfo=_dt.UTC)))
        return out

    def newest_versions(
        self, uri: str, at: _dt.datetime, limit: int
    ) -> list[tuple[str, _dt.datetime]]:
        """The ``limit`` newest versions of ``uri`` at or before ``at``
        (:func:`~provenance.store.base.newest_versions` of :meth:`uri_versions`)."""
        return newest_versions(self.uri_versions(uri), at, limit)

    def edges_to(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """Every edge pointing at these artifacts (``edges_to.cypher``)."""
        out = self._edge_rows("edges_to", "artifact_ids", artifact_ids)
        out.sort(key=lambda e: (e.source, e.type, e.target))
        return out

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """INVALIDATED edges pointing at these artifacts (``invalidations.cypher``)."""
        out = self._edge_rows("invalidations", "artifact_ids", artifact_ids)
        out.sort(key=lambda e: (e.source, e.target))
        return out
