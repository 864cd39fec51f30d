"""Scrapy's RemoteControl extension, imported only when it is turned on.

Scrapy's module imports aiohttp's web server at its top, 0.26 s of every start of every crawl,
Scrapyd job and shard, for an extension this project keeps off (``REMOTE_CONTROL_ENABLED =
False`` in settings.py). This stand-in takes its place in ``EXTENSIONS_BASE`` at the same
priority: off, it is not configured, as Scrapy's is; on (``-s REMOTE_CONTROL_ENABLED=True``),
it is Scrapy's, built as Scrapy builds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RemoteControl:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        if not crawler.settings.getbool("REMOTE_CONTROL_ENABLED"):
            raise NotConfigured
        from scrapy.extensions.remote_control import RemoteControl as ScrapyRemoteControl

        return build_from_crawler(ScrapyRemoteControl, crawler)
