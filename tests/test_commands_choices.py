"""The store remembers the crawl's choices, and ``scrapy export``, ``verify`` and ``catalogue``
follow them with no argument repeated: end to end on the fake Louvre, crawled with
``-a collection=peintures`` (and ``images=first``), then read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq
import pytest

from fakesite.harness import FAST, crawl, start_fake_louvre
from fakesite.options import fake_collection
from tests.store_commands import scrapy

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fakesite.collection import FakeCollection

SERVER = ("--records", "30", "--per-sitemap", "10")


@dataclass
class Chosen:
    store: Path
    fake: FakeCollection
    url: str

    def arks(self) -> list[str]:
        return sorted(self.fake.served_arks(1))

    def record(self, ark: str) -> dict[str, Any]:
        record = self.fake.record(ark, self.url, 1)
        assert record is not None
        return record

    def paintings(self) -> list[str]:
        return [a for a in self.arks() if "peintures" in self.record(a)["collection"].lower()]


def crawled(tmp: Path, *args: str) -> Iterator[Chosen]:
    server = start_fake_louvre(*SERVER)
    try:
        store = tmp / "store"
        run = crawl(
            store, *args, settings={"LOUVRE_BASE_URL": server.url, **FAST}, spider="collection"
        )
        assert run.returncode == 0, run.stderr
        yield Chosen(store, fake_collection(list(SERVER)), server.url)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def paintings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chosen]:
    yield from crawled(tmp_path_factory.mktemp("paintings"), "-a", "collection=peintures")


@pytest.fixture(scope="module")
def first_images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chosen]:
    yield from crawled(tmp_path_factory.mktemp("first"), "-a", "images=first")


def test_the_store_keeps_the_crawls_choices_in_its_state(paintings: Chosen) -> None:
    chosen = json.loads((paintings.store / "state/choices/all.json").read_text())

    assert chosen == {"collection": "peintures", "images": "all"}
    # Every record's .json is stored (as documented), the kept ones only have their images.
    assert len(list((paintings.store / "records").glob("*.json"))) == len(paintings.arks())


def test_export_follows_the_filter_the_crawl_used(paintings: Chosen, tmp_path) -> None:
    dest = tmp_path / "out.parquet"

    run = scrapy("export", str(dest), store=paintings.store)

    assert run.returncode == 0, run.stderr
    rows = pq.read_table(dest).to_pylist()
    wanted = paintings.paintings()
    assert 0 < len(wanted) < len(paintings.arks())
    assert sorted(row["arkId"] for row in rows) == wanted
    statuses = {image["status"] for row in rows for image in row["images"]}
    assert statuses == {"stored"}, statuses
    assert "Following the crawl's choices (collection=peintures, images=all)" in run.stderr
    assert "not in the store" not in run.stderr
    assert "Traceback" not in run.stderr


def test_all_records_takes_every_record_none_called_missing(paintings: Chosen, tmp_path) -> None:
    dest = tmp_path / "all.jsonl"

    run = scrapy("export", str(dest), "--all-records", store=paintings.store)

    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in dest.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["arkId"] for row in rows) == paintings.arks()
    for row in rows:
        kept = row["arkId"] in paintings.paintings()
        statuses = {image["status"] for image in row["images"]}
        assert statuses <= ({"stored"} if kept else {"left_out"}), (row["arkId"], statuses)
    assert "not in the store" not in run.stderr
    assert "left out on purpose by the crawl" in run.stderr


def test_card_and_stats_say_which_choices_made_the_export(paintings: Chosen, tmp_path) -> None:
    dest = tmp_path / "wds"

    run = scrapy("export", str(dest), "--format", "webdataset", store=paintings.store)

    assert run.returncode == 0, run.stderr
    stats = json.loads((dest / "_stats.json").read_text(encoding="utf-8"))
    assert stats["source"]["choices"] == "collection=peintures, images=all"
    assert stats["records"] == len(paintings.paintings())
    assert stats["missing_images"] == 0
    card = (dest / "README.md").read_text(encoding="utf-8")
    assert "**The crawl's choices**: collection=peintures, images=all" in card


def test_verify_counts_a_filtered_mirror_whole_with_no_list(paintings: Chosen) -> None:
    run = scrapy("verify", store=paintings.store)

    assert run.returncode == 0, run.stderr
    assert "The crawl chose collection=peintures, images=all" in run.stderr
    assert run.stdout == ""  # no per-file list unless asked
    assert "left out on purpose" in run.stderr
    assert "missing" not in "\n".join(run.lines("ERROR"))


def test_catalogue_follows_the_filter(paintings: Chosen, tmp_path) -> None:
    run = scrapy("catalogue", str(tmp_path / "cat"), store=paintings.store)

    assert run.returncode == 0, run.stderr
    assert "Following the crawl's choices (collection=peintures" in run.stderr
    pages = [*(tmp_path / "cat").rglob("*.html"), *(tmp_path / "cat").rglob("works-*.js")]
    body = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    others = set(paintings.arks()) - set(paintings.paintings())
    assert not [ark for ark in others if ark in body]
    assert [ark for ark in paintings.paintings() if ark in body]


def test_images_left_out_by_images_first_are_not_missing(first_images: Chosen, tmp_path) -> None:
    dest = tmp_path / "first.jsonl"

    run = scrapy("export", str(dest), store=first_images.store)

    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in dest.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["arkId"] for row in rows) == first_images.arks()
    several = [row for row in rows if len(row["images"]) > 1]
    assert several
    for row in rows:
        statuses = [image["status"] for image in row["images"]]
        assert statuses[1:] == ["left_out"] * (len(statuses) - 1), statuses
    assert "not in the store" not in run.stderr
    assert "The crawl chose every record, images=first" in run.stderr


def test_shards_that_chose_differently_are_said_in_one_line(paintings: Chosen, tmp_path) -> None:
    import shutil

    store = shutil.copytree(paintings.store, tmp_path / "store")
    (store / "state/choices/shard-1-of-2.json").write_text('{"images": "none"}')

    run = scrapy("export", str(tmp_path / "out.jsonl"), store=store)

    assert run.returncode == 0, run.stderr
    said = [line for line in run.stderr.splitlines() if "chose differently" in line]
    assert len(said) == 1, run.stderr
    rows = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(paintings.arks())
