"""Scrapy settings for louvre_scraper: what a user may want to change.

The project's components and fixed settings come from its add-on (``louvre_scraper/addon.py``);
the ``LOUVRE_*`` settings have their defaults in ``louvre_scraper/config.py``; docs/settings.md
lists every setting. No side effects at import time: Scrapyd imports this module.
"""

BOT_NAME = "louvre_scraper"
SPIDER_MODULES = ["louvre_scraper.spiders"]
NEWSPIDER_MODULE = "louvre_scraper.spiders"
# Our `scrapy crawl` exits with a status that says how the crawl ended (docs/guide.md).
COMMANDS_MODULE = "louvre_scraper.commands"
ADDONS = {"louvre_scraper.addon.LouvreAddon": 0}

# Name ourselves honestly, and honour robots.txt.
USER_AGENT = "louvre_scraper/0.1 (+https://github.com/louvre-scraper/louvre_scraper)"
ROBOTSTXT_OBEY = True

# One host serves every file. The per-domain limit equals the total so that
# -s CONCURRENT_REQUESTS=N is what the server sees.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 32
# Polite by default: AutoThrottle paces the host by its latency, aiming at
# AUTOTHROTTLE_TARGET_CONCURRENCY requests in flight (python -m bench.throttle). Scrapy starts
# at a 5 s delay, which takes a dozen answers to fall: 0.25 s starts politely.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 8.0
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 60.0

# Hours-long crawls over a flaky network: retry more, with backoff (RETRY_BACKOFF_BASE).
RETRY_TIMES = 5

FILES_STORE = "downloads"

# 400,000 IDs: one DEBUG line per ID would be the bulk of the run's output.
LOG_LEVEL = "INFO"

# Services a download job does not need: the telnet console and the RemoteControl HTTP
# endpoint (which executes code). Turn them back on with -s TELNETCONSOLE_ENABLED=True or
# -s REMOTE_CONTROL_ENABLED=True.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
