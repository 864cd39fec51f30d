"""A crawl's own feed (``-O``/``-o``/``FEEDS`` to a local file), written atomically.

Scrapy's :class:`~scrapy.extensions.feedexport.FileFeedStorage` writes into the final file as
items arrive: a run that is stopped or fails leaves a half-written feed where a good one was.
This storage (registered in ``FEED_STORAGES`` for plain paths and ``file://``) writes into a
temporary file beside it and renames it over the final name when the feed is stored, at the
end of the run; ``-o`` (append) starts the temporary file as a copy of the existing feed. With
``FEED_STORE_EMPTY = False`` (settings.py) a run that yields no item, e.g. one that cannot reach
the site, stores nothing: the previous feed is left as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import IO, TYPE_CHECKING

from scrapy.extensions.feedexport import FileFeedStorage

from louvre_scraper.stores import partial_name

if TYPE_CHECKING:
    from scrapy import Spider


class AtomicFileFeedStorage(FileFeedStorage):
    _part: Path | None = None

    def open(self, spider: Spider) -> IO[bytes]:
        final = Path(self.path)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._part = partial_name(final)  # the store's temporary name: its cleanup knows it
        if self.write_mode == "ab" and final.exists():  # -o: go on from the existing feed
            shutil.copyfile(final, self._part)
        return self._part.open(self.write_mode)

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        assert self._part is not None
        self._part.replace(self.path)
        self._part = None
