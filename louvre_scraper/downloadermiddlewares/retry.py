"""Retries that wait: Retry-After for 429/503, exponential backoff with jitter otherwise.

Scrapy's ``RetryMiddleware`` reschedules a failed request at once and ignores Retry-After.
This subclass keeps its settings, stats and give-up logic (``get_retry_request``) and adds
two things:

* the decision is the verdict of
  :class:`louvre_scraper.downloadermiddlewares.judge.BodyJudge` (a middleware of its own, so
  that verdicts exist with ``RETRY_ENABLED=False`` too): a missing ID served as an
  HTML page (any status) is never retried, and a damaged zip with status 200 is;
* the retried request is handed back only after a delay. The wait happens in this
  coroutine, so one waiting ID does not stall the others, but it keeps its place in the
  downloader's ``CONCURRENT_REQUESTS``: a storm of 429s fills those places and slows the
  whole crawl down, as the server asked.
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import VERDICT_META, RequestKind, Verdict, is_judged, kind_of
from louvre_scraper.exitstatus import is_stopping

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

# The retry reason of a judged body that came with a 2xx status but was not whole (it names
# the retry stat, ``retry/reason_count/<reason>``).
DAMAGED = {
    RequestKind.ZIP: "damaged zip",
    RequestKind.PROBE: "damaged zip",
    RequestKind.RECORD: "not a record",
    RequestKind.IMAGE: "damaged image",
}
STOP_CHECK_INTERVAL = 0.25  # seconds between checks for a stopping crawl while waiting


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": between half and all of base * 2**(attempt-1)."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling * (0.5 + (rng or random).random() / 2)


def retry_delay(
    attempt: int, retry_after: float | None, config: LouvreConfig, rng: random.Random | None = None
) -> float:
    if retry_after is not None:
        return min(retry_after, config.retry_after_max)
    return backoff_delay(attempt, config.backoff_base, config.backoff_max, rng)


class BackoffRetryMiddleware(RetryMiddleware):
    """Drop-in replacement for Scrapy's RetryMiddleware (same priority, same settings)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.config = config_of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if not is_judged(request) or VERDICT_META not in request.meta:
            return super().process_response(request, response)
        verdict = Verdict(request.meta[VERDICT_META])
        if verdict is not Verdict.RETRY or request.meta.get("dont_retry", False):
            return response
        reason = (
            DAMAGED[kind_of(request)]
            if 200 <= response.status < 300
            else response_status_message(response.status)
        )
        new_request = self._retry_request(request, reason)
        if new_request is None:
            return response
        retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
        await self._wait(retry_delay(new_request.meta["retry_times"], retry_after, self.config))
        return new_request

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        new_request = super().process_exception(request, exception)
        if new_request is not None and is_judged(request):
            await self._wait(retry_delay(new_request.meta["retry_times"], None, self.config))
        return new_request

    def _retry_request(self, request: Request, reason: str) -> Request | None:
        """Scrapy's public :func:`get_retry_request`, with the per-request meta keys and
        settings its middleware reads (as ``RetryMiddleware._retry`` does)."""
        assert self.crawler.spider is not None
        return get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=request.meta.get("give_up_log_level", self.give_up_log_level),
        )

    async def _wait(self, seconds: float) -> None:
        """Sleep, but wake up at once when the crawl is being stopped (Ctrl-C, Scrapyd
        cancel, or :func:`~louvre_scraper.exitstatus.stop_crawl`): the engine waits for every
        request in progress before it closes, and the retried request is then saved in
        JOBDIR's queue instead of waiting minutes."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not is_stopping(self.crawler):
            await sleep(min(left, STOP_CHECK_INTERVAL))
