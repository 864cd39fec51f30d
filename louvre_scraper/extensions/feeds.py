"""A crawl's own feed (``-O``/``-o``/``FEEDS`` to a local file), written atomically.

Scrapy's :class:`~scrapy.extensions.feedexport.FileFeedStorage` writes into the final file as
items arrive: a run that is stopped or fails leaves a half-written (or, with no item at all,
an empty) feed where a good one was. This storage (registered in ``FEED_STORAGES`` for plain
paths and ``file://``) writes into a temporary file beside it (the store's temporary name) and
renames it over the final name when the feed is stored, as the run closes; ``-o`` (append)
starts the temporary file as a copy of the existing feed. A run stopped early (unreachable
site, Ctrl-C, a full store) that yielded no item stores nothing: the previous feed is left as
it was, and Scrapy's "Stored … feed" line for it gives way to one saying so. A run that went to
the end stores its feed, empty or not.

With ``JOBDIR``, a run that resumes a job holds only its own records: ``-O`` (overwrite) would
replace the earlier runs' feed with part of the job, so :func:`refuse_overwrite_on_resume`
refuses it before the crawl starts, naming ``-o`` (append) and ``scrapy export``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.extensions.feedexport import FileFeedStorage

from louvre_scraper.errors import BadInput
from louvre_scraper.exitstatus import is_stopping
from louvre_scraper.extensions.jobstate import STATE_FILE  # what a job's earlier run leaves
from louvre_scraper.store.atomic import AtomicFile

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

logger = logging.getLogger(__name__)
FEEDEXPORT_LOGGER = "scrapy.extensions.feedexport"


class NotStored(logging.Filter):
    """Drops Scrapy's "Stored … feed … in: URI" line for a feed this storage did not write."""

    def __init__(self) -> None:
        super().__init__()
        self.uris: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Stored %s" or not isinstance(record.args, tuple) or not record.args:
            return True
        said = str(record.args[0])
        return not any(said.endswith(f" in: {uri}") for uri in self.uris)


def _not_stored() -> NotStored:
    """The one filter on Scrapy's feed-export logger, installed the first time it is needed."""
    feedexport = logging.getLogger(FEEDEXPORT_LOGGER)
    for found in feedexport.filters:
        if isinstance(found, NotStored):
            return found
    made = NotStored()
    feedexport.addFilter(made)
    return made


def refuse_overwrite_on_resume(settings: BaseSettings, feeds: dict[str, Any]) -> None:
    """BadInput when *feeds* overwrite a file (``-O``) in a run that resumes a JOBDIR job."""
    jobdir = settings.get("JOBDIR")
    if not jobdir or not (Path(jobdir) / STATE_FILE).exists():
        return
    for uri, options in feeds.items():
        if isinstance(options, dict) and options.get("overwrite"):
            raise BadInput(
                f"-O {uri} on a resumed job (JOBDIR {jobdir}) would hold only this run's"
                f" records: use -o {uri} to append to the earlier runs' feed, or scrapy export"
                " after the job for every record in the store"
            )


class AtomicFileFeedStorage(FileFeedStorage):
    def __init__(self, uri: str, crawler: Crawler, *, feed_options: dict[str, Any] | None = None):
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler
        self.uri = uri
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
            _not_stored().uris.add(self.uri)
            logger.info(
                "Feed %s not written: the run stopped before any item (any earlier one is"
                " left as it was)",
                self.uri,
            )
            return
        part.commit()
