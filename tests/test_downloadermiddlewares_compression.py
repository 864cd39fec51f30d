"""Text asked compressed and decoded within its kind's limit; zips and images as they are."""

from __future__ import annotations

import gzip

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from louvre_scraper.contract import KIND_META, LIMIT_META, MAXSIZE_META, RequestKind
from louvre_scraper.downloadermiddlewares.compression import TextCompression, Undecodable
from louvre_scraper.downloadermiddlewares.fetchpolicy import TooLargeDecoded

URL = "http://127.0.0.1:8000/ark:/53355/cl010000301.json"
BODY = b'{"arkId": "cl010000301", "title": "' + b"x" * 2000 + b'"}'


def middleware() -> TextCompression:
    return TextCompression.from_crawler(get_crawler(settings_dict={}))


def request(kind: RequestKind, limit: int = 4096) -> Request:
    meta = {KIND_META: kind, LIMIT_META: ("LOUVRE_MAX_RECORD_BYTES", limit), MAXSIZE_META: limit}
    return Request(URL, meta=meta)


def gzipped(req: Request, body: bytes) -> Response:
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    return Response(URL, body=gzip.compress(body), headers=headers, request=req)


@pytest.mark.parametrize(
    ("kind", "asks"),
    [
        (RequestKind.RECORD, True),
        (RequestKind.SITEMAP, True),
        (RequestKind.ROBOTS, True),
        (RequestKind.IMAGE, False),
        (RequestKind.ZIP, False),
        (RequestKind.PROBE, False),
    ],
)
def test_only_text_is_asked_compressed(kind: RequestKind, asks: bool) -> None:
    req = request(kind)
    assert middleware().process_request(req) is None
    accepted = req.headers.get("Accept-Encoding")
    assert (accepted is not None and b"gzip" in accepted) is asks


def test_a_compressed_record_is_decoded() -> None:
    req = request(RequestKind.RECORD)
    decoded = middleware().process_response(req, gzipped(req, BODY))
    assert decoded.body == BODY
    assert b"Content-Encoding" not in decoded.headers


def test_an_image_is_left_as_it_came() -> None:
    req = request(RequestKind.IMAGE)
    answer = gzipped(req, BODY)
    assert middleware().process_response(req, answer) is answer


def test_a_bomb_is_refused_by_its_kinds_limit_on_the_decoded_size() -> None:
    req = request(RequestKind.RECORD, limit=1000)
    with pytest.raises(TooLargeDecoded) as refused:
        middleware().process_response(req, gzipped(req, BODY))
    assert str(refused.value) == (
        f"refused {URL} — its body is over the limit once decompressed"
        " (LOUVRE_MAX_RECORD_BYTES=1000, raise it to fetch)"
    )


def test_a_damaged_stream_is_refused_by_name() -> None:
    req = request(RequestKind.RECORD)
    headers = {"Content-Encoding": "gzip"}
    damaged = Response(URL, body=b"\x1f\x8b\x08\x00garbage", headers=headers, request=req)
    with pytest.raises(Undecodable, match=r"refused .* — its gzip body does not decode"):
        middleware().process_response(req, damaged)
