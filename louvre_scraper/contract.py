"""What the project's components tell each other, named once.

Spiders, downloader middlewares, the pipeline and the extensions meet in three places:

* request meta keys (``*_META``): what a request is (:class:`RequestKind`, told by
  :func:`kind_of`), and the verdict on its answer;
* the ``status`` of items and images (:class:`Status`);
* crawler stats: what the progress line, the summary and the exit status count;
* :class:`MirrorSpider`: what both spiders offer the progress line, the summary and the exit
  status (its :meth:`~MirrorSpider.report`), instead of attributes read through ``getattr``;
* signals (:data:`file_not_stored`): what flows back from the mirror, as Scrapy's own
  ``item_dropped`` does, never a method of the spider called by the mirror.

Plain names and a Protocol, no Twisted.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from louvre_scraper.errors import BadInput

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.statscollectors import StatsCollector


# -- the verdict on an answer ---------------------------------------------------------------
class Verdict(enum.Enum):
    WHOLE = "whole"  # a whole body of what was asked (zip, record, image): store it
    MISSING = "missing"  # the ID holds nothing: count it, never store or retry it
    RETRY = "retry"  # a transient failure or a damaged body: ask again
    FAILED = "failed"  # a permanent failure that is not "missing" (403, 400, ...)
    CURRENT = "current"  # 304 Not Modified to a conditional request: the stored one is current


# -- what a request is ----------------------------------------------------------------------
class RequestKind(enum.StrEnum):
    """What a request fetches: set by whoever builds it (:data:`KIND_META`), told by
    :func:`kind_of` alone. The judge, the fetch policy's limits, the retry reasons and the
    reachability guard are tables keyed by it."""

    ZIP = "zip"  # an ID's zip (``louvre`` spider): judged from its body
    PROBE = "probe"  # an ID's zip asked for its headers only (the upper-bound search)
    RECORD = "record"  # a record's ``.json`` (``collection`` spider)
    IMAGE = "image"  # a record's full-size image
    SITEMAP = "sitemap"  # the walk's requests: robots.txt's ``Sitemap:`` lines, sitemaps
    ROBOTS = "robots"  # RobotsTxtMiddleware's own request for robots.txt


JUDGED = frozenset({RequestKind.ZIP, RequestKind.PROBE, RequestKind.RECORD, RequestKind.IMAGE})


def kind_of(request: Request) -> RequestKind:
    """What *request* fetches. A request without :data:`KIND_META` is the walk's
    (``sitemap``), or robots.txt asked by Scrapy's RobotsTxtMiddleware, which marks it
    ``dont_obey_robotstxt`` and sets no meta of ours (``robots``)."""
    kind = request.meta.get(KIND_META)
    if kind is not None:
        return RequestKind(kind)
    if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
        return RequestKind.ROBOTS
    return RequestKind.SITEMAP


def is_judged(request: Request) -> bool:
    """Requests whose answer the judge gives a verdict on (zips, probes, records, images)."""
    return kind_of(request) in JUDGED


# -- item and image statuses -----------------------------------------------------------------
class Status(enum.StrEnum):
    """An item's or an image's ``status`` in the feed and the exports (a ``str``: the feed's
    values are these very strings)."""

    DOWNLOADED = "downloaded"  # fetched and stored by this run
    UPTODATE = "uptodate"  # already in the store, current
    FILTERED = "filtered"  # stored for a later run, left out of the feed by a filter
    MISSING = "missing"  # an image its record lists that is not in the store (the site's 404)
    FAILED = "failed"  # an image that could not be fetched or stored
    STORED = "stored"  # read back from the store (``scrapy export``)
    LEFT_OUT = "left_out"  # an image the crawl left out on purpose (a filter, ``images=``)


# -- request meta ----------------------------------------------------------------------------
KIND_META = "louvre_kind"  # what the request fetches: a RequestKind (see kind_of)
ID_META = "louvre_id"  # the artwork ID of a zip or probe request
VERDICT_META = "louvre_verdict"  # the verdict on the answer (a Verdict's value): set by the judge
ARK_META = "louvre_ark"  # the ark of a record or image request
IMAGE_META = "louvre_image"  # index of the image in its record item's ``images``
OLD_IMAGES_META = "louvre_old_images"  # {stem: url} of the stored version of the record
RUN_META = "louvre_run"  # which run asked for a sitemap, a record or an image
LIMIT_META = "louvre_limit"  # (setting or None, bytes): the limit this request's body got
MAXSIZE_META = "download_maxsize"  # Scrapy's, per request
WARNSIZE_META = "download_warnsize"  # Scrapy's, per request
CUT_META = "louvre_cut"  # True: cut by the in-flight budget
BUDGET_TRIES_META = "louvre_budget_tries"  # times the request was cut by the budget

# -- JOBDIR ----------------------------------------------------------------------------------
CLEAN_KEY = "louvre_clean"  # in spider.state: the run that saved it closed (its queue is whole)

# -- crawler stats ---------------------------------------------------------------------------
FAILED_STAT = "louvre/failed"  # every spider: items that failed for good (exit status 3)
STOP_STAT = "louvre/stopped"  # the reason given to louvre_scraper.exitstatus.stop_crawl, if any
UNFINISHED_STAT = "louvre/unfinished"  # units listed whose outcome the run did not learn:
# Counts.unfinished, noted as the spider closes; the exit status reads it
# Entries of the store walked by a long store operation (the listing at start, the look for
# withdrawn records), counted as they go (utils/heartbeat.py): movement, for the stall watchdog
STORE_WALKED_STAT = "louvre/store_walked"

# -- signals ---------------------------------------------------------------------------------
# The mirror could not store a file; sent with ``key`` (an ID, an ark), ``url`` and ``kind``
# ("zip", "record", "image"). The mirror says why, once; the spider counts it as failed.
file_not_stored = object()
# The spider's job state (MirrorSpider.job_state) took a step worth saving at once (a sitemap
# read): JOBDIR's state is saved then, not only every few seconds.
job_state_changed = object()
# A stop that did not end is being forced (the watchdog): no spider_closed will follow, so what
# closing says (the summary) is said now.
stop_forced = object()


class ZipStats:
    """The zip route's counts (``louvre`` spider)."""

    IDS = "louvre/ids"  # handed out
    STORED = "louvre/stored"
    MISSING = "louvre/missing"
    FAILED = FAILED_STAT
    SKIPPED = "louvre/skipped"  # already in the store
    BYTES = "louvre/bytes"
    RESTORED = "louvre/restored"  # requests a resumed job got back from JOBDIR's queue
    PROBE_REQUESTS = "louvre/probe_requests"
    UPPER_BOUND = "louvre/upper_bound"


