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
from louvre_scraper.contract import ID_META, JUDGE_META, PROBE_META, VERDICT_META, Verdict
from louvre_scraper.utils.offload import offload

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self


def is_judged(request: Request) -> bool:
    """Requests whose answer is judged (zips, probes, records, images)."""
    return ID_META in request.meta or JUDGE_META in request.meta


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
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        missing, retry = self.config.missing_statuses, self.retry_http_codes
        judge = request.meta.get(JUDGE_META)
        if judge == "image":
            declared = response.headers.get(b"Content-Length")
            return classify_image(
                response.status,
                content_type,
                response.body,
                missing,
                retry,
                declared_length=int(declared) if declared and declared.isdigit() else None,
            )
        if judge == "record":
            return classify_record(response.status, content_type, response.body, missing, retry)
        if request.meta.get(PROBE_META):
            return classify_headers(response.status, content_type, missing, retry)
        arguments = (response.status, content_type, response.body, missing, retry)
        return await offload(len(response.body), classify, *arguments)

    async def process_response(self, request: Request, response: Response) -> Response:
        if is_judged(request):
            request.meta[VERDICT_META] = (await self.verdict(request, response)).value
        return response
