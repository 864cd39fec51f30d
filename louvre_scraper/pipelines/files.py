"""The item pipeline that feeds the mirror (:mod:`louvre_scraper.store.mirror`) its items.

A :class:`~scrapy.pipelines.files.FilesPipeline` subclass only for its stores (local, ``s3://``,
``gs://``, ``ftp://``), their settings (AWS_*, FILES_STORE_S3_ACL, ...) and its ``file_path``
hook; it downloads nothing (the spider's own request went through the scheduler and every
middleware, the body is in the item). Each item goes to the mirror, which stores it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.pipelines.files import FilesPipeline, FilesStoreProtocol

from louvre_scraper.config import config_of
from louvre_scraper.contract import ID_META
from louvre_scraper.items import ArtworkRecord
from louvre_scraper.store.layout import file_path
from louvre_scraper.store.local import AtomicFSFilesStore
from louvre_scraper.store.mirror import Mirror

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import MediaPipeline
    from typing_extensions import Self

    from louvre_scraper.config import LouvreConfig


class LouvreFilesPipeline(FilesPipeline):
    STORE_SCHEMES: ClassVar[dict[str, type[FilesStoreProtocol]]] = {
        **FilesPipeline.STORE_SCHEMES,
        "": AtomicFSFilesStore,
        "file": AtomicFSFilesStore,
    }

    config: LouvreConfig
    mirror: Mirror  # the store's one owner, built on this pipeline's store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = config_of(crawler)
        cls._update_stores(crawler.settings)
        pipeline = cls(config.files_store, crawler=crawler)
        pipeline.config = config
        pipeline.mirror = Mirror(crawler, config, pipeline.store)
        return pipeline

    def open_spider(self) -> None:
        super().open_spider()
        self.mirror.spiderinfo = self.spiderinfo

    async def close_spider(self) -> None:
        await self.mirror.close()

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        artwork_id = item["id"] if item is not None else request.meta[ID_META]
        return file_path(self.config, artwork_id)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ArtworkRecord):
            return await self.mirror.store_record(item)
        return await self.mirror.store_zip(item)
