"""End a crawl early, once, with a reason its exit status reflects, and one line saying why.

Components that find the crawl cannot go on (the site unreachable, the store full) call
:func:`stop_crawl`; the first call wins. The reason is kept in the crawler stat
:data:`STOP_STAT` as well as in ``finish_reason``: when the engine was already closing for
another reason (e.g. the last item hit a full disk), the exit status still tells.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from louvre_scraper.contract import STOP_STAT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger("louvre_scraper")


def stop_crawl(crawler: Crawler, reason: str, message: str) -> None:
    """Log *message* as one ERROR line and close the spider with *reason* (first call wins)."""
    stats = crawler.stats
    if stats.get_value(STOP_STAT):
        return
    stats.set_value(STOP_STAT, reason)
    logger.error("%s", message)
    engine = crawler.engine
    if engine.spider is None:  # already closed
        return
    closing = deferred_from_coro(engine.close_spider_async(reason=reason))
    closing.addErrback(_log_close_failure)


def _log_close_failure(failure: Failure) -> None:
    logger.error("Could not close the spider: %s", failure.getErrorMessage())


def is_stopping(crawler: Crawler) -> bool:
    """True once the crawl is ending early: stop_crawl was called, or Ctrl-C / SIGTERM."""
    return bool(crawler.stats.get_value(STOP_STAT)) or not crawler.engine.running