class CollectionStats:
    """The collection route's counts (``collection`` spider)."""

    SITEMAPS = "collection/sitemaps"  # read completely
    SITEMAPS_FAILED = "collection/sitemaps_failed"
    RECORDS = "collection/records"  # handed out
    RECORDS_FETCHED = "collection/records_fetched"
    RECORDS_NOT_MODIFIED = "collection/records_not_modified"  # 304 to a conditional request
    RECORDS_STORED = "collection/records_stored"  # fetched (the summary's word), settled
    RECORDS_UNCHANGED = "collection/records_unchanged"  # fetched, the same bytes: not rewritten
    RECORDS_UPTODATE = "collection/records_uptodate"
    RECORDS_MISSING = "collection/records_missing"
    RECORDS_FAILED = "collection/records_failed"
    RECORDS_FILTERED = "collection/records_filtered"
    RECORDS_WITHDRAWN = "collection/records_withdrawn"
    IMAGES_STORED = "collection/images_stored"
    IMAGES_UPTODATE = "collection/images_uptodate"
    IMAGES_MISSING = "collection/images_missing"
    IMAGES_FAILED = "collection/images_failed"
    IMAGES_REPLACED = "collection/images_replaced"  # stored, then listed with another URL
    BYTES = "collection/bytes"  # records' and images' (the images' alone: IMAGE_BYTES)
    IMAGE_BYTES = "collection/image_bytes"
    OBSOLETE = "collection/obsolete"
    PRUNED = "collection/pruned"
    PRUNE_REFUSED = "collection/prune_refused"  # files a prune would delete, over LOUVRE_PRUNE_MAX
    CHANGES_FILE = "collection/changes_file"  # this run's change log, in the store (a path)
    CHANGES = "collection/changes"  # its counts, in words
    JOB_CHANGES = "collection/job_changes"  # a resumed job's, all its runs (JOBDIR), in words


# -- how the work is split -------------------------------------------------------------------
_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``: the IDs with ``id % count == index``."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str | None) -> Shard:
        if text is None or text == "":
            return cls()
        match = _SHARD_RE.match(str(text))
        if not match:
            raise BadInput(f"bad argument shard={text!r}: expected K/N, e.g. shard=0/3")
        index, count = int(match[1]), int(match[2])
        if count < 1:
            raise BadInput(f"bad argument shard={text!r}: N must be at least 1")
        if index >= count:
            raise BadInput(f"bad argument shard={text!r}: K must be below N (0 <= K < N)")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def next_id(self, at_least: int) -> int:
        """This shard's first ID that is at least *at_least*."""
        return at_least + (self.index - at_least) % self.count

    def ids(self, first: int, last: int) -> range:
        """This shard's IDs in ``first..last`` (inclusive), ascending."""
        return range(self.next_id(first), last + 1, self.count)


# -- what a spider counts --------------------------------------------------------------------
@dataclass(frozen=True)
class Counts:
    """What became of a spider's units (IDs, records): each ends in one of the outcomes."""

    ids: int = 0  # handed out
    stored: int = 0
    missing: int = 0
    failed: int = 0
    skipped: int = 0
    bytes: int = 0

    @property
    def done(self) -> int:
        """Units whose outcome is known."""
        return self.stored + self.missing + self.failed + self.skipped

    def unfinished(self, listed: int | None = None) -> int:
        """Units left without an outcome: of those handed out, or of those *listed* (the
        collection's counts add up to its listing). An exit 0 needs none."""
        return max(0, max(self.ids, listed or 0) - self.done)


