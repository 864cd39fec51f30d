"""The incremental plan (louvre_scraper/collection/plan.py): what one listed record needs.

Pure of Twisted: a local store made here, the plan's coroutines run with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from pathlib import Path

from louvre_scraper.collection.arks import parse_lastmod
from louvre_scraper.collection.plan import FetchRecord, Planner, RecordPlan, Wanted
from louvre_scraper.config import LouvreConfig
from louvre_scraper.contract import CollectionStats
from louvre_scraper.records.filters import FilterTally
from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.layout import image_path, record_path
from louvre_scraper.store.local import LocalInventory
from louvre_scraper.store.obsolete import Obsolete

ARK = "cl010062370"
BASE = "https://collections.louvre.fr"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40 + b"\xff\xd9"
MODIFIED = "2024-05-01"


class Stats:
    """What the planner asks of Scrapy's stats collector: counts."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count


def record(*urls: str, collection: str = "Département des Peintures") -> dict:
    return {
        "arkId": ARK,
        "url": f"{BASE}/ark:/53355/{ARK}",
        "modified": MODIFIED,
        "title": "La Joconde",
        "collection": collection,
        "objectType": "peinture",
        "image": [
            {"urlImage": url, "copyright": f"© {i}", "position": i} for i, url in enumerate(urls)
        ],
    }


def url(n: int) -> str:
    return f"{BASE}/media/{n}.jpg"


class Store:
    def __init__(self, tmp_path: Path, **wanted: str) -> None:
        self.root = tmp_path / "store"
        self.root.mkdir()
        self.config = LouvreConfig(files_store=str(self.root))
        self.obsolete = Obsolete()
        self.stats = Stats()
        filters = FilterTally.of(wanted.pop("collection", None), wanted.pop("type", None))
        self.planner = Planner(
            self.config, LocalInventory(self.root), self.obsolete, self.stats,
            Wanted(filters, **wanted),
        )  # fmt: skip

    def put_record(self, body: dict) -> None:
        data = json.dumps(body).encode()
        write_atomically(self.root / record_path(self.config, ARK), data)

    def put_image(self, stem: int | str, data: bytes = JPEG, ext: str = ".jpg") -> str:
        path = image_path(self.config, ARK, stem, ext)
        write_atomically(self.root / path, data)
        return path

    def listed(self, lastmod: str | None = MODIFIED) -> FetchRecord | RecordPlan:
        return asyncio.run(self.planner.listed(ARK, parse_lastmod(lastmod)))

    def plan(self, body: dict, fresh: bool = True, old: dict | None = None) -> RecordPlan:
        data = json.dumps(body).encode() if fresh else None
        return asyncio.run(self.planner.plan(ARK, body, data, old or {}))


# -- listed: nothing, its missing images, or its .json -----------------------------------------


def test_a_current_record_with_every_image_stored_needs_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_record(record(url(0), url(1)))
    paths = [store.put_image(0), store.put_image(1)]

    plan = store.listed()

    assert isinstance(plan, RecordPlan)
    assert plan.fetch == [] and plan.refused == []
    assert plan.item is not None and plan.item["status"] == "uptodate"
    assert "body" not in plan.item  # the stored .json is not written again
    assert [(i["path"], i["size"], i["status"]) for i in plan.item["images"]] == [
        (path, len(JPEG), "uptodate") for path in paths
    ]
    assert store.stats.values == {CollectionStats.RECORDS: 1, CollectionStats.IMAGES_UPTODATE: 2}


