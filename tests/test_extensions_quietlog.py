"""The log formatter (louvre_scraper/extensions/quietlog.py): no line made below LOG_LEVEL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from fakesite.harness import FAST, crawl
from louvre_scraper.extensions.quietlog import QuietLogFormatter

if TYPE_CHECKING:
    from pathlib import Path

SERVER = ("--records", "6", "--per-sitemap", "3")


def formatter(level: str | None) -> tuple[QuietLogFormatter, Spider]:
    crawler = get_crawler(Spider, {"LOG_LEVEL": level} if level else {})
    return QuietLogFormatter.from_crawler(crawler), Spider.from_crawler(crawler, name="s")


@pytest.mark.parametrize("level", ["INFO", "WARNING", logging.INFO])
def test_above_debug_no_line_is_made_for_a_response_or_an_item(level: str) -> None:
    lines, spider = formatter(level)
    response = Response("https://example.org/a.json", request=Request("https://example.org/"))
    assert lines.crawled(response.request, response, spider) is None
    assert lines.scraped({"arkId": "cl01"}, response, spider) is None
    assert lines.dropped({}, DropItem("filtered", log_level="DEBUG"), response, spider) is None
    warning = lines.dropped({}, DropItem("bad", log_level="WARNING"), response, spider)
    assert warning is not None and warning["level"] == logging.WARNING


@pytest.mark.parametrize("level", ["DEBUG", None])
def test_at_debug_the_lines_are_scrapys(level: str | None) -> None:
    lines, spider = formatter(level)
    response = Response("https://example.org/a.json", request=Request("https://example.org/"))
    crawled = lines.crawled(response.request, response, spider)
    assert crawled is not None and crawled["msg"].startswith("Crawled (%(status)s)")
    dropped = lines.dropped({}, DropItem("filtered", log_level="DEBUG"), response, spider)
    assert dropped is not None and dropped["level"] == logging.DEBUG


def test_a_crawl_logs_each_response_only_at_debug(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    settings = {"LOUVRE_BASE_URL": server.url, **FAST}
    quiet = crawl(tmp_path / "a", settings=settings, spider="collection")
    loud = crawl(tmp_path / "b", settings={**settings, "LOG_LEVEL": "DEBUG"}, spider="collection")

    assert quiet.returncode == loud.returncode == 0, quiet.stderr + loud.stderr
    assert "Crawled (200)" not in quiet.stderr
    assert loud.stderr.count("Crawled (200)") >= 6 + 2  # each record, robots.txt, the index
