"""What the user got: a closing summary in the log, and what failed in a file.

The failed IDs (zip route) or URLs (collection route) go to ``LOUVRE_FAILED_IDS_FILE``, by
default a file *beside* a local store (``downloads.failed-ids.txt`` or ``downloads.failed.txt``
next to ``downloads/``, one per shard), never inside it: the store holds what was downloaded
and nothing else. The file is rewritten at the end of every run, and removed when a run leaves
no failure; the next run tries those again anyway, since they are not in the store. If it
cannot be written (a full disk), the summary says so instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from scrapy import signals

from louvre_scraper.config import LouvreConfig, config_of
from louvre_scraper.contract import STOP_STAT, ZIP_UNITS, CollectionStats, Counts, MirrorSpider
from louvre_scraper.exitstatus import FINISHED, REFUSED, SHUTDOWN, STORE_FULL, UNREACHABLE
from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.layout import beside_store
from louvre_scraper.store.obsolete import obsolete_list_path
from louvre_scraper.utils.display import MB, format_duration

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self

    from louvre_scraper.contract import Shard
    from louvre_scraper.records.filters import FilterTally
    from louvre_scraper.spiders.collection import CollectionSpider
    from louvre_scraper.spiders.louvre import LouvreSpider

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


def failed_ids_path(config: LouvreConfig, shard: Shard, stem: str = "failed-ids") -> Path | None:
    if config.failed_ids_file:
        return Path(config.failed_ids_file).absolute()
    return beside_store(config, stem, shard)


def zip_lines(counts: Counts, spider: LouvreSpider, store: str) -> list[str]:
    """The zip route's lines: the ID range, what became of the IDs."""
    id_range = spider.id_range
    shard = f" (shard {id_range.shard})" if id_range.shard.count > 1 else ""
    if id_range.end is not None:
        span = f"IDs {id_range.start}..{id_range.end}{shard}"
    else:
        found = (
            "not found (stopped while probing)"
            if spider.bound is None
            else f"{spider.bound} found by probing"
        )
        span = (
            f"IDs {id_range.start}.. up to {spider.highest_zip or 'none'}{shard},"
            f" upper bound {found}"
        )
    return [
        f"  range:   {span}",
        f"  IDs:     {counts.ids} handed out: {counts.stored} zips stored"
        f" ({counts.bytes / MB:.1f} MB), {counts.skipped} already there,"
        f" {counts.missing} missing, {counts.failed} failed" + _unfinished(counts),
        f"  zips in: {store}",
    ]


def record_lines(
    counts: Counts,
    spider: CollectionSpider,
    stats: dict[str, Any],
    store: str,
    obsolete_file: Path | None,
) -> list[str]:
    """The collection route's lines: records, images, and what the sitemaps no longer list."""

    def get(key: str) -> int:
        return int(stats.get(key, 0))

    done = CollectionStats

    shard = f" (shard {spider.shard})" if spider.shard.count > 1 else ""
    filtered = get(done.RECORDS_FILTERED)
    lines = [
        f"  records: {spider.planned or 0} listed in {get(done.SITEMAPS)} sitemaps{shard}:"
        f" {counts.stored} stored, {counts.skipped} already current, {counts.missing} missing,"
        f" {counts.failed} failed" + _unfinished(counts, spider.planned),
        f"  images:  {get(done.IMAGES_STORED)} stored, {get(done.IMAGES_UPTODATE)} already"
        f" there, {get(done.IMAGES_MISSING)} gone from the site, {get(done.IMAGES_FAILED)}"
        f" failed ({counts.bytes / MB:.1f} MB in all)",
    ]
    if filtered:
        lines.append(f"  filter:  {filtered} records did not match: stored, not in the feed")
    lines += filter_lines(getattr(spider, "filters", None))
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
    if not spider.walk_complete and spider.planned is not None:
        lines.append("  sitemaps: not all could be read: withdrawn records were not looked for")
    lines.append(f"  mirror:  {store}")
    return lines


def filter_lines(filters: FilterTally | None) -> list[str]:
    """A filter that kept nothing: the values it saw instead, most common first."""
    if filters is None or filters.kept or not filters.seen:
        return []
    return [
        f"  filter:  {name}={wanted!r} kept no record; {filters.told(name)}"
        for name, wanted in filters.wanted.items()
    ]


def _unfinished(counts: Counts, listed: int | None = None) -> str:
    """What is left without an outcome: of the units handed out, or of those *listed* (the
    collection's counts add up to its listing)."""
    total = max(counts.ids, listed or 0)
    return f", {total - counts.done} unfinished" if total > counts.done else ""


def summary_lines(
    counts: Counts,
    *,
    elapsed: float,
    reason: str,
    spider: MirrorSpider,
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
    units = spider.units
    if units is ZIP_UNITS:
        lines = [f"Louvre crawl {headline} after {format_duration(elapsed)}"]
        lines += zip_lines(counts, cast("LouvreSpider", spider), store)
    else:
        lines = [f"Louvre collection mirror {headline} after {format_duration(elapsed)}"]
        lines += record_lines(
            counts, cast("CollectionSpider", spider), stats or {}, store, obsolete_file
        )
    lines.insert(
        -1,
        f"  rate:    {counts.done / seconds:.1f} {units.name}/s,"
        f" {counts.bytes / MB / seconds:.2f} MB/s",
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
    if reason != FINISHED:
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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, config_of(crawler))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not isinstance(spider, MirrorSpider):
            return
        units = spider.units
        stats = self.crawler.stats
        assert stats is not None
        failed = spider.failed_for_good
        stem = "failed-ids" if units is ZIP_UNITS else "failed"
        failed_file = failed_ids_path(self.config, spider.shard, stem)
        failed_file_error = None
        try:
            if failed_file is not None and failed:
                write_atomically(failed_file, "".join(f"{i}\n" for i in failed).encode())
            elif failed_file is not None:
                failed_file.unlink(missing_ok=True)
        except OSError as error:
            failed_file_error = error.strerror or str(error)
        store = self.config.files_store
        if self.config.is_local_store:
            store = str(self.config.local_store_dir.absolute())
        reason = stats.get_value(STOP_STAT) or reason
        started = stats.get_value("start_time")
        elapsed = (datetime.now(tz=timezone.utc) - started).total_seconds() if started else 0.0
        lines = summary_lines(
            units.count(stats),
            elapsed=elapsed,
            reason=reason,
            spider=spider,
            failed=failed,
            failed_file=failed_file if failed else None,
            store=store,
            failed_file_error=failed_file_error,
            resumable=bool(self.crawler.settings.get("JOBDIR")),
            stats=stats.get_stats(),
            obsolete_file=obsolete_list_path(self.config, spider.shard),
        )
        logger.info("\n".join(lines))
