"""A crawl's own feed (``-O``/``-o``/``FEEDS`` to a local file), written atomically.

Scrapy's :class:`~scrapy.extensions.feedexport.FileFeedStorage` writes into the final file as
items arrive: a run that is stopped or fails leaves a half-written (or, with no item at all,
an empty) feed where a good one was. This storage (registered in ``FEED_STORAGES`` for plain
paths and ``file://``) writes into a temporary file beside it (the store's temporary name) and
renames it over the final name when the feed is stored, as the run closes; ``-o`` (append)
starts the temporary file as a copy of the existing feed. A run stopped early (unreachable
site, Ctrl-C, a full store) that yielded no item stores nothing: the previous feed is left as
it was. A run that went to the end stores its feed, empty or not.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.extensions.feedexport import FileFeedStorage

from louvre_scraper.exitstatus import is_stopping
from louvre_scraper.store.atomic import AtomicFile

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class AtomicFileFeedStorage(FileFeedStorage):
    def __init__(self, uri: str, crawler: Crawler, *, feed_options: dict[str, Any] | None = None):
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler
        self.items = 0
        self._part: AtomicFile | None = None

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> Self:
        storage = cls(uri, crawler, feed_options=feed_options)
        crawler.signals.connect(storage._item_scraped, signal=signals.item_scraped)
        return storage

    def _item_scraped(self, **kwargs: Any) -> None:
        self.items += 1

    def open(self, spider: Spider) -> IO[bytes]:
        final = Path(self.path)
        # -o: go on from the existing feed. The store's temporary name: its cleanup knows it.
        append = self.write_mode == "ab" and final.exists()
        self._part = AtomicFile(final, mode=self.write_mode, copy_from=final if append else None)
        return self._part.file

    def store(self, file: IO[bytes]) -> None:
        assert self._part is not None
        part, self._part = self._part, None
        if not self.items and is_stopping(self.crawler):
            part.abort()  # stopped before any item: keep the previous feed
            return
        part.commit()
