"""The verdict on every answer the project judges: a zip, a probe, a record, an image.

A downloader middleware of its own, between the redirect middleware (so it judges the final
answer) and the retry middleware (which acts on its verdict): the spiders' callbacks read
:data:`~louvre_scraper.contract.VERDICT_META` whatever else is enabled, e.g. with
``-s RETRY_ENABLED=False``. The decisions themselves are plain functions
(:mod:`louvre_scraper.bodies.zips`, :mod:`louvre_scraper.records.fields`,
:mod:`louvre_scraper.bodies.images`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from louvre_scraper.bodies.images import classify_image
from louvre_scraper.bodies.records import classify_record
from louvre_scraper.bodies.zips import classify, classify_headers
from louvre_scraper.config import config_of
from louvre_scraper.contract import VERDICT_META, RequestKind, Verdict, is_judged, kind_of
from louvre_scraper.utils.offload import offload

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

    Classifier = Callable[[Response, Collection[int], Collection[int]], Awaitable[Verdict]]


def _content_type(response: Response) -> str:
    return response.headers.get(b"Content-Type", b"").decode("latin-1")


async def _zip(response: Response, missing: Collection[int], retry: Collection[int]) -> Verdict:
    arguments = (response.status, _content_type(response), response.body, missing, retry)
    return await offload(len(response.body), classify, *arguments)


async def _probe(response: Response, missing: Collection[int], retry: Collection[int]) -> Verdict:
    return classify_headers(response.status, _content_type(response), missing, retry)


async def _record(response: Response, missing: Collection[int], retry: Collection[int]) -> Verdict:
    if response.status == 304:  # to a conditional request (If-None-Match, If-Modified-Since)
        return Verdict.CURRENT
    return classify_record(response.status, _content_type(response), response.body, missing, retry)


async def _image(response: Response, missing: Collection[int], retry: Collection[int]) -> Verdict:
    declared = response.headers.get(b"Content-Length")
    return classify_image(
        response.status,
        _content_type(response),
        response.body,
        missing,
        retry,
        declared_length=int(declared) if declared and declared.isdigit() else None,
    )


# The judge of each kind that gets a verdict (contract.JUDGED); the others pass unjudged.
CLASSIFIERS: dict[RequestKind, Classifier] = {
    RequestKind.ZIP: _zip,
    RequestKind.PROBE: _probe,
    RequestKind.RECORD: _record,
    RequestKind.IMAGE: _image,
}


class BodyJudge:
    def __init__(self, crawler: Crawler):
        self.config = config_of(crawler)
        # What a transient failure is: Scrapy's RETRY_HTTP_CODES, read whether or not the
        # retry middleware is on (without it, the verdict "retry" makes a failure).
        self.retry_http_codes = frozenset(
            int(code) for code in crawler.settings.getlist("RETRY_HTTP_CODES")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def verdict(self, request: Request, response: Response) -> Verdict:
        classifier = CLASSIFIERS[kind_of(request)]
        return await classifier(response, self.config.missing_statuses, self.retry_http_codes)

    async def process_response(self, request: Request, response: Response) -> Response:
        if is_judged(request):
            request.meta[VERDICT_META] = (await self.verdict(request, response)).value
        return response
