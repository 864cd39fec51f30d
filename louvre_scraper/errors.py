"""Bad input: refuse it with one clear line and a non-zero exit, before anything is written."""

from __future__ import annotations

import difflib
import logging
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger("louvre_scraper")

EXIT_BAD_INPUT = 2
# Spider arguments Scrapyd adds to every job it runs (-a _job=..., -a _version=...).
SCRAPYD_ARGUMENTS = frozenset({"_job", "_version"})


class BadInput(ValueError):
    """A spider argument or a setting that cannot work; the message names the culprit."""


def refuse(error: BadInput) -> NoReturn:
    """Log *error* as one line and end the process with exit status 2.

    Why not just raise: ``scrapy crawl`` runs the spider's ``from_crawler`` inside an asyncio
    task, so any exception (``UsageError`` included) surfaces as "Task exception was never
    retrieved" with a full traceback, and nothing else stops the crawl before the pipelines
    open their stores. ``SystemExit`` is the one exception that leaves the event loop at once.
    Without Twisted's reactor (``TWISTED_REACTOR_ENABLED=False``) asyncio still reports it as
    a task exception nobody retrieved, with a traceback: that report is dropped.
    """
    logger.critical("%s", error)
    logging.getLogger("asyncio").addFilter(_drop_our_exit)
    raise SystemExit(EXIT_BAD_INPUT)


def _drop_our_exit(record: logging.LogRecord) -> bool:
    """asyncio's "Task exception was never retrieved" for the SystemExit of :func:`refuse`."""
    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, SystemExit) and error.code == EXIT_BAD_INPUT)


def check_arguments(given: Iterable[str], known: Iterable[str]) -> None:
    """Refuse spider arguments not in *known*, naming each, with the closest known one.

    Scrapy sets any ``-a NAME=VALUE`` as a spider attribute, so a typo (``strat=5``) would
    otherwise be silently ignored. Scrapyd's own arguments are always accepted.
    """
    known = list(known)
    unknown = sorted(set(given) - set(known) - SCRAPYD_ARGUMENTS)
    if not unknown:
        return
    parts, guessed_all = [], True
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        parts.append(f"{name} — did you mean {close[0]}?" if close else name)
        guessed_all = guessed_all and bool(close)
    plural = "s" if len(unknown) > 1 else ""
    takes = "" if guessed_all else f" (the spider takes {', '.join(known) or 'none'})"
    raise BadInput(f"unknown argument{plural} {'; '.join(parts)}{takes}")
