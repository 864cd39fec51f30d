"""Store each zip the spider received as ``{id}.zip`` in FILES_STORE.

A :class:`~scrapy.pipelines.files.FilesPipeline` subclass that reuses its stores (local,
``s3://``, ``gs://``, ``ftp://``), their settings (AWS_*, FILES_STORE_S3_ACL, ...) and its
``file_path`` hook, but downloads nothing itself: the spider's own request already went through
the scheduler and every downloader middleware (retry, redirect, robots.txt, concurrency), and
the zip it got is in the item. Stock FilesPipeline would fetch each URL a second time outside
the scheduler, keep a result per URL in memory forever and log each 404 three times.
"""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.exceptions import DropItem
from scrapy.pipelines.files import FilesPipeline, FilesStoreProtocol
from scrapy.utils.defer import ensure_awaitable

from louvre_scraper.config import LouvreConfig
from louvre_scraper.exitstatus import FAILED_STAT, STORE_FULL
from louvre_scraper.offload import offload
from louvre_scraper.retry import ID_META
from louvre_scraper.stop import stop_crawl
from louvre_scraper.stores import AtomicFSFilesStore, store_failure

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import MediaPipeline
    from typing_extensions import Self

    from louvre_scraper.items import ArtworkZip

logger = logging.getLogger(__name__)

ZIP_HEADERS = {"Content-Type": "application/zip"}


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the checksum FilesPipeline reports


class LouvreFilesPipeline(FilesPipeline):
    STORE_SCHEMES: ClassVar[dict[str, type[FilesStoreProtocol]]] = {
        **FilesPipeline.STORE_SCHEMES,
        "": AtomicFSFilesStore,
        "file": AtomicFSFilesStore,
    }

    config: LouvreConfig
    store_broken: bool = False  # the store took no more files: stop writing to it

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = LouvreConfig.from_settings(crawler.settings)
        cls._update_stores(crawler.settings)
        pipeline = cls(config.files_store, crawler=crawler)
        pipeline.config = config
        return pipeline

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        artwork_id = item["id"] if item is not None else request.meta[ID_META]
        return self.config.file_path(artwork_id)

    def _checksum(self, body: bytes) -> str | None:
        return md5_hex(body) if self.config.checksums else None

    async def process_item(self, item: ArtworkZip) -> ArtworkZip:  # type: ignore[override]
        stats = self.crawler.stats
        assert stats is not None
        if item.get("status") == "uptodate":
            return item
        body: bytes = item.pop("body")
        path = self.config.file_path(item["id"])
        try:
            if self.store_broken:
                raise OSError("the store took no more files")
            checksum = await offload(len(body), self._checksum, body)
            await ensure_awaitable(
                self.store.persist_file(path, BytesIO(body), self.spiderinfo, headers=ZIP_HEADERS)
            )
        except Exception as exc:
            self._store_failed(item["id"], path, exc)
            # _store_failed logged it; Scrapy's "Dropped:" WARNING would repeat it.
            raise DropItem(f"store failed for {path}", log_level="DEBUG") from exc
        item.update(path=path, checksum=checksum, size=len(body), status="downloaded")
        stats.inc_value("louvre/stored")
        stats.inc_value("louvre/bytes", len(body))
        logger.debug("ID %s: stored %s (%d bytes)", item["id"], path, len(body))
        return item

    def _store_failed(self, item_id: Any, path: str, exc: Exception) -> None:
        """Count the item as failed; when the whole store is broken, stop the crawl, once."""
        stats = self.crawler.stats
        stats.inc_value(FAILED_STAT)
        failed = getattr(self.crawler.spider, "failed_ids", None)
        if failed is not None:
            failed.add(item_id)
        whole_store = store_failure(exc)
        if whole_store is not None and not self.store_broken:
            self.store_broken = True
            store = self.config.files_store
            if self.config.is_local_store:
                store = str(self.config.local_store_dir.absolute())
            stop_crawl(self.crawler, STORE_FULL, f"cannot write to {store}: {whole_store}")
        elif self.store_broken:
            logger.debug("ID %s: not stored, the store is broken", item_id)
        else:
            logger.error("ID %s: could not store %s: %s", item_id, path, exc)
