"""``python -m bench.plainwalk ROBOTS_URL``: the plain walk of a site's sitemaps, for
``python -m bench.fullsize --walk`` to set the project's walk against.

Scrapy's own :class:`~scrapy.spiders.SitemapSpider` at Scrapy's defaults (not the project's
settings: none of its middlewares, budgets or pacing), from robots.txt through the index to
every sub-sitemap, each parsed whole by :class:`~scrapy.utils.sitemap.Sitemap`; it asks for no
record (its filter reads every entry and keeps none). When it closes it prints
``walk done at EPOCH``: when it had parsed the last sitemap (``time.time()``, the clock of the
server's log).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


class PlainWalk(SitemapSpider):
    name = "plainwalk"

    def __init__(self, robots: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemap_urls = [robots]
        self.entries = 0
        self.parsed = 0.0  # when the last sitemap was parsed whole

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for entry in entries:  # every entry parsed, as a crawl of the records would
            if entry["loc"].endswith(".xml"):
                yield entry  # an index's sub-sitemap
            else:
                self.entries += 1
        self.parsed = time.time()

    def closed(self, reason: str) -> None:
        print(f"walk done at {self.parsed} ({self.entries} record entries, {reason})", flush=True)


def main(argv: list[str]) -> None:
    process = CrawlerProcess({"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False})
    process.crawl(PlainWalk, robots=argv[0])
    process.start()


if __name__ == "__main__":
    main(sys.argv[1:])
