"""Requests through JOBDIR's disk queue (louvre_scraper/extensions/jobstate.py's SQLiteQueue)
keep their callbacks by name, as Scrapy's, without reading the spider's every attribute per
request (louvre_scraper/extensions/callbacks.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request, Spider

from louvre_scraper.extensions.callbacks import SpiderMethods, method_names
from louvre_scraper.extensions.jobstate import SQLiteQueue

if TYPE_CHECKING:
    from pathlib import Path


class Counting(Spider):
    name = "counting"
    reads = 0

    @property
    def costly(self) -> int:
        type(self).reads += 1
        return 1

    def parse_record(self, response: Any) -> None: ...

    def failed(self, failure: Any) -> None: ...


def queue(tmp_path: Path, spider: Spider) -> SQLiteQueue:
    return SQLiteQueue(SimpleNamespace(spider=spider), str(tmp_path / "q"))  # type: ignore[arg-type]


def test_callbacks_go_through_the_disk_queue_by_name(tmp_path: Path) -> None:
    spider = Counting()
    q = queue(tmp_path, spider)
    q.push(Request("https://example.org/a", callback=spider.parse_record, errback=spider.failed))
    q.push(Request("https://example.org/b", callback=spider.parse, priority=3))
    q.push(Request("https://example.org/c"))
    Counting.reads = 0
    c, b, a = q.pop(), q.pop(), q.pop()
    assert q.pop() is None
    assert (a.url, a.callback, a.errback) == (
        "https://example.org/a",
        spider.parse_record,
        spider.failed,
    )
    assert (b.callback, b.priority) == (spider.parse, 3)
    assert (c.callback, c.errback) == (None, None)
    assert Counting.reads == 0


def test_pushing_reads_no_property_of_the_spider(tmp_path: Path) -> None:
    spider = Counting()
    q = queue(tmp_path, spider)
    Counting.reads = 0
    for n in range(50):
        q.push(Request(f"https://example.org/{n}", callback=spider.parse_record))
    assert Counting.reads == 0  # Scrapy's own search reads each property once per request
    Request("https://example.org/x", callback=spider.parse_record).to_dict(spider=spider)
    assert Counting.reads == 1


def test_a_callback_that_is_not_a_spider_method_is_refused_as_by_scrapy(tmp_path: Path) -> None:
    q = queue(tmp_path, Counting())
    with pytest.raises(ValueError, match="is not an instance method"):
        q.push(Request("https://example.org/a", callback=lambda response: None))


def test_the_methods_are_the_spiders_own() -> None:
    spider = Counting()
    methods = SpiderMethods(spider)
    assert {"parse", "parse_record", "failed", "start"} <= set(method_names(Counting))
    assert "costly" not in method_names(Counting)
    assert methods.parse_record == spider.parse_record
    assert methods.name == "counting"
    assert methods.costly == 1
