"""Validation of OpenLineage events against the spec's JSON schema (vendored, Apache-2.0).

``spec/OpenLineage.json`` is the OpenLineage specification's schema (version 2-0-2, from the
OpenLineage project; licence and notice beside it). One event — a RunEvent, DatasetEvent or
JobEvent — is checked against it before anything is written.

Example:
    >>> from provenance.errors import OpenLineageEventError
    >>> try:
    ...     validate_event({"eventTime": "2026-01-01T00:00:00Z", "eventType": "START"})
    ... except OpenLineageEventError as exc:
    ...     print(exc)
    invalid OpenLineage event: 'producer' is a required property
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from provenance.errors import OpenLineageEventError

#: The spec version vendored in ``spec/OpenLineage.json``.
SPEC_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


@functools.cache
def _spec() -> dict[str, Any]:
    text = resources.files("provenance.openlineage").joinpath("spec/OpenLineage.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@functools.cache
def _validator(event_type: str) -> Draft202012Validator:
    """A validator for one of the spec's three event types (clearer errors than its oneOf)."""
    spec = {k: v for k, v in _spec().items() if k != "oneOf"}
    spec["$ref"] = f"#/$defs/{event_type}"
    return Draft202012Validator(spec, format_checker=Draft202012Validator.FORMAT_CHECKER)


def event_type(event: dict[str, Any]) -> str:
    """Which of the spec's events this is: ``RunEvent``, ``DatasetEvent`` or ``JobEvent``.

    Example:
        >>> event_type({"dataset": {"namespace": "file", "name": "/x"}})
        'DatasetEvent'
    """
    if "run" in event or "eventType" in event:
        return "RunEvent"
    if "dataset" in event:
        return "DatasetEvent"
    if "job" in event:
        return "JobEvent"
    return "RunEvent"


def _where(error: ValidationError) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f" at {path.lstrip('.')}" if path else ""


def validate_event(event: Any) -> None:
    """Raise :class:`OpenLineageEventError` (one line) unless ``event`` is a valid event.

    Example:
        >>> validate_event({
        ...     "eventTime": "2026-01-01T00:00:00Z", "producer": "https://example.com/p",
        ...     "schemaURL": SPEC_URL + "#/$defs/RunEvent", "eventType": "START",
        ...     "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
        ...     "job": {"namespace": "airflow", "name": "etl.load"}})
    """
    if not isinstance(event, dict):
        raise OpenLineageEventError(
            f"invalid OpenLineage event: expected a JSON object, got {type(event).__name__}"
        )
    error = best_match(_validator(event_type(event)).iter_errors(event))
    if error is not None:
        message = " ".join(error.message.split())
        if len(message) > 200:
            message = message[:197] + "..."
        raise OpenLineageEventError(f"invalid OpenLineage event{_where(error)}: {message}")
