"""The fetch policy's decisions, without Twisted: which URLs leave, which limit a body gets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.internet.defer import CancelledError

from louvre_scraper.config import LouvreConfig
from louvre_scraper.contract import (
    BUDGET_TRIES_META,
    CUT_META,
    ID_META,
    KIND_META,
    RequestKind,
)
from louvre_scraper.downloadermiddlewares.fetchpolicy import (
    BUDGET_RETRIES,
    NOT_HTTP,
    OTHER_HOST,
    FetchPolicy,
    InFlight,
    OverBudget,
    Refused,
    TooLarge,
    refusal,
)
from louvre_scraper.downloadermiddlewares.reachability import classify_exception

HOSTS = frozenset({"collections.louvre.fr", "cdn.example.org"})


@pytest.mark.parametrize(
    "url",
    [
        "https://collections.louvre.fr/media/cache/large/1_OG.JPG",
        "http://collections.louvre.fr:8080/ark:/53355/cl010000301.json",
        "HTTPS://Collections.Louvre.FR/sitemap.xml",
        "https://collections.louvre.fr./robots.txt",
        "https://cdn.example.org/x.jpg",
    ],
)
def test_the_sites_http_urls_leave(url: str) -> None:
    assert refusal(url, HOSTS) is None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://collections.louvre.fr/etc/passwd",
        "data:image/jpeg;base64,/9j/4AAQ",
        "ftp://collections.louvre.fr/x.jpg",
        "s3://bucket/key.jpg",
        "javascript:alert(1)",
        "gopher://collections.louvre.fr/",
        "/media/cache/relative.jpg",
        "https://[::1/x",
        "",
    ],
)
def test_other_schemes_are_refused(url: str) -> None:
    assert refusal(url, HOSTS) == NOT_HTTP


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2/x.jpg",
        "https://collections.louvre.fr.evil.example/x.jpg",
        "https://evil.example/collections.louvre.fr/x.jpg",
        "https://collections.louvre.fr@evil.example/x.jpg",
    ],
)
def test_other_hosts_are_refused_naming_the_setting(url: str) -> None:
    assert refusal(url, HOSTS) == OTHER_HOST
    assert "LOUVRE_ALLOWED_HOSTS" in OTHER_HOST


def policy(tmp_path: Path, **settings: str) -> FetchPolicy:
    values = {"FILES_STORE": str(tmp_path / "s"), "LOUVRE_BASE_URL": "http://127.0.0.1:8000"}
    return FetchPolicy(LouvreConfig.from_settings(Settings({**values, **settings})))


def test_the_middleware_refuses_before_any_io(tmp_path: Path) -> None:
    mw = policy(tmp_path)
    request = Request("http://127.0.0.2:8000/x.jpg", meta={KIND_META: RequestKind.IMAGE})
    with pytest.raises(Refused) as refused:
        mw.process_request(request)
    assert isinstance(refused.value, IgnoreRequest)  # to the errback, never retried
    assert str(refused.value) == f"refused http://127.0.0.2:8000/x.jpg — {OTHER_HOST}"
    # Not the site failing: the reachability guard does not count it.
    assert classify_exception(refused.value) is None
    assert mw.process_request(Request("http://127.0.0.1:9/x.jpg")) is None  # any port


def test_allowed_hosts_are_fetched(tmp_path: Path) -> None:
    mw = policy(tmp_path, LOUVRE_ALLOWED_HOSTS="cdn.example.org, 127.0.0.2")
    assert mw.process_request(Request("https://CDN.example.org/x.jpg")) is None
    assert mw.process_request(Request("http://127.0.0.2/x.jpg")) is None


def test_a_redirect_scrapy_would_not_follow_is_refused_by_name(tmp_path: Path) -> None:
    mw = policy(tmp_path)
    request = Request("http://127.0.0.1:8000/img/0.jpg")
    for location in (b"file:///etc/passwd", b"data:text/html,<script>", b"//127.0.0.2/x"):
        response = Response(request.url, status=302, headers={"Location": location})
        with pytest.raises(Refused, match=r"refused (file|data|http)"):
            mw.process_response(request, response)
    ok = Response(request.url, status=302, headers={"Location": b"/cdn/0.jpg"})
    assert mw.process_response(request, ok) is ok


def test_each_kind_gets_its_limit(tmp_path: Path) -> None:
    mw = policy(tmp_path, LOUVRE_MAX_IMAGE_BYTES="1000", LOUVRE_MAX_RECORD_BYTES="200")
    image = Request("http://127.0.0.1:8000/x.jpg", meta={KIND_META: RequestKind.IMAGE})
    record = Request("http://127.0.0.1:8000/r.json", meta={KIND_META: RequestKind.RECORD})
    sitemap = Request("http://127.0.0.1:8000/sitemap.xml")
    for request in (image, record, sitemap):
        mw.process_request(request)
    assert image.meta["download_maxsize"] == 1000
    assert record.meta["download_maxsize"] == 200
    assert sitemap.meta["download_maxsize"] == 50 * 1024 * 1024
    assert image.meta["download_warnsize"] == 0


@pytest.mark.parametrize("error", [DownloadCancelledError("declared"), CancelledError()])
def test_a_cancelled_body_names_the_limit_and_the_setting(tmp_path: Path, error) -> None:
    mw = policy(tmp_path, LOUVRE_MAX_IMAGE_BYTES="1000")
    image = Request("http://127.0.0.1:8000/x.jpg", meta={KIND_META: RequestKind.IMAGE})
    mw.process_request(image)
    with pytest.raises(TooLarge) as too_large:
        asyncio.run(mw.process_exception(image, error))
    assert str(too_large.value) == (
        "refused http://127.0.0.1:8000/x.jpg — its body is over the limit"
        " (LOUVRE_MAX_IMAGE_BYTES=1000, raise it to fetch)"
    )
    assert classify_exception(too_large.value) is None
    # Any other failure is not the policy's.
    assert asyncio.run(mw.process_exception(image, ValueError("x"))) is None


def test_the_bodies_in_flight_are_counted_together() -> None:
    budget = InFlight(100)
    a, b = object(), object()
    assert not budget.received(a, 60)
    assert not budget.received(b, 40)
    assert budget.received(b, 1)  # the bytes that pass the budget cut their body...
    assert budget.total == 60  # ...whose bytes no longer count
    assert not budget.alone(b)
    budget.left(b)  # it left the downloader
    assert budget.alone(a)
    assert not budget.received(a, 40)
    budget.left(a)
    budget.left(a)  # twice (a failure after a cut): nothing left to free
    assert budget.total == 0 and budget.sizes == {}


def test_a_body_cut_by_the_budget_is_asked_again_then_fails_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("louvre_scraper.downloadermiddlewares.fetchpolicy.BUDGET_WAIT", 0)
    monkeypatch.setattr(
        "louvre_scraper.downloadermiddlewares.fetchpolicy.call_later", lambda *a: None
    )
    mw = policy(tmp_path, LOUVRE_MAX_BYTES_IN_FLIGHT="1000")
    other = Request("http://127.0.0.1:8000/big.jpg", meta={KIND_META: RequestKind.IMAGE})
    mw.bytes_received(b"x" * 900, other)
    image = Request("http://127.0.0.1:8000/x.jpg", meta={KIND_META: RequestKind.IMAGE})
    mw.process_request(image)
    for tries in range(1, BUDGET_RETRIES + 2):
        with pytest.raises(StopDownload):
            mw.bytes_received(b"x" * 200, image)
        assert image.meta[CUT_META]
        mw.request_left(image)
        if tries > BUDGET_RETRIES:
            break
        again = asyncio.run(mw.process_exception(image, StopDownload(fail=True)))
        assert isinstance(again, Request) and again.url == image.url
        assert again.meta[BUDGET_TRIES_META] == tries
        image = again
    with pytest.raises(OverBudget, match=r"LOUVRE_MAX_BYTES_IN_FLIGHT=1000; raise it"):
        asyncio.run(mw.process_exception(image, StopDownload(fail=True)))
    # Alone over the budget, waiting is no use: it fails at once.
    mw.request_left(other)
    alone = Request("http://127.0.0.1:8000/alone.jpg")
    with pytest.raises(StopDownload):
        mw.bytes_received(b"x" * 1001, alone)
    with pytest.raises(OverBudget):
        asyncio.run(mw.process_exception(alone, StopDownload(fail=True)))
    # A probe's own StopDownload (fail=False, after its headers) is not the budget's.
    probe = Request("http://127.0.0.1:8000/p", meta={KIND_META: RequestKind.PROBE, ID_META: 1})
    assert asyncio.run(mw.process_exception(probe, StopDownload(fail=False))) is None


def test_scrapy_has_no_handler_for_local_files_data_ftp_or_s3() -> None:
    """Behind the policy, the download handlers themselves: only http and https are left."""
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for addon in build_component_list(settings["ADDONS"]):  # as Scrapy applies them
        load_object(addon)().update_settings(settings)
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    assert {scheme for scheme, handler in handlers.items() if handler} == {"http", "https"}
