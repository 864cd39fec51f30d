"""What the user got: a closing summary in the log.

What each route did comes from the spider's report (:meth:`MirrorSpider.report
<louvre_scraper.contract.MirrorSpider.report>`), what it counted from the crawler stats, and
where the lists beside the store went from the mirror's report
(:meth:`louvre_scraper.store.mirror.Mirror.report`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy import signals

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import (
    STOP_STAT,
    CollectionReport,
    CollectionStats,
    Counts,
    EmptyFilter,
    MirrorSpider,
    RouteReport,
    ZipReport,
    stop_forced,
)
from louvre_scraper.exitstatus import FINISHED, REFUSED, SHUTDOWN, STORE_FULL, UNREACHABLE
from louvre_scraper.store.mirror import mirror_of
from louvre_scraper.utils.display import MB, format_duration

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

FIRST_FAILED_SHOWN = 10
# How the first line reads for each finish reason (any other: "stopped (<reason>)").
HEADLINES = {
    FINISHED: "finished",
    SHUTDOWN: "stopped before the end (Ctrl-C or cancel)",
    UNREACHABLE: "stopped: the site cannot be reached",
    REFUSED: "stopped: the site refuses our requests",
    STORE_FULL: "stopped: the store takes no more files",
}


def zip_lines(counts: Counts, report: ZipReport, store: str) -> list[str]:
    """The zip route's lines: the ID range, what became of the IDs."""
    shard = f" (shard {report.shard})" if report.shard.count > 1 else ""
    if report.end is not None:
        span = f"IDs {report.start}..{report.end}{shard}"
    else:
        found = (
            "not found (stopped while probing)"
            if report.bound is None
            else f"{report.bound} found by probing"
        )
        span = (
            f"IDs {report.start}.. up to {report.highest_zip or 'none'}{shard}, upper bound {found}"
        )
    return [
        f"  range:   {span}",
        f"  IDs:     {counts.ids} handed out: {counts.stored} zips stored"
        f" ({counts.bytes / MB:.1f} MB), {counts.skipped} already there,"
        f" {counts.missing} missing, {counts.failed} failed" + _unfinished(counts, report),
        f"  zips in: {store}",
    ]


def record_lines(
    counts: Counts,
    report: CollectionReport,
    stats: dict[str, Any],
    store: str,
    obsolete_file: Path | None,
) -> list[str]:
    """The collection route's lines: records, images, and what the sitemaps no longer list."""

    def get(key: str) -> int:
        return int(stats.get(key, 0))

    done = CollectionStats

    shard = f" (shard {report.shard})" if report.shard.count > 1 else ""
    filtered = get(done.RECORDS_FILTERED)
    images = get(done.IMAGE_BYTES)
    lines = [
        f"  records: {_listed(report)} in {get(done.SITEMAPS)} sitemaps{shard}:"
        f" {counts.stored} fetched, {counts.skipped} already current, {counts.missing} missing,"
        f" {counts.failed} failed" + _unfinished(counts, report),
        f"  images:  {get(done.IMAGES_STORED)} stored, {get(done.IMAGES_UPTODATE)} already"
        f" there, {get(done.IMAGES_MISSING)} gone from the site, {get(done.IMAGES_FAILED)}"
        " failed",
        f"  bytes:   {(counts.bytes - images) / MB:.1f} MB of records, {images / MB:.1f} MB of"
        f" images ({counts.bytes / MB:.1f} MB in all)",
    ]
    if get(done.IMAGES_REPLACED):
        lines.append(
            f"  replaced: {get(done.IMAGES_REPLACED)} stored images the records now list with"
            " another URL"
        )
    if filtered:
        lines.append(f"  filter:  {filtered} records did not match: stored, not in the feed")
    lines += filter_lines(report.empty_filters)
    obsolete, pruned = get(done.OBSOLETE), get(done.PRUNED)
    withdrawn = get(done.RECORDS_WITHDRAWN)
    if pruned:
        lines.append(f"  pruned:  {pruned} files the collection no longer lists")
    elif get(done.PRUNE_REFUSED):
        lines.append(
            f"  pruned:  nothing: {get(done.PRUNE_REFUSED)} files is over LOUVRE_PRUNE_MAX"
            " (raise it to prune them)"
        )
    elif obsolete or withdrawn:
        where = f", named in {obsolete_file}" if obsolete_file else ""
        lines.append(
            f"  changes: {withdrawn} records withdrawn; {obsolete} stored files"
            f" the collection no longer lists{where} (kept; -s LOUVRE_PRUNE=True removes them)"
        )
    if report.earlier and report.earlier == report.listed:
        lines.append(
            f"  job:     already complete: its earlier runs settled all {report.listed} listed"
            " records (JOBDIR); this run had nothing to do"
        )
    if not report.walk_complete and report.listed is not None:
        lines.append("  sitemaps: not all could be read: withdrawn records were not looked for")
    if stats.get(done.CHANGES_FILE):
        lines.append(
            f"  changed: {stats.get(done.CHANGES)}, listed in {stats[done.CHANGES_FILE]} (this run)"
        )
    elif stats.get(done.CHANGES) == "nothing":
        lines.append("  changed: nothing in the store (no change log written), this run")
    if stats.get(done.JOB_CHANGES):
        lines.append(f"  changed: {stats[done.JOB_CHANGES]}")
    lines.append(f"  mirror:  {store}")
    return lines


