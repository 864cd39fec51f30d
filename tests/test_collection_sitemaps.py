"""A sitemap is read only when it parsed completely as one: the pure part of the walk."""

from __future__ import annotations

import gzip

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from fakesite.faults import SITEMAP_BREAKS, Breaks
from fakesite.options import fake_collection
from louvre_scraper.collection.arks import ArkListing
from louvre_scraper.collection.sitemaps import (
    NotASitemap,
    SitemapWalk,
    read_sitemap,
    sitemap_body,
    sitemap_slots,
)
from louvre_scraper.contract import Shard

BASE = "http://127.0.0.1:8000"


def sub_sitemap() -> bytes:
    fake = fake_collection(["--records", "16", "--per-sitemap", "8"])
    body = fake.sitemap_bytes(1, BASE)
    assert body is not None
    return body


def test_a_whole_sitemap_and_an_index_are_read() -> None:
    page = read_sitemap(sub_sitemap())
    assert page.kind == "urlset"
    assert len(page.entries) == 16  # each record twice (/ark: and /en/ark:)
    fake = fake_collection(["--records", "16", "--per-sitemap", "8"])
    index = read_sitemap(fake.sitemap_index_bytes(BASE))
    assert index.kind == "sitemapindex"
    assert [e["loc"] for e in index.entries] == [f"{BASE}{p}" for p in fake.sitemap_paths()]


@pytest.mark.parametrize("kind", [k for k in SITEMAP_BREAKS if k != "sitemap-gzip"])
def test_what_is_not_a_whole_sitemap_is_not_read(kind: str) -> None:
    body = Breaks._sitemap(kind, sub_sitemap())[2]
    with pytest.raises(NotASitemap):
        read_sitemap(sitemap_body(body, 10_000_000))


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b"\x1f\x8bnot gzip at all", "damaged gzip"),
        (b"no markup", "not XML"),
        (b"<feed><entry/></feed>", "a <feed> document, not a sitemap"),
    ],
)
def test_each_way_a_body_is_not_a_sitemap_is_named(body: bytes, why: str) -> None:
    with pytest.raises(NotASitemap, match=why):
        read_sitemap(sitemap_body(body, 10_000_000))


def test_gzip_is_read_within_the_size_limit() -> None:
    body = sub_sitemap()
    assert sitemap_body(gzip.compress(body), len(body)) == body
    with pytest.raises(NotASitemap, match="over the limit once decompressed"):
        sitemap_body(gzip.compress(body), len(body) - 1)


@pytest.mark.parametrize(
    ("budget", "largest", "slots"),
    [(128 * 2**20, 50 * 2**20, 2), (3_000_000, 1_400_000, 2), (100, 1000, 1), (10, 0, 10)],
)
def test_sitemaps_are_asked_as_many_as_fit_whole_in_the_budget(
    budget: int, largest: int, slots: int
) -> None:
    assert sitemap_slots(budget, largest) == slots


def test_the_walk_asks_a_few_sitemaps_at_a_time_and_ends_when_all_are_read() -> None:
    fake = fake_collection(["--records", "50", "--per-sitemap", "5"])
    crawler = get_crawler(settings_dict={})
    crawler.stats = StatsCollector(crawler)
    walk = SitemapWalk(
        ArkListing(Shard()),
        crawler,
        "run",
        callback=lambda response: None,
        errback=lambda failure: None,
        max_sitemaps=100,
        max_size=2**20,
        max_urls=50_000,
        fallback_url=f"{BASE}/sitemap.xml",
        slots=2,
    )

    def answer(request: Request, body: bytes) -> list[Request]:
        return walk.read(Response(request.url, body=body, request=request))

    robots = walk.first_request(f"{BASE}/robots.txt")
    (index,) = answer(robots, fake.robots_txt(BASE))
    in_flight = answer(index, fake.sitemap_index_bytes(BASE))
    assert len(in_flight) == 2  # of 10 listed
    asked = [r.url for r in in_flight]
    while in_flight:
        request = in_flight.pop(0)
        number = fake.sitemap_paths().index(request.url[len(BASE) :])
        assert not walk.done.called
        more = answer(request, fake.sitemap_bytes(number, BASE) or b"")
        assert len(more) <= 1 and len(in_flight) + len(more) <= 2  # a slot freed, one asked
        in_flight += more
        asked += [r.url for r in more]
    assert sorted(asked) == sorted(f"{BASE}{p}" for p in fake.sitemap_paths())  # each once
    assert walk.done.called and walk.complete
    assert len(walk.listing) == 50
