"""Compressed text bodies: sitemaps, the index, robots.txt and records are asked compressed.

Scrapy's :class:`~scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware`
asks every request with ``Accept-Encoding: gzip, deflate, br, zstd`` and decodes every
answer, within the request's ``download_maxsize`` applied to the decoded size (Scrapy 2.11.1
and later). This subclass does that for the text kinds only (:data:`TEXT_KINDS`, told by
:func:`~louvre_scraper.contract.kind_of`), which compress well, while zips and images (which
do not) are asked without the header and reach the judge as they came.
``COMPRESSION_ENABLED=False`` (Scrapy's setting) turns it off: nothing is asked compressed.

Where Scrapy does not serve: a body over its kind's limit once decoded (a decompression bomb)
makes Scrapy log a WARNING with the response's repr and raise a bare ``IgnoreRequest``; here
it becomes :class:`~louvre_scraper.downloadermiddlewares.fetchpolicy.TooLargeDecoded`, whose
message names the limit's setting, and Scrapy's line is dropped
(:mod:`louvre_scraper.extensions.quietlog`); a body that does not decode (a damaged stream)
raises whatever the decoder raised, here :class:`Undecodable`, by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

from louvre_scraper.contract import LIMIT_META, RequestKind, kind_of
from louvre_scraper.downloadermiddlewares.fetchpolicy import NotFetched, TooLargeDecoded

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

# What is asked compressed: text. Zips and images are compressed already; a probe has no body.
TEXT_KINDS = frozenset({RequestKind.SITEMAP, RequestKind.ROBOTS, RequestKind.RECORD})


class Undecodable(NotFetched):
    def __init__(self, url: str, encoding: str, error: BaseException):
        super().__init__(f"refused {url} — its {encoding} body does not decode ({error})")
        self.url = url


class TextCompression(HttpCompressionMiddleware):
    """Scrapy's compression middleware, for the text kinds only."""

    def process_request(self, request: Request) -> None:  # type: ignore[override]
        if kind_of(request) in TEXT_KINDS:
            super().process_request(request)

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if kind_of(request) not in TEXT_KINDS:
            return response
        encoding = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        try:
            return super().process_response(request, response)
        except IgnoreRequest:  # the only one Scrapy raises here: over the limit, decoded
            setting, limit = request.meta.get(LIMIT_META, (None, 0))
            raise TooLargeDecoded(request.url, setting, limit) from None
        except Exception as error:  # noqa: BLE001 - gzip, zlib, brotli, zstd: each its own
            raise Undecodable(request.url, encoding, error) from None
