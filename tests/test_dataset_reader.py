"""Reading a store back into feed rows (louvre_scraper/dataset/reader.py), on real records."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from scrapy.settings import Settings

from fakesite.records import REAL_RECORDS as REAL
from louvre_scraper.bodies.records import parse_record
from louvre_scraper.dataset.reader import (
    Tally,
    filters,
    find_images,
    image_rows,
    record_rows,
)
from louvre_scraper.errors import BadInput
from louvre_scraper.records.fields import ImageRef, images, record_fields
from louvre_scraper.store.entries import FolderEntry
from louvre_scraper.store.local import LocalInventory
from louvre_scraper.store.reader import open_mirror

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def real_arks() -> list[str]:
    return sorted(p.stem for p in REAL.glob("cl*.json"))


def settings(store: Path) -> Settings:
    return Settings({"FILES_STORE": str(store)})


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return real_store(tmp_path / "store")


def real_store(store: Path) -> Path:
    """The real records, each with its images stored, but for cl010001170's last one."""
    for ark in real_arks():
        body = (REAL / f"{ark}.json").read_bytes()
        (store / "records").mkdir(parents=True, exist_ok=True)
        (store / "records" / f"{ark}.json").write_bytes(body)
        for ref in images(parse_record(body) or {}):
            if ark == "cl010001170" and ref.position == 2:
                continue
            folder = store / "images" / ark
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{ref.position}.jpg").write_bytes(JPEG)
    return store


def test_each_record_gives_the_crawl_feeds_fields_and_its_stored_images(store: Path) -> None:
    tally = Tally()
    rows = list(record_rows(open_mirror(settings(store)), tally=tally))

    assert [row["arkId"] for row in rows] == real_arks()
    for row in rows:
        record = parse_record((REAL / f"{row['arkId']}.json").read_bytes())
        assert record is not None
        assert {k: row[k] for k in record_fields(record)} == record_fields(record)
        assert row["path"] == f"records/{row['arkId']}.json"
        refs = images(record)
        assert [e["url"] for e in row["images"]] == [r.url for r in refs]
        assert [e["copyright"] for e in row["images"]] == [r.copyright for r in refs]
    lamp = next(row for row in rows if row["arkId"] == "cl010001170")
    assert [e["path"] for e in lamp["images"]] == [
        "images/cl010001170/0.jpg",
        "images/cl010001170/1.jpg",
        None,
    ]
    assert [e["size"] for e in lamp["images"]] == [len(JPEG), len(JPEG), None]
    assert [e["status"] for e in lamp["images"]] == ["stored", "stored", "missing"]
    assert lamp["status"] == "stored"
    assert tally.records == tally.kept == 12
    assert tally.missing_images == 1
    assert tally.images == sum(len(row["images"]) for row in rows) - 1
    assert tally.per_collection["Département des Antiquités égyptiennes"] == 4


def test_one_row_per_stored_image(store: Path) -> None:
    rows = list(record_rows(open_mirror(settings(store))))
    lamp = next(row for row in rows if row["arkId"] == "cl010001170")

    per_image = list(image_rows(lamp))

    assert [r["imagePath"] for r in per_image] == [
        "images/cl010001170/0.jpg",
        "images/cl010001170/1.jpg",
    ]
    assert per_image[1]["imageUrl"] == lamp["images"][1]["url"]
    assert per_image[1]["imageCopyright"] == lamp["images"][1]["copyright"]
    assert per_image[1]["imagePosition"] == 1
    assert per_image[1]["imageType"] == lamp["images"][1]["type"]
    assert per_image[1]["title"] == lamp["title"]
    assert "images" not in per_image[0] and "status" not in per_image[0]


def test_filters_are_the_spiders(store: Path) -> None:
    tally = Tally()
    wanted = filters(collection="égyptiennes")
    rows = list(record_rows(open_mirror(settings(store)), wanted, tally))
    assert len(rows) == 4 and tally.records == 12 and tally.kept == 4
    assert {row["collection"] for row in rows} == {"Département des Antiquités égyptiennes"}


def test_a_stored_file_that_is_not_a_record_is_counted_not_rowed(store: Path) -> None:
    (store / "records" / "cl019999999.json").write_bytes(b"<html>Server error</html>")
    tally = Tally()
    rows = list(record_rows(open_mirror(settings(store)), tally=tally))
    assert len(rows) == 12
    assert tally.damaged == ["records/cl019999999.json"]


def test_an_image_is_found_by_its_stem_whatever_its_stored_extension() -> None:
    from louvre_scraper.config import LouvreConfig

    config = LouvreConfig()
    refs = [
        ImageRef("https://x/a_OG.JPG", 0, "c0"),
        ImageRef("https://x/b_OG.JPG", 1, "c1"),
        ImageRef("https://x/c.png", 2, "c2"),
    ]
    listing = {
        "0.png": FolderEntry(10, 1.0),  # a PNG behind a .JPG URL: stored by its bytes
        "1.png": FolderEntry(11, 1.0),  # the old one, not pruned yet: older
        "1.jpg": FolderEntry(12, 2.0),
        "10.jpg": FolderEntry(13, 1.0),  # another stem
        "notes.txt": FolderEntry(5, 1.0),
    }
    found, unnamed = find_images(config, "cl010000001", refs, lambda folder: listing)
    assert [(f.path, f.size) for f in found] == [
        ("images/cl010000001/0.png", 10),
        ("images/cl010000001/1.jpg", 12),
        (None, None),
    ]
    assert unnamed == [
        "images/cl010000001/1.png",
        "images/cl010000001/10.jpg",
        "images/cl010000001/notes.txt",
    ]


def test_no_store_or_an_empty_one_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such directory"):
        open_mirror(settings(tmp_path / "nowhere"))
    (tmp_path / "empty" / "images").mkdir(parents=True)
    with pytest.raises(BadInput, match="no record in it"):
        open_mirror(settings(tmp_path / "empty"))
    assert not (tmp_path / "nowhere").exists()


def test_the_local_walk_is_in_path_order_and_skips_partials(tmp_path: Path) -> None:
    for name in ("a/b", "a-c", "a/.x.1.part", "b"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    walked = list(LocalInventory(tmp_path).paths() or ())
    assert walked == ["a/b", "a-c", "b"]
    assert list(LocalInventory(tmp_path).paths("a") or ()) == ["a/b"]
    assert os.listdir(tmp_path)  # nothing removed by a read


def test_an_s3_store_reads_as_a_local_one(store: Path, tmp_path: Path, monkeypatch) -> None:
    from tests.test_crawl_s3 import running_moto

    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(name, str(tmp_path / "none"))
    local = list(record_rows(open_mirror(settings(store))))
    with running_moto() as s3:
        bucket = s3.new_bucket()
        for path in store.rglob("*"):
            if path.is_file():
                key = f"mirror/{path.relative_to(store)}"
                s3.client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        remote = Settings(
            {
                "FILES_STORE": f"s3://{bucket}/mirror",
                "AWS_ENDPOINT_URL": s3.endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION_NAME": "us-east-1",
            }
        )
        rows = list(record_rows(open_mirror(remote)))
        assert rows == local
        with pytest.raises(BadInput, match="no record in it"):
            open_mirror(Settings({**remote.copy_to_dict(), "FILES_STORE": f"s3://{bucket}/x/"}))
