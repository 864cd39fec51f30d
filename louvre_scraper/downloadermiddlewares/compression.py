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

No guessed encodings: Scrapy rebuilds the response with ``Response.replace``, which reads the
old response's ``encoding``; on a text response without a charset that runs w3lib's charset
detection (charset_normalizer, and its DEBUG log records) over the compressed bytes. Here the
body reaches Scrapy's decoder as a plain :class:`~scrapy.http.Response`, and the decoded text
response is given the encoding its kind defines (:func:`text_encoding`): JSON and robots.txt
are UTF-8, XML what its Content-Type charset or its declaration says, else UTF-8.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from louvre_scraper.contract import LIMIT_META, RequestKind, kind_of
from louvre_scraper.downloadermiddlewares.fetchpolicy import NotFetched, TooLargeDecoded

if TYPE_CHECKING:
    from scrapy import Request

# What is asked compressed: text. Zips and images are compressed already; a probe has no body.
TEXT_KINDS = frozenset({RequestKind.SITEMAP, RequestKind.ROBOTS, RequestKind.RECORD})


def text_encoding(kind: RequestKind | None, content_type: bytes | None, body: bytes) -> str:
    """The encoding a text body of ``kind`` is in, by definition, never guessed."""
    if kind is RequestKind.SITEMAP:
        declared = http_content_type_encoding(
            content_type.decode("latin-1") if content_type else ""
        )
        return declared or html_body_declared_encoding(body[:1024]) or "utf-8"
    return "utf-8"  # JSON: RFC 8259; robots.txt: RFC 9309


def without_text(response: Response) -> Response:
    """``response`` as a plain Response: rebuilding it then reads no ``encoding``."""
    return Response(**{name: getattr(response, name) for name in Response.attributes})


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
        if not encoding:
            return response
        try:
            decoded = super().process_response(request, without_text(response))
        except IgnoreRequest:  # the only one Scrapy raises here: over the limit, decoded
            setting, limit = request.meta.get(LIMIT_META, (None, 0))
            raise TooLargeDecoded(request.url, setting, limit) from None
        except Exception as error:  # noqa: BLE001 - gzip, zlib, brotli, zstd: each its own
            raise Undecodable(request.url, encoding, error) from None
        if not isinstance(decoded, TextResponse):
            return decoded
        charset = text_encoding(
            kind_of(request), decoded.headers.get(b"Content-Type"), decoded.body
        )
        attributes = {name: getattr(decoded, name) for name in Response.attributes}
        return type(decoded)(**attributes, encoding=charset)
