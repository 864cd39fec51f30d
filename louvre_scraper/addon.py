"""The project's Scrapy add-on: every component and fixed setting the crawls rely on.

``settings.py`` enables it in ``ADDONS`` and keeps only what a user would change. The add-on
sets its values at Scrapy's "addon" priority, so a value from ``settings.py`` or ``-s`` wins,
and adds its components to Scrapy's component dictionaries key by key, so a user's own
``-s DOWNLOADER_MIDDLEWARES=...`` (or any other) is merged with them, the user's value winning
for a component both name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.settings import SETTINGS_PRIORITIES

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

ADDON_PRIORITY = SETTINGS_PRIORITIES["addon"]

_OURS = "louvre_scraper"

COMPONENTS: dict[str, dict[str, int | None]] = {
    "DOWNLOADER_MIDDLEWARES": {
        # First in line: only the site's own http(s) URLs leave, each body with its size limit.
        f"{_OURS}.downloadermiddlewares.fetchpolicy.FetchPolicy": 50,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        f"{_OURS}.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
        # The verdict on every answer, between the redirects (600: the final answer is judged)
        # and the retries (550: they act on it).
        f"{_OURS}.downloadermiddlewares.judge.BodyJudge": 560,
        # Scrapy's, fixed so that the requests waiting for robots.txt obey it too.
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        f"{_OURS}.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
        # Next to the downloader, so that it sees every attempt: stops a hopeless crawl.
        f"{_OURS}.downloadermiddlewares.reachability.ReachabilityGuard": 950,
        # Compression for text only, at Scrapy's own place: zips and images do not compress.
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        f"{_OURS}.downloadermiddlewares.compression.TextCompression": 590,
        # What a download job of one site has no use for: cookies, HTTP auth, an offsite
        # filter (the fetch policy refuses other hosts), <meta refresh> in HTML.
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    },
    # Requests come from start(), never from a page: no depth or URL length to track.
    "SPIDER_MIDDLEWARES": {
        "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    },
    "ITEM_PIPELINES": {f"{_OURS}.pipelines.files.LouvreFilesPipeline": 300},
    "EXTENSIONS": {
        # Progress with ETA replaces LogStats' pages/min, and a closing summary.
        "scrapy.extensions.logstats.LogStats": None,
        f"{_OURS}.extensions.progress.Progress": 0,
        f"{_OURS}.extensions.summary.Summary": 0,
        # Masks AWS_SECRET_ACCESS_KEY & co. in the log ("Overridden settings" would print them).
        f"{_OURS}.extensions.redact.RedactSecrets": 0,
        # No traceback for a network failure, no advice to accept cut downloads.
        f"{_OURS}.extensions.quietlog.QuietLog": 0,
        # JOBDIR's spider.state saved as the job goes, atomically, and read back safely.
        "scrapy.extensions.spiderstate.SpiderState": None,
        f"{_OURS}.extensions.jobstate.JobState": 0,
        # A run where nothing moves for LOUVRE_STALL_SECONDS ends; a stop that does not end
        # is forced.
        f"{_OURS}.extensions.watchdog.Watchdog": 0,
        f"{_OURS}.patches.SpeedPatches": 0,
        # AutoThrottle whose delay also falls after fast 304s (a rerun's answers).
        "scrapy.extensions.throttle.AutoThrottle": None,
        f"{_OURS}.extensions.throttle.Throttle": 0,
    },
    # A crawl's own feed to a local file is written beside it and renamed at the end.
    "FEED_STORAGES": {
        "": f"{_OURS}.extensions.feeds.AtomicFileFeedStorage",  # type: ignore[dict-item]
        "file": f"{_OURS}.extensions.feeds.AtomicFileFeedStorage",  # type: ignore[dict-item]
    },
    # One flat row per item in CSV feeds (lists joined, no always-empty columns).
    "FEED_EXPORTERS": {"csv": f"{_OURS}.records.exporters.FlatCsvItemExporter"},  # type: ignore[dict-item]
    # Only HTTP(S) is ever fetched: no local files, data: URIs, FTP, or S3 requests signed with
    # the user's own AWS keys (the S3 *store* is botocore's, not a download handler).
    "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
}

SETTINGS: dict[str, Any] = {
    "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",  # the spiders log one line per failed ID themselves
    # Each response yields at most one item; Scrapy starts CONCURRENT_ITEMS worker tasks per
    # response (100 by default), the crawl's biggest cost in the profile.
    "CONCURRENT_ITEMS": 1,
    # JOBDIR's queues (the zip route's: the collection's stay in memory) in SQLite, each
    # request its own transaction: a kill -9 never leaves a queue file cut mid-record
    # (queuelib's file queues then fail every later run).
    "SCHEDULER_DISK_QUEUE": f"{_OURS}.extensions.jobstate.SQLiteQueue",
    "FEED_EXPORT_ENCODING": "utf-8",
    # No log record made per response or item only for the handler to drop it (LOG_LEVEL).
    "LOG_FORMATTER": f"{_OURS}.extensions.quietlog.QuietLogFormatter",
}


class LouvreAddon:
    """Enables the project's middlewares, extensions, pipeline, feed storages, queue and
    settings (Scrapy's add-on API)."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, components in COMPONENTS.items():
            # Key by key: a component the user names keeps the user's value, whatever the
            # priority of the user's dictionary.
            merged = {**components, **settings.getdict(name)}
            settings.set(name, merged, max(settings.getpriority(name) or 0, ADDON_PRIORITY))
        for name, value in SETTINGS.items():
            settings.set(name, value, "addon")
