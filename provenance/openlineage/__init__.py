"""OpenLineage in and out: validate, ingest and export OpenLineage events.

Runs become Transforms, datasets become versioned Artifacts, and Marquez-style addresses
(``dataset:NAMESPACE:NAME``, ``job:NAMESPACE:NAME``) name them.

Example:
    >>> from provenance.openlineage import dataset_uri
    >>> dataset_uri("file", "/data/users.csv")
    'file:///data/users.csv'
"""

from __future__ import annotations

# binding, columns, ingest, lookup and mapping build on the store, which never imports this
# package (provenance.reader.resolve_id, above both, hands dataset:/job: addresses to lookup).
from provenance.openlineage.binding import bind
from provenance.openlineage.columns import (
    ColumnLineage,
    ColumnRef,
    ColumnSource,
    UpstreamColumn,
    column_lineage,
    direct_step,
)
from provenance.openlineage.ingest import (
    IngestStats,
    ingest_event,
    ingest_events,
    read_jsonl,
    time_order,
)
from provenance.openlineage.lookup import latest_dataset_version, latest_job_run, resolve_address
from provenance.openlineage.mapping import Mapped, check_event, map_event
from provenance.openlineage.naming import (
    NATIVE_NAMESPACE,
    NodeAddress,
    dataset_uri,
    dataset_version_id,
    job_definition_id,
    parse_node_id,
    run_transform_id,
)
from provenance.openlineage.schema import SPEC_URL, event_type, validate_event

__all__ = [
    "NATIVE_NAMESPACE",
    "SPEC_URL",
    "ColumnLineage",
    "ColumnRef",
    "ColumnSource",
    "IngestStats",
    "Mapped",
    "NodeAddress",
    "UpstreamColumn",
    "bind",
    "check_event",
    "column_lineage",
    "dataset_uri",
    "dataset_version_id",
    "direct_step",
    "event_type",
    "ingest_event",
    "ingest_events",
    "job_definition_id",
    "latest_dataset_version",
    "latest_job_run",
    "map_event",
    "parse_node_id",
    "read_jsonl",
    "resolve_address",
    "run_transform_id",
    "time_order",
    "validate_event",
]
