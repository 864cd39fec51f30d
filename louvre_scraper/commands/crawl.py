"""``scrapy crawl``, exiting with a status that says how the crawl ended.

Scrapy's own ``crawl`` exits 0 whatever happened unless the crawler could not start. This
subclass, found through ``COMMANDS_MODULE`` (Scrapyd's runner goes through the same
``scrapy.cmdline``), sets the exit status from the crawl's finish reason and failure count
(:mod:`louvre_scraper.exitstatus`), and refuses a bad ``LOG_LEVEL`` in one line before Scrapy
sets up its logging with it. ``--help`` lists the spider's arguments (``scrapy crawl SPIDER
--help``; every spider's without a name), from the spider's own declaration (``arguments``).
Scrapy's start-up listing (versions, settings, components) is logged at DEBUG
(:func:`~louvre_scraper.extensions.quietlog.quiet_startup`): a run's first lines are ours.
"""

from __future__ import annotations

import difflib
import textwrap
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from louvre_scraper.config import (
    refuse_bad_log_level,
    refuse_bad_setting_names,
    stats_on_console,
)
from louvre_scraper.contract import FAILED_STAT, STOP_STAT, UNFINISHED_STAT
from louvre_scraper.errors import BadInput, refuse
from louvre_scraper.exitstatus import EXIT_CRASH, exit_status
from louvre_scraper.extensions.feeds import refuse_overwrite_on_resume
from louvre_scraper.extensions.quietlog import quiet_startup

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

    from scrapy.crawler import Crawler

    from louvre_scraper.contract import SpiderArgument


class Command(ScrapyCrawlCommand):
    def long_desc(self) -> str:
        return (
            "Run a spider of the current project, by name. Exit status: 0 complete, 1 crash,"
            " 2 bad input, 3 some items failed for good or were left unfinished, 4 site"
            " unreachable or refusing,"
            " 5 store full or unwritable, 6 stopped before the end (see docs/guide.md)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        self.parser = parser
        # Instead of argparse's own -h, which prints and exits before the spider's name is read.
        parser.add_argument(
            "-h",
            "--help",
            action="store_true",
            help="show this help, with the spider's arguments (all spiders' without a name)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        if opts.help:
            print(self.parser.format_help() + "\n" + self.spiders_help(args))
            raise SystemExit(0)
        super().process_options(args, opts)
        assert self.settings is not None
        refuse_bad_log_level(self.settings)
        refuse_bad_setting_names(self.settings)
        try:
            refuse_overwrite_on_resume(self.settings, self.settings.getdict("FEEDS"))
            quiet_startup(stats_on_console(self.settings))
        except BadInput as error:
            refuse(error)

    def spiders_help(self, args: list[str]) -> str:
        """The arguments of the spider named in *args*, or of every spider."""
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        names = sorted(loader.list())
        asked = [name for name in args[:1] if name in names] or names
        return "\n".join(spider_help(name, loader.load(name)) for name in asked)

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


def spider_help(name: str, spider: Any) -> str:
    """What ``scrapy crawl NAME --help`` says of the spider: its description, then each
    argument it declares, with its type, its default and its sentence."""
    lines = [f"Spider {name}"]
    lines += _wrap(getattr(spider, "description", ""), 2)
    arguments: Iterable[SpiderArgument] = getattr(spider, "arguments", ())
    lines.append(f"  Arguments (scrapy crawl {name} -a NAME=VALUE ...):" if arguments else "")
    for argument in arguments:
        lines.append(f"    -a {argument.name}={argument.type}")
        text = f"{argument.help} Default: {argument.default}."
        lines += _wrap(text, 8)
    return "\n".join(lines) + "\n"


def _wrap(text: str, indent: int) -> list[str]:
    return textwrap.wrap(text, 92, initial_indent=" " * indent, subsequent_indent=" " * indent,
                         break_on_hyphens=False)  # fmt: skip
