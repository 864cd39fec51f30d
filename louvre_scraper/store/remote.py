"""Remote stores other than S3 (``gs://``, ``ftp://``): FilesPipeline's own ``stat_file``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import ensure_awaitable

from louvre_scraper.bodies.zips import ZIP_ENDS
from louvre_scraper.store.entries import StoredZip

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.pipelines.media import MediaPipeline

    from louvre_scraper.bodies.ends import Ends
    from louvre_scraper.utils.heartbeat import Beat


logger = logging.getLogger(__name__)


class RemoteInventory:
    """A remote store reports each object's checksum with its listing or stat."""

    async def checksum(self, path: str, found: StoredZip) -> str:
        assert found.checksum is not None
        return found.checksum


class StatInventory(RemoteInventory):
    """Any other FilesPipeline store (``gs://``, ``ftp://``): its own ``stat_file``, per file.

    FilesPipeline's stores cannot read a file back: stored records are fetched again.
    """

    def __init__(self, store: Any, info: MediaPipeline.SpiderInfo):
        self.store = store
        self.info = info

    async def load(self, beat: Beat | None = None) -> None:
        pass

    async def read(self, path: str) -> bytes | None:
        return None

    def paths(self, under: str = "", *, ordered: bool = True) -> Iterator[str] | None:
        return None  # FilesPipeline's gs:// and ftp:// stores cannot list

    def exists(self, path: str) -> bool:
        return False

    def delete(self, path: str) -> None:
        logger.warning("Cannot delete %s: this store does not support it", path)

    async def find(self, path: str, ends: Ends = ZIP_ENDS) -> StoredZip | None:
        stat = await ensure_awaitable(self.store.stat_file(path, self.info))
        if not stat or not stat.get("checksum"):
            return None
        return StoredZip(None, stat["checksum"], stat.get("last_modified", 0.0))
