"""The export writers (louvre_scraper/dataset/writers.py): atomic outputs, Parquet's schema and row
groups, imagefolder's links and copies."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from louvre_scraper.dataset import writers
from louvre_scraper.dataset.reader import Tally, image_rows, record_rows
from louvre_scraper.dataset.writers import (
    CsvWriter,
    ImageFolderWriter,
    JsonlWriter,
    ParquetWriter,
    parquet_schema,
    parquet_types,
)
from louvre_scraper.store.reader import open_mirror
from tests.test_dataset_reader import real_store, settings


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return real_store(tmp_path / "store")


def rows(store_dir: Path) -> list[dict]:
    return list(record_rows(open_mirror(settings(store_dir))))


@pytest.mark.parametrize("kind", [JsonlWriter, CsvWriter, ParquetWriter])
def test_an_aborted_export_leaves_the_previous_file(kind, store: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.data"
    target.write_bytes(b"previous")
    writer = kind(target)
    for row in rows(store):
        writer.write(row)
    writer.abort()
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.data", "store"]
    writer = kind(target)
    for row in rows(store):
        writer.write(row)
    writer.close(Tally())
    assert target.read_bytes() != b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.data", "store"]


def test_parquet_is_written_in_row_groups(store: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(writers, "ROW_GROUP", 5)
    target = tmp_path / "records.parquet"
    writer = ParquetWriter(target)
    for row in rows(store):
        writer.write(row)
    writer.close(Tally())
    parquet = pq.ParquetFile(target)
    assert parquet.metadata.num_rows == 12
    assert parquet.metadata.num_row_groups == 3  # 5 + 5 + 2


def test_every_feed_field_has_a_declared_type_or_is_a_string(store: Path) -> None:
    for sample in (rows(store), [r for row in rows(store) for r in image_rows(row)]):
        schema = parquet_schema(sample)
        assert schema.names == list(sample[0])
        for field in schema:
            assert field.type == parquet_types().get(field.name, pa.string()), field.name
    # A field the schema does not know yet is typed from its values, not forced to a string.
    assert parquet_schema([{"new": None}, {"new": 3}]).field("new").type == pa.int64()


def test_imagefolder_copies_when_it_cannot_link(store: Path, tmp_path: Path, monkeypatch) -> None:
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    dest = tmp_path / "hf"
    dest.mkdir()
    (dest / "metadata.jsonl").write_text("previous export\n", encoding="utf-8")
    writer = ImageFolderWriter(dest, store, {"store": str(store), "site": "x", "filters": ""})
    tally = Tally()
    for row in record_rows(open_mirror(settings(store)), tally=tally):
        for image in image_rows(row):
            writer.write(image)
    writer.close(tally)
    lines = [json.loads(x) for x in (dest / "metadata.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == tally.images
    first = dest / lines[0]["file_name"]
    assert first.read_bytes() == (store / lines[0]["file_name"]).read_bytes()
    assert first.stat().st_ino != (store / lines[0]["file_name"]).stat().st_ino
    assert "copies of the mirror's files" in (dest / "README.md").read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf", "store"]
