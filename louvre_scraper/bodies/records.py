"""Is this body a record? A record's ``.json`` is whole when it parses as one."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from louvre_scraper.bodies.status import RETRYABLE_STATUSES, by_status
from louvre_scraper.contract import Verdict

if TYPE_CHECKING:
    from collections.abc import Collection


def parse_record(body: bytes) -> dict[str, Any] | None:
    """The record as a dict, or None if *body* is not a record (an HTML error page, ...)."""
    if body.lstrip()[:1] != b"{":
        return None
    try:
        record = json.loads(body)
    except ValueError:
        return None
    if not isinstance(record, dict) or not (prop(record, "arkId") or prop(record, "url")):
        return None
    return record


def classify_record(
    status: int,
    content_type: str,
    body: bytes,
    missing_statuses: Collection[int],
    retry_statuses: Collection[int] = RETRYABLE_STATUSES,
) -> Verdict:
    """A record is whole when it parses; a 2xx that does not (HTML with 200) is retried."""
    if 200 <= status < 300:
        return Verdict.WHOLE if parse_record(body) is not None else Verdict.RETRY
    return by_status(status, missing_statuses, retry_statuses)


def prop(record: dict[str, Any], name: str) -> Any:
    """A top-level property, tolerating stray spaces in its key (``'modified '``)."""
    if name in record:
        return record[name]
    for key, value in record.items():
        if isinstance(key, str) and key.strip() == name:
            return value
    return None
