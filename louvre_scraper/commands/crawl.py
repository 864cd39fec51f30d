"""``scrapy crawl``, exiting with a status that says how the crawl ended.

Scrapy's own ``crawl`` exits 0 whatever happened unless the crawler could not start. This
subclass, found through ``COMMANDS_MODULE`` (Scrapyd's runner goes through the same
``scrapy.cmdline``), sets the exit status from the crawl's finish reason and failure count
(:mod:`louvre_scraper.exitstatus`), and refuses a bad ``LOG_LEVEL`` in one line before Scrapy
sets up its logging with it.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from louvre_scraper.config import refuse_bad_log_level, refuse_bad_setting_names
from louvre_scraper.contract import FAILED_STAT, STOP_STAT, UNFINISHED_STAT
from louvre_scraper.errors import BadInput, refuse
from louvre_scraper.exitstatus import EXIT_CRASH, exit_status

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler


class Command(ScrapyCrawlCommand):
    def long_desc(self) -> str:
        return (
            "Run a spider of the current project, by name. Exit status: 0 complete, 1 crash,"
            " 2 bad input, 3 some items failed for good or were left unfinished, 4 site"
            " unreachable or refusing,"
            " 5 store full or unwritable, 6 stopped before the end (see the README)."
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        refuse_bad_log_level(self.settings)
        refuse_bad_setting_names(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        crawler = self._create_crawler(spider_of(self.crawler_process.spider_loader, args[0]))
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_CRASH
        else:
            self.exitcode = crawl_exit_status(crawler)


def spider_of(loader: Any, name: str) -> str:
    """*name* if the project has that spider; else one line with the closest, exit 2
    (Scrapy's own KeyError would end in a traceback)."""
    names = sorted(loader.list())
    if name in names:
        return name
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f": did you mean {close[0]}?" if close else ""
    refuse(BadInput(f"unknown spider {name!r}{hint} (the spiders: {', '.join(names)})"))
    raise AssertionError  # refuse() does not return


def crawl_exit_status(crawler: Crawler) -> int:
    """The exit status of a crawl that ran, from its stats."""
    stats = crawler.stats.get_stats()
    reason = stats.get(STOP_STAT) or stats.get("finish_reason")
    unfinished = int(stats.get(UNFINISHED_STAT, 0))  # noted as the spider closed
    return exit_status(reason, int(stats.get(FAILED_STAT, 0)), unfinished)
