"""Scrapy settings for louvre_scraper: only what differs from Scrapy's defaults.

The LOUVRE_* settings and the retry pacing settings have their defaults in
``louvre_scraper/config.py``; the README documents every setting.
No side effects at import time: Scrapyd imports this module to build the egg.
"""

from scrapy.settings import default_settings

BOT_NAME = "louvre_scraper"
SPIDER_MODULES = ["louvre_scraper.spiders"]
NEWSPIDER_MODULE = "louvre_scraper.spiders"
# Our `scrapy crawl` exits with a status that says how the crawl ended (README, "Exit status").
COMMANDS_MODULE = "louvre_scraper.commands"

# Name ourselves honestly, and honour robots.txt.
USER_AGENT = "louvre_scraper/0.1 (+https://github.com/louvre-scraper/louvre_scraper)"
ROBOTSTXT_OBEY = True

# One host serves every zip. The origin ran 100 wget at once with no 429 seen; 32 in flight
# keeps a laptop's link busy with ~400 KB zips while asking the museum for a third of that.
# The per-domain limit equals the total so that -s CONCURRENT_REQUESTS=N is what the server sees.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 32
# Polite by default for a public museum: Scrapy's AutoThrottle paces the host by its latency,
# aiming at AUTOTHROTTLE_TARGET_CONCURRENCY requests in flight on average, 32 (the above) at
# most: against a fast site the delay falls to ~0 and the crawl keeps its speed; as the
# museum's answers slow down, fewer requests are sent (0.5 s answers: ~16 a second). The
# target is the bench's (python -m bench.throttle, docs/speed.md). Scrapy starts at a 5 s
# delay, which takes a dozen answers to fall: 0.25 s starts politely and adapts within a second.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 8.0
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 60.0  # Scrapy's: the longest pause between two requests

# Hours-long crawls over a flaky network: retry more, with backoff (see
# louvre_scraper/downloadermiddlewares/retry.py).
RETRY_TIMES = 5
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"  # the spider logs one line per failed ID itself
DOWNLOADER_MIDDLEWARES = {
    # First in line: only the site's own http(s) URLs leave, each body with its size limit.
    "louvre_scraper.downloadermiddlewares.fetchpolicy.FetchPolicy": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "louvre_scraper.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    # The verdict on every zip, probe, record and image, between the redirects (600: the final
    # answer is judged) and the retries (550: they act on it); on whatever else is enabled.
    "louvre_scraper.downloadermiddlewares.judge.BodyJudge": 560,
    # Scrapy's, fixed so that the requests waiting for robots.txt obey it too.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "louvre_scraper.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
    # Next to the downloader, so that it sees every attempt: stops a hopeless crawl.
    "louvre_scraper.downloadermiddlewares.reachability.ReachabilityGuard": 950,
    # Compression for text only (sitemaps, robots.txt, records), at Scrapy's own place: zips
    # and images do not compress, and are asked without Accept-Encoding as they always were.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "louvre_scraper.downloadermiddlewares.compression.TextCompression": 590,
    # What a download job of one site's zips has no use for: cookies (below), HTTP auth, an
    # offsite filter, <meta refresh> in HTML.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
}
# Only HTTP(S) is ever fetched (louvre_scraper/downloadermiddlewares/fetchpolicy.py refuses the rest
# first): no
# local files, data: URIs, FTP, or S3 requests signed with the user's own AWS keys. (The S3
# *store* is botocore's, not a download handler: it keeps working.)
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# Requests come from start(), never from a page: no depth or URL length to track. (The referer
# middleware stays: RedirectMiddleware warns without it.)
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}

# Each response yields at most one item; Scrapy starts CONCURRENT_ITEMS worker tasks per
# response (100 by default), which the profile showed as the crawl's biggest cost.
CONCURRENT_ITEMS = 1

FILES_STORE = "downloads"
ITEM_PIPELINES = {"louvre_scraper.pipelines.files.LouvreFilesPipeline": 300}

# 400,000 IDs: one DEBUG line per ID would be the bulk of the run's output.
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# A crawl's own feed to a local file is written beside it and renamed at the end of the run
# (louvre_scraper/extensions/feeds.py); a run stopped before any item leaves the previous feed as it
# was.
FEED_STORAGES = {
    "": "louvre_scraper.extensions.feeds.AtomicFileFeedStorage",
    "file": "louvre_scraper.extensions.feeds.AtomicFileFeedStorage",
}
# One flat row per item in CSV feeds (lists joined, no always-empty columns).
FEED_EXPORTERS = {"csv": "louvre_scraper.records.exporters.FlatCsvItemExporter"}

# Progress with ETA replaces LogStats' pages/min (same LOGSTATS_INTERVAL), and a closing summary.
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "louvre_scraper.extensions.progress.Progress": 0,
    "louvre_scraper.extensions.summary.Summary": 0,
    # Masks AWS_SECRET_ACCESS_KEY & co. in the log ("Overridden settings" would print them).
    "louvre_scraper.extensions.redact.RedactSecrets": 0,
    # No traceback for a network failure, no advice to accept cut downloads.
    "louvre_scraper.extensions.quietlog.QuietLog": 0,
    # JOBDIR's spider.state saved as the job goes, atomically, and read back safely.
    "scrapy.extensions.spiderstate.SpiderState": None,
    "louvre_scraper.extensions.jobstate.JobState": 0,
    # A run where nothing moves for LOUVRE_STALL_SECONDS ends; a stop that does not end is forced.
    "louvre_scraper.extensions.watchdog.Watchdog": 0,
    # AutoThrottle whose delay also falls after fast 304s (a rerun's answers).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "louvre_scraper.extensions.throttle.Throttle": 0,
}
# JOBDIR's queues in SQLite (Scrapy's own, in WAL mode): each request its own transaction, so a
# kill -9 never leaves a queue file cut mid-record (queuelib's file queues then fail every later
# run).
SCHEDULER_DISK_QUEUE = "louvre_scraper.extensions.jobstate.SQLiteQueue"

# Services a download job does not need: the telnet console and the RemoteControl HTTP
# endpoint (which executes code). Turn them back on with -s TELNETCONSOLE_ENABLED=True or
# -s REMOTE_CONTROL_ENABLED=True.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Scrapy imports every component its settings name, enabled or not (it loads each key of
# EXTENSIONS and the like to compare them with the _BASE ones), and two of them cost every
# start more than the rest of this project: Scrapy's RemoteControl module imports aiohttp's
# web server (0.26 s), the cookies middleware tldextract (0.08 s); a 1-ID crawl takes ~1.8 s.
# So the cookies middleware is left out of the base list (this project sends no cookies), and
# RemoteControl is there as louvre_scraper/extensions/remote_control.py, which imports
# Scrapy's only when REMOTE_CONTROL_ENABLED asks for it.
_remote_control = "scrapy.extensions.remote_control.RemoteControl"
EXTENSIONS_BASE = {
    **{k: v for k, v in default_settings.EXTENSIONS_BASE.items() if k != _remote_control},
    "louvre_scraper.extensions.remote_control.RemoteControl": (
        default_settings.EXTENSIONS_BASE[_remote_control]
    ),
}
DOWNLOADER_MIDDLEWARES_BASE = {
    k: v
    for k, v in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items()
    if k != "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
}
