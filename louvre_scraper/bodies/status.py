"""What a non-2xx answer means, whatever was asked: the one judgement by status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from louvre_scraper.contract import Verdict

if TYPE_CHECKING:
    from collections.abc import Collection

# Scrapy's RETRY_HTTP_CODES default; the middleware passes the setting's value.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})


def by_status(
    status: int, missing_statuses: Collection[int], retry_statuses: Collection[int]
) -> Verdict:
    """What a non-2xx answer means, whatever was asked: missing, worth retrying, or failed."""
    if status in missing_statuses:
        return Verdict.MISSING
    if status in retry_statuses:
        return Verdict.RETRY
    return Verdict.FAILED
