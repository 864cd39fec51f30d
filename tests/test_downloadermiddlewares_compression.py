"""Text asked compressed and decoded within its kind's limit; zips and images as they are."""

from __future__ import annotations

import gzip

import pytest
import scrapy.http.response.text
from scrapy import Request
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
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


@pytest.fixture
def no_detection(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Charset detection made to fail the test: every body it is asked to guess is kept."""
    guessed: list[bytes] = []

    def detector(*args: object, **kwargs: object) -> tuple[str, str]:
        guessed.append(bytes(args[1]))  # type: ignore[call-overload]
        raise AssertionError("an encoding was guessed")

    monkeypatch.setattr(scrapy.http.response.text, "html_to_unicode", detector)
    return guessed


def as_downloaded(req: Request, body: bytes, content_type: str) -> Response:
    """The answer as Scrapy's download handler builds it: a text response by its type."""
    headers = Headers({"Content-Encoding": "gzip", "Content-Type": content_type})
    compressed = gzip.compress(body, mtime=0)
    cls = responsetypes.from_args(headers=headers, url=req.url, body=compressed)
    return cls(req.url, body=compressed, headers=headers, request=req)


def test_a_compressed_record_is_decoded_as_utf8_never_guessed(no_detection: list[bytes]) -> None:
    req = request(RequestKind.RECORD, limit=1 << 20)
    body = '{"arkId": "cl010000301", "title": "Vénus — 蒙娜丽莎"}'.encode()
    answer = as_downloaded(req, body, "application/json")
    assert isinstance(answer, TextResponse)
    decoded = middleware().process_response(req, answer)
    assert isinstance(decoded, TextResponse)
    assert decoded.body == body
    assert decoded.encoding == "utf-8"
    assert decoded.json()["title"] == "Vénus — 蒙娜丽莎"
    assert no_detection == []


@pytest.mark.parametrize(
    ("content_type", "declaration", "encoding"),
    [
        ("application/xml", '<?xml version="1.0" encoding="UTF-8"?>', "utf-8"),
        ("application/xml", '<?xml version="1.0" encoding="ISO-8859-1"?>', "cp1252"),
        ("application/xml; charset=iso-8859-15", '<?xml version="1.0"?>', "iso8859-15"),
        ("application/xml", "", "utf-8"),
    ],
)
def test_a_compressed_sitemap_is_decoded_by_its_declaration(
    no_detection: list[bytes], content_type: str, declaration: str, encoding: str
) -> None:
    req = request(RequestKind.SITEMAP, limit=1 << 20)
    body = f"{declaration}<urlset><url><loc>{URL}</loc></url></urlset>".encode("latin-1")
    decoded = middleware().process_response(req, as_downloaded(req, body, content_type))
    assert decoded.body == body
    assert isinstance(decoded, TextResponse)
    assert decoded.encoding == encoding
    assert no_detection == []


def test_the_spy_sees_scrapys_own_guess() -> None:
    """The spy above is where Scrapy guesses: a text response without a charset reaches it."""
    with pytest.MonkeyPatch.context() as patch:
        guessed: list[bytes] = []
        patch.setattr(
            scrapy.http.response.text,
            "html_to_unicode",
            lambda ct, body, **kw: (guessed.append(body), ("utf-8", ""))[1],
        )
        req = request(RequestKind.RECORD)
        assert as_downloaded(req, BODY, "application/json").encoding == "utf-8"
        assert guessed == [gzip.compress(BODY, mtime=0)]
