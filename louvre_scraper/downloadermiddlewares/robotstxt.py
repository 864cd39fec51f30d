"""Scrapy's RobotsTxtMiddleware, obeyed by every request, including the first ones.

In Scrapy 2.19 the requests that arrive while robots.txt is being fetched all await one
Deferred turned into a future; the first waiter's callback returns None, so every other
waiter gets ``None`` ("no robots.txt") and goes through unchecked: with 32 requests in
flight, the first ~30 zips were fetched whatever robots.txt said. This subclass reads the
parser back from the middleware's own table once the fetch has settled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxt
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser


class RobotsTxtMiddleware(ScrapyRobotsTxt):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc, parser)
        return parser if isinstance(settled, Deferred) else settled
