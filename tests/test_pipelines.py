from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from louvre_scraper.items import ArtworkZip
from louvre_scraper.pipelines import LouvreFilesPipeline
from louvre_scraper.spiders.louvre import LouvreSpider
from louvre_scraper.stores import AtomicFSFilesStore
from tests.fake_louvre import zip_bytes


def pipeline(store: Path, **settings: str) -> LouvreFilesPipeline:
    crawler = get_crawler(LouvreSpider, {"FILES_STORE": str(store), **settings})
    crawler.spider = LouvreSpider.from_crawler(crawler, end="10")
    pipe = LouvreFilesPipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe


def test_stores_the_body_as_id_zip_and_strips_it_from_the_item(tmp_path: Path) -> None:
    pipe = pipeline(tmp_path, LOUVRE_CHECKSUMS="True")
    body = zip_bytes(121146)
    item = ArtworkZip(id=121146, url="https://x/en/artwork/image/download/121146/0", body=body)

    result = asyncio.run(pipe.process_item(item))

    assert (tmp_path / "121146.zip").read_bytes() == body
    assert dict(result) == {
        "id": 121146,
        "url": "https://x/en/artwork/image/download/121146/0",
        "path": "121146.zip",
        "checksum": hashlib.md5(body).hexdigest(),
        "size": len(body),
        "status": "downloaded",
    }
    stats = pipe.crawler.stats
    assert stats.get_value("louvre/stored") == 1
    assert stats.get_value("louvre/bytes") == len(body)
    assert [p.name for p in tmp_path.iterdir()] == ["121146.zip"]


@pytest.mark.parametrize(
    ("settings", "hashed"),
    [({}, False), ({"FEEDS": '{"m.jsonl": {"format": "jsonlines"}}'}, True)],
)
def test_checksums_are_computed_when_a_feed_lists_them(
    tmp_path: Path, settings: dict[str, str], hashed: bool
) -> None:
    pipe = pipeline(tmp_path, **settings)
    body = zip_bytes(1, 400_000)  # large enough to be handled in a thread
    item = asyncio.run(pipe.process_item(ArtworkZip(id=1, url="u", body=body)))
    assert item["checksum"] == (hashlib.md5(body).hexdigest() if hashed else None)
    assert (tmp_path / "1.zip").read_bytes() == body


def test_file_template(tmp_path: Path) -> None:
    pipe = pipeline(tmp_path, LOUVRE_FILE_TEMPLATE="by-id/{id:07d}.zip")
    asyncio.run(pipe.process_item(ArtworkZip(id=42, url="u", body=zip_bytes(42))))
    assert (tmp_path / "by-id" / "0000042.zip").read_bytes() == zip_bytes(42)


def test_local_stores_are_atomic(tmp_path: Path) -> None:
    assert isinstance(pipeline(tmp_path).store, AtomicFSFilesStore)


def test_items_already_stored_pass_through(tmp_path: Path) -> None:
    pipe = pipeline(tmp_path)
    item = ArtworkZip(id=3, url="u", path="3.zip", checksum="c", size=9, status="uptodate")
    assert asyncio.run(pipe.process_item(item)) is item
    assert not list(tmp_path.iterdir())


def test_a_store_failure_is_a_named_failure(tmp_path: Path) -> None:
    pipe = pipeline(tmp_path / "zips")  # the store creates its directory
    (tmp_path / "zips" / "7.zip").mkdir()  # a directory where the zip should go

    with pytest.raises(DropItem):
        asyncio.run(pipe.process_item(ArtworkZip(id=7, url="u", body=zip_bytes(7))))

    assert pipe.crawler.stats.get_value("louvre/failed") == 1
    assert pipe.crawler.spider.failed_ids == {7}
