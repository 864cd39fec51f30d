"""``scrapy list``: each spider's name and, on a terminal, its one-line description.

Scrapy's own ``list`` prints bare names. Piped (``scrapy list | …``, and Scrapyd, which reads
its output one spider name a line for ``listspiders.json`` and to check ``schedule.json``),
it still does: the descriptions are for a person at a terminal, as ``ls`` lays out its names
only there.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.list import Command as ScrapyListCommand
from scrapy.spiderloader import get_spider_loader

if TYPE_CHECKING:
    import argparse


class Command(ScrapyListCommand):
    def short_desc(self) -> str:
        return "List the spiders, each with what it does (names only when piped)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not sys.stdout.isatty():
            super().run(args, opts)
            return
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        names = sorted(loader.list())
        width = max(map(len, names), default=0)
        for name in names:
            description = getattr(loader.load(name), "description", "")
            print(f"{name:<{width}}  {description}".rstrip())
