"""The collection spider at levels 1 and 2: built from arguments, fed hand-built responses."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from louvre_scraper.collection.ledger import Ledger
from louvre_scraper.contract import (
    ARK_META,
    IMAGE_META,
    KIND_META,
    OLD_IMAGES_META,
    RUN_META,
    VERDICT_META,
    RequestKind,
    Verdict,
)
from louvre_scraper.items import ArtworkRecord
from louvre_scraper.pipelines.files import LouvreFilesPipeline
from louvre_scraper.spiders.collection import IMAGE_PRIORITY, CollectionSpider
from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.local import LocalInventory

ARK = "cl010062370"
BASE = "https://collections.louvre.fr"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40 + b"\xff\xd9"


def record(*images: str, collection: str = "Département des Peintures") -> dict:
    return {
        "arkId": ARK,
        "url": f"{BASE}/ark:/53355/{ARK}",
        "modified": "2024-05-01",
        "title": "La Joconde",
        "collection": collection,
        "objectType": "peinture",
        "image": [
            {"urlImage": url, "copyright": f"© {i}", "position": i} for i, url in enumerate(images)
        ],
    }


def spider(tmp_path: Path, **arguments: str) -> CollectionSpider:
    crawler = get_crawler(CollectionSpider, {"FILES_STORE": str(tmp_path / "store")})
    built = CollectionSpider.from_crawler(crawler, **arguments)
    crawler.spider = built
    built.inventory = LocalInventory(tmp_path / "store")
    pipeline = LouvreFilesPipeline.from_crawler(crawler)
    pipeline.open_spider()
    built.mirror = pipeline.mirror  # stores images as they arrive
    return built


def run_image(built: CollectionSpider, response: Response) -> ArtworkRecord | None:
    return asyncio.run(built.parse_image(response))


def record_response(
    built: CollectionSpider, body: bytes, verdict: Verdict, old: dict | None = None
) -> Response:
    url = f"{BASE}/ark:/53355/{ARK}.json"
    meta = {
        RUN_META: built._run_id,
        ARK_META: ARK,
        KIND_META: RequestKind.RECORD,
        OLD_IMAGES_META: old or {},
        VERDICT_META: verdict.value,
    }
    return Response(url, status=200, body=body, request=Request(url, meta=meta))


def test_a_record_asks_for_its_images_ahead_of_further_records(tmp_path: Path) -> None:
    built = spider(tmp_path)
    body = json.dumps(record(f"{BASE}/a.JPG", f"{BASE}/b.png")).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    assert [r.url for r in out] == [f"{BASE}/a.JPG", f"{BASE}/b.png"]
    assert all(r.priority == IMAGE_PRIORITY and r.dont_filter for r in out)
    assert [r.meta[IMAGE_META] for r in out] == [0, 1]
    assert {r.meta[KIND_META] for r in out} == {"image"}
    item = built.open_records[ARK].item
    assert [e["path"] for e in item["images"]] == [None, None]  # named when the bytes come
    assert item["body"] == body

    # Each image is stored as it arrives (not held until the last); the item leaves with the
    # last one, its record's .json for the pipeline to store last.
    first = run_image(built, image_response(out[0], JPEG))
    assert first is None
    assert item["images"][0]["path"] == f"images/{ARK}/0.jpg"
    last = run_image(built, image_response(out[1], b"", status=404, verdict=Verdict.MISSING))
    assert isinstance(last, ArtworkRecord)
    assert all("body" not in e for e in last["images"])
    assert (tmp_path / "store" / "images" / ARK / "0.jpg").read_bytes() == JPEG
    assert last["images"][0]["status"] == "downloaded"
    assert last["images"][0]["size"] == len(JPEG)
    assert last["images"][1]["status"] == "missing"
    assert last["images"][1]["path"] is None  # not in the store: no path to a file
    assert ARK not in built.open_records


def image_response(
    request: Request, body: bytes, status: int = 200, verdict: Verdict = Verdict.WHOLE
) -> Response:
    request.meta[VERDICT_META] = verdict.value
    return Response(request.url, status=status, body=body, request=request)


def test_images_already_stored_whole_are_not_asked_again(tmp_path: Path) -> None:
    built = spider(tmp_path)
    write_atomically(tmp_path / "store" / "images" / ARK / "0.jpg", JPEG)
    body = json.dumps(record(f"{BASE}/a.jpg")).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    assert len(out) == 1 and isinstance(out[0], ArtworkRecord)
    assert out[0]["images"][0]["status"] == "uptodate"
    assert out[0]["images"][0]["size"] == len(JPEG)


def test_an_image_whose_url_changed_is_asked_again_and_the_dropped_one_listed(
    tmp_path: Path,
) -> None:
    built = spider(tmp_path)
    write_atomically(tmp_path / "store" / "images" / ARK / "0.jpg", JPEG)
    write_atomically(tmp_path / "store" / "images" / ARK / "1.jpg", JPEG)
    old = {"0": f"{BASE}/old.jpg", "1": f"{BASE}/gone.jpg"}
    body = json.dumps(record(f"{BASE}/new.jpg")).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE, old)))
    assert [r.url for r in out] == [f"{BASE}/new.jpg"]
    assert built.mirror.obsolete.found == {f"images/{ARK}/1.jpg": "superseded"}


def test_filtered_records_are_stored_but_give_no_image(tmp_path: Path) -> None:
    built = spider(tmp_path, collection="sculptures")
    body = json.dumps(record(f"{BASE}/a.jpg")).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    assert len(out) == 1 and out[0]["status"] == "filtered" and out[0]["images"] == []


def test_an_html_page_is_a_failed_record(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    built = spider(tmp_path)
    with caplog.at_level(logging.WARNING):
        out = asyncio.run(built.parse_record(record_response(built, b"<html>", Verdict.RETRY)))
    assert out == []
    assert built.failed == {f"{BASE}/ark:/53355/{ARK}.json"}
    assert [r.getMessage() for r in caplog.records] == [
        f"Record {ARK} failed after retries: not a record ({BASE}/ark:/53355/{ARK}.json)"
    ]


def test_images_first_and_none(tmp_path: Path) -> None:
    body = json.dumps(record(f"{BASE}/a.jpg", f"{BASE}/b.jpg")).encode()
    first = spider(tmp_path, images="first")
    assert len(asyncio.run(first.parse_record(record_response(first, body, Verdict.WHOLE)))) == 1
    none = spider(tmp_path, images="none")
    out = asyncio.run(none.parse_record(record_response(none, body, Verdict.WHOLE)))
    assert isinstance(out[0], ArtworkRecord) and out[0]["images"] == []


def test_bad_images_argument_ends_the_process_with_one_line(tmp_path: Path, refusal) -> None:
    assert refusal(lambda: spider(tmp_path, images="some")) == [
        "bad argument images='some': expected all, first, none"
    ]


def test_images_a_stopped_run_left_in_jobdir_do_not_count_for_this_run(tmp_path: Path) -> None:
    built = spider(tmp_path)
    body = json.dumps(record(f"{BASE}/a.jpg", f"{BASE}/b.jpg")).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    restored = out[1].replace(meta={**out[1].meta, RUN_META: "an earlier run"})
    assert run_image(built, image_response(restored, JPEG)) is None
    assert built.open_records[ARK].waiting == 2, "still waiting for both of its own images"
    assert run_image(built, image_response(out[0], JPEG)) is None
    item = run_image(built, image_response(out[1], JPEG))
    assert isinstance(item, ArtworkRecord)
    assert [e["status"] for e in item["images"]] == ["downloaded", "downloaded"]


def test_images_the_record_still_lists_are_not_superseded_when_only_the_first_is_wanted(
    tmp_path: Path,
) -> None:
    built = spider(tmp_path, images="first")
    write_atomically(tmp_path / "store" / "images" / ARK / "1.jpg", JPEG)
    old = {"0": f"{BASE}/a.jpg", "1": f"{BASE}/b.jpg"}
    body = json.dumps(record(f"{BASE}/a.jpg", f"{BASE}/b.jpg")).encode()
    asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE, old)))
    assert built.mirror.obsolete.found == {}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def test_an_image_is_named_by_its_bytes_and_found_again_by_its_stem(tmp_path: Path) -> None:
    built = spider(tmp_path)
    body = json.dumps(record(f"{BASE}/x.sh")).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    item = run_image(built, image_response(out[0], PNG))
    assert isinstance(item, ArtworkRecord)
    assert item["images"][0]["path"] == f"images/{ARK}/0.png"
    # Stored under that name, the next run finds it whatever the URL says.
    write_atomically(tmp_path / "store" / "images" / ARK / "0.png", PNG)
    again = spider(tmp_path)
    out = asyncio.run(
        again.parse_record(record_response(again, body, Verdict.WHOLE, {"0": f"{BASE}/x.sh"}))
    )
    assert out[0]["images"][0]["status"] == "uptodate"
    assert out[0]["images"][0]["path"] == f"images/{ARK}/0.png"


def test_a_new_image_of_another_kind_supersedes_the_old_file(tmp_path: Path) -> None:
    built = spider(tmp_path)
    write_atomically(tmp_path / "store" / "images" / ARK / "0.jpg", JPEG)
    body = json.dumps(record(f"{BASE}/new.png")).encode()
    out = asyncio.run(
        built.parse_record(record_response(built, body, Verdict.WHOLE, {"0": f"{BASE}/a"}))
    )
    run_image(built, image_response(out[0], PNG))
    assert built.mirror.obsolete.found == {f"images/{ARK}/0.jpg": "superseded"}


def test_a_url_the_policy_refuses_is_failed_before_any_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = spider(tmp_path)
    urls = ("javascript:alert(1)", "/relative/x.jpg", "file:///etc/passwd", f"{BASE}/ok.jpg")
    body = json.dumps(record(*urls)).encode()
    with caplog.at_level(logging.WARNING):
        out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    assert [r.url for r in out] == [f"{BASE}/ok.jpg"]
    assert [r.getMessage() for r in caplog.records] == [
        f"image {ARK}/{i}: refused {url} — not an http(s) URL of the site"
        for i, url in enumerate(urls[:3])
    ]
    assert built.failed == set(urls[:3])
    entries = built.open_records[ARK].item["images"]
    assert [e["status"] for e in entries] == ["failed", "failed", "failed", None]


def test_images_sharing_a_position_get_distinct_stable_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = spider(tmp_path)
    entries = [
        {"urlImage": f"{BASE}/a.jpg", "position": 0},
        {"urlImage": f"{BASE}/b.jpg", "position": 0},
        {"urlImage": f"{BASE}/c.jpg"},  # no position: its index, 2
        {"urlImage": f"{BASE}/d.jpg", "position": 2},
    ]
    body = json.dumps({**record(), "image": entries}).encode()
    with caplog.at_level(logging.INFO):
        out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    item = None
    for request in out:
        item = run_image(built, image_response(request, JPEG)) or item
    assert isinstance(item, ArtworkRecord)
    assert [e["path"].rsplit("/", 1)[1] for e in item["images"]] == [
        "0.jpg",
        "0-1.jpg",
        "2.jpg",
        "2-1.jpg",
    ]
    said = [r.getMessage() for r in caplog.records if "share a position" in r.getMessage()]
    assert said == [f"{ARK}: images share a position; stored as 0 → 0, 0 → 0-1, 2 → 2, 2 → 2-1"]


def test_a_record_whose_fate_is_unknown_is_unfinished(tmp_path: Path) -> None:
    built = spider(tmp_path)
    for number in (10062370, 10062371, 10062372):
        built.listing.add(f"{BASE}/ark:/53355/cl0{number}")
    built.listing.sort()
    built.planned = len(built.listing)  # as start() sets it once the walk is done
    built.ledger = Ledger(built.listing)
    built.crawler.stats.open_spider()
    body = json.dumps(record()).encode()
    out = asyncio.run(built.parse_record(record_response(built, body, Verdict.WHOLE)))
    (item,) = out  # no image: the item leaves at once, its record settled when it is stored
    assert built.unfinished() == 3
    built._item_stored(item=item)
    built.record_failure(f"{BASE}/ark:/53355/cl010062371.json", "HTTP 403", "cl010062371")
    assert built.unfinished() == 1  # cl010062372: handed out, never answered
    assert built.crawler.stats.get_value("collection/records_stored") == 1
    assert built.crawler.stats.get_value("collection/records_failed") == 1
