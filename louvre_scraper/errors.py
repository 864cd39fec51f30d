"""Bad input: refuse it with one clear line and a non-zero exit, before anything is written."""

from __future__ import annotations

import logging

logger = logging.getLogger("louvre_scraper")

EXIT_BAD_INPUT = 2


class BadInput(ValueError):
    """A spider argument or a setting that cannot work; the message names the culprit."""


def refuse(error: BadInput) -> None:
    """Log *error* as one line and end the process with exit status 2.

    Why not just raise: ``scrapy crawl`` runs the spider's ``from_crawler`` inside an asyncio
    task, so any exception (``UsageError`` included) surfaces as "Task exception was never
    retrieved" with a full traceback, and nothing else stops the crawl before the pipelines
    open their stores. ``SystemExit`` is the one exception that leaves the event loop at once.
    """
    logger.critical("%s", error)
    raise SystemExit(EXIT_BAD_INPUT)
