"""The spider at levels 1 and 2: built from arguments, fed hand-built responses."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from fakesite.zips import zip_bytes
from louvre_scraper.bodies.zips import classify
from louvre_scraper.config import LouvreConfig
from louvre_scraper.contract import ID_META, KIND_META, VERDICT_META, RequestKind
from louvre_scraper.items import ArtworkZip
from louvre_scraper.spiders.louvre import LouvreSpider


def spider(tmp_path: Path, **arguments: str) -> LouvreSpider:
    crawler = get_crawler(LouvreSpider, {"FILES_STORE": str(tmp_path / "zips")})
    built = LouvreSpider.from_crawler(crawler, **arguments)
    crawler.spider = built
    return built


def test_requests_carry_the_id_and_skip_the_dupefilter(tmp_path: Path) -> None:
    request = spider(tmp_path, end="10").zip_request(121146)
    assert request.url == "https://collections.louvre.fr/en/artwork/image/download/121146/0"
    assert request.meta[ID_META] == 121146
    assert request.dont_filter


def test_arguments(tmp_path: Path) -> None:
    built = spider(tmp_path, start="5", end="20", shard="1/3")
    assert list(built.id_range.ids()) == [7, 10, 13, 16, 19]


def test_bad_arguments_end_the_process_with_one_line(tmp_path: Path, refusal) -> None:
    assert refusal(lambda: spider(tmp_path, start="ten", end="20")) == [
        "bad argument start='ten': not an integer"
    ]


def response(status: int, body: bytes, content_type: str) -> Response:
    # The judge's verdict, as BodyJudge sets it before the callback.
    verdict = classify(status, content_type, body, LouvreConfig().missing_statuses)
    meta = {KIND_META: RequestKind.ZIP, ID_META: 5, VERDICT_META: verdict.value}
    request = Request("https://x/en/artwork/image/download/5/0", meta=meta)
    return Response(
        request.url,
        status=status,
        body=body,
        headers={"Content-Type": content_type},
        request=request,
    )


def test_a_zip_becomes_an_item_for_the_pipeline(tmp_path: Path) -> None:
    built = spider(tmp_path, end="10")
    item = built.parse_zip(response(200, zip_bytes(5), "application/zip"))
    assert isinstance(item, ArtworkZip)
    assert item["id"] == 5
    assert item["body"] == zip_bytes(5)
    assert built.highest_zip == 5


@pytest.mark.parametrize(
    ("status", "body"), [(404, b"Not Found"), (200, b"<html>Server error. Continue</html>")]
)
def test_missing_ids_are_counted_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, status: int, body: bytes
) -> None:
    built = spider(tmp_path, end="10")
    with caplog.at_level(logging.INFO):
        assert built.parse_zip(response(status, body, "text/html")) is None
    assert built.crawler.stats.get_value("louvre/missing") == 1
    assert caplog.records == []


def test_a_forbidden_answer_is_a_named_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = spider(tmp_path, end="10")
    assert built.parse_zip(response(403, b"no", "text/html")) is None
    assert built.failed_ids == {5}
    assert built.crawler.stats.get_value("louvre/failed") == 1
    assert [r.getMessage() for r in caplog.records] == ["ID 5 failed after retries: HTTP 403"]


def test_an_unknown_argument_is_refused_naming_the_closest(tmp_path: Path, refusal) -> None:
    assert refusal(lambda: spider(tmp_path, strat="5")) == [
        "unknown argument strat — did you mean start?"
    ]


def test_the_arguments_scrapyd_adds_are_accepted(tmp_path: Path) -> None:
    built = spider(tmp_path, end="10", _job="louvre-0-of-3", _version="r1")
    assert list(built.id_range.ids()) == list(range(1, 11))


def saved(tmp_path: Path, *, clean: bool) -> LouvreSpider:
    """A spider whose JOBDIR state says IDs 5 and 7 were pending, 2 failed, 8 the cursor."""
    built = spider(tmp_path, end="10")
    built.state = {
        "louvre": {
            "range": repr(built.id_range),
            "bound": 10,
            "cursor": 8,
            "highest_zip": 6,
            "pending": [5, 7],
            "failed": [2],
        },
        "louvre_clean": clean,
    }
    built.crawler.stats.set_value("louvre/ids", 0)
    return built


def test_requests_restored_from_jobdir_count_as_handed_out(tmp_path: Path) -> None:
    built = saved(tmp_path, clean=True)  # saved as the run closed (JobState): its queue is whole

    assert built._resume_state() is not None

    assert built.crawler.stats.get_value("louvre/ids") == 2
    assert built.crawler.stats.get_value("louvre/restored") == 2


def test_after_a_killed_run_its_pending_ids_are_handed_out_again(tmp_path: Path) -> None:
    built = saved(tmp_path, clean=False)  # saved while it ran: its queue was dropped (JobState)

    resumed = built._resume_state()

    assert resumed is not None
    assert resumed["again"] == [5, 7]
    assert built.crawler.stats.get_value("louvre/ids") == 0  # counted as they are handed out
    assert built.crawler.stats.get_value("louvre/restored") is None
