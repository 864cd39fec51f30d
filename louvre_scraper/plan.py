"""The incremental plan: what one listed record needs, given what the store holds.

Nothing (the stored ``.json`` is as recent as the sitemap's ``<lastmod>`` and every wanted
image is stored whole), the images it is missing, or its ``.json`` (changed, or the sitemap
cannot say). Once a record's ``.json`` is at hand (stored or fetched), :meth:`Planner.plan`
gives its feed item and the images still to fetch, and notes in :class:`Obsolete` the stored
images it no longer lists. The spider turns these decisions into requests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from louvre_scraper.arks import day_of, parse_lastmod
from louvre_scraper.contract import CollectionStats
from louvre_scraper.images import IMAGE_ENDS, extension
from louvre_scraper.items import ArtworkRecord
from louvre_scraper.records import (
    FilterTally,
    ImageRef,
    feed_row,
    image_row,
    images,
    parse_record,
    prop,
)

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.mirror import Obsolete
    from louvre_scraper.stores import Inventory

logger = logging.getLogger(__name__)

IMAGES_CHOICES = ("all", "first", "none")


@dataclass(frozen=True)
class Wanted:
    """What the run's arguments ask for: ``-a collection= type=`` (*filters*), ``images=``."""

    filters: FilterTally
    images: str = "all"  # one of IMAGES_CHOICES

    def of(self, refs: list[ImageRef]) -> list[ImageRef]:
        if self.images == "none":
            return []
        return refs[:1] if self.images == "first" else refs


@dataclass(frozen=True)
class FetchRecord:
    """The record's ``.json`` must be fetched; *old_images* are the stored version's."""

    ark: str
    old_images: dict[str, str]  # {path: url}


@dataclass
class RecordPlan:
    """A record at hand: its item (None: nothing to send) and the images still to fetch."""

    item: ArtworkRecord | None
    fetch: list[tuple[int, ImageRef]] = field(default_factory=list)  # (index in item, image)


class Planner:
    def __init__(
        self,
        config: LouvreConfig,
        inventory: Inventory,
        obsolete: Obsolete,
        stats: StatsCollector,
        wanted: Wanted,
    ):
        self.config = config
        self.inventory = inventory
        self.obsolete = obsolete
        self.stats = stats
        self.wanted = wanted

    def image_paths(self, ark: str, record: dict[str, Any]) -> dict[str, str]:
        """{path: url} of every image *record* lists (whatever ``-a images`` says)."""
        return {
            self.config.image_path(ark, ref.position, extension(ref.url)): ref.url
            for ref in images(record)
        }

    async def listed(self, ark: str, lastmod: int) -> FetchRecord | RecordPlan:
        """What one listed record needs: its ``.json`` (changed, or the sitemap cannot say),
        or, the stored one being current, what :meth:`plan` says of it."""
        self.stats.inc_value(CollectionStats.RECORDS)
        stored_body = await self.inventory.read(self.config.record_path(ark))
        stored = parse_record(stored_body) if stored_body else None
        old_images = self.image_paths(ark, stored) if stored else {}
        if stored is not None and lastmod and parse_lastmod(prop(stored, "modified")) >= lastmod:
            self.stats.inc_value(CollectionStats.RECORDS_UPTODATE)
            logger.debug("%s: stored record is current (%s)", ark, day_of(lastmod))
            return await self.plan(ark, stored, None, old_images)
        return FetchRecord(ark, old_images)

    async def plan(
        self, ark: str, record: dict[str, Any], body: bytes | None, old_images: dict[str, str]
    ) -> RecordPlan:
        """The record's item, and the images it still needs.

        *body* is the freshly fetched ``.json`` (None: the stored one is current).
        """
        item = ArtworkRecord(
            feed_row(
                record,
                path=self.config.record_path(ark),
                status="downloaded" if body is not None else "uptodate",
            )
        )
        if body is not None:
            item["body"] = body
        if not self.wanted.filters.check(record):
            self.stats.inc_value(CollectionStats.RECORDS_FILTERED)
            item["status"] = "filtered"  # the pipeline stores a fetched .json, the feed skips it
            return RecordPlan(item if body is not None else None)
        plan = RecordPlan(item)
        for ref in self.wanted.of(images(record)):
            path = self.config.image_path(ark, ref.position, extension(ref.url))
            entry = image_row(ref, path=path)  # where it goes; None again if it fails
            item["images"].append(entry)
            old_url = old_images.get(path)
            found = await self.inventory.find(path, IMAGE_ENDS)
            if found is not None and old_url in (None, ref.url):
                self.stats.inc_value(CollectionStats.IMAGES_UPTODATE)
                entry.update(size=found.size, status="uptodate")
                if self.config.checksums:
                    entry["checksum"] = await self.inventory.checksum(path, found)
                continue
            if found is not None:
                self.obsolete.replaced(path)
            plan.fetch.append((len(item["images"]) - 1, ref))
        listed = self.image_paths(ark, record)
        for path in old_images:
            if path not in listed:
                self.obsolete.superseded(path)
        return plan
