from __future__ import annotations

import random
from collections.abc import Coroutine
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from fakesite.zips import corrupt_bytes, zip_bytes
from louvre_scraper.config import LouvreConfig
from louvre_scraper.contract import ID_META, KIND_META, VERDICT_META, RequestKind, Verdict
from louvre_scraper.downloadermiddlewares.judge import BodyJudge
from louvre_scraper.downloadermiddlewares.retry import (
    BackoffRetryMiddleware,
    backoff_delay,
    parse_retry_after,
    retry_delay,
)
from louvre_scraper.spiders.louvre import LouvreSpider


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after(" 7 ") == 7.0


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp()) == pytest.approx(30)
    assert parse_retry_after(format_datetime(now, usegmt=True), now=now.timestamp() + 60) == 0


@pytest.mark.parametrize("value", [None, b"", "soon", "-5", "Mon, 99 Foo 2026"])
def test_unreadable_retry_after_is_ignored(value: object) -> None:
    assert parse_retry_after(value) is None  # type: ignore[arg-type]


def test_backoff_doubles_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (10, 60)]:
        for _ in range(50):
            delay = backoff_delay(attempt, base=1.0, cap=60.0, rng=rng)
            assert ceiling / 2 <= delay <= ceiling


def test_retry_after_wins_over_backoff_but_is_capped() -> None:
    config = LouvreConfig(retry_after_max=300.0)
    assert retry_delay(1, 42.0, config) == 42.0
    assert retry_delay(1, 3600.0, config) == 300.0


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that does not need to wait (zero delays): no reactor needed."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the coroutine waited")


class Judged:
    """The judge, then the retry middleware, as the downloader chains them."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.judge = BodyJudge.from_crawler(crawler)
        self.retry = BackoffRetryMiddleware.from_crawler(crawler)

    async def process_response(self, request: Request, response: Response) -> Any:
        judged = await self.judge.process_response(request, response)
        return await self.retry.process_response(request, judged)


def middleware(tmp_path: Path) -> Judged:
    settings = {"FILES_STORE": str(tmp_path), "RETRY_AFTER_MAX": "0", "RETRY_BACKOFF_MAX": "0"}
    crawler = get_crawler(LouvreSpider, settings)
    crawler.spider = LouvreSpider.from_crawler(crawler, end="10")
    return Judged(crawler)


def zip_request(probe: bool = False) -> Request:
    kind = RequestKind.PROBE if probe else RequestKind.ZIP
    return Request("https://x/en/artwork/image/download/5/0", meta={KIND_META: kind, ID_META: 5})


def answer(status: int, body: bytes = b"", content_type: str = "application/zip") -> Response:
    return Response("https://x/", status=status, body=body, headers={"Content-Type": content_type})


def test_a_whole_zip_passes(tmp_path: Path) -> None:
    request = zip_request()
    result = run(middleware(tmp_path).process_response(request, answer(200, zip_bytes(5))))
    assert isinstance(result, Response)
    assert request.meta[VERDICT_META] == Verdict.WHOLE.value


@pytest.mark.parametrize(
    "response",
    [
        answer(429, b"slow down", "text/plain"),
        answer(503, b"", "text/plain"),
        answer(200, corrupt_bytes(zip_bytes(5))),
    ],
)
def test_transient_answers_are_retried(tmp_path: Path, response: Response) -> None:
    mw = middleware(tmp_path)
    result = run(mw.process_response(zip_request(), response))
    assert isinstance(result, Request)
    assert result.meta["retry_times"] == 1
    assert mw.crawler.stats.get_value("retry/count") == 1


def test_missing_pages_are_never_retried(tmp_path: Path) -> None:
    request = zip_request()
    page = answer(200, b"<html>Server error</html>", "text/html")
    assert run(middleware(tmp_path).process_response(request, page)) is page
    assert request.meta[VERDICT_META] == "missing"


def test_gives_up_after_retry_times(tmp_path: Path) -> None:
    mw = middleware(tmp_path)
    request = zip_request()
    request.meta["retry_times"] = 5
    response = answer(503)
    assert run(mw.process_response(request, response)) is response
    assert request.meta[VERDICT_META] == "retry"


def test_probes_are_judged_on_headers(tmp_path: Path) -> None:
    request = zip_request(probe=True)
    run(middleware(tmp_path).process_response(request, answer(200, b"")))  # a HEAD answer
    assert request.meta[VERDICT_META] == Verdict.WHOLE.value


def test_other_requests_keep_stock_behaviour(tmp_path: Path) -> None:
    robots = Request("https://x/robots.txt")
    result = run(middleware(tmp_path).process_response(robots, answer(503)))
    assert isinstance(result, Request)
    assert VERDICT_META not in robots.meta
