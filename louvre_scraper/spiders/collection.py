"""The ``collection`` spider: the museum's documented route, as an incremental mirror.

robots.txt's ``Sitemap:`` line → sitemap index → sub-sitemaps → one ``.json`` per record →
its full-size images. The sitemaps are walked first with Scrapy's own sitemap support
(:class:`~scrapy.spiders.SitemapSpider`), collecting each ark once into a compact
:class:`~louvre_scraper.arks.ArkListing` instead of a request per ``<loc>`` (each record is
listed twice, with alternates); the walk gives the total up front. Records are then handed out
lazily, only when the downloader has room, and each record's images go through the scheduler
ahead of further records, so memory stays flat in the size of the collection.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.spiders import SitemapSpider
from scrapy.utils.datatypes import SequenceExclude
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from louvre_scraper.arks import ArkListing, day_of, parse_lastmod
from louvre_scraper.errors import BadInput, check_arguments
from louvre_scraper.exitstatus import FAILED_STAT
from louvre_scraper.ids import Shard
from louvre_scraper.images import IMAGE_ENDS, extension
from louvre_scraper.items import ArtworkRecord
from louvre_scraper.lazy import wait_for_room
from louvre_scraper.mirror import Obsolete
from louvre_scraper.progress import Units
from louvre_scraper.reachability import give_up_if_failing, site_failing
from louvre_scraper.records import (
    FilterTally,
    ImageRef,
    feed_row,
    image_row,
    images,
    parse_record,
    prop,
)
from louvre_scraper.retry import JUDGE_META, VERDICT_META
from louvre_scraper.spiders.base import StoreSpiderMixin
from louvre_scraper.stop import is_stopping
from louvre_scraper.verdict import Verdict

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from scrapy.http import Response
    from twisted.python.failure import Failure


logger = logging.getLogger(__name__)

IMAGES_CHOICES = ("all", "first", "none")
ARK_META = "louvre_ark"
IMAGE_META = "louvre_image"  # index of the image in its record item's ``images``
OLD_IMAGES_META = "louvre_old_images"  # {path: url} of the stored version of the record
IMAGE_PRIORITY = 10  # a record's images before further records: few records open at once
RUN_META = "louvre_run"  # which run asked for a sitemap or an image
STATS = "collection"
# A record is handed out, then stored, already current (skipped), missing or failed.
RECORD_UNITS = Units(
    "records",
    tuple(
        f"{STATS}/{key}"
        for key in (
            "records",
            "records_stored",
            "records_missing",
            "records_failed",
            "records_uptodate",
            "bytes",
        )
    ),
)


@dataclass
class OpenRecord:
    """A record whose images are on their way; its item leaves when the last one is back."""

    item: ArtworkRecord
    waiting: int


class CollectionSpider(StoreSpiderMixin, SitemapSpider):
    """Mirror the collection: every record's ``.json``, its full-size images, a feed item.

    Arguments: ``collection`` and ``type`` (case-insensitive substrings of the record's
    ``collection`` / ``objectType``, ``index`` objectType or denomination: see
    :func:`~louvre_scraper.records.filter_values`), ``images`` (``all``, ``first``, ``none``),
    ``shard`` (``K/N``, by the ark's number).
    """

    name = "collection"
    # Records and images are judged from status and body (retry middleware and callbacks);
    # redirects are still followed (RedirectMiddleware reads this attribute too).
    handle_httpstatus_list = SequenceExclude(range(300, 400))
    sitemap_rules = ()  # sitemap entries are collected by sitemap_filter, not followed

    arguments = ("collection", "type", "images", "shard")  # any other -a NAME=VALUE is refused
    units = RECORD_UNITS  # what the progress line and the summary count

    def __init__(self, *args: Any, **kwargs: Any):
        check_arguments(kwargs, self.arguments)
        collection = kwargs.pop("collection", None)
        object_type = kwargs.pop("type", None)
        wanted_images = kwargs.pop("images", None)
        shard = kwargs.pop("shard", None)
        super().__init__(*args, **kwargs)
        self.collection_filter = str(collection).strip() if collection else None
        self.type_filter = str(object_type).strip() if object_type else None
        self.filters = FilterTally.of(self.collection_filter, self.type_filter)
        self.images_wanted = str(wanted_images or "all").strip().lower()
        if self.images_wanted not in IMAGES_CHOICES:
            raise BadInput(
                f"bad argument images={wanted_images!r}: expected {', '.join(IMAGES_CHOICES)}"
            )
        self.shard = Shard.parse(None if shard is None else str(shard))
        self.listing = ArkListing(self.shard)
        self.open_records: dict[str, OpenRecord] = {}
        self.failed: set[str] = set()  # URLs of sitemaps, records and images failed for good
        self.failed_arks: set[str] = set()  # records to ask again first when a job resumes
        self.obsolete = Obsolete()
        self.planned: int | None = None  # records listed for this shard; None while walking
        self.cursor = 0  # the next listing entry to hand out
        self.walk_complete = False  # every sitemap was read: withdrawn records can be told
        self._sitemaps_pending = 0
        self._sitemaps_failed: list[tuple[str, str]] = []  # (url, why), told after the walk
        self._walked: Deferred[None] = Deferred()
        # Sitemap and image requests a stopped run left in JOBDIR's queue belong to its walk
        # and its open records, not to this run's: counted here, they would end this walk
        # before every sitemap is read, or a record before all its images are back.
        self._run_id = uuid.uuid4().hex

    @property
    def failed_for_good(self) -> list[str]:
        return sorted(self.failed)

    def finding_total(self) -> str:
        """The progress line while the sitemaps are read."""
        read = self._stats().get_value(f"{STATS}/sitemaps", 0)
        return f"Reading the sitemaps: {read} read, {len(self.listing)} records listed so far"

    # -- the sitemap walk --------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        await self.open_store()
        resumed = self._resume_state()
        first = self.config.sitemap_url or f"{self.config.base_url}/robots.txt"
        logger.info("Reading the sitemaps from %s", first)
        yield self._sitemap_request(first)
        await maybe_deferred_to_future(self._walked)
        # Nothing listed because the site fails as a whole: say so in one line, exit 4.
        if is_stopping(self.crawler) or (not self.listing and give_up_if_failing(self.crawler)):
            return
        self.planned = len(self.listing)
        self.walk_complete = not self._sitemaps_failed and self.planned > 0
        self._log_plan()
        if resumed is not None:
            for ark in resumed["open"]:  # records whose fate the stopped run did not know
                for output in await self._hand_out(ark, 0):
                    yield output
            # The same listing: go on where it stopped; another one: from the start, where
            # the stored records are skipped by their dates.
            if resumed["listed"] == len(self.listing):
                self.cursor = resumed["cursor"]
        while self.cursor < len(self.listing) and not is_stopping(self.crawler):
            await wait_for_room(self.crawler)
            listed = self.listing[self.cursor]
            self.cursor += 1
            for output in await self._hand_out(listed.ark, listed.lastmod):
                yield output
        if self.walk_complete:
            withdrawn = await self.obsolete.find_withdrawn(
                self.inventory, self.config, self.listing
            )
            self._stats().set_value(f"{STATS}/records_withdrawn", withdrawn)

    def _sitemap_request(self, url: str) -> scrapy.Request:
        self._sitemaps_pending += 1
        return scrapy.Request(
            url,
            callback=self._parse_sitemap,
            errback=self._sitemap_failed,
            meta={RUN_META: self._run_id},
            dont_filter=True,
        )

    def _parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        """SitemapSpider's parsing, counting the sitemaps still to read, with a fallback to
        ``/sitemap.xml`` when robots.txt names none."""
        if response.meta.get(RUN_META) != self._run_id:
            return []  # restored from JOBDIR: this run walks the sitemaps afresh
        is_robots = response.url.endswith("/robots.txt")
        urls: list[str] = []
        if not 200 <= response.status < 300:
            if not is_robots:
                self._sitemap_broken(response.url, f"HTTP {response.status}")
        elif not is_robots and not self._get_sitemap_body(response):
            self._sitemap_broken(response.url, "not a sitemap")
        else:
            urls = [request.url for request in super()._parse_sitemap(response)]
            self._stats().inc_value(f"{STATS}/sitemaps")
        requests = [self._sitemap_request(url) for url in urls]
        if is_robots and not urls:
            why = "no Sitemap: line" if 200 <= response.status < 300 else f"HTTP {response.status}"
            requests.append(self._robots_fallback(why))
        self._sitemap_done()
        return requests

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        if getattr(entries, "type", None) != "urlset":
            yield from entries  # a sitemap index: follow its sub-sitemaps
            return
        for entry in entries:
            self.listing.add(entry.get("loc", ""), entry.get("lastmod"))
        listed = len(self.listing)
        logger.debug("Sitemap read: %d records of this shard listed so far", listed)

    def _sitemap_failed(self, failure: Failure) -> list[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(RUN_META) != self._run_id:
            return []
        reason = failure.getErrorMessage() or repr(failure.value)
        if request.url.endswith("/robots.txt"):
            requests = [self._robots_fallback(reason)]
        else:
            requests = []
            self._sitemap_broken(request.url, reason)
        self._sitemap_done()
        return requests

    def _robots_fallback(self, reason: str) -> scrapy.Request:
        fallback = f"{self.config.base_url}/sitemap.xml"
        logger.info("robots.txt gives no sitemap (%s): trying %s", reason, fallback)
        return self._sitemap_request(fallback)

    def _sitemap_broken(self, url: str, reason: str) -> None:
        self._sitemaps_failed.append((url, reason))
        self.failed.add(url)
        self._stats().inc_value(FAILED_STAT)

    def _sitemap_done(self) -> None:
        self._sitemaps_pending -= 1
        if self._sitemaps_pending == 0 and not self._walked.called:
            self._walked.callback(None)

    def _log_plan(self) -> None:
        for url, reason in self._sitemaps_failed:
            logger.warning("Sitemap %s failed after retries: %s", url, reason)
        shard = f" (shard {self.shard})" if self.shard.count > 1 else ""
        broken = (
            f"; {len(self._sitemaps_failed)} sitemaps could not be read, so this run cannot"
            " tell withdrawn records"
            if self._sitemaps_failed
            else ""
        )
        logger.info(
            "Sitemaps read: %d records%s into %s%s",
            len(self.listing),
            shard,
            self.config.files_store,
            broken,
        )

    # -- records ---------------------------------------------------------------------------

    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    async def _hand_out(self, ark: str, lastmod: int) -> list[Any]:
        """What one listed record needs: nothing, the stored record's missing images, or its
        ``.json`` (when the sitemap says it changed, or cannot say)."""
        stats = self._stats()
        stats.inc_value(f"{STATS}/records")
        path = self.config.record_path(ark)
        stored_body = await self.inventory.read(path)
        stored = parse_record(stored_body) if stored_body else None
        old_images = self._image_paths(ark, stored) if stored else {}
        if stored is not None and lastmod and parse_lastmod(prop(stored, "modified")) >= lastmod:
            stats.inc_value(f"{STATS}/records_uptodate")
            logger.debug("%s: stored record is current (%s)", ark, day_of(lastmod))
            return await self._plan(ark, stored, None, old_images)
        return [
            scrapy.Request(
                self.config.record_url(ark),
                callback=self.parse_record,
                errback=self.record_failed,
                meta={ARK_META: ark, JUDGE_META: "record", OLD_IMAGES_META: old_images},
                dont_filter=True,  # each ark is handed out once by construction
            )
        ]

    async def parse_record(self, response: Response) -> list[Any]:
        ark: str = response.meta[ARK_META]
        verdict = Verdict(response.meta[VERDICT_META])
        if verdict is Verdict.MISSING:
            self._stats().inc_value(f"{STATS}/records_missing")
            logger.info("%s: listed, but the record answers %d", ark, response.status)
            return []
        record = parse_record(response.body) if verdict is Verdict.WHOLE else None
        if record is None:
            reason = "not a record" if 200 <= response.status < 300 else f"HTTP {response.status}"
            self.record_failure(response.url, reason, ark)
            return []
        self._stats().inc_value(f"{STATS}/records_fetched")
        return await self._plan(ark, record, response.body, response.meta[OLD_IMAGES_META])

    def record_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason = failure.getErrorMessage() or repr(failure.value)
        self.record_failure(request.url, reason, request.meta[ARK_META])

    def _image_paths(self, ark: str, record: dict[str, Any]) -> dict[str, str]:
        return {
            self.config.image_path(ark, ref.position, extension(ref.url)): ref.url
            for ref in images(record)
        }

    async def _plan(
        self, ark: str, record: dict[str, Any], body: bytes | None, old_images: dict[str, str]
    ) -> list[Any]:
        """The record's item, and requests for the images it still needs.

        *body* is the freshly fetched ``.json`` (None: the stored one is current).
        """
        stats = self._stats()
        item = ArtworkRecord(
            feed_row(
                record,
                path=self.config.record_path(ark),
                status="downloaded" if body is not None else "uptodate",
            )
        )
        if body is not None:
            item["body"] = body
        if not self.filters.check(record):
            stats.inc_value(f"{STATS}/records_filtered")
            item["status"] = "filtered"  # the pipeline stores a fetched .json, the feed skips it
            return [item] if body is not None else []
        refs = self._wanted(images(record))
        requests = []
        for ref in refs:
            path = self.config.image_path(ark, ref.position, extension(ref.url))
            entry = image_row(ref, path=path)  # where it goes; None again if it fails
            item["images"].append(entry)
            old_url = old_images.get(path)
            found = await self.inventory.find(path, IMAGE_ENDS)
            if found is not None and old_url in (None, ref.url):
                stats.inc_value(f"{STATS}/images_uptodate")
                entry.update(size=found.size, status="uptodate")
                if self.config.checksums:
                    entry["checksum"] = await self.inventory.checksum(path, found)
                continue
            if found is not None:
                self.obsolete.replaced(path)
            requests.append(self._image_request(ark, len(item["images"]) - 1, ref))
        listed = self._image_paths(ark, record)  # all of them, whatever -a images says
        for path in old_images:
            if path not in listed:
                self.obsolete.superseded(path)
        if not requests:
            return [item]
        if ark in self.open_records:  # asked twice (a resumed job): the first one finishes it
            return []
        self.open_records[ark] = OpenRecord(item, len(requests))
        return requests

    def _wanted(self, refs: list[ImageRef]) -> list[ImageRef]:
        if self.images_wanted == "none":
            return []
        return refs[:1] if self.images_wanted == "first" else refs

    # -- images ----------------------------------------------------------------------------

    def _image_request(self, ark: str, index: int, ref: ImageRef) -> scrapy.Request:
        return scrapy.Request(
            ref.url,
            callback=self.parse_image,
            errback=self.image_failed,
            meta={ARK_META: ark, IMAGE_META: index, JUDGE_META: "image", RUN_META: self._run_id},
            priority=IMAGE_PRIORITY,
            dont_filter=True,
        )

    def parse_image(self, response: Response) -> ArtworkRecord | None:
        if response.meta.get(RUN_META) != self._run_id:
            return None  # restored from JOBDIR: its record is asked again by this run
        ark: str = response.meta[ARK_META]
        verdict = Verdict(response.meta[VERDICT_META])
        if verdict is Verdict.WHOLE:
            return self._image_done(ark, response.meta[IMAGE_META], body=response.body)
        if verdict is Verdict.MISSING:
            self._stats().inc_value(f"{STATS}/images_missing")
            logger.info("%s: image %s answers %d", ark, response.url, response.status)
            return self._image_done(ark, response.meta[IMAGE_META], status="missing")
        reason = "damaged image" if 200 <= response.status < 300 else f"HTTP {response.status}"
        self.record_failure(response.url, reason, ark, kind="image")
        return self._image_done(ark, response.meta[IMAGE_META], status="failed")

    def image_failed(self, failure: Failure) -> ArtworkRecord | None:
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(RUN_META) != self._run_id:
            return None
        reason = failure.getErrorMessage() or repr(failure.value)
        self.record_failure(request.url, reason, request.meta[ARK_META], kind="image")
        return self._image_done(request.meta[ARK_META], request.meta[IMAGE_META], status="failed")

    def _image_done(
        self, ark: str, index: int, *, body: bytes | None = None, status: str | None = None
    ) -> ArtworkRecord | None:
        record = self.open_records.get(ark)
        if record is None:
            return None
        entry = record.item["images"][index]
        if body is not None:
            entry["body"] = body
        else:
            entry.update(status=status, path=None)  # not in the store
        record.waiting -= 1
        if record.waiting:
            return None
        del self.open_records[ark]
        return record.item

    # -- outcomes --------------------------------------------------------------------------

    def record_failure(
        self, url: str, reason: str, ark: str, kind: str = "record", *, log: bool = True
    ) -> None:
        """A record or image that failed for good: named once, listed, asked again next run.

        *log* False: the caller (the pipeline, for a file it could not store) says it.
        """
        self._stats().inc_value(f"{STATS}/{kind}s_failed")
        self._stats().inc_value(FAILED_STAT)
        self.failed.add(url)
        self.failed_arks.add(ark)
        if not log:
            return
        # While the whole site fails, the reachability guard's one line says it for all.
        level = logging.DEBUG if site_failing(self.crawler) else logging.WARNING
        logger.log(
            level, "%s %s failed after retries: %s (%s)", kind.capitalize(), ark, reason, url
        )

    def _resume_state(self) -> dict[str, Any] | None:
        """With JOBDIR, where the stopped run of the same job was (None: start afresh)."""
        saved = (getattr(self, "state", None) or {}).get(STATS)
        if not saved or saved.get("shard") != str(self.shard):
            return None
        logger.info(
            "Resuming the job at record %d of the listing (JOBDIR), first asking again the %d"
            " records whose fate was not known",
            saved["cursor"],
            len(saved["open"]),
        )
        return saved

    def closed(self, reason: str) -> None:
        if self.planned is not None:
            prune = self.config.prune and self.walk_complete and reason == "finished"
            listed = self.obsolete.settle(self.inventory, self.config, self.shard, prune)
            self._stats().set_value(f"{STATS}/obsolete", len(listed))
            self._stats().set_value(f"{STATS}/pruned", self.obsolete.pruned)
        state = getattr(self, "state", None)
        if state is not None and self.planned is not None:
            state[STATS] = {
                "shard": str(self.shard),
                "cursor": self.cursor,
                "listed": len(self.listing),
                "open": sorted(set(self.open_records) | self.failed_arks),
            }
