"""A crawl never hangs: a run where nothing moves ends, and a stop that does not end is forced.

* **Stall**: when nothing has moved for ``LOUVRE_STALL_SECONDS`` (no byte received, no answer,
  no item, no file stored, no unit settled, no sitemap read, no retry, no entry of the store
  walked by a long store operation: :data:`~louvre_scraper.contract.STORE_WALKED_STAT`, and
  the event loop not held by one long operation: :class:`Movement`), the crawl ends through
  :func:`~louvre_scraper.exitstatus.stop_crawl` with the reason ``stalled`` (exit status 4) and
  one line naming what it waited for: the requests in flight, the walk, or the spider's next
  request. DOWNLOAD_TIMEOUT (3 minutes) covers one request, not a wedge of the crawl itself.
* **Stop**: once a run is stopping (Ctrl-C, SIGTERM, Scrapyd's cancel, a stall, an unreachable
  site), Scrapy waits for the requests in flight to end before it closes, which may be never.
  :data:`FORCE_AFTER` seconds into a stop that has not ended, the extension says so in one line
  and sends the process the second SIGINT with which Scrapy forces its own shutdown: the job's
  saved state (JobState) then tells the next run to ask again what was in flight. Scrapy's
  forced shutdown stops the reactor without closing the spider, so the extension first sends
  :data:`~louvre_scraper.contract.stop_forced`: the summary is printed all the same.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call

from louvre_scraper.config import config_of
from louvre_scraper.contract import STORE_WALKED_STAT, MirrorSpider, stop_forced
from louvre_scraper.exitstatus import STALLED, is_stopping, stop_crawl
from louvre_scraper.utils.display import format_duration

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.task import LoopingCall
    from typing_extensions import Self

logger = logging.getLogger(__name__)

FORCE_AFTER = 15.0  # seconds a stop may take before it is forced
TICK = 1.0  # seconds between looks (at most)
# What moving means: any of these stats changes.
MOVING_STATS = (
    "response_received_count",
    "item_scraped_count",
    "item_dropped_count",
    "downloader/exception_count",
    "retry/count",
    "louvre/stored",
    "louvre/missing",
    "louvre/failed",
    "louvre/skipped",
    "louvre/probe_requests",
    "collection/sitemaps",
    "collection/sitemaps_failed",
    "collection/records",
    "collection/images_stored",
    "collection/images_missing",
    "collection/images_failed",
    STORE_WALKED_STAT,  # a long walk of the store, in a thread, beating as it goes
)
LATE_LOOKS = 4  # a look this many intervals late: the event loop was held, and is free again


@dataclass
class Movement:
    """When the crawl last moved, from what the watchdog sees at each look (plain logic, the
    time given): the stats of :data:`MOVING_STATS` changed, or the look came late.

    A late look means the event loop was held by one long operation (a large read or write on
    a slow disk, a long synchronous walk): it moved no stat, but it ran, and it has ended, for
    the watchdog runs again. A wedge, a site that holds its connections or a walk that waits
    forever, leaves the loop idle: the looks come on time and see nothing move."""

    stall_seconds: float  # 0: never stalls
    interval: float  # seconds between two looks
    moved_at: float
    signature: tuple[Any, ...] = ()
    looked_at: float | None = None

    def moved(self, now: float) -> None:
        self.moved_at = now

    def stalled(self, signature: tuple[Any, ...], now: float) -> bool:
        """Whether nothing has moved for ``stall_seconds``, as of this look at *now*."""
        late = self.looked_at is not None and now - self.looked_at >= max(
            LATE_LOOKS * self.interval, 1.0
        )
        self.looked_at = now
        if signature != self.signature or late:
            self.signature, self.moved_at = signature, now
            return False
        return bool(self.stall_seconds) and now - self.moved_at >= self.stall_seconds


def waited_for(in_flight: list[str], finding_total: str | None) -> str:
    """What a stalled crawl was waiting for, in words."""
    if in_flight:
        more = f" and {len(in_flight) - 1} more" if len(in_flight) > 1 else ""
        return f"{len(in_flight)} requests in flight ({in_flight[0]}{more}) to answer"
    if finding_total is not None:
        return f"the walk to go on ({finding_total})"
    return "the spider's next request (none in flight)"


class Watchdog:
    def __init__(self, crawler: Crawler, stall_seconds: float):
        self.crawler = crawler
        self.stall_seconds = stall_seconds
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.interval = max(min(TICK, stall_seconds / 4) if stall_seconds else TICK, 0.05)
        self.movement = Movement(stall_seconds, self.interval, time.monotonic())
        self.stopping_since: float | None = None
        self.forced = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, config_of(crawler).stall_seconds)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        # Bytes arriving are movement too: a large image on a slow link is no stall.
        crawler.signals.connect(extension.moved, signal=signals.bytes_received)
        crawler.signals.connect(extension.moved, signal=signals.headers_received)
        return extension

    def moved(self, **kwargs: Any) -> None:
        self.movement.moved(time.monotonic())

    def spider_opened(self, spider: Spider) -> None:
        self.movement.moved(time.monotonic())
        self.task = create_looping_call(self.look)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def look(self) -> None:
        now = time.monotonic()
        if is_stopping(self.crawler):
            self._stopping(now)
            return
        stats = self.crawler.stats
        signature = tuple(stats.get_value(key) for key in MOVING_STATS)
        if self.movement.stalled(signature, now):
            stop_crawl(
                self.crawler,
                STALLED,
                f"Nothing moved for {format_duration(self.stall_seconds)}: waited for"
                f" {self._waited_for()}; ending the run (LOUVRE_STALL_SECONDS ="
                f" {self.stall_seconds:g}; run the same command again to go on)",
            )

    def _waited_for(self) -> str:
        engine = self.crawler.engine
        in_flight = [request.url for request in getattr(engine.downloader, "active", ())]
        spider = self.crawler.spider
        finding = (
            spider.finding_total()
            if isinstance(spider, MirrorSpider) and spider.planned is None
            else None
        )
        return waited_for(sorted(in_flight), finding)

    def _stopping(self, now: float) -> None:
        if self.stopping_since is None:
            self.stopping_since = now
            return
        if now - self.stopping_since < FORCE_AFTER:
            return
        if not self.forced:
            self.forced = True
            in_flight = len(getattr(self.crawler.engine.downloader, "active", ()))
            logger.error(
                "The run is still closing %s after it was stopped (%d requests in flight):"
                " forcing the end; the next run asks again what was in flight",
                format_duration(FORCE_AFTER),
                in_flight,
            )
            self.crawler.signals.send_catch_log(stop_forced)  # the summary, said now
        # Scrapy's own forced shutdown: the second SIGINT (the first, if Scrapy has not seen
        # one yet, starts its graceful stop, which is under way already).
        signal.raise_signal(signal.SIGINT)