def filter_lines(empty: Iterable[EmptyFilter]) -> list[str]:
    """A filter that kept nothing: the values it saw instead, most common first."""
    return [f"  filter:  {f.name}={f.wanted!r} kept no record; {f.told}" for f in empty]


def _listed(report: CollectionReport) -> str:
    """The listing: the walk's, or as far as it went (a resumed job's: its saved walk)."""
    if report.listed is not None:
        return f"{report.listed} listed"
    if report.job_listing:
        return f"{report.listed_so_far} listed by the job so far (its saved walk, JOBDIR)"
    return f"{report.listed_so_far} listed so far (the walk did not end)"


def _unfinished(counts: Counts, report: RouteReport) -> str:
    """What is left without an outcome (:meth:`Counts.unfinished`)."""
    listed = report.listed
    if isinstance(report, CollectionReport) and listed is None:
        listed = report.listed_so_far
    unfinished = counts.unfinished(listed)
    return f", {unfinished} unfinished" if unfinished else ""


def summary_lines(
    counts: Counts,
    *,
    elapsed: float,
    reason: str,
    report: RouteReport,
    failed: list[Any],
    failed_file: Path | None,
    store: str,
    failed_file_error: str | None = None,
    resumable: bool = False,
    stats: dict[str, Any] | None = None,
    obsolete_file: Path | None = None,
) -> list[str]:
    seconds = max(elapsed, 1e-9)
    headline = HEADLINES.get(reason, f"stopped ({reason})")
    if isinstance(report, ZipReport):
        unit = "IDs"
        lines = [f"Louvre crawl {headline} after {format_duration(elapsed)}"]
        lines += zip_lines(counts, report, store)
    else:
        unit = "records"
        lines = [f"Louvre collection mirror {headline} after {format_duration(elapsed)}"]
        lines += record_lines(counts, report, stats or {}, store, obsolete_file)
    lines.insert(
        -1,
        # This run's work over this run's time (a resumed job's earlier records are not).
        f"  rate:    {(counts.done - report.earlier) / seconds:.1f} {unit}/s,"
        f" {(counts.bytes - report.earlier_bytes) / MB / seconds:.2f} MB/s",
    )
    if failed:
        shown = ", ".join(map(str, failed[:FIRST_FAILED_SHOWN]))
        more = (
            f" and {len(failed) - FIRST_FAILED_SHOWN} more"
            if len(failed) > FIRST_FAILED_SHOWN
            else ""
        )
        where = f"; all of them in {failed_file}" if failed_file else ""
        if failed_file_error:
            where = f"; could not list them all in {failed_file}: {failed_file_error}"
        lines.append(f"  failed:  {shown}{more}{where} (the next run tries them again)")
    if reason == UNREACHABLE:
        lines.append(
            "  next:    check the network (and LOUVRE_BASE_URL: the line above says what failed),"
            " then run the same command again"
        )
    elif reason != FINISHED:
        how = (
            "run the same command again (same JOBDIR) to go on where it stopped"
            if resumable
            else "run the same command again: what is already stored is skipped"
        )
        lines.append(f"  next:    {how}")
    return lines


class Summary:
    def __init__(self, crawler: Crawler, config: LouvreConfig):
        self.crawler = crawler
        self.config = config
        self.said = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, config_of(crawler))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.stop_forced, signal=stop_forced)
        return extension

    def stop_forced(self) -> None:
        """A stop the watchdog forces: the spider will not close, the summary is said now
        (the lists beside the store are as the last clean close left them)."""
        if self.crawler.spider is not None:
            self.spider_closed(self.crawler.spider, SHUTDOWN)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not isinstance(spider, MirrorSpider) or self.said:
            return
        self.said = True
        stats = self.crawler.stats
        assert stats is not None
        failed = spider.failed_for_good
        mirror = mirror_of(self.crawler)  # wrote the lists
        owner = mirror.report() if mirror is not None else None
        failed_list = owner.failed_list if owner is not None else None
        failed_file = failed_list.path if failed_list is not None else None
        store = self.config.files_store
        if self.config.is_local_store:
            store = str(self.config.local_store_dir.absolute())
        reason = stats.get_value(STOP_STAT) or reason
        started = stats.get_value("start_time")
        elapsed = (datetime.now(tz=timezone.utc) - started).total_seconds() if started else 0.0
        lines = summary_lines(
            spider.units.count(stats),
            elapsed=elapsed,
            reason=reason,
            report=spider.report(),
            failed=failed,
            failed_file=failed_file if failed else None,
            store=store,
            failed_file_error=failed_list.error if failed_list is not None else None,
            resumable=bool(self.crawler.settings.get("JOBDIR")),
            stats=stats.get_stats(),
            obsolete_file=owner.obsolete_file if owner is not None else None,
        )
        logger.info("\n".join(lines))
