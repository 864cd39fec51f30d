"""What the commands that read the mirror back share (``scrapy export``, ``verify``, ``catalogue``).

They run no crawl: no reactor, no crawler process. They read FILES_STORE (and the AWS_*
settings of an ``s3://`` one) from the project's settings and ``-s``, log as a crawl does, and
refuse bad input in one line with exit status 2 before writing anything.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, NoReturn

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from louvre_scraper.config import refuse_bad_log_level, refuse_bad_setting_names
from louvre_scraper.dataset.reader import Chosen
from louvre_scraper.errors import BadInput, refuse
from louvre_scraper.store.mirror import Mirror
from louvre_scraper.utils.display import format_duration

if TYPE_CHECKING:
    import argparse

    from louvre_scraper.dataset.reader import Store, Tally
    from louvre_scraper.records.filters import FilterTally

logger = logging.getLogger(__name__)


class StoreCommand(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        refuse_bad_log_level(self.settings)
        configure_logging(self.settings)
        refuse_bad_setting_names(self.settings)

    def bad_input(self, message: str) -> NoReturn:
        refuse(BadInput(message))
        raise AssertionError  # refuse() does not return

    def dest(self, args: list[str], missing: str) -> str:
        """The command's one DEST argument, or a refusal in one line (*missing* if none)."""
        if not args:
            self.bad_input(missing)
        if len(args) > 1:
            name = type(self).__module__.rsplit(".", 1)[-1]  # as Scrapy names its commands
            self.bad_input(f"scrapy {name} takes one DEST, got {len(args)}: {' '.join(args)}")
        return args[0]

    def open_store(self) -> Store:
        """FILES_STORE, opened for reading, or a refusal in one line."""
        assert self.settings is not None
        try:
            return Mirror.read_only(self.settings)
        except BadInput as error:
            refuse(error)
            raise AssertionError from None

    def add_all_records(self, parser: argparse.ArgumentParser | Any) -> None:
        parser.add_argument(
            "--all-records",
            action="store_true",
            help="every record in the store; by default, only those the crawl kept (its"
            " -a collection=/type=/rights=, remembered by the store)",
        )

    def follow_choices(
        self, store: Store, given: FilterTally, all_records: bool
    ) -> tuple[FilterTally, Chosen | None]:
        """The filters to read the store with: *given* (the command's own options), or else
        the crawl's, remembered by the store (unless *all_records*); and the crawl's choices,
        whose images left out on purpose are not missing. Said in one line."""
        choices, differ = store.choices()
        if differ is not None:
            logger.warning(differ)
        if choices is None:
            return given, None
        chosen = Chosen(choices, store.config.rights_years)
        if all_records or given.wanted or not choices.filters:
            if choices.chooses:
                logger.info("The crawl chose %s; %s", choices.told(), _reading(given, all_records))
            return given, chosen
        wanted = chosen.filter()
        logger.info(
            "Following the crawl's choices (%s): --all-records for every record in the store",
            choices.told(),
        )
        return wanted, chosen

    def warn_damaged(self, tally: Tally) -> None:
        """One line for the stored records that could not be read, left out of the pass."""
        if tally.damaged:
            logger.warning(
                "%d stored records are not records and were left out (scrapy verify names"
                " them): %s",
                len(tally.damaged),
                ", ".join(tally.damaged[:5]) + (", ..." if len(tally.damaged) > 5 else ""),
            )

    def ticker(self, store: Store, unit: str) -> Ticker:
        """Progress over the store's records (counted first: one listing of their folder)."""
        total = sum(1 for _ in store.record_paths(ordered=False))
        return Ticker(total, unit, store.config.logstats_interval)


class Ticker:
    """A progress line every LOGSTATS_INTERVAL seconds (0: none), as a crawl's; *total* 0
    when it is not known."""

    def __init__(self, total: int, unit: str, interval: float):
        self.total = total
        self.unit = unit
        self.interval = interval
        self.started = self.last = time.monotonic()

    def tick(self, done: int, doing: str) -> None:
        now = time.monotonic()
        if not self.interval or now - self.last < self.interval:
            return
        self.last = now
        rate = done / (now - self.started)
        if not self.total:  # a pass whose size is not known beforehand
            logger.info("%s: %d %s | %.0f %s/s", doing, done, self.unit, rate, self.unit)
            return
        eta = format_duration((self.total - done) / rate) if rate else "unknown"
        logger.info(
            "%s: %d/%d %s (%.1f%%) | %.0f %s/s | ETA %s",
            doing,
            done,
            self.total,
            self.unit,
            100 * done / max(self.total, 1),
            rate,
            self.unit,
            eta,
        )

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _reading(given: FilterTally, all_records: bool) -> str:
    if given.wanted:
        return f"read with {options(given)}"
    return "every record in the store is read" + (" (--all-records)" if all_records else "")


def options(wanted: FilterTally) -> str:
    """The filters as given on the command line: ``--collection 'peintures'``."""
    return " ".join(f"--{name} {value!r}" for name, value in wanted.wanted.items())


def nothing_kept(tally: Tally, wanted: FilterTally, store: Store) -> str:
    """The one line for an export that would be empty: which filter, and what it saw."""
    if not wanted.wanted:
        return (
            f"bad setting FILES_STORE={store.name!r}:"
            f" none of its {tally.records} records can be read"
        )
    seen = "; ".join(wanted.told(name) for name in wanted.wanted)
    return f"bad option {options(wanted)}: keeps none of the {tally.records} records; {seen}"
