"""The sitemap walk: robots.txt's ``Sitemap:`` line → sitemap index → sub-sitemaps → arks.

Each ark is collected once into an :class:`~louvre_scraper.collection.arks.ArkListing`, and the
total is known before any record is asked. The walk is *complete* only when every sitemap it
was sent to parsed completely as a sitemap: only then may a stored record missing from the
listing be called withdrawn. An HTTP error, HTML, XML that is not well-formed, or a body over
its limit makes a failed sitemap, named in the log and the failed list. Parsing is strict
(:func:`read_sitemap`: lxml, entities not resolved, no network); each sitemap URL is asked at
most once per run and no more than ``LOUVRE_MAX_SITEMAPS`` in all, only as many at a time as
fit whole in the body budget (:func:`sitemap_slots`). With ``JOBDIR`` the sub-sitemaps an
earlier run read are not asked again: their arks come from the job's state
(:meth:`SitemapWalk.state`, :meth:`SitemapWalk.restore`).
"""

from __future__ import annotations

import logging
from array import array
from collections import deque
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any

import lxml.etree
import scrapy
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.internet.defer import Deferred

from louvre_scraper.contract import (
    FAILED_STAT,
    KIND_META,
    RUN_META,
    CollectionStats,
    RequestKind,
    job_state_changed,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

    from louvre_scraper.collection.arks import ArkListing

logger = logging.getLogger(__name__)

SITEMAP_KINDS = ("urlset", "sitemapindex")
GZIP_MAGIC = b"\x1f\x8b"


class NotASitemap(ValueError):
    """A body that is not a complete sitemap; the message says what it is instead."""


@dataclass(frozen=True)
class SitemapPage:
    kind: str  # "urlset" or "sitemapindex"
    entries: list[dict[str, Any]]  # {"loc": ..., "lastmod": ...} per <url> or <sitemap>


def sitemap_body(body: bytes, max_size: int) -> bytes:
    """The XML of a sitemap body, gunzipped when it is gzip (a ``.xml.gz`` file, or one sent
    with ``Content-Encoding: gzip``: the project does not decompress in the downloader)."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except OSError as error:  # gzip.BadGzipFile, a cut stream
        raise NotASitemap(f"damaged gzip ({error})") from None
    except ValueError:  # _DecompressionMaxSizeExceeded (a ValueError): a zip bomb or too big
        raise NotASitemap(
            f"over the limit once decompressed (LOUVRE_MAX_SITEMAP_BYTES={max_size},"
            " raise it to read it)"
        ) from None


def read_sitemap(body: bytes) -> SitemapPage:
    """Parse *body* completely as a sitemap or sitemap index; NotASitemap if it is not one.

    Each ``<url>`` or ``<sitemap>`` element (any namespace, as Scrapy's
    :class:`~scrapy.utils.sitemap.Sitemap` reads them) with a ``<loc>`` gives an entry of its
    ``loc`` and, where it has one, its ``lastmod``. Not Scrapy's ``Sitemap`` itself: it hands
    every start and end event of every element to Python and builds a dict of every child
    and the alternates of each entry, which made it 2.5 times slower than this on the real
    site's 10 MB sitemaps (39,000 entries with two alternates each: 0.59 s against 0.23 s), and
    the walk's time was mostly that (docs/speed.md, "The walk"). The parse is lxml's as there:
    entities not resolved, no network, but strict (not lxml's *recover* mode): the first error
    ends it, so a body that is not whole is never half read.
    """
    if not body.strip():
        raise NotASitemap("empty body")
    events = lxml.etree.iterparse(
        BytesIO(body),
        events=("end",),
        tag=("{*}url", "{*}sitemap"),
        recover=False,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    entries: list[dict[str, Any]] = []
    try:
        for _, element in events:
            entry = _entry(element)
            if entry is not None:
                entries.append(entry)
    except lxml.etree.XMLSyntaxError as error:
        if error.code == lxml.etree.ErrorTypes.ERR_DOCUMENT_EMPTY:  # not even an element
            raise NotASitemap(f"not XML ({error})") from None
        raise NotASitemap(f"XML error at line {error.lineno}: {error.msg.strip()}") from None
    except lxml.etree.LxmlError as error:
        raise NotASitemap(f"not XML ({error})") from None
    kind = _local_name(events.root.tag)
    if kind not in SITEMAP_KINDS:
        raise NotASitemap(f"a <{kind}> document, not a sitemap")
    return SitemapPage(kind, entries)


def _local_name(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _entry(element: lxml.etree._Element) -> dict[str, Any] | None:
    """A ``<url>``'s or ``<sitemap>``'s loc and lastmod (None without a loc); the element and
    those before it are dropped from the tree, which so stays small (as Scrapy's does)."""
    entry: dict[str, Any] = {}
    for child in element:
        name = _local_name(child.tag)
        if name in ("loc", "lastmod"):
            entry[name] = (child.text or "").strip()
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
    return entry if "loc" in entry else None


def sitemap_slots(budget: int, max_size: int) -> int:
    """How many sitemaps may be asked at once: as many as fit whole, each as large as its
    limit, in the budget of bytes in flight; one at least (alone, a body may use the whole
    budget)."""
    return max(1, budget // max(1, max_size))


@dataclass
class SitemapWalk:
    """One run's walk. The spider sends the requests and hands back answers and failures.

    *callback* and *errback* are the spider's methods (requests kept in JOBDIR name them);
    *run_id* marks this run's requests: those a stopped run left in JOBDIR's queue are not
    this walk's.
    """

    listing: ArkListing
    crawler: Crawler
    run_id: str
    callback: Callable[[Response], Any]
    errback: Callable[[Failure], Any]
    max_sitemaps: int
    max_size: int  # bytes of one sitemap, decompressed (LOUVRE_MAX_SITEMAP_BYTES)
    max_urls: int  # <loc> entries of one sitemap (LOUVRE_MAX_SITEMAP_URLS)
    fallback_url: str  # asked when robots.txt names no sitemap
    slots: int = 1  # requests of the walk at once (sitemap_slots)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, why)
    asked: set[str] = field(default_factory=set)
    sitemaps_asked: int = 0
    pending: int = 0  # requests sent and not yet answered
    waiting: deque[scrapy.Request] = field(default_factory=deque)  # not sent yet: no slot
    done: Deferred[None] = field(default_factory=Deferred)
    # The <urlset> sitemaps read, this run or an earlier one of the job: {url: the arks
    # they added to the listing, as ArkListing.since gives them}.
    read_pages: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    saved: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # an earlier run's
    restored: int = 0  # sitemaps taken from the saved walk, not asked

    def restore(self, saved: Any) -> None:
        """The progress an earlier run of the job saved (:meth:`state`): its sitemaps are
        not asked again."""
        if isinstance(saved, dict):
            self.saved = {
                url: (numbers, lastmods)
                for url, (numbers, lastmods) in saved.items()
                if isinstance(numbers, bytes) and isinstance(lastmods, bytes)
            }

    def saved_count(self) -> int:
        """The records the job's saved walk listed (an earlier run's and this run's pages)."""
        numbers: set[int] = set()
        for pages in (self.saved, self.read_pages):
            for page, _ in pages.values():
                numbers.update(array("I", page))
        return len(numbers)

    def state(self) -> dict[str, tuple[bytes, bytes]]:
        """The walk's progress, for a resumed job (JOBDIR's spider.state)."""
        return dict(self.read_pages)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def complete(self) -> bool:
        """Every sitemap read completely (and at least one ark listed)."""
        return not self.failed and len(self.listing) > 0

    @property
    def read_count(self) -> int:
        return int(self.stats.get_value(CollectionStats.SITEMAPS, 0))

    def first_request(self, url: str) -> scrapy.Request:
        self._request(url, restore=False)
        (request,) = self._next_requests()
        return request

    def is_ours(self, request: scrapy.Request) -> bool:
        return request.meta.get(RUN_META) == self.run_id

    def _request(self, url: str, *, restore: bool = True) -> scrapy.Request | None:
        """A request for *url*, or None when it was asked already, the limit is reached, or
        an earlier run of the job read it (*restore*: its saved arks are taken instead)."""
        if url in self.asked:
            logger.debug("Sitemap %s listed again: read once", url)
            return None
        if not url.endswith("/robots.txt") and self.sitemaps_asked >= self.max_sitemaps:
            self._broken(url, f"over LOUVRE_MAX_SITEMAPS ({self.max_sitemaps}), not asked")
            return None
        self.asked.add(url)
        self.sitemaps_asked += not url.endswith("/robots.txt")
        if restore and url in self.saved:
            numbers, lastmods = self.read_pages[url] = self.saved[url]
            self.listing.take_saved(numbers, lastmods)
            self.stats.inc_value(CollectionStats.SITEMAPS)
            self.restored += 1
            logger.debug("Sitemap %s read by an earlier run of the job: not asked", url)
            return None
        request = scrapy.Request(
            url,
            callback=self.callback,
            errback=self.errback,
            meta={KIND_META: RequestKind.SITEMAP, RUN_META: self.run_id},
            dont_filter=True,  # asked once by construction (self.asked)
        )
        self.waiting.append(request)
        return request

    def _next_requests(self) -> list[scrapy.Request]:
        """The waiting requests that have a slot now (the one that just ended freed one)."""
        requests = []
        while self.waiting and self.pending < self.slots:
            requests.append(self.waiting.popleft())
            self.pending += 1
        return requests

    def read(self, response: Response) -> list[scrapy.Request]:
        """An answer of robots.txt or a sitemap: the sitemaps it leads to."""
        is_robots = response.url.endswith("/robots.txt")
        ok = 200 <= response.status < 300
        urls: list[str] = []
        if is_robots:
            urls = (
                list(sitemap_urls_from_robots(response.body, base_url=response.url)) if ok else []
            )
            if not urls:
                urls = [self._fallback("no Sitemap: line" if ok else f"HTTP {response.status}")]
        elif not ok:
            self._broken(response.url, f"HTTP {response.status}")
        else:
            try:
                urls = self._read_page(response)
            except Exception as error:  # noqa: BLE001 - whatever it is, the walk must end
                self._broken(response.url, f"unreadable ({error!r})")
        for url in urls:
            self._request(url)
        return self._one_done()

    def _read_page(self, response: Response) -> list[str]:
        try:
            page = read_sitemap(sitemap_body(response.body, self.max_size))
        except NotASitemap as error:
            self._broken(response.url, str(error))
            return []
        if len(page.entries) > self.max_urls:  # the sitemap protocol's limit: not a sitemap
            self._broken(
                response.url,
                f"{len(page.entries)} entries, over the limit"
                f" (LOUVRE_MAX_SITEMAP_URLS={self.max_urls}, raise it to read it)",
            )
            return []
        self.stats.inc_value(CollectionStats.SITEMAPS)
        if page.kind == "sitemapindex":
            return [loc for entry in page.entries if (loc := entry.get("loc"))]
        start = len(self.listing)
        for entry in page.entries:
            self.listing.add(entry.get("loc") or "", entry.get("lastmod"))
        self.read_pages[response.url] = self.listing.since(start)
        # Saved now (JobState), not in the next few seconds: a kill loses no sitemap read.
        self.crawler.signals.send_catch_log(job_state_changed)
        logger.debug("Sitemap %s read: %d records listed so far", response.url, len(self.listing))
        return []

    def fail(self, failure: Failure) -> list[scrapy.Request]:
        """A request of the walk that failed after its retries."""
        request = failure.request  # type: ignore[attr-defined]
        reason = failure.getErrorMessage() or repr(failure.value)
        if request.url.endswith("/robots.txt"):
            self._request(self._fallback(reason))
        else:
            self._broken(request.url, reason)
        return self._one_done()

    def _fallback(self, reason: str) -> str:
        logger.info("robots.txt gives no sitemap (%s): trying %s", reason, self.fallback_url)
        return self.fallback_url

    def _broken(self, url: str, reason: str) -> None:
        """A sitemap that could not be read: failed for good, the walk is incomplete."""
        self.failed.append((url, reason))
        self.stats.inc_value(CollectionStats.SITEMAPS_FAILED)
        self.stats.inc_value(FAILED_STAT)

    def _one_done(self) -> list[scrapy.Request]:
        """One request of the walk ended: the next ones it leaves room for; the walk is done
        when none is in flight and none waits."""
        self.pending -= 1
        requests = self._next_requests()
        if self.pending == 0 and not self.done.called:
            self.done.callback(None)
        return requests

    def log_result(self, shard: str, store: str) -> None:
        for url, reason in self.failed:
            logger.warning("Sitemap %s failed: %s", url, reason)
        broken = (
            f"; {len(self.failed)} sitemaps could not be read, so this run cannot"
            " tell withdrawn records"
            if self.failed
            else ""
        )
        logger.info(
            "Sitemaps read: %d records%s into %s%s", len(self.listing), shard, store, broken
        )
