"""The ``louvre`` spider: one request per artwork ID, lazily, through the scheduler."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.utils.datatypes import SequenceExclude
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from louvre_scraper.contract import (
    CLEAN_KEY,
    FAILED_STAT,
    ID_META,
    KIND_META,
    VERDICT_META,
    ZIP_UNITS,
    RequestKind,
    Shard,
    SpiderArgument,
    Status,
    Verdict,
    ZipReport,
    ZipStats,
)
from louvre_scraper.downloadermiddlewares.fetchpolicy import said_refused
from louvre_scraper.downloadermiddlewares.reachability import site_failing
from louvre_scraper.errors import check_arguments
from louvre_scraper.exitstatus import is_stopping
from louvre_scraper.items import ArtworkZip
from louvre_scraper.spiders.base import StoreSpiderMixin
from louvre_scraper.store.layout import file_path
from louvre_scraper.utils.lazy import wait_for_room
from louvre_scraper.zips.ids import IdRange
from louvre_scraper.zips.probe import BoundProbe

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


class LouvreSpider(StoreSpiderMixin, scrapy.Spider):
    """Download ``{LOUVRE_BASE_URL}/en/artwork/image/download/{id}/0`` for every ID.

    Arguments: ``start`` (default 1), ``end`` (inclusive), ``shard`` (``K/N``).
    """

    name = "louvre"
    # Every answer but a redirect reaches the callback, which judges it from status and body
    # (a missing ID may come back as a 404, a 500 or a 200 HTML page). Redirects are still
    # followed: RedirectMiddleware reads this attribute too.
    handle_httpstatus_list = SequenceExclude(range(300, 400))
    description = (
        "The undocumented zip route of 2021: one zip of images per artwork ID, no metadata"
    )
    arguments = (  # any other -a NAME=VALUE is refused
        SpiderArgument("start", "N", "1", "The first artwork ID of the range."),
        SpiderArgument(
            "end",
            "N|auto",
            "auto: the highest ID on the site, found by probing",
            "The last artwork ID of the range (inclusive).",
        ),
        SpiderArgument(
            "shard",
            "K/N",
            "0/1: every ID",
            "Take only the IDs with ID % N == K: N machines or processes share the range, each"
            " ID once.",
        ),
    )
    # The item's fields a feed lists (``body`` only goes from the spider to the pipeline).
    units = ZIP_UNITS  # what the progress line and the summary count

    def __init__(
        self, start: Any = None, end: Any = None, shard: Any = None, *args: Any, **kwargs: Any
    ):
        check_arguments(kwargs, [argument.name for argument in self.arguments])
        super().__init__(*args, **kwargs)
        self.id_range = IdRange.from_arguments(start, end, shard)
        self.failed_ids: set[int] = set()
        self.highest_zip = 0  # the highest ID seen holding a zip (drives the tail walk)
        self._pending: set[int] = set()  # IDs handed out whose outcome is not known yet
        self._outcome: Deferred[None] | None = None
        self._cursor = self.id_range.start  # the next ID to hand out
        self.bound: int | None = None
        self.planned: int | None = None  # IDs in start..bound for this shard; None while probing
        self.walks_tail = False

    @property
    def shard(self) -> Shard:
        return self.id_range.shard

    @property
    def failed_for_good(self) -> list[int]:
        return sorted(self.failed_ids)

    def report(self) -> ZipReport:
        return ZipReport(
            self.id_range.start, self.id_range.end, self.shard, self.bound, self.highest_zip
        )

    def finding_total(self) -> str:
        """The progress line while the total is not known."""
        assert self.crawler.stats is not None
        probes = self.crawler.stats.get_value(ZipStats.PROBE_REQUESTS, 0)
        return f"Probing for the upper bound: {probes} probe requests so far"

    async def start(self) -> AsyncIterator[Any]:
        await self.open_store()
        resumed = self._resume_state()
        bound = self.id_range.end if resumed is None else resumed["bound"]
        if bound is None:
            probed = await BoundProbe(self.crawler, self.config, self.id_range.start).run()
            if is_stopping(self.crawler):
                return
            bound = probed if probed is not None else self.id_range.start - 1
            self.highest_zip = max(self.highest_zip, bound)
        self.bound = bound
        ids = self.id_range.ids(end=bound)
        self.planned = len(ids)
        self.walks_tail = self.id_range.end is None
        self._log_plan(ids)
        if resumed is not None:
            # Failures are tried again by the next run; after a killed run, so are the IDs it
            # had handed out whose fate it did not learn (its queue is gone: JobState).
            again = sorted({*resumed["failed"], *resumed["again"]})
            for artwork_id in again:
                yield await self._hand_out(artwork_id, move_cursor=False)
            ids = (
                ids[ids.index(resumed["cursor"]) :] if resumed["cursor"] in ids else ids[len(ids) :]
            )
        for artwork_id in ids:
            yield await self._hand_out(artwork_id)
        if self.id_range.end is None:
            tail_start = self.id_range.shard.next_id(max(bound + 1, self.id_range.start))
            if resumed is not None:
                tail_start = max(tail_start, resumed["cursor"])
            async for output in self._walk_tail(tail_start):
                yield output

    def _log_plan(self, ids: range) -> None:
        tail = (
            ""
            if self.id_range.end
            else f", then on while zips appear (until {self.config.tail_misses} IDs in a row are"
            " missing)"
        )
        shard = f" (shard {self.id_range.shard})" if self.id_range.shard.count > 1 else ""
        logger.info(
            "Crawling IDs %d..%d%s: %d IDs into %s%s",
            self.id_range.start,
            self.bound,
            shard,
            len(ids),
            self.config.files_store,
            tail,
        )

    def _resume_state(self) -> dict[str, Any] | None:
        """With JOBDIR, where the previous run of the same job stopped (None: start afresh).

        Requests that run had queued are restored by Scrapy's scheduler; this only restores
        the position in the ID sequence and the IDs whose fate was not known yet. After a run
        that did not close (killed), its queue is gone: those IDs are handed out again.
        """
        state = getattr(self, "state", None)
        saved = (state or {}).get("louvre")
        if not saved or saved.get("range") != repr(self.id_range):
            return None
        self.highest_zip = saved["highest_zip"]
        saved = {**saved, "again": []}
        if not state.get(CLEAN_KEY):  # killed: the queue was dropped (JobState)
            saved["again"] = saved["pending"]
            logger.info(
                "Resuming the job from ID %d (JOBDIR) after a run that did not close:"
                " asking again %d IDs it had handed out",
                saved["cursor"],
                len(saved["pending"]),
            )
            return saved
        self._pending.update(saved["pending"])
        # Their requests come back from JOBDIR's queue, not from _hand_out: count them here,
        # so that the IDs handed out add up to the outcomes.
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(ZipStats.IDS, len(saved["pending"]))
        self.crawler.stats.set_value(ZipStats.RESTORED, len(saved["pending"]))
        logger.info(
            "Resuming the job from ID %d (JOBDIR), first retrying %d failed IDs",
            saved["cursor"],
            len(saved["failed"]),
        )
        return saved

    def job_state(self) -> dict[str, Any]:
        if self.planned is None:
            return {}
        return {
            "louvre": {
                "range": repr(self.id_range),
                "bound": self.bound,
                "cursor": self._cursor,
                "highest_zip": self.highest_zip,
                "pending": sorted(self._pending),
                "failed": sorted(self.failed_ids),
            }
        }

    def closed(self, reason: str) -> None:
        self.close_store(self.failed_for_good)
        state = getattr(self, "state", None)
        if state is not None:
            state.update(self.job_state())

    async def _walk_tail(self, artwork_id: int) -> AsyncIterator[Any]:
        """Go on past the bound until ``tail_misses`` IDs above the highest zip are missing."""
        while True:
            while artwork_id - self.highest_zip > self.config.tail_misses:
                if not self._pending:
                    logger.info(
                        "Tail walk ended at ID %d: the highest zip is %d",
                        artwork_id - 1,
                        self.highest_zip,
                    )
                    return
                await self._next_outcome()
            yield await self._hand_out(artwork_id)
            artwork_id += self.id_range.shard.count

    async def _hand_out(self, artwork_id: int, *, move_cursor: bool = True) -> Any:
        """The item (already stored) or the request for one ID."""
        await wait_for_room(self.crawler)
        assert self.crawler.stats is not None
        if move_cursor:
            self._cursor = artwork_id
        self.crawler.stats.inc_value(ZipStats.IDS)
        output: Any = await self._already_stored(artwork_id)
        if output is not None:
            self.highest_zip = max(self.highest_zip, artwork_id)
        else:
            self._pending.add(artwork_id)
            output = self.zip_request(artwork_id)
        if move_cursor:
            self._cursor = artwork_id + self.id_range.shard.count
        return output

    async def _next_outcome(self) -> None:
        self._outcome = Deferred()
        await maybe_deferred_to_future(self._outcome)

    def _settle(self, artwork_id: int, *, has_zip: bool = False) -> None:
        """An ID's fate is known: update the tail walk and wake it if it waits."""
        self._pending.discard(artwork_id)
        if has_zip:
            self.highest_zip = max(self.highest_zip, artwork_id)
        if self._outcome is not None and not self._outcome.called:
            outcome, self._outcome = self._outcome, None
            outcome.callback(None)

    async def _already_stored(self, artwork_id: int) -> ArtworkZip | None:
        path = file_path(self.config, artwork_id)
        found = await self.inventory.find(path)
        if found is None:
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(ZipStats.SKIPPED)
        logger.debug("ID %d: already stored as %s", artwork_id, path)
        return ArtworkZip(
            id=artwork_id,
            url=self.config.url(artwork_id),
            path=path,
            # A stored zip is read whole (for its MD5) only when checksums are wanted: the
            # skip check itself reads two small blocks per file.
            checksum=await self.inventory.checksum(path, found) if self.config.checksums else None,
            size=found.size,
            status=Status.UPTODATE,
        )

    def zip_request(self, artwork_id: int) -> scrapy.Request:
        return scrapy.Request(
            self.config.url(artwork_id),
            callback=self.parse_zip,
            errback=self.zip_failed,
            meta={KIND_META: RequestKind.ZIP, ID_META: artwork_id},
            # Each ID is asked once by construction: skip the dupefilter, whose set of
            # fingerprints would otherwise grow with the range.
            dont_filter=True,
        )

    def parse_zip(self, response: Response) -> ArtworkZip | None:
        # A plain function, not a generator: Scrapy inspects the source of generator callbacks
        # for return values, and with bound methods its cache misses (~1 ms per response).
        artwork_id: int = response.meta[ID_META]
        verdict = Verdict(response.meta[VERDICT_META])  # the judge is always on
        assert self.crawler.stats is not None
        self._settle(artwork_id, has_zip=verdict is Verdict.WHOLE)
        if verdict is Verdict.WHOLE:
            return ArtworkZip(id=artwork_id, url=self.config.url(artwork_id), body=response.body)
        if verdict is Verdict.MISSING:
            self.crawler.stats.inc_value(ZipStats.MISSING)
            logger.debug("ID %d: missing (%d)", artwork_id, response.status)
            return None
        reason = f"HTTP {response.status}"
        if verdict is Verdict.RETRY and 200 <= response.status < 300:
            reason = "damaged zip"
        self.record_failure(artwork_id, reason)
        return None

    def zip_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        artwork_id = request.meta[ID_META]
        self._settle(artwork_id)
        said = said_refused(f"ID {artwork_id}", failure.value)
        reason = failure.getErrorMessage() or repr(failure.value)
        self.record_failure(artwork_id, reason, log=not said)

    def not_stored(self, key: Any, url: str, kind: str, **kwargs: Any) -> None:
        """The mirror could not store the zip of ID *key* (it says why, once)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(FAILED_STAT)
        self.failed_ids.add(key)

    def record_failure(self, artwork_id: int, reason: str, *, log: bool = True) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(FAILED_STAT)
        self.failed_ids.add(artwork_id)
        if not log:  # the fetch policy's line said it
            return
        # While the whole site fails, the reachability guard's one line says it for all IDs.
        level = logging.DEBUG if site_failing(self.crawler) else logging.WARNING
        logger.log(level, "ID %d failed after retries: %s", artwork_id, reason)
