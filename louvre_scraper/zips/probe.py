"""Ask the site for the upper bound before the crawl: drives :mod:`louvre_scraper.zips.bound`.

Probes are cheap: HEAD requests, or, when the server refuses HEAD (405/501), GETs cut right
after the headers (``headers_received`` + ``StopDownload(fail=False)``). They go through the
downloader middlewares, so robots.txt, concurrency limits and the backoff retries apply; the
retry middleware judges them from the headers alone. A probe that still fails after its
retries counts as "no zip": failures never extend the search (a site that cannot be reached
would otherwise be probed up to ever larger IDs). It can only make the bound low, which the
crawl's tail walk makes up for; and a site failing as a whole stops the crawl
(:mod:`louvre_scraper.downloadermiddlewares.reachability`). The probe stops as soon as the crawl is
stopping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.exceptions import StopDownload
from scrapy.http.request import NO_CALLBACK

from louvre_scraper.contract import (
    ID_META,
    KIND_META,
    VERDICT_META,
    RequestKind,
    Verdict,
    ZipStats,
    kind_of,
)
from louvre_scraper.exitstatus import is_stopping
from louvre_scraper.zips.bound import find_upper_bound

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from louvre_scraper.config import LouvreConfig

logger = logging.getLogger(__name__)

HEAD_REFUSED = frozenset({405, 501})


def stop_probe_after_headers(request: Request, **kwargs: object) -> None:
    """``headers_received`` handler: a probe GET needs no body."""
    if kind_of(request) is RequestKind.PROBE:
        raise StopDownload(fail=False)


class BoundProbe:
    def __init__(self, crawler: Crawler, config: LouvreConfig, start: int):
        self.crawler = crawler
        self.config = config
        self.start = start
        self.method = "HEAD"
        self.failed = 0  # probes that failed after their retries

    def _count(self, request: Request, **kwargs: object) -> None:
        if kind_of(request) is RequestKind.PROBE:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(ZipStats.PROBE_REQUESTS)

    async def run(self) -> int | None:
        stats = self.crawler.stats
        assert stats is not None
        began = time.monotonic()
        precision = max(self.config.probe_window, self.config.tail_misses // 2)
        search = find_upper_bound(self.start, self.config.probe_window, precision)
        self.crawler.signals.connect(self._count, signals.request_reached_downloader)
        self.crawler.signals.connect(stop_probe_after_headers, signals.headers_received)
        try:
            ids = next(search)
            while True:
                answers = await asyncio.gather(*(self.has_zip(i) for i in ids))
                if is_stopping(self.crawler):
                    return None
                ids = search.send(dict(zip(ids, answers, strict=True)))
        except StopIteration as stop:
            bound: int | None = stop.value
        finally:
            self.crawler.signals.disconnect(self._count, signals.request_reached_downloader)
            self.crawler.signals.disconnect(stop_probe_after_headers, signals.headers_received)
        stats.set_value(ZipStats.UPPER_BOUND, bound or 0)
        logger.info(
            "Upper bound: %s, found with %d probe requests in %.1fs",
            bound if bound is not None else f"no zip near start={self.start}",
            stats.get_value(ZipStats.PROBE_REQUESTS, 0),
            time.monotonic() - began,
        )
        if self.failed:
            logger.warning(
                "%d probe requests failed after retries and counted as no zip: the bound may be"
                " low, the crawl walks on past it while zips appear",
                self.failed,
            )
        return bound

    async def has_zip(self, artwork_id: int) -> bool:
        response = await self._fetch(artwork_id)
        if response is None:
            return False
        if self.method == "HEAD" and response.status in HEAD_REFUSED:
            logger.info("HEAD refused (%d): probing with GETs cut after headers", response.status)
            self.method = "GET"
            return await self.has_zip(artwork_id)
        verdict = Verdict(response.meta[VERDICT_META])
        if verdict in (Verdict.WHOLE, Verdict.MISSING):
            return verdict is Verdict.WHOLE
        logger.debug("Probe of ID %d inconclusive (HTTP %d)", artwork_id, response.status)
        self.failed += 1
        return False

    async def _fetch(self, artwork_id: int) -> Response | None:
        if is_stopping(self.crawler):
            return None
        request = Request(
            self.config.url(artwork_id),
            method=self.method,
            callback=NO_CALLBACK,
            meta={KIND_META: RequestKind.PROBE, ID_META: artwork_id},
            dont_filter=True,
        )
        try:
            return await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - any failure left after retries
            logger.debug("Probe of ID %d failed: %s", artwork_id, exc)
            self.failed += 1
            return None
