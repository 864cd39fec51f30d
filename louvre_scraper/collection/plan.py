"""The incremental plan: what one listed record needs, given what the store holds.

Nothing (the stored ``.json`` is as recent as the sitemap's ``<lastmod>`` and every wanted
image is stored whole), the images it is missing, or its ``.json`` (changed, or the sitemap
cannot say). Once a record's ``.json`` is at hand (stored or fetched), :meth:`Planner.plan`
gives its feed item and the images still to fetch, and notes in :class:`Obsolete` the stored
images it no longer lists. The spider turns these decisions into requests.

Each image's file is named by its *stem* (:func:`~louvre_scraper.bodies.images.image_stems`: its
position, ``{position}-{k}`` when positions collide) and the extension its bytes will give it,
so a stored image is looked up by its stem, whatever its extension. An image whose URL the
fetch policy refuses is failed here, before any request (some, like ``javascript:``, cannot
even be one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from louvre_scraper.bodies.images import EXTENSIONS, IMAGE_ENDS, image_identity, image_stems
from louvre_scraper.bodies.records import parse_record, prop
from louvre_scraper.collection.arks import day_of, parse_lastmod
from louvre_scraper.contract import CollectionStats, Status, StorePlan, Validators
from louvre_scraper.downloadermiddlewares.fetchpolicy import refusal
from louvre_scraper.items import ArtworkRecord
from louvre_scraper.records.fields import ImageRef, feed_row, image_row, images
from louvre_scraper.store.changes import GONE, sha256_of
from louvre_scraper.store.inventory import find_first
from louvre_scraper.store.layout import image_path, record_path, state_path
from louvre_scraper.store.state import RecordState

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.records.filters import FilterTally
    from louvre_scraper.store.changes import ChangeLog
    from louvre_scraper.store.entries import StoredZip
    from louvre_scraper.store.inventory import Inventory
    from louvre_scraper.store.obsolete import Obsolete

logger = logging.getLogger(__name__)

IMAGES_CHOICES = ("all", "first", "none")
T = TypeVar("T")


@dataclass(frozen=True)
class Wanted:
    """What the run's arguments ask for: ``-a collection= type=`` (*filters*), ``images=``."""

    filters: FilterTally
    images: str = "all"  # one of IMAGES_CHOICES

    def of(self, refs: list[T]) -> list[T]:
        if self.images == "none":
            return []
        return refs[:1] if self.images == "first" else refs


@dataclass(frozen=True)
class FetchRecord:
    """The record's ``.json`` must be fetched; *old_images* are the stored version's, and
    *validators* what the site sent with it (None: nothing stored, or it sent none)."""

    ark: str
    old_images: dict[str, str]  # {stem: url}
    validators: Validators | None = None


@dataclass(frozen=True)
class ImageFetch:
    """An image to fetch: its entry in the item's ``images``, its file's stem, and the stored
    file of the image it replaces at that stem (None: nothing stored there)."""

    index: int
    ref: ImageRef
    stem: str
    replaces: str | None = None


@dataclass
class RecordPlan:
    """A record at hand: its item (None: nothing to send), the images still to fetch, and
    those the fetch policy refused: ``(url, the line that names it)``."""

    item: ArtworkRecord | None
    fetch: list[ImageFetch] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


