"""How far along the crawl is: one INFO line every LOGSTATS_INTERVAL seconds.

Replaces Scrapy's LogStats (pages and items per minute say nothing about how much of the
collection is done) and reads the same LOGSTATS_INTERVAL setting. Both spiders report the
same way: each unit of work (an ID, a record) ends stored, skipped (already there), missing or
failed; a spider names its unit and the stats that count those outcomes (:class:`Units`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call

from louvre_scraper.config import config_of
from louvre_scraper.contract import Counts, MirrorSpider, Units
from louvre_scraper.utils.display import MB, format_duration

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.task import LoopingCall
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def progress_line(
    now: Counts,
    before: Counts,
    interval: float,
    total: int | None,
    walking_tail: bool,
    *,
    unit: str = "IDs",
) -> str:
    """The periodic line; *total* is None while it is unknown (probing)."""
    ids_rate = (now.done - before.done) / interval if interval > 0 else 0.0
    mb_rate = (now.bytes - before.bytes) / MB / interval if interval > 0 else 0.0
    if total:
        percent = f" ({100 * now.done / total:.1f}%)"
        of_total = f"/{total}{'+' if walking_tail else ''}"
        remaining = max(0, total - now.done)
        eta = format_duration(remaining / ids_rate) if ids_rate > 0 else "unknown"
    else:
        percent, of_total, eta = "", "", "unknown"
    if walking_tail and now.done >= (total or 0):
        eta = "walking past the bound"
    return (
        f"Progress: {now.done}{of_total} {unit}{percent} | stored {now.stored},"
        f" missing {now.missing}, failed {now.failed}, skipped {now.skipped}"
        f" | {now.bytes / MB:.1f} MB | {ids_rate:.1f} {unit}/s, {mb_rate:.2f} MB/s | ETA {eta}"
    )


class Progress:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.previous = Counts()
        self.task: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = config_of(crawler).logstats_interval
        if not interval:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def log(self) -> None:
        assert self.crawler.stats is not None
        spider = self.crawler.spider
        if not isinstance(spider, MirrorSpider):
            return
        units: Units = spider.units
        now = units.count(self.crawler.stats)
        if spider.planned is None:  # the total is not known yet
            logger.info("%s", spider.finding_total())
        else:
            logger.info(
                progress_line(
                    now,
                    self.previous,
                    self.interval,
                    spider.planned,
                    spider.walks_tail,
                    unit=units.name,
                )
            )
        self.previous = now

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
