"""Scrapy log lines rewritten for a user: no traceback for a network failure, no bad advice.

* RobotsTxtMiddleware logs a failure to fetch robots.txt (the network is down, the host does
  not resolve) as an ERROR with a full traceback. It becomes one WARNING line; the
  reachability guard says what to check if the whole site stays unreachable.
* Scrapy's download handlers log, once, that a cut download can be accepted by setting
  ``DOWNLOAD_FAIL_ON_DATALOSS = False``. That would store truncated zips; the line becomes an
  INFO saying what really happens: the download is retried.
* A body over its size limit (``download_maxsize``, see
  :mod:`louvre_scraper.downloadermiddlewares.fetchpolicy`) makes the download handlers warn
  with the request's repr; the spider names it in one line
  with the setting to raise, so Scrapy's line is dropped; so is the compression middleware's
  line for a body over its limit once decompressed (the spider names it, see
  :mod:`louvre_scraper.downloadermiddlewares.compression`).
* Without Twisted's reactor (``-s TWISTED_REACTOR_ENABLED=False``, see docs/speed.md, "The two
  modes"), each download handler warns that Scrapy's aiohttp handler is experimental: the user chose
  that mode, so it is said once, at INFO.

* Scrapy's start-up listing (the versions, the overridden settings, every enabled add-on,
  extension, middleware and pipeline: some sixty lines) is logged at DEBUG, so that a crawl's
  first screen is the project's own lines; "Scrapy … started" stays, and so does anything
  at WARNING or above. ``-s LOG_LEVEL=DEBUG`` shows it all. Installed by the ``crawl`` command
  (:func:`quiet_startup`), since the versions are logged before any extension exists.
* Scrapy's DEBUG line per response ("Crawled (200) …") and per item ("Scraped from …") is
  not made at all below ``LOG_LEVEL`` (:class:`QuietLogFormatter`, the ``LOG_FORMATTER``):
  each made a log record that the handler then dropped, on the crawl's hot path.
* Scrapy's stats dump at the close (some forty-five lines after the project's own summary) is
  logged at DEBUG the same way, unless ``LOUVRE_STATS_ON_CONSOLE`` asks for it at INFO.

Installed as an extension: a filter on those loggers (not on the log handlers, which Scrapy
replaces once the crawler's settings are applied).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from typing import Any

    from scrapy.crawler import Crawler
    from typing_extensions import Self

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"
DATALOSS_PREFIX = "Got data loss in "
EXPERIMENTAL_PREFIX = "AiohttpDownloadHandler is experimental"
MAXSIZE_TEXT = "larger than download max size"
DECOMPRESSED_TEXT = "exceeded DOWNLOAD_MAXSIZE"  # HttpCompressionMiddleware's "Ignored response"
# Where those lines come from: the robots.txt middleware, and the download handlers.
LOGGERS = (
    ROBOTS_LOGGER,
    "scrapy.core.downloader.handlers.http11",
    "scrapy.core.downloader.handlers._base_streaming",
    "scrapy.downloadermiddlewares.httpcompression",
)


# The start-up listing: the logger of each line, and its message (a template, or its start).
STARTUP_LINES = {
    "scrapy.utils.log": ("Versions:",),
    "scrapy.addons": ("Enabled addons:",),
    "scrapy.crawler": ("Overridden settings:",),
    "scrapy.middleware": ("Enabled %(componentname)ss:",),
}
STATS_LINES = {"scrapy.statscollectors": ("Dumping Scrapy stats:",)}


class StartupListing(logging.Filter):
    """Scrapy's INFO lines of its start-up listing (and of its stats dump, unless asked for on
    the console), logged at DEBUG instead."""

    def __init__(self, lines: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.lines = lines

    def filter(self, record: logging.LogRecord) -> bool:
        starts = self.lines.get(record.name, ())
        if record.levelno == logging.INFO and str(record.msg).startswith(starts):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_startup(stats_on_console: bool = False) -> None:
    """Put Scrapy's start-up listing (and its stats dump, unless *stats_on_console*) at DEBUG,
    once per process: a filter on its loggers, which Scrapy's log handlers (set up later, at
    LOG_LEVEL) then leave out unless it is DEBUG."""
    lines = STARTUP_LINES if stats_on_console else {**STARTUP_LINES, **STATS_LINES}
    for name in lines:
        logger = logging.getLogger(name)
        if not any(isinstance(f, StartupListing) for f in logger.filters):
            logger.addFilter(StartupListing(lines))


class QuietLog(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.told_experimental = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        for name in LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, QuietLog) for f in logger.filters):
                logger.addFilter(extension)
        return extension

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ROBOTS_LOGGER and record.exc_info and isinstance(record.args, dict):
            error = record.args.get("f_exception")
            request = record.args.get("request")
            if not isinstance(error, IgnoreRequest) and isinstance(request, Request):
                _rewrite(
                    record,
                    logging.WARNING,
                    f"Could not fetch robots.txt of {urlparse_cached(request).netloc}"
                    f" ({error}): going on as if it allowed everything",
                )
        elif isinstance(record.msg, str) and (
            MAXSIZE_TEXT in record.msg or DECOMPRESSED_TEXT in record.msg
        ):
            return False
        elif isinstance(record.msg, str) and record.msg.startswith(EXPERIMENTAL_PREFIX):
            if self.told_experimental:
                return False
            self.told_experimental = True
            _rewrite(record, logging.INFO, record.getMessage())
        elif isinstance(record.msg, str) and record.msg.startswith(DATALOSS_PREFIX):
            url = record.msg[len(DATALOSS_PREFIX) :].split(". ", 1)[0]
            _rewrite(
                record, logging.INFO, f"Download of {url} was cut short (data loss): retrying it"
            )
        return True


class QuietLogFormatter(LogFormatter):
    """Scrapy's log formatter, but the line of a response, an item or a dropped item below
    ``LOG_LEVEL`` is not made: Scrapy logs it anyway, and the record is only dropped by the
    handler, a record per response on the crawl's hot path."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        level = crawler.settings.get("LOG_LEVEL") or logging.DEBUG
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        return cls(level if isinstance(level, int) else logging.DEBUG)

    # Scrapy's lines of a response and of an item are at DEBUG: not even made above it.
    def crawled(self, *args: Any, **kwargs: Any) -> LogFormatterResult | None:
        return super().crawled(*args, **kwargs) if self.level <= logging.DEBUG else None

    def scraped(self, *args: Any, **kwargs: Any) -> LogFormatterResult | None:
        return super().scraped(*args, **kwargs) if self.level <= logging.DEBUG else None

    def dropped(self, *args: Any, **kwargs: Any) -> LogFormatterResult | None:
        line = super().dropped(*args, **kwargs)
        return line if line is not None and line["level"] >= self.level else None


def _rewrite(record: logging.LogRecord, level: int, message: str) -> None:
    record.msg, record.args = message, None
    record.exc_info = record.exc_text = None
    record.levelno, record.levelname = level, logging.getLevelName(level)
