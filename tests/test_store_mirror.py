"""The mirror's API, without a running crawl: a temporary local store, plain asyncio calls."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from louvre_scraper.config import config_of
from louvre_scraper.contract import CollectionStats, Shard, Status, StorePlan, Validators
from louvre_scraper.items import ArtworkRecord, ArtworkZip
from louvre_scraper.store.journal import JOURNAL_FILE
from louvre_scraper.store.layout import state_path
from louvre_scraper.store.local import AtomicFSFilesStore
from louvre_scraper.store.mirror import Mirror, mirror_of

ARK = "cl010062370"
URL = f"https://collections.louvre.fr/ark:/53355/{ARK}"


def mirror(store: Path, **settings: str) -> Mirror:
    crawler = get_crawler(settings_dict={"FILES_STORE": str(store), **settings})
    return Mirror(crawler, config_of(crawler), AtomicFSFilesStore(str(store)))


def record(status: str = Status.DOWNLOADED, **fields: object) -> ArtworkRecord:
    image = {"url": f"{URL}/0.jpg", "path": f"images/{ARK}/0.jpg", "size": 3}
    return ArtworkRecord(
        arkId=ARK,
        url=f"{URL}.json",
        path=f"records/{ARK}.json",
        status=status,
        images=[{**image, "status": "downloaded", "position": 0}],
        **fields,
    )


def test_the_crawler_reaches_its_mirror(tmp_path: Path) -> None:
    built = mirror(tmp_path)
    assert mirror_of(built.crawler) is built
    assert mirror_of(get_crawler()) is None


def test_a_record_is_stored_after_its_image_with_the_plan_in_its_state(tmp_path: Path) -> None:
    built = mirror(tmp_path)
    asyncio.run(built.open_inventory())
    stored = asyncio.run(built.store_image(ARK, f"{URL}/0.jpg", f"images/{ARK}/0.jpg", b"jpg"))
    assert stored is not None
    plan = StorePlan(("0",), (("1", f"{URL}/1.jpg", "images=first"),), Validators('"v1"'))
    item = record(body=b'{"arkId": "x"}', plan=plan)

    result = asyncio.run(built.store_record(item))

    assert "plan" not in result and "body" not in result
    assert (tmp_path / "records" / f"{ARK}.json").read_bytes() == b'{"arkId": "x"}'
    assert (tmp_path / "images" / ARK / "0.jpg").read_bytes() == b"jpg"
    state = json.loads((tmp_path / state_path(ARK)).read_bytes())
    assert state["etag"] == '"v1"'
    assert state["images"]["0"]["sha256"] == hashlib.sha256(b"jpg").hexdigest()
    assert state["images"]["1"] == {
        "url": f"{URL}/1.jpg",
        "status": "left_out",
        "left_out": "images=first",
    }
    stats = built.crawler.stats
    assert stats.get_value(CollectionStats.IMAGES_STORED) == 1
    assert stats.get_value(CollectionStats.BYTES) == len(b"jpg") + len(b'{"arkId": "x"}')


def test_a_filtered_record_is_stored_and_dropped(tmp_path: Path) -> None:
    built = mirror(tmp_path)
    asyncio.run(built.open_inventory())
    item = record(Status.FILTERED, body=b"{}", plan=StorePlan())
    item["images"] = []

    with pytest.raises(DropItem):
        asyncio.run(built.store_record(item))

    assert (tmp_path / "records" / f"{ARK}.json").read_bytes() == b"{}"


def test_a_zip_is_stored_at_its_path(tmp_path: Path) -> None:
    built = mirror(tmp_path)
    item = ArtworkZip(id=7, url="https://x/7", body=b"PK")

    result = asyncio.run(built.store_zip(item))

    assert (tmp_path / "7.zip").read_bytes() == b"PK"
    assert (result["path"], result["size"], result["status"]) == ("7.zip", 2, "downloaded")


def test_the_report_says_where_the_failed_list_went(tmp_path: Path) -> None:
    built = mirror(tmp_path / "store")
    assert built.report().failed_list is None

    built.list_failed(Shard(0, 1), "failed-ids", [3, 5])

    failed = built.report().failed_list
    assert failed is not None and failed.path is not None
    assert failed.path.read_text() == "3\n5\n"


def test_a_killed_runs_changes_are_written_by_the_next_run_from_the_journal(
    tmp_path: Path,
) -> None:
    store, jobdir = tmp_path / "store", tmp_path / "job"
    jobdir.mkdir()
    killed = mirror(store, JOBDIR=str(jobdir))
    asyncio.run(killed.open_inventory())
    asyncio.run(killed.open_changes(Shard()))
    asyncio.run(killed.store_image(ARK, f"{URL}/0.jpg", f"images/{ARK}/0.jpg", b"jpg"))
    assert (jobdir / JOURNAL_FILE).read_bytes()  # journaled as it went; never closed

    later = mirror(store, JOBDIR=str(jobdir))
    later.started += datetime.timedelta(seconds=1)  # another run's name
    asyncio.run(later.open_inventory())
    asyncio.run(later.open_changes(Shard()))

    [log] = (store / "changes").iterdir()
    assert killed.changes_file is not None
    assert log.name == killed.changes_file.removeprefix("changes/")
    [line] = [json.loads(text) for text in log.read_text().splitlines()]
    assert (line["ark"], line["path"]) == (ARK, f"images/{ARK}/0.jpg")


def test_the_journal_is_compacted_as_the_run_goes_and_a_resume_still_logs_all(
    tmp_path: Path,
) -> None:
    store, jobdir = tmp_path / "store", tmp_path / "job"
    jobdir.mkdir()
    killed = mirror(store, JOBDIR=str(jobdir))
    killed.journal_floor = 4096
    asyncio.run(killed.open_inventory())
    asyncio.run(killed.open_changes(Shard()))
    killed.job_changes("listing")
    arks = [f"cl{n:09d}" for n in range(300)]

    async def store_images() -> None:
        for ark in arks:
            await killed.store_image(ark, f"{URL}/{ark}.jpg", f"images/{ark}/0.jpg", b"jpg")

    asyncio.run(store_images())  # then killed: never closed
    journal = (jobdir / JOURNAL_FILE).read_bytes()
    events = [json.loads(text) for text in journal.splitlines()]
    assert any("line" in event for event in events)  # compacted: settled intents as lines

    later = mirror(store, JOBDIR=str(jobdir))
    later.started += datetime.timedelta(seconds=1)
    asyncio.run(later.open_inventory())
    asyncio.run(later.open_changes(Shard()))

    [log] = (store / "changes").iterdir()
    lines = [json.loads(text) for text in log.read_text().splitlines()]
    assert [line["path"] for line in lines] == [f"images/{ark}/0.jpg" for ark in arks]
    # Within 1.5 times its shortest form (the log's lines, a header) plus the floor; each
    # image's intent and done lines, never compacted, would weigh about twice the log.
    assert len(journal) <= 1.5 * (log.stat().st_size + 200) + 4096
