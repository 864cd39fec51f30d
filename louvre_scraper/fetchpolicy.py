"""The crawl's trust boundary: what may be fetched, and how large a body may grow.

One downloader middleware, placed before every other one (before the robots.txt middleware,
so that another host's robots.txt is never asked for), sees every request of both spiders:
sitemaps, ``Sitemap:`` lines of robots.txt, records, images, zips, probes, robots.txt itself,
and every hop of a redirect (RedirectMiddleware hands each hop back to the scheduler as a new
request). A request leaves only for an ``http``/``https`` URL whose host is
``LOUVRE_BASE_URL``'s or one of ``LOUVRE_ALLOWED_HOSTS``; anything else is refused before any
I/O with :class:`Refused`, an :class:`~scrapy.exceptions.IgnoreRequest`: it goes to the
request's errback, is never retried, and the reachability guard does not take it for the site
failing. A redirect whose ``Location`` Scrapy will not follow (``file:``, ``data:``, ...) is
refused too, by name, instead of surfacing as an unexplained 3xx.

Each request also gets its kind's body limit (``download_maxsize``): Scrapy's download
handlers cancel a body on its declared Content-Length, and while it streams in once it passes
the limit; the cancellation comes back here and leaves as :class:`TooLarge`, whose message
names the limit and the setting that raises it. Scrapy's own "larger than download max size"
warning is dropped by :mod:`louvre_scraper.quietlog`: the spider's line says it once.

The decisions are plain functions (:func:`refusal`, :func:`body_kind`), tested without Twisted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from twisted.internet.defer import CancelledError

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import ID_META, JUDGE_META, PROBE_META

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

SCHEMES = frozenset({"http", "https"})
NOT_HTTP = "not an http(s) URL of the site"
OTHER_HOST = "another host than LOUVRE_BASE_URL's (allow it with LOUVRE_ALLOWED_HOSTS)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
LIMIT_META = "louvre_limit"  # (setting or None, bytes): the limit this request's body got
MAXSIZE_META = "download_maxsize"  # Scrapy's, per request
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


def body_kind(request: Request) -> str:
    """What a request fetches: ``probe``, ``zip``, ``record``, ``image``, ``robots`` or
    ``sitemap`` (the collection spider's other requests: sitemaps and robots.txt's URLs)."""
    meta = request.meta
    if meta.get(PROBE_META):
        return "probe"
    if ID_META in meta:
        return "zip"
    judge = meta.get(JUDGE_META)
    if judge in ("record", "image"):
        return str(judge)
    if meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
        return "robots"  # RobotsTxtMiddleware's own request
    return "sitemap"


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


def not_fetched(error: BaseException) -> NotFetched | None:
    """The fetch policy's refusal behind a failure's value, or None."""
    return error if isinstance(error, NotFetched) else None


@dataclass(frozen=True)
class Limits:
    """Body limits by kind: ``{kind: (setting, bytes)}``."""

    by_kind: dict[str, tuple[str | None, int]]

    @classmethod
    def from_config(cls, config: LouvreConfig) -> Limits:
        return cls(
            {
                "record": ("LOUVRE_MAX_RECORD_BYTES", config.max_record_bytes),
                "image": ("LOUVRE_MAX_IMAGE_BYTES", config.max_image_bytes),
                "sitemap": ("LOUVRE_MAX_SITEMAP_BYTES", config.max_sitemap_bytes),
                "zip": ("LOUVRE_MAX_ZIP_BYTES", config.max_zip_bytes),
                "probe": ("LOUVRE_MAX_PROBE_BYTES", config.max_probe_bytes),
                "robots": ROBOTS_LIMIT,
            }
        )

    def of(self, request: Request) -> tuple[str | None, int]:
        return self.by_kind[body_kind(request)]


class FetchPolicy:
    """Downloader middleware, first in line: refuse foreign URLs, give each body its limit."""

    def __init__(self, config: LouvreConfig):
        self.hosts = config.allowed_hosts
        self.limits = Limits.from_config(config)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(config_of(crawler))

    def process_request(self, request: Request) -> None:
        why = refusal(request.url, self.hosts)
        if why is not None:
            raise Refused(request.url, why)
        if MAXSIZE_META not in request.meta:
            setting, limit = self.limits.of(request)
            request.meta[LIMIT_META] = (setting, limit)
            request.meta[MAXSIZE_META] = limit
            request.meta["download_warnsize"] = 0  # the limit is the one judgement of size

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

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Scrapy's cancellation of a body over ``download_maxsize`` becomes :class:`TooLarge`
        (HTTP/1.1 cancels with Twisted's CancelledError while streaming, Scrapy's
        DownloadCancelledError on the declared length; the other handlers with Scrapy's)."""
        limit = request.meta.get(LIMIT_META)
        if limit is not None and isinstance(exception, (DownloadCancelledError, CancelledError)):
            raise TooLarge(request.url, *limit) from exception