class Planner:
    def __init__(
        self,
        config: LouvreConfig,
        inventory: Inventory,
        obsolete: Obsolete,
        stats: StatsCollector,
        wanted: Wanted,
        *,
        changes: ChangeLog | None = None,
    ):
        self.config = config
        self.inventory = inventory
        self.obsolete = obsolete
        self.stats = stats
        self.wanted = wanted
        self.changes = changes  # the run's change log: the images a record no longer lists

    def named_images(self, record: dict[str, Any]) -> list[tuple[ImageRef, str]]:
        """Every image *record* lists (whatever ``-a images`` says), with its file's stem."""
        refs = images(record)
        return list(zip(refs, image_stems(ref.position for ref in refs), strict=True))

    def image_stems(self, record: dict[str, Any]) -> dict[str, str]:
        """{stem: url} of every image *record* lists."""
        return {stem: ref.url for ref, stem in self.named_images(record)}

    async def stored_image(self, ark: str, stem: str) -> tuple[str, StoredZip] | None:
        """The stored file of the image *stem* of *ark*, whichever extension it has."""
        paths = [image_path(self.config, ark, stem, ext) for ext in EXTENSIONS.values()]
        return await find_first(self.inventory, paths, IMAGE_ENDS)

    async def listed(self, ark: str, lastmod: int) -> FetchRecord | RecordPlan:
        """What one listed record needs: its ``.json`` (changed, or the sitemap cannot say),
        or, the stored one being current, what :meth:`plan` says of it."""
        self.stats.inc_value(CollectionStats.RECORDS)
        stored_body = await self.inventory.read(record_path(self.config, ark))
        stored = parse_record(stored_body) if stored_body else None
        old_images = self.image_stems(stored) if stored else {}
        if stored is not None and lastmod and parse_lastmod(prop(stored, "modified")) >= lastmod:
            logger.debug("%s: stored record is current (%s)", ark, day_of(lastmod))
            return await self.plan(ark, stored, None, old_images)
        if self.changes is not None:  # to tell, once it is stored, added from modified
            self.changes.expect_record(ark, stored_body)
        validators = await self.validators(ark) if stored is not None else None
        return FetchRecord(ark, old_images, validators)

    async def validators(self, ark: str) -> Validators | None:
        """The validators kept in the store's state of *ark* (:mod:`.state` of the store)."""
        state = RecordState.from_bytes(await self.inventory.read(state_path(ark)), ark)
        if state is None or not (state.etag or state.last_modified):
            return None
        return Validators(state.etag, state.last_modified)

    async def not_modified(self, ark: str, old_images: dict[str, str]) -> RecordPlan | None:
        """The site answered 304 to the conditional request: the stored ``.json`` is current,
        as when a sitemap's date says so (None: it is no longer in the store)."""
        stored_body = await self.inventory.read(record_path(self.config, ark))
        stored = parse_record(stored_body) if stored_body else None
        if stored is None:
            return None
        logger.debug("%s: not modified (304): the stored record is current", ark)
        return await self.plan(ark, stored, None, old_images)

    async def plan(
        self,
        ark: str,
        record: dict[str, Any],
        body: bytes | None,
        old_images: dict[str, str],
        validators: Validators | None = None,
    ) -> RecordPlan:
        """The record's item, and the images it still needs.

        *body* is the freshly fetched ``.json`` (None: the stored one is current).
        """
        item = ArtworkRecord(
            feed_row(
                record,
                path=record_path(self.config, ark),
                status=Status.DOWNLOADED if body is not None else Status.UPTODATE,
                rights_years=self.config.rights_years,
            )
        )
        if body is not None:
            item["body"] = body
        named = self.named_images(record)
        if not self.wanted.filters.check(record):
            self.stats.inc_value(CollectionStats.RECORDS_FILTERED)
            # The mirror stores a fetched .json, the feed skips it.
            item["status"] = Status.FILTERED
            arguments = ", ".join(f"{k}={v}" for k, v in self.wanted.filters.wanted.items())
            left_out = tuple((stem, ref.url, arguments) for ref, stem in named)
            item["plan"] = StorePlan((), left_out, validators if body is not None else None)
            return RecordPlan(item if body is not None else None)
        plan = RecordPlan(item)
        wanted = self.wanted.of(named)
        item["plan"] = StorePlan(
            tuple(stem for _, stem in wanted),
            tuple(
                (stem, ref.url, f"images={self.wanted.images}")
                for ref, stem in named[len(wanted) :]
            ),
            validators if body is not None else None,
        )
        if any(stem != str(ref.position) for ref, stem in named):
            logger.info(
                "%s: images share a position; stored as %s",
                ark,
                ", ".join(f"{ref.position} → {stem}" for ref, stem in named),
            )
        for ref, stem in wanted:
            entry = image_row(ref)  # path: None until the file is in the store
            item["images"].append(entry)
            why = refusal(ref.url, self.config.allowed_hosts)
            if why is not None:
                entry["status"] = Status.FAILED
                plan.refused.append((ref.url, f"image {ark}/{stem}: refused {ref.url} — {why}"))
                continue
            found = await self.stored_image(ark, stem)
            old_url = old_images.get(stem)
            if found is not None and (
                old_url is None or image_identity(old_url) == image_identity(ref.url)
            ):
                path, stored_file = found
                self.stats.inc_value(CollectionStats.IMAGES_UPTODATE)
                entry.update(path=path, size=stored_file.size, status=Status.UPTODATE)
                if self.config.checksums:
                    entry["checksum"] = await self.inventory.checksum(path, stored_file)
                continue
            if found is not None:
                self.obsolete.replaced(found[0])
                self.stats.inc_value(CollectionStats.IMAGES_REPLACED)
            index = len(item["images"]) - 1
            plan.fetch.append(ImageFetch(index, ref, stem, found[0] if found else None))
        listed = {stem for _, stem in named}
        for stem, old_url in old_images.items():
            gone = await self.stored_image(ark, stem) if stem not in listed else None
            if gone is not None:
                self.obsolete.superseded(gone[0])
                if self.changes is not None:  # said once the new .json is stored
                    on = (record_path(self.config, ark), sha256_of(body)) if body else None
                    self.changes.image(GONE, ark, gone[0], old_url, on=on)
        return plan
