"""The crawl's trust boundary: what may be fetched, and how large a body may grow.

A downloader middleware placed before every other one sees every request of both spiders,
each redirect hop included. A request leaves only for an ``http``/``https`` URL whose host is
``LOUVRE_BASE_URL``'s or one of ``LOUVRE_ALLOWED_HOSTS``; anything else is refused before any
I/O with :class:`Refused` (an ``IgnoreRequest``: never retried, not taken for the site
failing), and so is a redirect Scrapy will not follow. Each request gets its kind's body limit
(``download_maxsize``); a body over it leaves as :class:`TooLarge`, naming the setting. The
bodies being received are also counted together (:class:`InFlight`, from Scrapy's
``bytes_received`` and ``request_left_downloader`` signals): the body that takes them over
``LOUVRE_MAX_BYTES_IN_FLIGHT`` is cut and asked again later, up to :data:`BUDGET_RETRIES`
times (not counted in ``RETRY_TIMES``), then fails as :class:`OverBudget`. The decisions are
plain functions (:func:`refusal`, :class:`Limits`), tested without Twisted.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.utils.asyncio import call_later, sleep
from twisted.internet.defer import CancelledError

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import (
    BUDGET_TRIES_META,
    CUT_META,
    LIMIT_META,
    MAXSIZE_META,
    WARNSIZE_META,
    RequestKind,
    kind_of,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

SCHEMES = frozenset({"http", "https"})
NOT_HTTP = "not an http(s) URL of the site"
OTHER_HOST = "another host than LOUVRE_BASE_URL's (allow it with LOUVRE_ALLOWED_HOSTS)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
BUDGET_RETRIES = 10
BUDGET_WAIT = 0.25  # seconds before a cut body is asked again
# robots.txt is fetched by Scrapy's middleware, not by a spider: a fixed limit, Google's
# (https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt: 500 KiB).
ROBOTS_LIMIT: tuple[str | None, int] = (None, 500 * 1024)


def refusal(url: str, hosts: frozenset[str]) -> str | None:
    """Why *url* may not be fetched, or None if it may: an http(s) URL on one of *hosts*
    (lower-case host names; the port does not matter)."""
    try:
        parsed = urlparse(url)
        host = parsed.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host
        return NOT_HTTP
    if parsed.scheme.lower() not in SCHEMES or not host:
        return NOT_HTTP
    if host.lower().rstrip(".") not in hosts:
        return OTHER_HOST
    return None


class NotFetched(IgnoreRequest):
    """A request the fetch policy stopped; its message is the tail of the one line that
    names it (``image cl010000301/0: <message>``)."""


class Refused(NotFetched):
    def __init__(self, url: str, why: str):
        super().__init__(f"refused {url} — {why}")
        self.url = url


class TooLarge(NotFetched):
    def __init__(self, url: str, setting: str | None, limit: int):
        why = f"{setting}={limit}, raise it to fetch" if setting else f"{limit} bytes"
        super().__init__(f"refused {url} — its body is over the limit ({why})")
        self.url = url


class TooLargeDecoded(NotFetched):
    """A compressed body over its kind's limit once decoded (a decompression bomb): see
    :mod:`louvre_scraper.downloadermiddlewares.compression`."""

    def __init__(self, url: str, setting: str | None, limit: int):
        why = f"{setting}={limit}, raise it to fetch" if setting else f"{limit} bytes"
        super().__init__(f"refused {url} — its body is over the limit once decompressed ({why})")
        self.url = url


class OverBudget(NotFetched):
    def __init__(self, url: str, budget: int):
        super().__init__(
            f"refused {url} — the bodies in flight together stayed over the limit"
            f" (LOUVRE_MAX_BYTES_IN_FLIGHT={budget}; raise it, or lower CONCURRENT_REQUESTS)"
        )
        self.url = url


class InFlight:
    """The bytes of every body being received, together, against a budget: the body whose
    bytes take the total over it is cut (and its bytes no longer count). Keys are requests
    (by identity); a body is forgotten when its request leaves the downloader, whatever the
    outcome."""

    def __init__(self, budget: int):
        self.budget = budget
        self.sizes: dict[object, int] = {}
        self.total = 0

    def received(self, key: object, size: int) -> bool:
        """Count *size* more bytes of *key*'s body; True: cut it."""
        self.sizes[key] = self.sizes.get(key, 0) + size
        self.total += size
        if self.total <= self.budget:
            return False
        self.total -= self.sizes[key]
        self.sizes[key] = 0
        return True

    def alone(self, key: object) -> bool:
        """Whether *key*'s body is the only one being received (then waiting is no use)."""
        return all(other is key or not size for other, size in self.sizes.items())

    def left(self, key: object) -> None:
        self.total -= self.sizes.pop(key, 0)


