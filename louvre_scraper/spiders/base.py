"""What both spiders are built on: settings checked once, the store opened once.

A mixin, not a spider (it has no ``name``, so ``scrapy list`` does not show it): both spiders
are plain :class:`~scrapy.Spider` subclasses, and both offer the
:class:`~louvre_scraper.contract.MirrorSpider` interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.downloadermiddlewares.judge import BodyJudge
from louvre_scraper.errors import BadInput, refuse
from louvre_scraper.pipelines.files import LouvreFilesPipeline
from louvre_scraper.store.inventory import open_inventory

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

    from louvre_scraper.store.inventory import Inventory


class StoreSpiderMixin:
    config: LouvreConfig
    inventory: Inventory
    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Build the spider (its arguments checked) and read every setting, or refuse in one
        line before any component writes anything."""
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
            spider.config = config_of(crawler)
        except BadInput as error:
            refuse(error)
        return spider

    async def open_store(self) -> None:
        """Look at what FILES_STORE holds (one listing for S3), or refuse in one line.

        Refused too: settings that leave out the components the crawl cannot judge or store
        without (``DOWNLOADER_MIDDLEWARES`` / ``ITEM_PIPELINES`` overridden)."""
        needed = (
            ("DOWNLOADER_MIDDLEWARES", BodyJudge, self.crawler.get_downloader_middleware),
            ("ITEM_PIPELINES", LouvreFilesPipeline, self.crawler.get_item_pipeline),
        )
        for setting, component, find in needed:
            if find(component) is None:  # type: ignore[operator]
                name = f"{component.__module__}.{component.__qualname__}"
                refuse(BadInput(f"bad setting {setting}: {name} is needed, and is not enabled"))
        try:
            self.inventory = open_inventory(self.crawler, self.config)
            await self.inventory.load()
        except BadInput as error:  # e.g. an S3 bucket that does not exist: nothing written yet
            refuse(error)
