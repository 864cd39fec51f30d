"""Where an export goes: one writer per format, behind one small interface (as img2dataset's).

A writer takes rows (:mod:`louvre_scraper.dataset.reader`) one at a time, ``close`` puts its output
in place, ``abort`` leaves whatever was there before as it was: every output is written under a
temporary name beside it and renamed at the end. JSON Lines and CSV go through Scrapy's item
exporters (the CSV one is the crawl's own flat exporter), Parquet through pyarrow in row groups
of :data:`ROW_GROUP` rows, so memory stays flat in the size of the store.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.exporters import JsonLinesItemExporter

from louvre_scraper.config import unwritable_dir
from louvre_scraper.dataset.card import dataset_card
from louvre_scraper.records.exporters import FlatCsvItemExporter
from louvre_scraper.store.atomic import (
    AtomicFile,
    commit_file,
    fsync_file,
    partial_name,
    swap_folder,
    write_atomically,
)

if TYPE_CHECKING:
    from louvre_scraper.dataset.reader import Tally

FORMATS = ("jsonl", "csv", "parquet", "imagefolder")
FORMAT_OF_EXTENSION = {".jsonl": "jsonl", ".jl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
ROW_GROUP = 5_000  # rows per Parquet row group: ~10 MB of Python objects at a time
METADATA = "metadata.jsonl"  # what Hugging Face's imagefolder reads beside the images
CARD = "README.md"


class Writer(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...

    def close(self, tally: Tally) -> None:
        """Finish the output and put it in place of any previous one."""

    def abort(self) -> None:
        """Drop what was written; a previous output stays as it was."""


class JsonlWriter:
    def __init__(self, target: Path):
        self.out = AtomicFile(target)
        self.exporter = JsonLinesItemExporter(self.out.file, encoding="utf-8", ensure_ascii=False)
        self.exporter.start_exporting()

    def write(self, row: dict[str, Any]) -> None:
        self.exporter.export_item(row)

    def close(self, tally: Tally) -> None:
        self.exporter.finish_exporting()
        self.out.commit()

    def abort(self) -> None:
        self.out.abort()


class CsvWriter(JsonlWriter):
    """The crawl's flat CSV: lists joined with `` | ``, a record's images as their paths."""

    def __init__(self, target: Path):
        self.out = AtomicFile(target)
        self.exporter = FlatCsvItemExporter(self.out.file, encoding="utf-8")
        self.exporter.start_exporting()


IMAGE_STRUCT = pa.struct(
    [
        ("url", pa.string()),
        ("path", pa.string()),  # null: listed by the record, not in the store
        ("size", pa.int64()),
        ("checksum", pa.string()),
        ("copyright", pa.string()),
        ("position", pa.int64()),
        ("type", pa.string()),
        ("status", pa.string()),
    ]
)
CREATOR_STRUCT = pa.struct(
    [(name, pa.string()) for name in ("name", "role", "qualifier", "wikidata")]
)
# The feed fields that are not strings; any other field is a string, unless it is new here and
# its first values say otherwise (then pyarrow infers its type from them).
PARQUET_TYPES: dict[str, pa.DataType] = {
    "creators": pa.list_(CREATOR_STRUCT),
    "startYear": pa.int64(),
    "endYear": pa.int64(),
    "onDisplay": pa.bool_(),
    "images": pa.list_(IMAGE_STRUCT),
    "imageSize": pa.int64(),
    "imagePosition": pa.int64(),
}


def parquet_schema(rows: list[dict[str, Any]]) -> pa.Schema:
    """The schema of an export, from its first rows' field names (declared types first)."""
    fields = []
    for name in rows[0]:
        kind = PARQUET_TYPES.get(name)
        if kind is None:
            values = [row.get(name) for row in rows if row.get(name) is not None]
            kind = pa.string() if not values or isinstance(values[0], str) else None
            kind = kind or pa.array(values).type
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


class ParquetWriter:
    def __init__(self, target: Path):
        self.target = target
        self.partial = partial_name(target)
        self.rows: list[dict[str, Any]] = []
        self.schema: pa.Schema | None = None
        self.writer: pq.ParquetWriter | None = None

    def write(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        if self.writer is None:
            self.schema = parquet_schema(self.rows)
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.partial, self.schema, compression="zstd")
        self.writer.write_batch(pa.RecordBatch.from_pylist(self.rows, schema=self.schema))
        self.rows = []

    def close(self, tally: Tally) -> None:
        self._flush()
        if self.writer is None:  # nothing kept: an empty file still has its schema
            return
        self.writer.close()
        commit_file(self.partial, self.target)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.partial.unlink(missing_ok=True)


class ImageFolderWriter:
    """Hugging Face's ``imagefolder``: the images (hard links into the store where the
    filesystem allows, copies otherwise), ``metadata.jsonl`` with each one's ``file_name`` and
    its record's fields, and ``README.md``, the dataset card. Built in a temporary folder
    beside DEST, then swapped in for any previous one."""

    def __init__(
        self, target: Path, store_dir: Path, source: dict[str, str], rights_years: int = 70
    ):
        self.target = target
        self.store_dir = store_dir
        self.source = source  # what the card says the export was made from
        self.rights_years = rights_years  # the term of the rights estimate, for the card
        self.partial = partial_name(target)
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir(parents=True)
        self.metadata = AtomicFile(self.partial / METADATA)
        self.linking = True  # until the filesystem says hard links cannot be made
        self.fields: list[str] = []

    def write(self, row: dict[str, Any]) -> None:
        path = row["imagePath"]
        target = self.partial / path
        target.parent.mkdir(parents=True, exist_ok=True)
        self._place(self.store_dir / path, target)
        line = {"file_name": path, **{k: v for k, v in row.items() if k != "imagePath"}}
        if not self.fields:
            self.fields = list(line)
        self.metadata.file.write((json.dumps(line, ensure_ascii=False) + "\n").encode())

    def _place(self, source: Path, target: Path) -> None:
        if self.linking:
            try:
                os.link(source, target)
                return
            except OSError as error:
                if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
                self.linking = False  # another filesystem: copy from now on
        shutil.copyfile(source, target)
        fsync_file(target)

    def close(self, tally: Tally) -> None:
        self.metadata.commit()
        card = dataset_card(
            tally, self.fields, self.source, linked=self.linking, rights_years=self.rights_years
        )
        write_atomically(self.partial / CARD, card.encode())
        swap_folder(self.partial, self.target)

    def abort(self) -> None:
        self.metadata.abort()
        shutil.rmtree(self.partial, ignore_errors=True)


def format_of(dest: str, given: str | None) -> str | None:
    """The format asked for (``--format``), else the one DEST's extension names, else None."""
    if given:
        return given.strip().lower()
    return FORMAT_OF_EXTENSION.get(Path(dest).suffix.lower())


def destination_problem(dest: Path, fmt: str) -> str | None:
    """Why DEST cannot take an export in *fmt* (None: it can); checked without writing."""
    if fmt == "imagefolder":
        if dest.is_file():
            return "is a file; imagefolder writes a folder"
        if dest.is_dir() and any(dest.iterdir()) and not (dest / METADATA).is_file():
            return f"is a folder that holds no {METADATA}: not a previous export to replace"
    elif dest.is_dir():
        return "is a folder, not a file"
    return unwritable_dir(dest.absolute().parent)
