from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from fakesite.harness import crawl
from fakesite.zips import zip_bytes
from louvre_scraper.contract import FAILED_STAT, STOP_STAT
from louvre_scraper.exitstatus import EXIT_STORE_FAILED, STORE_FULL
from louvre_scraper.items import ArtworkZip
from louvre_scraper.pipelines.files import LouvreFilesPipeline
from louvre_scraper.spiders.louvre import LouvreSpider
from louvre_scraper.store.failure import STORE_ERRNOS
from louvre_scraper.store.local import AtomicFSFilesStore

if TYPE_CHECKING:
    from collections.abc import Iterator


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
    pipe = pipeline(tmp_path / "zips")  # the store's folder is made by its first write
    (tmp_path / "zips" / "7.zip").mkdir(parents=True)  # a directory where the zip should go

    with pytest.raises(DropItem):
        asyncio.run(pipe.process_item(ArtworkZip(id=7, url="u", body=zip_bytes(7))))

    assert pipe.crawler.stats.get_value("louvre/failed") == 1
    assert pipe.crawler.spider.failed_ids == {7}


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES])
def test_a_store_that_takes_no_more_files_stops_the_crawl_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    pipe = pipeline(tmp_path / "zips")
    pipe.crawler.engine = SimpleNamespace(spider=None, running=True)  # the stop is only logged

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("louvre_scraper.store.atomic._write_partial", full)
    with caplog.at_level(logging.DEBUG):
        for artwork_id in (7, 8, 9):
            with pytest.raises(DropItem):
                asyncio.run(pipe.process_item(ArtworkZip(id=artwork_id, url="u", body=b"PK")))

    stats = pipe.crawler.stats
    assert stats.get_value(STOP_STAT) == STORE_FULL
    assert stats.get_value(FAILED_STAT) == 3
    assert pipe.crawler.spider.failed_ids == {7, 8, 9}
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [
        f"cannot write to {tmp_path / 'zips'}: {os.strerror(code)} — " + (STORE_ERRNOS[code])
    ]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs, mounted for the test (root only, as in CI)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_a_full_disk_stops_the_crawl_at_once_and_leaves_whole_zips(
    tiny_disk: Path, fake_louvre
) -> None:
    server = fake_louvre("--max-id", "300", "--density", "1", "--zip-size", "20000")
    store = tiny_disk / "zips"

    result = crawl(store, "-a", "end=300", settings={"LOUVRE_BASE_URL": server.url})

    assert result.returncode == EXIT_STORE_FAILED, result.stderr
    assert result.stats["finish_reason"] == STORE_FULL
    errors = result.lines("ERROR")
    assert len(errors) == 1, result.stderr
    assert f"cannot write to {store}: No space left on device — free some space" in errors[0]
    assert "Traceback" not in result.stderr
    stored = result.files()
    assert 0 < len(stored) < 300
    assert all(body == zip_bytes(int(name[:-4]), 20000) for name, body in stored.items())
    assert not [p for p in store.iterdir() if p.name.startswith(".")], "no partial file left"
    assert len(server.zip_gets()) < 120, "no more downloads once the disk is full"
    summary = result.stderr[result.stderr.index("Louvre crawl stopped: the store takes no more") :]
    failed_file = tiny_disk / "zips.failed-ids.txt"
    if failed_file.exists():  # the few bytes of the list may still fit where a zip did not
        assert f"all of them in {failed_file}" in summary
        assert len(failed_file.read_text().split()) == result.stats["louvre/failed"]
    else:
        assert f"could not list them all in {failed_file}: No space left on device" in summary
