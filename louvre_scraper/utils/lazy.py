"""Lazy start: hand out a request only when the downloader has room for it.

Scrapy consumes a spider's ``start()`` eagerly; a million IDs or half a million records
yielded at once would all sit in the scheduler's memory. This is the backout pattern of
Scrapy's documentation ("Lazy start requests"), shared by both spiders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


async def wait_for_room(crawler: Crawler) -> None:
    assert crawler.engine is not None
    if crawler.engine.needs_backout():
        await crawler.signals.wait_for(signals.scheduler_empty)
