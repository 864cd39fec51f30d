"""Scrapy's AutoThrottle with the answers that confirm the store counted as successes.

Scrapy's policy lowers the delay only after a ``200``: any other answer may raise it, never
lower it, because error pages are small and fast and would speed a crawl into a failing site.
A ``304 Not Modified`` is no error: it is the rerun's normal answer, cheap for both sides, and
under Scrapy's rule a rerun of 304s keeps whatever delay the large sitemaps left. Here:

* a ``200`` or a ``304`` (:data:`SUCCESS`) moves the delay toward latency / target concurrency
  either way, as Scrapy does for a ``200``;
* a ``429`` or a ``503`` (:data:`OVERLOADED`) at least doubles the delay (from no less than
  ``AUTOTHROTTLE_START_DELAY``), however fast it came;
* any other answer keeps Scrapy's rule (may raise, never lowers).

Always within ``DOWNLOAD_DELAY`` .. ``AUTOTHROTTLE_MAX_DELAY``. :func:`next_delay` is the whole
policy, a plain function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.core.downloader import Slot
    from scrapy.http import Response

SUCCESS = frozenset({200, 304})
OVERLOADED = frozenset({429, 503})


def next_delay(
    delay: float,
    latency: float,
    status: int,
    *,
    target_concurrency: float,
    min_delay: float,
    max_delay: float,
    start_delay: float,
) -> float:
    """The slot's next delay after an answer of ``status`` that took ``latency`` seconds."""
    target = latency / target_concurrency
    new = max(target, (delay + target) / 2.0)
    if status in OVERLOADED:
        new = max(new, 2.0 * max(delay, start_delay))
    new = min(max(min_delay, new), max_delay)
    if status not in SUCCESS and new <= delay:
        return delay
    return new


class Throttle(AutoThrottle):
    """AutoThrottle whose delay falls after fast 304s too and rises on 429/503."""

    def _spider_opened(self, spider: Spider) -> None:
        super()._spider_opened(spider)
        self.startdelay = self._start_delay()

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        slot.delay = next_delay(
            slot.delay,
            latency,
            response.status,
            target_concurrency=self.target_concurrency,
            min_delay=self.mindelay,
            max_delay=self.maxdelay,
            start_delay=self.startdelay,
        )
