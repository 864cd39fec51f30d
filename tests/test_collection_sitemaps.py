"""A sitemap is read only when it parsed completely as one: the pure part of the walk."""

from __future__ import annotations

import gzip

import pytest

from louvre_scraper.collection.sitemaps import NotASitemap, read_sitemap, sitemap_body
from tests.fake_collection import SITEMAP_BREAKS, Breaks, FakeCollection

BASE = "http://127.0.0.1:8000"


def sub_sitemap() -> bytes:
    fake = FakeCollection.from_args(["--records", "16", "--per-sitemap", "8"])
    body = fake.sitemap_bytes(1, BASE)
    assert body is not None
    return body


def test_a_whole_sitemap_and_an_index_are_read() -> None:
    page = read_sitemap(sub_sitemap())
    assert page.kind == "urlset"
    assert len(page.entries) == 16  # each record twice (/ark: and /en/ark:)
    fake = FakeCollection.from_args(["--records", "16", "--per-sitemap", "8"])
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
