"""The look-up of what FILES_STORE holds, whichever kind of store it is."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.pipelines.files import FilesPipeline, S3FilesStore

from louvre_scraper.errors import BadInput
from louvre_scraper.store.local import LocalInventory
from louvre_scraper.store.remote import StatInventory
from louvre_scraper.store.s3 import S3Inventory

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.pipelines.media import MediaPipeline
    from scrapy.settings import BaseSettings

    from louvre_scraper.bodies.ends import Ends
    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.store.entries import StoredZip


logger = logging.getLogger(__name__)


Inventory = LocalInventory | S3Inventory | StatInventory


async def find_first(
    inventory: Inventory, paths: Iterable[str], ends: Ends
) -> tuple[str, StoredZip] | None:
    """The first of *paths* the store holds whole, e.g. an image stored under whichever
    extension its bytes gave it (its name does not say which before it is found)."""
    for path in paths:
        found = await inventory.find(path, ends)
        if found is not None:
            return path, found
    return None


def open_reader(settings: BaseSettings, config: LouvreConfig) -> LocalInventory | S3Inventory:
    """What FILES_STORE holds, for a command that reads it without a crawl (export, verify):
    a local store, or an S3 one listed now with the crawl's AWS_* settings."""
    if config.is_local_store:
        return LocalInventory(config.local_store_dir)
    if not config.files_store.startswith("s3://"):
        raise BadInput(
            f"bad setting FILES_STORE={config.files_store!r}: only a local or s3:// store"
            " can be read back"
        )
    FilesPipeline._update_stores(settings)  # the AWS_* settings, as the crawl's pipeline does
    inventory = S3Inventory(S3FilesStore(config.files_store))
    inventory.list_now()
    return inventory


def inventory_of(config: LouvreConfig, store: Any, info: MediaPipeline.SpiderInfo) -> Inventory:
    """The look-up of what FILES_STORE holds, for the store the mirror writes to (*store*:
    the item pipeline's backend, with its credentials and endpoint)."""
    if config.is_local_store:
        return LocalInventory(config.local_store_dir)
    if isinstance(store, S3FilesStore):
        return S3Inventory(store)
    return StatInventory(store, info)