def test_a_current_record_needs_only_its_missing_images(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_record(record(url(0), url(1), url(2)))
    store.put_image(0)
    store.put_image(2, data=JPEG[:-2])  # not whole: as good as missing

    plan = store.listed()

    assert isinstance(plan, RecordPlan)
    assert [(f.index, f.ref.url, f.stem, f.replaces) for f in plan.fetch] == [
        (1, url(1), "1", None),
        (2, url(2), "2", None),
    ]
    assert plan.item is not None
    assert [i["status"] for i in plan.item["images"]] == ["uptodate", None, None]
    assert [i["path"] for i in plan.item["images"]][1:] == [None, None]  # not in the store yet


def test_a_record_changed_since_it_was_stored_needs_its_json(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_record(record(url(0), url(1)))
    store.put_image(0)

    plan = store.listed("2024-06-01")

    assert plan == FetchRecord(ARK, {"0": url(0), "1": url(1)})  # the stored version's images


def test_without_lastmod_the_json_is_fetched_again(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_record(record(url(0)))
    store.put_image(0)

    assert store.listed(None) == FetchRecord(ARK, {"0": url(0)})  # the sitemap cannot say


def test_a_record_not_stored_needs_its_json(tmp_path: Path) -> None:
    assert Store(tmp_path).listed() == FetchRecord(ARK, {})


# -- plan: once the .json is at hand ----------------------------------------------------------


def test_a_fetched_record_is_sent_with_its_body_and_every_image_to_fetch(tmp_path: Path) -> None:
    store = Store(tmp_path)
    body = record(url(0), url(1))

    plan = store.plan(body)

    assert plan.item is not None and plan.item["status"] == "downloaded"
    assert plan.item["body"] == json.dumps(body).encode()
    assert plan.item["path"] == record_path(store.config, ARK)
    assert [(f.index, f.stem) for f in plan.fetch] == [(0, "0"), (1, "1")]


def test_an_image_whose_url_changed_is_fetched_to_replace_the_stored_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    stored = store.put_image(0)

    plan = store.plan(record(url(5)), old={"0": url(0)})

    assert [(f.ref.url, f.stem, f.replaces) for f in plan.fetch] == [(url(5), "0", stored)]


def test_an_image_the_record_no_longer_lists_is_superseded(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_image(0)
    dropped = store.put_image(1, ext=".png", data=JPEG)  # whatever its bytes, found by its stem

    plan = store.plan(record(url(0)), old={"0": url(0), "1": url(1)})

    assert plan.fetch == []
    assert store.obsolete.found == {dropped: "superseded"}


def test_a_filtered_record_is_stored_if_fetched_and_gives_no_image(tmp_path: Path) -> None:
    store = Store(tmp_path, collection="Sculptures")
    body = record(url(0))

    fetched = store.plan(body)
    current = store.plan(body, fresh=False)

    assert fetched.item is not None and fetched.item["status"] == "filtered"
    assert fetched.fetch == [] and fetched.item["images"] == []
    assert current.item is None and current.fetch == []  # nothing to store, nothing to send
    assert store.stats.values[CollectionStats.RECORDS_FILTERED] == 2


def test_images_first_and_none_ask_for_that_many(tmp_path: Path) -> None:
    body = record(url(0), url(1), url(2))
    (tmp_path / "first").mkdir()
    (tmp_path / "none").mkdir()

    first = Store(tmp_path / "first", images="first").plan(body)
    none = Store(tmp_path / "none", images="none").plan(body)

    assert [f.stem for f in first.fetch] == ["0"] and len(first.item["images"]) == 1
    assert none.fetch == [] and none.item["images"] == []


def test_an_image_url_the_policy_refuses_is_failed_before_any_request(tmp_path: Path) -> None:
    store = Store(tmp_path)

    plan = store.plan(record("javascript:alert(1)", "https://elsewhere.example/0.jpg", url(2)))

    assert [f.stem for f in plan.fetch] == ["2"]
    assert [u for u, _ in plan.refused] == [
        "javascript:alert(1)",
        "https://elsewhere.example/0.jpg",
    ]
    assert all(line.startswith(f"image {ARK}/") for _, line in plan.refused)
    assert [i["status"] for i in plan.item["images"]] == ["failed", "failed", None]


def test_images_sharing_a_position_get_distinct_stems(tmp_path: Path) -> None:
    store = Store(tmp_path)
    body = record(url(0), url(1))
    body["image"][1]["position"] = 0

    plan = store.plan(body)

    assert [f.stem for f in plan.fetch] == ["0", "0-1"]


def test_checksums_of_stored_images_when_asked(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.config = LouvreConfig(files_store=str(store.root), checksums=True)
    store.planner.config = store.config
    store.put_image(0)

    plan = store.plan(record(url(0)), fresh=False)

    assert plan.item is not None
    assert plan.item["images"][0]["checksum"] == hashlib.md5(JPEG).hexdigest()