def said_refused(what: str, error: BaseException) -> bool:
    """If *error* is the policy's refusal, name it in its one line (``image cl010000301/0:
    refused file:///… — not an http(s) URL of the site``) and return True; the spider counts
    the failure without a line of its own."""
    if not isinstance(error, NotFetched):
        return False
    logger.warning("%s: %s", what, error)
    return True


@dataclass(frozen=True)
class Limits:
    """Body limits by kind: ``{kind: (setting, bytes)}``."""

    by_kind: dict[RequestKind, tuple[str | None, int]]

    @classmethod
    def from_config(cls, config: LouvreConfig) -> Limits:
        return cls(
            {
                RequestKind.RECORD: ("LOUVRE_MAX_RECORD_BYTES", config.max_record_bytes),
                RequestKind.IMAGE: ("LOUVRE_MAX_IMAGE_BYTES", config.max_image_bytes),
                RequestKind.SITEMAP: ("LOUVRE_MAX_SITEMAP_BYTES", config.max_sitemap_bytes),
                RequestKind.ZIP: ("LOUVRE_MAX_ZIP_BYTES", config.max_zip_bytes),
                RequestKind.PROBE: ("LOUVRE_MAX_PROBE_BYTES", config.max_probe_bytes),
                RequestKind.ROBOTS: ROBOTS_LIMIT,
            }
        )

    def of(self, request: Request) -> tuple[str | None, int]:
        return self.by_kind[kind_of(request)]


class FetchPolicy:
    """Downloader middleware, first in line: refuse foreign URLs, give each body its limit."""

    def __init__(self, config: LouvreConfig):
        self.hosts = config.allowed_hosts
        self.limits = Limits.from_config(config)
        self.in_flight = InFlight(config.max_bytes_in_flight)
        self.collecting = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        policy = cls(config_of(crawler))
        crawler.signals.connect(policy.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(policy.request_left, signal=signals.request_left_downloader)
        return policy

    def bytes_received(self, data: bytes, request: Request, **kwargs: object) -> None:
        if self.in_flight.received(request, len(data)):
            request.meta[CUT_META] = True
            raise StopDownload(fail=True)

    def request_left(self, request: Request, **kwargs: object) -> None:
        self.in_flight.left(request)

    def _collect_soon(self) -> None:
        """A cut or cancelled body is freed by the cyclic garbage collector only: HTTP/1.1's
        body reader and Twisted's response refer to each other. Left to the collector's own
        schedule, a flood of cut bodies piled up (40 endless images: 730 MB peak, 430 MB with
        this), so collect once, soon after cuts."""
        if not self.collecting:
            self.collecting = True
            call_later(0.05, self._collect)

    def _collect(self) -> None:
        self.collecting = False
        gc.collect()

    def process_request(self, request: Request) -> None:
        why = refusal(request.url, self.hosts)
        if why is not None:
            raise Refused(request.url, why)
        if MAXSIZE_META not in request.meta:
            setting, limit = self.limits.of(request)
            request.meta[LIMIT_META] = (setting, limit)
            request.meta[MAXSIZE_META] = limit
            request.meta[WARNSIZE_META] = 0  # the limit is the one judgement of size

    def process_response(self, request: Request, response: Response) -> Response:
        """A redirect Scrapy does not follow (a ``file:`` or ``data:`` Location) is refused
        by name; those it follows come back through :meth:`process_request`."""
        location = response.headers.get(b"Location")
        if response.status in REDIRECTS and location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            why = refusal(target, self.hosts)
            if why is not None:
                raise Refused(target, why)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        """A body over its limit fails as :class:`TooLarge` (HTTP/1.1 cancels a streaming body
        with Twisted's CancelledError, one with too large a declared length with Scrapy's
        DownloadCancelledError; the other handlers always with Scrapy's); one cut by the
        budget is asked again, or fails as :class:`OverBudget`. Both are raised without their
        cause, whose traceback holds the body that arrived."""
        limit = request.meta.get(LIMIT_META)
        if limit is not None and isinstance(exception, (DownloadCancelledError, CancelledError)):
            exception.__traceback__ = None
            self._collect_soon()
            raise TooLarge(request.url, *limit) from None
        if not (isinstance(exception, StopDownload) and request.meta.pop(CUT_META, False)):
            return None
        exception.response = None  # type: ignore[assignment]
        exception.__traceback__ = None
        self._collect_soon()
        tries = request.meta.get(BUDGET_TRIES_META, 0) + 1
        if tries > BUDGET_RETRIES or self.in_flight.alone(request):
            raise OverBudget(request.url, self.in_flight.budget) from None
        await sleep(BUDGET_WAIT * tries)
        again = request.copy()
        again.meta[BUDGET_TRIES_META] = tries
        again.dont_filter = True
        return again
