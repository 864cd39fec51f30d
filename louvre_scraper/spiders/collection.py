"""The ``collection`` spider: the museum's documented route, as an incremental mirror.

robots.txt's ``Sitemap:`` line → sitemap index → sub-sitemaps
(:mod:`louvre_scraper.collection.sitemaps`,
which lists each ark once and gives the total up front) → what each listed record needs
(:mod:`louvre_scraper.collection.plan`): nothing, its missing images, or its ``.json`` → its
full-size
images. Records are handed out lazily, only when the downloader has room, and each record's
images go through the scheduler ahead of further records, so memory stays flat in the size of
the collection.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.utils.datatypes import SequenceExclude
from scrapy.utils.defer import maybe_deferred_to_future

from louvre_scraper.bodies.images import image_extension
from louvre_scraper.bodies.records import parse_record
from louvre_scraper.collection.arks import ArkListing, names_refused
from louvre_scraper.collection.ledger import SETTLED, Ledger, Outcome, listing_fingerprint
from louvre_scraper.collection.plan import (
    IMAGES_CHOICES,
    FetchRecord,
    ImageFetch,
    Planner,
    RecordPlan,
    Validators,
    Wanted,
)
from louvre_scraper.collection.sitemaps import SitemapWalk, sitemap_slots
from louvre_scraper.contract import (
    ARK_META,
    FAILED_STAT,
    IMAGE_META,
    KIND_META,
    OLD_IMAGES_META,
    RECORD_UNITS,
    RUN_META,
    VERDICT_META,
    CollectionReport,
    CollectionStats,
    EmptyFilter,
    RequestKind,
    Shard,
    SpiderArgument,
    Status,
    Verdict,
)
from louvre_scraper.downloadermiddlewares.fetchpolicy import REDIRECTS, said_refused
from louvre_scraper.downloadermiddlewares.reachability import give_up_if_failing, site_failing
from louvre_scraper.errors import BadInput, check_arguments
from louvre_scraper.exitstatus import is_stopping
from louvre_scraper.records.filters import FilterTally
from louvre_scraper.spiders.base import StoreSpiderMixin
from louvre_scraper.store.choices import Choices
from louvre_scraper.store.layout import image_path
from louvre_scraper.utils.lazy import wait_for_room

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure
    from typing_extensions import Self

    from louvre_scraper.items import ArtworkRecord


logger = logging.getLogger(__name__)

IMAGE_PRIORITY = 10  # a record's images before further records: few records open at once
STATE_KEY = "collection"  # the spider's entry in JOBDIR's spider.state: the ledger
WALK_KEY = "collection_walk"  # and the walk's progress, while the job is not over
# What the summary counts besides the records: the job's, summed over its runs. Each record's
# counts join the job's when its fate is settled for good (the ledger's SETTLED), saved with
# the ledger; a record whose fate a stopped run did not learn is counted by the run that does.
JOB_COUNTS = (
    CollectionStats.IMAGES_STORED,
    CollectionStats.IMAGES_UPTODATE,
    CollectionStats.IMAGES_MISSING,
    CollectionStats.IMAGES_FAILED,
    CollectionStats.IMAGES_REPLACED,
    CollectionStats.RECORDS_FILTERED,
    CollectionStats.BYTES,
    CollectionStats.IMAGE_BYTES,
)
OUTCOME_STATS = {
    Outcome.STORED: CollectionStats.RECORDS_STORED,
    Outcome.CURRENT: CollectionStats.RECORDS_UPTODATE,
    Outcome.MISSING: CollectionStats.RECORDS_MISSING,
    Outcome.FAILED: CollectionStats.RECORDS_FAILED,
}


@dataclass
class OpenRecord:
    """A record whose images are on their way; its item leaves when the last one is back."""

    item: ArtworkRecord
    waiting: int
    fetches: dict[int, ImageFetch]  # by index in the item's images


class CollectionSpider(StoreSpiderMixin, scrapy.Spider):
    """Mirror the collection: every record's ``.json``, its full-size images, a feed item.

    Arguments: ``collection`` and ``type`` (case-insensitive substrings of the record's
    ``collection`` / ``objectType``, ``index`` objectType or denomination: see
    :func:`~louvre_scraper.records.filters.filter_values`), ``rights`` (the works' rights
    estimate: ``public-domain``, …; the other records are stored, their images not
    downloaded), ``images`` (``all``, ``first``, ``none``), ``shard`` (``K/N``, by the ark's
    number).
    """

    name = "collection"
    # The ledger, saved in JOBDIR, is what a resumed job hands out again: no disk queue.
    custom_settings: ClassVar[dict[str, Any]] = {
        "SCHEDULER": "louvre_scraper.extensions.jobstate.MemoryScheduler"
    }
    failed_list_stem = "failed"
    # Records and images are judged from status and body (the judging middleware and the
    # callbacks); redirects are still followed (RedirectMiddleware reads this attribute too).
    # 304 Not Modified reaches the callback too: the answer to a conditional request.
    handle_httpstatus_list = SequenceExclude(REDIRECTS)

    description = (
        "Mirror the museum's documented route: the sitemaps, each record's .json, its full-size"
        " images; a rerun fetches only what changed"
    )
    arguments = (  # any other -a NAME=VALUE is refused
        SpiderArgument(
            "collection",
            "TEXT",
            "every department",
            "Keep only the records whose department contains TEXT (case-insensitive, French),"
            " e.g. peintures.",
        ),
        SpiderArgument(
            "type",
            "TEXT",
            "every kind of object",
            "Keep only the records whose object type or denomination contains TEXT"
            " (case-insensitive), e.g. flacon.",
        ),
        SpiderArgument(
            "rights",
            "public-domain|in-copyright|unknown",
            "every work",
            "Keep only the works whose rights estimate is one of these (several: commas); the"
            " others' .json are stored, their images not downloaded (an estimate, not legal"
            " advice).",
        ),
        SpiderArgument(
            "images", "all|first|none", "all", "Which images of a kept record to download."
        ),
        SpiderArgument(
            "shard",
            "K/N",
            "0/1: every record",
            "Take only the records whose ark number % N == K (cl010062370: 10062370): N"
            " machines or processes share the collection, each record once.",
        ),
    )
    units = RECORD_UNITS  # what the progress line and the summary count
    walks_tail = False

    def __init__(self, *args: Any, **kwargs: Any):
        check_arguments(kwargs, [argument.name for argument in self.arguments])
        collection = kwargs.pop("collection", None)
        object_type = kwargs.pop("type", None)
        rights = kwargs.pop("rights", None)
        wanted_images = kwargs.pop("images", None)
        shard = kwargs.pop("shard", None)
        super().__init__(*args, **kwargs)
        images_wanted = str(wanted_images or "all").strip().lower()
        if images_wanted not in IMAGES_CHOICES:
            raise BadInput(
                f"bad argument images={wanted_images!r}: expected {', '.join(IMAGES_CHOICES)}"
            )
        self.filters = FilterTally.of(collection, object_type, rights)
        self.wanted = Wanted(self.filters, images_wanted)
        self._shard = Shard.parse(None if shard is None else str(shard))
        self.listing = ArkListing(self._shard)
        self.open_records: dict[str, OpenRecord] = {}
        self.failed: set[str] = set()  # URLs of records and images failed for good
        self.failed_arks: set[str] = set()  # records with a failure in this run
        self.planned: int | None = None  # records listed for this shard; None while walking
        self.ledger: Ledger | None = None  # what became of each listed record (this job)
        # id(item) -> (ark, bytes of its .json) of the items sent to the pipeline
        self._leaving: dict[int, tuple[str, int]] = {}
        self._counts: dict[str, Counter[str]] = {}  # JOB_COUNTS of each record not settled
        self.job_counts: Counter[str] = Counter()  # JOB_COUNTS of the settled ones, this job
        # Requests a stopped run left in JOBDIR's queue belong to its walk and its records,
        # not to this run's: the ledger hands those records out again, and the walk is redone.
        self._run_id = uuid.uuid4().hex
        self.walk: SitemapWalk  # built in from_crawler, with the crawler's settings
        self._plan: Planner | None = None
        self._fingerprint: str | None = None  # of the listing, once walked
        self.earlier = 0  # records settled by earlier runs of the job
        self.earlier_bytes = 0  # the bytes they stored

    @property
    def shard(self) -> Shard:
        return self._shard

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.filters.rights_years = spider.config.rights_years  # LOUVRE_RIGHTS_YEARS
        spider.walk = SitemapWalk(
            spider.listing,
            crawler,
            spider._run_id,
            callback=spider.parse_sitemap,
            errback=spider.sitemap_failed,
            max_sitemaps=spider.config.max_sitemaps,
            max_size=spider.config.max_sitemap_bytes,
            max_urls=spider.config.max_sitemap_urls,
            fallback_url=f"{spider.config.base_url}/sitemap.xml",
            slots=sitemap_slots(spider.config.max_bytes_in_flight, spider.config.max_sitemap_bytes),
        )
        crawler.signals.connect(spider._item_stored, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_dropped, signal=signals.item_error)
        return spider

    def _planner(self) -> Planner:
        """Built on first use: the store is open by then."""
        if self._plan is None:
            self._plan = Planner(
                self.config,
                self.inventory,
                self.mirror.obsolete,
                self._stats(),
                self.wanted,
                changes=self.mirror.changes,
            )
        return self._plan

    @property
    def walk_complete(self) -> bool:
        """Every sitemap was read: withdrawn records can be told."""
        return self.planned is not None and self.walk.complete

    @property
    def failed_for_good(self) -> list[str]:
        return sorted(self.failed | {url for url, _ in self.walk.failed})

    def report(self) -> CollectionReport:
        filters = self.filters
        empty = (
            tuple(
                EmptyFilter(name, wanted, filters.told(name))
                for name, wanted in filters.wanted.items()
            )
            if not filters.kept and filters.seen
            else ()
        )
        saved = self.walk.saved_count() if self.planned is None else 0
        return CollectionReport(
            self.planned,
            self.shard,
            self.walk_complete,
            empty,
            earlier=self.earlier,
            earlier_bytes=self.earlier_bytes,
            listed_so_far=max(len(self.listing), saved),
            job_listing=saved > len(self.listing),
        )

    def finding_total(self) -> str:
        """The progress line while the sitemaps are read."""
        return (
            f"Reading the sitemaps: {self.walk.read_count} read,"
            f" {len(self.listing)} records listed so far"
        )

    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # -- the walk, then the records ----------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        await self.open_store()
        # This run's change log, written at its close (and the logs of the job's killed runs).
        await self.mirror.open_changes(self.shard)
        first = self.config.sitemap_url or f"{self.config.base_url}/robots.txt"
        logger.info("Reading the sitemaps from %s", first)
        saved = (getattr(self, "state", None) or {}).get(WALK_KEY)  # set by JobState
        if isinstance(saved, dict) and saved.get("shard") == str(self.shard):
            self.walk.restore(saved.get("sitemaps"))
        yield self.walk.first_request(first)
        await maybe_deferred_to_future(self.walk.done)
        if self.walk.restored:
            logger.info(
                "Resuming the job (JOBDIR): %d sitemaps read by an earlier run, not asked again",
                self.walk.restored,
            )
        # Nothing listed because the site fails as a whole: say so in one line, exit 4.
        if is_stopping(self.crawler) or (not self.listing and give_up_if_failing(self.crawler)):
            return
        self.listing.sort()  # the same order whatever order the sitemaps answered in
        self.planned = len(self.listing)
        # What it keeps, for export, verify and catalogue to follow without being told again
        # (once something is listed: a run that reached nothing leaves the store as it was).
        choices = Choices(dict(self.filters.wanted), self.wanted.images)
        await self.mirror.remember_choices(self.shard, choices)
        shard = f" (shard {self.shard})" if self.shard.count > 1 else ""
        self.walk.log_result(shard, self.config.files_store)
        self.ledger = self._resume_ledger()
        assert self._fingerprint is not None
        self.mirror.job_changes(self._fingerprint)
        for index in self.ledger.to_do():
            if is_stopping(self.crawler):
                break
            await wait_for_room(self.crawler)
            listed = self.listing[index]
            for output in await self._hand_out(listed.ark, listed.lastmod):
                yield output
        if self.walk_complete:
            withdrawn = await self.mirror.find_withdrawn(self.listing.withdrawn)
            self._stats().set_value(CollectionStats.RECORDS_WITHDRAWN, withdrawn)

    def parse_sitemap(self, response: Response) -> list[scrapy.Request]:
        if not self.walk.is_ours(response.request):  # type: ignore[arg-type]
            return []  # restored from JOBDIR: this run walks the sitemaps afresh
        return self.walk.read(response)

    def sitemap_failed(self, failure: Failure) -> list[scrapy.Request]:
        if not self.walk.is_ours(failure.request):  # type: ignore[attr-defined]
            return []
        return self.walk.fail(failure)

    # -- records -----------------------------------------------------------------------------

    async def _hand_out(self, ark: str, lastmod: int) -> list[Any]:
        """What one listed record needs: nothing, its missing images, or its ``.json``."""
        needs = await self._planner().listed(ark, lastmod)
        if isinstance(needs, FetchRecord):
            return [self._record_request(needs)]
        return self._open(ark, needs)

    def _record_request(self, needs: FetchRecord) -> scrapy.Request:
        """The record's ``.json``; conditional when the site gave validators with the stored
        one (a 304 then says it is current, in a few hundred bytes)."""
        validators = needs.validators
        return scrapy.Request(
            self.config.record_url(needs.ark),
            headers=validators.conditional_headers() if validators else None,
            callback=self.parse_record,
            errback=self.record_failed,
            meta={
                ARK_META: needs.ark,
                KIND_META: RequestKind.RECORD,
                OLD_IMAGES_META: needs.old_images,
                RUN_META: self._run_id,
            },
            dont_filter=True,  # each ark is handed out once by construction
        )

    async def parse_record(self, response: Response) -> list[Any]:
        if response.meta.get(RUN_META) != self._run_id:
            return []  # restored from JOBDIR: the ledger hands this record out again
        ark: str = response.meta[ARK_META]
        verdict = Verdict(response.meta[VERDICT_META])
        if verdict is Verdict.MISSING:
            self._settle(ark, Outcome.MISSING)
            logger.info("%s: listed, but the record answers %d", ark, response.status)
            return []
        if verdict is Verdict.CURRENT:
            current = await self._planner().not_modified(ark, response.meta[OLD_IMAGES_META])
            if current is not None:
                self._stats().inc_value(CollectionStats.RECORDS_NOT_MODIFIED)
                return self._open(ark, current)
        record = parse_record(response.body) if verdict is Verdict.WHOLE else None
        if record is None:
            reason = "not a record" if 200 <= response.status < 300 else f"HTTP {response.status}"
            self.record_failure(response.url, reason, ark)
            return []
        refused = names_refused(record)
        if refused is not None:  # a name from the site that no path may hold: nothing stored
            self.record_failure(response.url, refused, ark, log=False)
            logger.warning("Record %s refused: %s (%s)", ark, refused, response.url)
            return []
        self._stats().inc_value(CollectionStats.RECORDS_FETCHED)
        plan = await self._planner().plan(
            ark,
            record,
            response.body,
            response.meta[OLD_IMAGES_META],
            Validators.of(response.headers),
        )
        return self._open(ark, plan)

    def record_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(RUN_META) != self._run_id:
            return
        ark = request.meta[ARK_META]
        said = said_refused(f"record {ark}", failure.value)
        reason = failure.getErrorMessage() or repr(failure.value)
        self.record_failure(request.url, reason, ark, log=not said)

    def _open(self, ark: str, plan: RecordPlan) -> list[Any]:
        """The record's item, or the requests for its images (the item leaves with the last)."""
        if plan.item is None:  # filtered out, and its stored .json is current
            self._count(ark, CollectionStats.RECORDS_FILTERED)
            self._settle(ark, Outcome.CURRENT)
            return []
        for url, line in plan.refused:  # the fetch policy's: named once, never asked
            logger.warning("%s", line)
            self.record_failure(url, "", ark, kind="image", log=False)
        if ark not in self.open_records:  # what the planner counted of it
            images = plan.item["images"]
            filtered = int(plan.item["status"] == Status.FILTERED)
            self._count(ark, CollectionStats.RECORDS_FILTERED, filtered)
            uptodate = sum(entry.get("status") == Status.UPTODATE for entry in images)
            self._count(ark, CollectionStats.IMAGES_UPTODATE, uptodate)
            replaced = sum(fetch.replaces is not None for fetch in plan.fetch)
            self._count(ark, CollectionStats.IMAGES_REPLACED, replaced)
        if not plan.fetch:
            return [self._leave(ark, plan.item)]
        if ark in self.open_records:  # asked twice: the first one finishes it
            return []
        fetches = {fetch.index: fetch for fetch in plan.fetch}
        self.open_records[ark] = OpenRecord(plan.item, len(plan.fetch), fetches)
        return [self._image_request(ark, fetch) for fetch in plan.fetch]

    # -- images ------------------------------------------------------------------------------

    def _image_request(self, ark: str, fetch: ImageFetch) -> scrapy.Request:
        return scrapy.Request(
            fetch.ref.url,
            callback=self.parse_image,
            errback=self.image_failed,
            meta={
                ARK_META: ark,
                IMAGE_META: fetch.index,
                KIND_META: RequestKind.IMAGE,
                RUN_META: self._run_id,
            },
            priority=IMAGE_PRIORITY,
            dont_filter=True,
        )

    async def parse_image(self, response: Response) -> ArtworkRecord | None:
        if response.meta.get(RUN_META) != self._run_id:
            return None  # restored from JOBDIR: its record is asked again by this run
        ark: str = response.meta[ARK_META]
        verdict = Verdict(response.meta[VERDICT_META])
        if verdict is Verdict.WHOLE:
            return await self._store_image(ark, response.meta[IMAGE_META], response.body)
        if verdict is Verdict.MISSING:
            self._stats().inc_value(CollectionStats.IMAGES_MISSING)
            self._count(ark, CollectionStats.IMAGES_MISSING)
            logger.info("%s: image %s answers %d", ark, response.url, response.status)
            return self._image_done(ark, response.meta[IMAGE_META], status=Status.MISSING)
        reason = f"HTTP {response.status}"
        if 200 <= response.status < 300:
            is_image = image_extension(response.body) is not None
            reason = "damaged image" if is_image else "not an image (JPEG, PNG, WebP, GIF, TIFF)"
        self.record_failure(response.url, reason, ark, kind="image")
        return self._image_done(ark, response.meta[IMAGE_META], status=Status.FAILED)

    def image_failed(self, failure: Failure) -> ArtworkRecord | None:
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(RUN_META) != self._run_id:
            return None
        ark, index = request.meta[ARK_META], request.meta[IMAGE_META]
        record = self.open_records.get(ark)
        stem = record.fetches[index].stem if record else "?"
        said = said_refused(f"image {ark}/{stem}", failure.value)
        reason = failure.getErrorMessage() or repr(failure.value)
        self.record_failure(request.url, reason, ark, kind="image", log=not said)
        return self._image_done(ark, index, status=Status.FAILED)

    async def _store_image(self, ark: str, index: int, body: bytes) -> ArtworkRecord | None:
        """A whole image, stored as it arrives: a record's images are not held in memory
        until its last one is back (a record may list hundreds). Named by its bytes (judged
        whole, so one of the five kinds), never by its URL; the record's ``.json`` is still
        stored last, with its item."""
        record = self.open_records.get(ark)
        if record is None:
            return None
        fetch = record.fetches[index]
        path = image_path(self.config, ark, fetch.stem, image_extension(body) or "")
        stored = await self.mirror.store_image(
            ark, fetch.ref.url, path, body, replaces=fetch.replaces
        )
        if stored is None:  # the store did not take it: told by file_not_stored, said there
            return self._image_done(ark, index, status=Status.FAILED)
        entry = record.item["images"][index]
        entry.update(path=path, size=len(body), checksum=stored.checksum, status=Status.DOWNLOADED)
        self._count(ark, CollectionStats.IMAGES_STORED)
        self._count(ark, CollectionStats.BYTES, len(body))
        self._count(ark, CollectionStats.IMAGE_BYTES, len(body))
        if fetch.replaces is not None and fetch.replaces != path:
            self.mirror.obsolete.superseded(fetch.replaces)  # the older image had another kind
        return self._image_done(ark, index)

    def _image_done(self, ark: str, index: int, status: str | None = None) -> ArtworkRecord | None:
        """One image of an open record is settled (*status*: not in the store, and why)."""
        record = self.open_records.get(ark)
        if record is None:
            return None
        if status is not None:
            record.item["images"][index].update(status=status, path=None)
        record.waiting -= 1
        if record.waiting:
            return None
        del self.open_records[ark]
        return self._leave(ark, record.item)

    # -- what became of each record ----------------------------------------------------------

    def _leave(self, ark: str, item: ArtworkRecord) -> ArtworkRecord:
        """*item* goes to the pipeline: its record is settled when it comes out."""
        body = item.get("body")
        self._leaving[id(item)] = (ark, len(body) if body is not None else 0)
        return item

    def _item_stored(self, item: Any, **kwargs: Any) -> None:
        leaving = self._leaving.pop(id(item), None)
        if leaving is not None:
            ark, size = leaving
            self._count(ark, CollectionStats.BYTES, size)
            stored = Outcome.STORED if item.get("status") == Status.DOWNLOADED else Outcome.CURRENT
            self._settle(ark, Outcome.FAILED if ark in self.failed_arks else stored)

    def _item_dropped(self, item: Any, **kwargs: Any) -> None:
        """A filtered record (its .json stored), or one the store did not take (failed)."""
        leaving = self._leaving.pop(id(item), None)
        if leaving is not None:
            ark, size = leaving
            filtered = item.get("status") == Status.FILTERED and ark not in self.failed_arks
            if filtered:
                self._count(ark, CollectionStats.BYTES, size)
            self._settle(ark, Outcome.STORED if filtered else Outcome.FAILED)

    def _count(self, ark: str, stat: str, n: int = 1) -> None:
        """What this run counted of record *ark* (its JOB_COUNTS), until its fate is known."""
        if n:
            self._counts.setdefault(ark, Counter())[stat] += n

    def _settle(self, ark: str, outcome: Outcome) -> None:
        """Note a record's outcome, counted once in the job; its counts join the job's when
        the outcome is for good (a failed record is asked again by a resumed job)."""
        counts = self._counts.pop(ark, None)
        if self.ledger is not None and self.ledger.settle(ark, outcome):
            self._stats().inc_value(OUTCOME_STATS[outcome])
            if counts and outcome in SETTLED:
                self.job_counts.update(counts)

    def _resume_ledger(self) -> Ledger:
        """With JOBDIR, the stopped run's ledger if it kept this very listing (a fresh one
        otherwise: stored records are then skipped by their dates); its counts go on."""
        state = getattr(self, "state", None)  # set by JobState with JOBDIR
        saved = (state or {}).get(STATE_KEY)
        fingerprint = self._fingerprint = listing_fingerprint(self.listing)
        if saved and saved.get("shard") != str(self.shard):
            saved = None
        ledger = Ledger.resume(self.listing, fingerprint, saved)
        settled = {outcome: ledger.count(outcome) for outcome in SETTLED}
        self.earlier = sum(settled.values())
        if any(settled.values()):
            stats = self._stats()
            for outcome, count in settled.items():
                stats.inc_value(OUTCOME_STATS[outcome], count)
            stats.inc_value(CollectionStats.RECORDS, sum(settled.values()))
            # The images, bytes, … of the records settled earlier: the summary's are the job's.
            counts = (saved or {}).get("counts")
            if isinstance(counts, dict):
                self.job_counts.update(
                    {k: v for k, v in counts.items() if k in JOB_COUNTS and isinstance(v, int)}
                )
            for stat, count in self.job_counts.items():
                stats.inc_value(stat, count)
            self.earlier_bytes = self.job_counts[CollectionStats.BYTES]
            logger.info(
                "Resuming the job (JOBDIR): %d of %d records settled, asking the %d others",
                sum(settled.values()),
                len(self.listing),
                len(self.listing) - sum(settled.values()),
            )
        return ledger

    # -- outcomes ----------------------------------------------------------------------------

    def not_stored(self, key: Any, url: str, kind: str, **kwargs: Any) -> None:
        """The mirror could not store a file of record *key* (it says why, once)."""
        self.record_failure(url, "", str(key), kind=kind, log=False)

    def record_failure(
        self, url: str, reason: str, ark: str, kind: str = "record", *, log: bool = True
    ) -> None:
        """A record or image that failed for good: named once, listed, asked again next run.

        *log* False: the caller (the mirror, for a file it could not store) says it.
        """
        self._stats().inc_value(FAILED_STAT)
        self.failed.add(url)
        self.failed_arks.add(ark)
        if kind == "image":  # the record is settled (failed) when its item comes back
            self._stats().inc_value(CollectionStats.IMAGES_FAILED)
            self._count(ark, CollectionStats.IMAGES_FAILED)
        else:
            self._settle(ark, Outcome.FAILED)
        if not log:
            return
        # While the whole site fails, the reachability guard's one line says it for all.
        level = logging.DEBUG if site_failing(self.crawler) else logging.WARNING
        logger.log(
            level, "%s %s failed after retries: %s (%s)", kind.capitalize(), ark, reason, url
        )

    def closed(self, reason: str) -> None:
        if self.planned is not None:  # the store's owner lists (or prunes) what is obsolete
            prune = self.config.prune and self.walk_complete and reason == "finished"
            self.mirror.settle_obsolete(self.shard, prune)
        self.close_store(self.failed_for_good)
        state = getattr(self, "state", None)  # set by JobState with JOBDIR
        if state is not None:
            state.update(self.job_state())
            if state.get(WALK_KEY) is None:
                state.pop(WALK_KEY, None)

    def job_state(self) -> dict[str, Any]:
        """The walk's progress and the ledger, for a resumed job (saved as the job goes:
        JobState). Once the ledger knows every record's fate, the walk's progress is dropped
        (None): the job's next run reads the sitemaps afresh."""
        walk = {"shard": str(self.shard), "sitemaps": self.walk.state()}
        if self.ledger is None:
            return {WALK_KEY: walk}
        if self._fingerprint is None:  # the listing is fixed once the ledger is made
            self._fingerprint = listing_fingerprint(self.listing)
        return {
            STATE_KEY: {
                "shard": str(self.shard),
                **self.ledger.state(self._fingerprint),
                "counts": dict(self.job_counts),
            },
            WALK_KEY: walk if self.ledger.open else None,
        }
