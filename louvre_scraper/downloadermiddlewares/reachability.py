"""Give up on a site that cannot be reached or refuses us, instead of failing every ID.

A downloader middleware placed next to the downloader sees every attempt of every request
of the crawl (zips, probes, robots.txt, retries). An attempt that cannot reach the site (DNS,
refused connection, TLS, timeout) or that the site refuses (401, 403, robots.txt) extends a
streak; any other answer (a zip, a 404, even a 500 or a 429: the site is there) ends it. The
crawl stops, with one line saying which and what to check, when

* ``LOUVRE_GIVE_UP_FAILURES`` attempts in a row were refused: a refusal is an answer, waiting
  does not change it; or
* ``LOUVRE_GIVE_UP_FAILURES`` attempts in a row failed *and* nothing has answered for
  ``LOUVRE_GIVE_UP_SECONDS``: a flaky link that comes back within that time does not stop it.

While a streak is a few attempts long, spiders log their per-item failures at DEBUG (see
:func:`site_failing`): they are the site's failures, not the items', and the guard's line
(or, when the site comes back, its "answers again" line) says it once. The decisions are
plain functions and a small state object, tested without Twisted.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as net
from twisted.web.client import ResponseNeverReceived

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import ARK_META, ID_META, RequestKind, kind_of
from louvre_scraper.exitstatus import REFUSED, UNREACHABLE, is_stopping, stop_crawl

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

REFUSING_STATUSES = frozenset({401, 403})
# Which meta key names the unit (a record with all its images, an ID) a request is for.
UNIT_META = {
    RequestKind.ZIP: ID_META,
    RequestKind.PROBE: ID_META,
    RequestKind.RECORD: ARK_META,
    RequestKind.IMAGE: ARK_META,
}
QUIET_AFTER = 5  # failures in a row after which per-item failure lines go to DEBUG
ROBOTS_FORBIDDEN = "Forbidden by robots.txt"  # RobotsTxtMiddleware's IgnoreRequest message


@dataclass(frozen=True)
class Problem:
    """Why one attempt did not get an answer: ``kind`` is UNREACHABLE or REFUSED."""

    kind: str
    detail: str  # e.g. "DNS lookup failed", "403 Forbidden", "robots.txt"


TLS_FAILED = "TLS handshake failed — check the system clock and proxy"


def _is_tls_error(exception: BaseException) -> bool:
    return type(exception).__module__.startswith("OpenSSL") or "SSL" in type(exception).__name__


# Exceptions that mean the site cannot be reached, with what to check. Scrapy 2.19 wraps
# Twisted's (DNSLookupError, ConnectionRefusedError, ...) in its own, the original as cause.
UNREACHABLE_ERRORS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    (
        (CannotResolveHostError, net.DNSLookupError),
        "DNS lookup failed — check the network and the host name",
    ),
    (
        (DownloadConnectionRefusedError, net.ConnectionRefusedError),
        "connection refused — check the address, or the site is down",
    ),
    (
        (DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError),
        "timed out — check the network (or raise DOWNLOAD_TIMEOUT)",
    ),
    ((net.NoRouteError,), "no route to host — check the network"),
)


def classify_exception(exception: BaseException) -> Problem | None:
    """The problem an exception from the download stack means, or None (not the site's)."""
    if isinstance(exception, IgnoreRequest):
        return Problem(REFUSED, "robots.txt") if ROBOTS_FORBIDDEN in str(exception) else None
    causes = []
    cause: BaseException | None = exception
    while cause is not None:
        causes.append(cause)
        cause = cause.__cause__
    # A TLS failure first: without the reactor, aiohttp's certificate errors come wrapped in
    # Scrapy's "connection refused".
    if any(_is_tls_error(c) for c in causes):
        return Problem(UNREACHABLE, TLS_FAILED)
    for cause in causes:
        detail = _unreachable_detail(cause)
        if detail is not None:
            return Problem(UNREACHABLE, detail)
    # Anything else (e.g. a cut download): the site answered, the retries deal with it.
    return None


def _unreachable_detail(exception: BaseException) -> str | None:
    detail = next((d for kinds, d in UNREACHABLE_ERRORS if isinstance(exception, kinds)), None)
    if detail is not None:
        return detail
    if _is_tls_error(exception) or (
        isinstance(exception, ResponseNeverReceived)
        and any(_is_tls_error(reason.value) for reason in exception.reasons)
    ):
        return TLS_FAILED
    if isinstance(exception, net.ConnectError):
        return f"cannot connect ({exception}) — check the network"
    # Twisted's client, and aiohttp's (the handler without the reactor: a reset is an OSError
    # there, a cut body a ClientPayloadError, which is not the site failing).
    if isinstance(exception, (ResponseNeverReceived, *_aiohttp_closed())):
        return "connection closed before any answer — check the network"
    return None


def _aiohttp_closed() -> tuple[type[BaseException], ...]:
    """aiohttp's "connection closed" errors, if aiohttp is loaded: only Scrapy's download
    handler without the reactor loads it, and an error of a module never loaded cannot occur.
    Importing aiohttp costs ~0.2 s of every start (it builds an SSL context at import), which
    the reactor mode, the default, has no use for."""
    aiohttp = sys.modules.get("aiohttp")
    if aiohttp is None:
        return ()
    return (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


def classify_status(status: int, missing_statuses: Collection[int] = ()) -> Problem | None:
    """A refusal, or None for any other answer (the site is there). A status the user
    declared to mean "missing" (LOUVRE_MISSING_STATUSES) is an answer, not a refusal."""
    if status not in REFUSING_STATUSES or status in missing_statuses:
        return None
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # pragma: no cover - both statuses are known
        phrase = ""
    return Problem(REFUSED, f"{status} {phrase}".strip())


def give_up_message(problem: Problem, host: str, failures: int, seconds: float) -> str:
    """The one line that ends a crawl: what happened, and what to check."""
    if problem.kind == UNREACHABLE:
        return (
            f"cannot reach {host}: {problem.detail}"
            f" ({failures} requests in a row failed over {seconds:.0f}s)"
        )
    if problem.detail == "robots.txt":
        return (
            f"{host}'s robots.txt forbids every request of this crawl to our User-Agent"
            f" ({failures} in a row) — read {host}/robots.txt and the site's terms"
        )
    advice = (
        "the site wants a login"
        if problem.detail.startswith("401")
        else "it may block this address or User-Agent; open the site in a browser from this machine"
    )
    return f"{host} answers {problem.detail} to every request ({failures} in a row) — {advice}"


@dataclass
class Streak:
    """Consecutive attempts without an answer, and whether it is time to give up."""

    failures_limit: int
    seconds_limit: float
    last_answer: float  # monotonic time of the last answer (or of the start)
    refused: int = 0
    unreachable: int = 0
    last: dict[str, tuple[Problem, str]] = field(default_factory=dict)  # kind -> (problem, host)
    refused_units: set[str] = field(default_factory=set)  # what the refusals were for

    @property
    def failures(self) -> int:
        return self.refused + self.unreachable

    @property
    def failing(self) -> bool:
        """Long enough that per-item failures are the site's, not the items'."""
        return self.failures >= min(QUIET_AFTER, self.failures_limit)

    def answer(self, now: float) -> int:
        """The site answered: end the streak; return its length."""
        ended = self.failures
        self.refused = self.unreachable = 0
        self.last.clear()
        self.refused_units.clear()
        self.last_answer = now
        return ended

    def failure(
        self, problem: Problem, host: str, now: float, unit: str | None = None
    ) -> str | None:
        """Count one failed attempt; return the reason to stop (REFUSED/UNREACHABLE) or None.

        Refusals count once per *unit* (a record, with all its images; an ID): the site is
        judged, not one record whose 90 images are forbidden."""
        if problem.kind == REFUSED:
            if unit is not None and unit in self.refused_units:
                return None
            if unit is not None:
                self.refused_units.add(unit)
            self.refused += 1
        else:
            self.unreachable += 1
        self.last[problem.kind] = (problem, host)
        if self.refused >= self.failures_limit:
            return REFUSED
        if self.failures >= self.failures_limit and now - self.last_answer >= self.seconds_limit:
            return problem.kind
        return None


class ReachabilityGuard:
    """Downloader middleware (next to the downloader): watch every attempt, stop if hopeless."""

    def __init__(
        self, crawler: Crawler, config: LouvreConfig, clock: Callable[[], float] = time.monotonic
    ):
        self.crawler = crawler
        self.clock = clock
        self.missing_statuses = config.missing_statuses
        self.streak = Streak(config.give_up_failures, config.give_up_seconds, clock())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        guard = cls(crawler, config_of(crawler))
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        return guard

    def spider_opened(self, spider: Spider) -> None:
        self.streak.last_answer = self.clock()

    def process_response(self, request: Request, response: Response) -> Response:
        problem = classify_status(response.status, self.missing_statuses)
        if problem is not None:
            self._failed(problem, request)
            return response
        if self.streak.failing:
            logger.warning(
                "%s answers again, after %d failed requests over %.0fs",
                urlparse_cached(request).netloc,
                self.streak.failures,
                self.clock() - self.streak.last_answer,
            )
        self.streak.answer(self.clock())
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        problem = classify_exception(exception)
        if problem is not None:
            self._failed(problem, request)

    def _failed(self, problem: Problem, request: Request) -> None:
        now = self.clock()
        key = UNIT_META.get(kind_of(request))
        unit = request.meta.get(key, request.url) if key else request.url
        reason = self.streak.failure(problem, urlparse_cached(request).netloc, now, str(unit))
        if reason is None or is_stopping(self.crawler):
            return
        self._give_up(reason, now)

    def give_up_now(self) -> bool:
        """Stop at once if the current streak has a problem (the crawl has nothing else to
        try); False if the site answered last."""
        if not self.streak.last or is_stopping(self.crawler):
            return False
        reason = REFUSED if self.streak.refused >= self.streak.unreachable else UNREACHABLE
        self._give_up(reason if reason in self.streak.last else next(iter(self.streak.last)))
        return True

    def _give_up(self, reason: str, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        last, host = self.streak.last[reason]
        message = give_up_message(last, host, self.streak.failures, now - self.streak.last_answer)
        stop_crawl(self.crawler, reason, message)


def give_up_if_failing(crawler: Crawler) -> bool:
    """When a spider cannot go on (e.g. no sitemap could be read), stop now with the guard's
    one line if the site is what failed; False if it was not."""
    guard = crawler.get_downloader_middleware(ReachabilityGuard)
    return guard is not None and guard.give_up_now()


def site_failing(crawler: Crawler) -> bool:
    """True while the site fails as a whole (or the crawl is stopping): per-item failure
    lines would only repeat the one line the guard logs, so log them at DEBUG."""
    try:
        guard = crawler.get_downloader_middleware(ReachabilityGuard)
    except RuntimeError:  # no engine: a spider fed hand-built responses
        return False
    return (guard is not None and guard.streak.failing) or is_stopping(crawler)