@dataclass(frozen=True)
class Units:
    """What a spider counts: its unit's name and the stat behind each field of :class:`Counts`."""

    name: str  # "IDs", "records"
    stats: tuple[str, ...]  # one stat key per field of Counts, in order

    def count(self, stats: StatsCollector) -> Counts:
        return Counts(*(int(stats.get_value(key, 0)) for key in self.stats))


ZIP_UNITS = Units(
    "IDs",
    (
        ZipStats.IDS,
        ZipStats.STORED,
        ZipStats.MISSING,
        ZipStats.FAILED,
        ZipStats.SKIPPED,
        ZipStats.BYTES,
    ),
)
# A record is handed out, then stored, already current (skipped), missing or failed.
RECORD_UNITS = Units(
    "records",
    (
        CollectionStats.RECORDS,
        CollectionStats.RECORDS_STORED,
        CollectionStats.RECORDS_MISSING,
        CollectionStats.RECORDS_FAILED,
        CollectionStats.RECORDS_UPTODATE,
        CollectionStats.BYTES,
    ),
)


# -- what a route reports at the end ----------------------------------------------------------
@dataclass(frozen=True)
class ZipReport:
    """The zip route's (``louvre`` spider) range and what probing found."""

    start: int
    end: int | None  # None: up to the bound found by probing, then the tail walk
    shard: Shard
    bound: int | None  # None: not found (stopped while probing)
    highest_zip: int

    @property
    def listed(self) -> None:
        """The zip route counts the IDs it handed out, not a listing."""
        return None

    @property
    def earlier(self) -> int:
        """A resumed zip job counts this run's IDs only."""
        return 0

    @property
    def earlier_bytes(self) -> int:
        return 0


@dataclass(frozen=True)
class EmptyFilter:
    """A filter (``-a collection=``/``type=``) that kept no record, and what it saw instead."""

    name: str
    wanted: str
    told: str  # the values seen, most common first


@dataclass(frozen=True)
class CollectionReport:
    """The collection route's (``collection`` spider) listing and how far its walk went."""

    listed: int | None  # records listed for this shard; None: the walk did not end
    shard: Shard
    walk_complete: bool  # every sitemap was read
    empty_filters: tuple[EmptyFilter, ...] = ()
    earlier: int = 0  # records settled by earlier runs of the job (JOBDIR): not this run's work
    earlier_bytes: int = 0  # the bytes they stored (in the counts, not in this run's rate)
    # While the walk did not end (listed None): the records listed so far, by this run's
    # walk or, for a resumed job, by its saved walk and ledger (JOBDIR).
    listed_so_far: int = 0
    job_listing: bool = False  # listed_so_far is the job's (its saved walk), not this run's


RouteReport = ZipReport | CollectionReport


@runtime_checkable
class MirrorSpider(Protocol):
    """What both spiders offer the progress line, the summary and the exit status."""

    units: Units  # what the progress line and the summary count
    planned: int | None  # units this run must settle; None while the total is not known
    walks_tail: bool  # the zip route walks on past its planned IDs

    @property
    def shard(self) -> Shard: ...

    @property
    def failed_for_good(self) -> list[Any]:
        """What failed for good, sorted: listed in the failed file, tried again next run."""
        ...

    def finding_total(self) -> str:
        """The progress line while :attr:`planned` is None."""
        ...

    def report(self) -> RouteReport:
        """What the route did, for the summary."""
        ...

    def job_state(self) -> dict[str, Any]:
        """What a resumed job needs (JOBDIR's ``spider.state``), at any instant: saved as the
        job goes, and as it closes."""
        ...


# -- spider arguments --------------------------------------------------------------------------
@dataclass(frozen=True)
class SpiderArgument:
    """One ``-a NAME=VALUE`` a spider takes, declared once in the spider's ``arguments``: what
    ``scrapy crawl SPIDER --help`` lists, what :func:`~louvre_scraper.errors.check_arguments`
    accepts (any other name is refused), and what tests/test_readme.py looks for in the
    README's first table and docs/settings.md."""

    name: str
    type: str  # the value as a user writes it: "TEXT", "N", "K/N", "all|first|none"
    default: str  # what the spider does without it, in words
    help: str  # one sentence


@dataclass(frozen=True)
class Validators:
    """What the site sent with a record's ``.json`` to tell its version (RFC 9110): asked
    back as ``If-None-Match`` / ``If-Modified-Since``, a ``304`` says the stored one is it."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, headers: Any) -> Validators | None:
        """From a response's headers; None when it carries neither."""
        etag, modified = headers.get(b"ETag"), headers.get(b"Last-Modified")
        if not etag and not modified:
            return None
        return cls(
            etag.decode("latin-1") if etag else None,
            modified.decode("latin-1") if modified else None,
        )

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class StorePlan:
    """What the planner tells the mirror of a record, beside its item (the item's ``plan``):
    each image's file stem by index in ``images``, the images left out on purpose
    ``(stem, url, argument)``, and the validators sent with a ``.json`` fetched now."""

    stems: tuple[str, ...] = ()
    left_out: tuple[tuple[str, str, str], ...] = ()
    validators: Validators | None = None
