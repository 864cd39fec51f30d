"""What both spiders are built on: settings checked once, the store opened once.

A mixin, not a spider (it has no ``name``, so ``scrapy list`` does not show it): both spiders
are plain :class:`~scrapy.Spider` subclasses, and both offer the
:class:`~louvre_scraper.contract.MirrorSpider` interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import UNFINISHED_STAT, file_not_stored
from louvre_scraper.downloadermiddlewares.judge import BodyJudge
from louvre_scraper.errors import BadInput, refuse
from louvre_scraper.store.mirror import ADAPTER, Mirror, mirror_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

    from louvre_scraper.contract import RouteReport, Shard, Units
    from louvre_scraper.store.inventory import Inventory


class StoreSpiderMixin:
    config: LouvreConfig
    inventory: Inventory  # what the store holds, opened by its owner, the mirror
    mirror: Mirror  # the store's one owner
    crawler: Crawler
    units: Units
    shard: Shard
    failed_list_stem = "failed-ids"  # the failed list's name beside the store

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Build the spider (its arguments checked) and read every setting, or refuse in one
        line before any component writes anything."""
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
            spider.config = config_of(crawler)
        except BadInput as error:
            refuse(error)
        crawler.signals.connect(spider.not_stored, signal=file_not_stored)
        return spider

    def not_stored(self, key: Any, url: str, kind: str, **kwargs: Any) -> None:
        """The mirror could not store a file (*kind*) of *key* (an ID, an ark): failed for
        good (the mirror said why, once). Connected to :data:`file_not_stored`."""
        raise NotImplementedError

    def report(self) -> RouteReport:
        raise NotImplementedError

    def unfinished(self) -> int:
        """Units this run had to settle and did not (an exit 0 needs none)."""
        return self.units.count(self.crawler.stats).unfinished(self.report().listed)

    def close_store(self, failed: list[Any]) -> None:
        """As the spider closes: its unfinished units noted (the exit status reads them), its
        failed list handed to the store's owner, which keeps the manifest current."""
        self.crawler.stats.set_value(UNFINISHED_STAT, self.unfinished())
        mirror = mirror_of(self.crawler)
        if mirror is not None:
            mirror.list_failed(self.shard, self.failed_list_stem, failed)
            mirror.keep_manifest_current()

    async def open_store(self) -> None:
        """Look at what FILES_STORE holds (one listing for S3), or refuse in one line.

        Refused too: settings that leave out the components the crawl cannot judge or store
        without (``DOWNLOADER_MIDDLEWARES`` / ``ITEM_PIPELINES`` overridden)."""
        judge = f"{BodyJudge.__module__}.{BodyJudge.__qualname__}"
        mirror = mirror_of(self.crawler)
        needed = (
            ("DOWNLOADER_MIDDLEWARES", judge, self.crawler.get_downloader_middleware(BodyJudge)),
            ("ITEM_PIPELINES", ADAPTER, mirror),
        )
        for setting, name, found in needed:
            if found is None:
                refuse(BadInput(f"bad setting {setting}: {name} is needed, and is not enabled"))
        assert mirror is not None  # refused above otherwise
        self.mirror = mirror
        try:
            self.inventory = await mirror.open_inventory()
        except BadInput as error:  # e.g. an S3 bucket that does not exist: nothing written yet
            refuse(error)
