"""How a crawl ends: one exit status per way a run can end, and the one way to end it early.

Any spider of the project plugs into it the same way: it counts each item that failed for
good in the crawler stat :data:`FAILED_STAT`, and ends a crawl early only through
:func:`stop_crawl` with one of the reasons below. The project's ``crawl``
command (:mod:`louvre_scraper.commands.crawl`) turns the finish reason and that count into
the process' exit status with :func:`exit_status`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from louvre_scraper.contract import STOP_STAT
from louvre_scraper.errors import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure


EXIT_COMPLETE = 0  # every ID/record ended stored, missing or already present (images too)
EXIT_CRASH = 1  # an unexpected error (Python's own status for an uncaught exception)
# EXIT_BAD_INPUT = 2: a bad argument or setting, refused before anything was written
EXIT_SOME_FAILED = 3  # the run went to the end, but some items failed for good (listed), or
# some listed ones were left without an outcome (unfinished)
EXIT_SITE_DOWN = 4  # the site could not be reached, refused every request, or nothing moved
# for LOUVRE_STALL_SECONDS
EXIT_STORE_FAILED = 5  # the store is full or cannot be written to
EXIT_STOPPED = 6  # stopped before the end: Ctrl-C, SIGTERM, Scrapyd cancel, a CLOSESPIDER_* limit


# Finish reasons: Scrapy's own, and those of stop_crawl.
FINISHED = "finished"  # Scrapy: the spider ran out of work
SHUTDOWN = "shutdown"  # Scrapy: Ctrl-C, SIGTERM, Scrapyd's cancel
START_ERROR = "start_error"  # Scrapy: the spider's start() raised
UNREACHABLE = "unreachable"  # the site cannot be reached (DNS, refused, TLS, timeouts)
REFUSED = "refused"  # the site refuses us (401/403, robots.txt)
STALLED = "stalled"  # nothing moved for LOUVRE_STALL_SECONDS (extensions/watchdog.py)
STORE_FULL = "store_full"  # the store is full, read-only or not ours to write
BAD_INPUT = "bad_input"  # bad input found once the crawl had started

_STATUS_OF_REASON = {
    UNREACHABLE: EXIT_SITE_DOWN,
    REFUSED: EXIT_SITE_DOWN,
    STALLED: EXIT_SITE_DOWN,
    STORE_FULL: EXIT_STORE_FAILED,
    BAD_INPUT: EXIT_BAD_INPUT,
    START_ERROR: EXIT_CRASH,
}


def exit_status(finish_reason: str | None, failed_count: int, unfinished: int = 0) -> int:
    """The exit status of a crawl that ended with *finish_reason*, *failed_count* failures
    and *unfinished* units it had to settle and did not.

    Any other reason (``shutdown``, ``cancelled``, ``closespider_*``, or none at all after a
    forced second Ctrl-C) means the crawl stopped before the end: it can be resumed.
    """
    if finish_reason == FINISHED:
        return EXIT_SOME_FAILED if failed_count or unfinished else EXIT_COMPLETE
    return _STATUS_OF_REASON.get(finish_reason or "", EXIT_STOPPED)


# -- ending a crawl early ---------------------------------------------------------------------
# End a crawl early, once, with a reason its exit status reflects, and one line saying why.
#
# Components that find the crawl cannot go on (the site unreachable, the store full) call
# :func:`stop_crawl`; the first call wins. The reason is kept in the crawler stat
# :data:`STOP_STAT` as well as in ``finish_reason``: when the engine was already closing for
# another reason (e.g. the last item hit a full disk), the exit status still tells.
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
