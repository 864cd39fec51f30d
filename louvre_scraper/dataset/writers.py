"""Where an export goes: one writer per format, behind one small interface (as img2dataset's).

A writer takes rows (:mod:`louvre_scraper.dataset.reader`) one at a time, ``close`` puts its output
in place, ``abort`` leaves whatever was there before as it was: every output is written under a
temporary name beside it and renamed at the end. JSON Lines and CSV go through Scrapy's item
exporters (the CSV one is the crawl's own flat exporter), Parquet through pyarrow in row groups
of :data:`ROW_GROUP` rows, so memory stays flat in the size of the store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import errno
import functools
import json
import os
import posixpath
import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scrapy.exporters import JsonLinesItemExporter

from louvre_scraper.config import unwritable_dir
from louvre_scraper.dataset.card import dataset_card
from louvre_scraper.dataset.folders import FOLDER_LIMIT, FolderPlan
from louvre_scraper.dataset.workers import Workers
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
    import pyarrow as pa
    import pyarrow.parquet as pq

    from louvre_scraper.dataset.reader import Store, Tally
    from louvre_scraper.dataset.resize import Resize

FORMATS = ("jsonl", "csv", "parquet", "imagefolder", "webdataset")
FOLDER_FORMATS = ("imagefolder", "webdataset")  # a folder, one row per image
FORMAT_OF_EXTENSION = {".jsonl": "jsonl", ".jl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
ROW_GROUP = 5_000  # rows per Parquet row group: ~10 MB of Python objects at a time
METADATA = "metadata.jsonl"  # what Hugging Face's imagefolder reads beside the images
CARD = "README.md"
STATS = "_stats.json"  # a WebDataset export's account of itself, as img2dataset's
SHARD_SIZE = 10_000  # samples a WebDataset shard, img2dataset's default
SHARD_NAME = "{:05d}.tar"  # as img2dataset names them: 00000.tar, 00001.tar, …
IMAGE_BATCH = 32  # images per worker job: ~0.3 s of resizing, small next to an export
IN_FLIGHT = 4  # jobs per process handed out ahead: the parent's pauses never starve a worker


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


# pyarrow (and numpy under it) is imported by the functions that write Parquet or type a card,
# not by this module: Scrapy imports every command module, this one's through export.py, at
# the start of every `scrapy crawl`, where pyarrow was a fifth of the project's import time.
@functools.cache
def parquet_types() -> dict[str, pa.DataType]:
    """The feed fields that are not strings; any other field is a string, unless it is new
    here and its first values say otherwise (then pyarrow infers its type from them)."""
    import pyarrow as pa

    image_struct = pa.struct(
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
    creator_struct = pa.struct(
        [(name, pa.string()) for name in ("name", "role", "qualifier", "wikidata")]
    )
    return {
        "creators": pa.list_(creator_struct),
        "startYear": pa.int64(),
        "endYear": pa.int64(),
        "onDisplay": pa.bool_(),
        "images": pa.list_(image_struct),
        "imageSize": pa.int64(),
        "imagePosition": pa.int64(),
        "imageWidth": pa.int64(),  # a resized image's (--image-size)
        "imageHeight": pa.int64(),
    }


def parquet_schema(rows: list[dict[str, Any]]) -> pa.Schema:
    """The schema of an export, from its first rows' field names (declared types first)."""
    import pyarrow as pa

    declared = parquet_types()
    fields = []
    for name in rows[0]:
        kind = declared.get(name)
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
        import pyarrow as pa
        import pyarrow.parquet as pq

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
    beside DEST, then swapped in for any previous one. An image keeps its path in the store
    unless a folder on it would pass *folder_limit* entries: then it goes under a
    ``part-NNNNN/`` folder (:mod:`louvre_scraper.dataset.folders`)."""

    def __init__(
        self,
        target: Path,
        store_dir: Path,
        source: dict[str, str],
        rights_years: int = 70,
        folder_limit: int = FOLDER_LIMIT,
        *,
        resize: Resize | None = None,
        processes: int = 1,
    ):
        self.target = target
        self.store_dir = store_dir
        self.resize = resize  # None: the stored files, linked or copied
        self.source = source  # what the card says the export was made from
        self.rights_years = rights_years  # the term of the rights estimate, for the card
        self.partial = partial_name(target)
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir(parents=True)
        self.metadata = AtomicFile(self.partial / METADATA)
        self.linking = True  # until the filesystem says hard links cannot be made
        self.fields: list[str] = []
        # The root also holds metadata.jsonl, README.md and croissant.json.
        self.plan = FolderPlan(folder_limit, reserved=3)
        self.unreadable: list[str] = []  # not decodable, so not resized (--image-size)
        # Resizing is the work: batches of images resized by workers, their lines written
        # in order as they come back. Links and copies stay in this process.
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.workers = Workers(processes if resize is not None else 1, None, IN_FLIGHT)

    def write(self, row: dict[str, Any]) -> None:
        placed = self.plan.place(row["imagePath"])
        if self.resize is not None:
            self.pending.append((placed, row))
            if len(self.pending) >= IMAGE_BATCH:
                self._flush()
            return
        target = self.partial / placed
        target.parent.mkdir(parents=True, exist_ok=True)
        self._place(self.store_dir / row["imagePath"], target)
        self._line(placed, row, {})

    def _line(self, placed: str, row: dict[str, Any], extra: dict[str, int]) -> None:
        fields = {k: v for k, v in row.items() if k != "imagePath"}
        line = {"file_name": placed, **fields, **extra}
        if not self.fields:
            self.fields = list(line)
        self.metadata.file.write((json.dumps(line, ensure_ascii=False) + "\n").encode())

    def _flush(self, *, everything: bool = False) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            args = (self.store_dir, self.partial, batch, self.resize)
            self.workers.submit(resize_into, *args)
        for done in self.workers.done(everything=everything):
            for row, placed, extra in done:
                if placed is None:
                    self.unreadable.append(row["imagePath"])
                else:
                    self._line(placed, row, extra)

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
        self._flush(everything=True)
        self.workers.close()
        self.metadata.commit()
        card = dataset_card(
            self._counted(tally),
            self.fields,
            self.source,
            linked=self.linking and self.resize is None,
            rights_years=self.rights_years,
        )
        write_atomically(self.partial / CARD, card.encode())
        swap_folder(self.partial, self.target)

    def _counted(self, tally: Tally) -> Tally:
        """*tally* with the images that could not be resized counted as missing."""
        if not self.unreadable:
            return tally
        return dataclasses.replace(
            tally,
            images=tally.images - len(self.unreadable),
            missing_images=tally.missing_images + len(self.unreadable),
        )

    def abort(self) -> None:
        self.workers.abort()
        self.metadata.abort()
        shutil.rmtree(self.partial, ignore_errors=True)


def resize_into(
    _store: Store | None,
    store_dir: Path,
    folder: Path,
    batch: list[tuple[str, dict[str, Any]]],
    resize: Resize,
) -> list[tuple[dict[str, Any], str | None, dict[str, int]]]:
    """Resize each (placed, row)'s image from *store_dir* into *folder*, atomically, at its
    place with the new extension: (row, where it went or None if undecodable, its columns)."""
    from louvre_scraper.dataset.resize import UNDECODABLE, export_image

    out: list[tuple[dict[str, Any], str | None, dict[str, int]]] = []
    for placed, row in batch:
        try:
            data = (store_dir / row["imagePath"]).read_bytes()
            body, written, extra = export_image(data, placed, resize)
        except UNDECODABLE:  # OSError: gone from the store too
            out.append((row, None, {}))
            continue
        target = folder / written
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, body)
        out.append((row, written, extra))
    return out


def sample_key(image_path: str, image_template: str) -> str:
    """A sample's key: the image's path in the store without its extension and without the
    folder every image lies in, ``/`` and ``.`` made ``_`` (a dot would end the key):
    ``images/cl010001416/0.jpg`` → ``cl010001416_0``. The same image has the same key in
    every export; two images never share one (their paths differ)."""
    fixed = image_template.split("{", 1)[0].rpartition("/")[0]
    stem = posixpath.splitext(image_path)[0]
    if fixed and stem.startswith(f"{fixed}/"):
        stem = stem[len(fixed) + 1 :]
    return stem.replace("/", "_").replace(".", "_")


SCHEMA_ROWS = 100  # rows whose values give the types of fields not declared in parquet_types()


def _yaml_type(kind: pa.DataType, indent: str) -> str:
    """A column type in the YAML of a Hugging Face card (``Features._to_yaml_list``'s form)."""
    import pyarrow as pa

    if pa.types.is_list(kind) and pa.types.is_struct(kind.value_type):
        return f"\n{indent}list:" + _yaml_fields(kind.value_type, indent)
    if pa.types.is_struct(kind):
        return f"\n{indent}struct:" + _yaml_fields(kind, indent)
    names = {pa.int64(): "int64", pa.bool_(): "bool", pa.float64(): "float64"}
    return f"\n{indent}dtype: {names.get(kind, 'string')}"


def _yaml_fields(struct: pa.DataType, indent: str) -> str:
    return "".join(
        f"\n{indent}- name: {json.dumps(field.name)}" + _yaml_type(field.type, indent + "  ")
        for field in struct
    )


def webdataset_features(rows: list[dict[str, Any]], extensions: list[str]) -> str:
    """The ``dataset_info.features`` YAML of a WebDataset export's card: every image kind it
    holds as an image column (a sample has one of them, the others null) and ``json`` with
    the fields' types. Hugging Face otherwise infers them from the first few samples, and
    drops the columns those lack: the PNG images of a mostly JPEG export, say."""
    import pyarrow as pa

    columns = "".join(f"\n  - name: {ext}\n    dtype: image" for ext in extensions)
    json_type = pa.struct(list(parquet_schema(rows))) if rows else pa.struct([])
    return (
        "dataset_info:\n  features:"
        + columns
        + "\n  - name: json"
        + _yaml_type(json_type, "    ")
        + "\n  - name: __key__\n    dtype: string\n  - name: __url__\n    dtype: string\n"
    )


Exported = tuple[bytes, str, dict[str, int]]  # export_image's: the bytes, path and columns


def export_batch(
    store: Store, items: list[tuple[Any, dict[str, Any]]], resize: Resize | None
) -> list[tuple[Any, dict[str, Any], Exported | None]]:
    """Each (tag, row)'s image read from *store* and resized as *resize* asks (None: as
    stored), with its tag and row: None for an image gone from the store or undecodable.
    The work of the folder exports' workers; the parent only writes what comes back."""
    from louvre_scraper.dataset.resize import UNDECODABLE, export_image

    out: list[tuple[Any, dict[str, Any], Exported | None]] = []
    for tag, row in items:
        path = row["imagePath"]
        body = store.inventory.read_bytes(path)
        exported = None
        if body is not None:  # None: listed as stored, gone by the time it was read
            with contextlib.suppress(*UNDECODABLE):
                exported = export_image(body, path, resize)
        out.append((tag, row, exported))
    return out


class WebDatasetWriter:
    """WebDataset tar shards (img2dataset's main output): ``00000.tar``, ``00001.tar``, … of
    *shard_size* samples each, one sample per stored image: ``{key}.jpg`` (``.png``, …: the
    image's own bytes as stored, never decoded nor re-encoded) and ``{key}.json`` (the
    record's fields and the image's, as the per-image rows of the other formats); then
    ``_stats.json`` and ``README.md``, the dataset card. Built in a temporary folder beside
    DEST, each shard under a temporary name renamed when whole, the folder swapped in for any
    previous export at the end (as imagefolder). The images are read (and resized) in
    batches of :data:`IMAGE_BATCH` by *processes* workers
    (:mod:`louvre_scraper.dataset.workers`), whatever the shards' size; this process writes
    what they give back, in order, so the shards are the same for any count. The images are
    read through the store's inventory, so an ``s3://`` store exports too."""

    def __init__(
        self,
        target: Path,
        store: Store,
        shard_size: int,
        source: dict[str, str],
        *,
        resize: Resize | None = None,
        processes: int = 1,
    ):
        self.target = target
        self.store = store
        self.resize = resize  # None: the stored bytes
        self.shard_size = shard_size
        self.source = source
        self.partial = partial_name(target)
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir(parents=True)
        self.shards: list[dict[str, Any]] = []
        self.in_shard = 0  # rows handed to the last shard
        self.batch: list[tuple[tuple[int, str], dict[str, Any]]] = []  # ((shard, key), row)
        self.tar: TarOut | None = None  # the shard being written, by this process
        self.extensions: Counter[str] = Counter()
        self.unreadable: list[str] = []  # gone from the store, or undecodable (--image-size)
        self.fields: list[str] = []
        self.keys: set[str] = set()
        self.first_rows: list[dict[str, Any]] = []  # for the card's types (SCHEMA_ROWS)
        self.workers = Workers(processes, store, IN_FLIGHT)

    def write(self, row: dict[str, Any]) -> None:
        path = row["imagePath"]
        key = sample_key(path, self.store.config.image_template)
        if key in self.keys:  # two paths that only differ by / and _: never in the layout
            raise ValueError(f"two images give the sample key {key!r}: {path}")
        self.keys.add(key)
        if self.in_shard == self.shard_size or not self.shards:
            self._submit()  # a batch never spans two shards
            self.shards.append({"name": SHARD_NAME.format(len(self.shards)), "samples": 0})
            self.in_shard = 0
        self.in_shard += 1
        self.batch.append(((len(self.shards) - 1, key), row))
        if len(self.batch) >= IMAGE_BATCH:
            self._submit()

    def _submit(self) -> None:
        """Hand the batch to a worker; write what the workers have done."""
        if self.batch:
            self.workers.submit(export_batch, self.batch, self.resize)
            self.batch = []
        self._collect()

    def _collect(self, *, everything: bool = False) -> None:
        for done in self.workers.done(everything=everything):
            for (index, key), row, exported in done:
                self._sample(index, key, row, exported)

    def _sample(self, index: int, key: str, row: dict[str, Any], exported: Exported | None) -> None:
        if self.tar is None or self.tar.index != index:
            self._close_tar()
            self.tar = TarOut(self.partial / self.shards[index]["name"], index)
        if exported is None:
            self.unreadable.append(row["imagePath"])
            return
        body, written, extra = exported
        ext = posixpath.splitext(written)[1].lstrip(".").lower() or "bin"
        meta = {"key": key, **row, **extra}
        if not self.fields:
            self.fields = list(meta)
        if len(self.first_rows) < SCHEMA_ROWS:
            self.first_rows.append(meta)
        self.tar.write(key, ext, body, json.dumps(meta, ensure_ascii=False).encode())
        self.extensions[ext] += 1
        self.shards[index]["samples"] += 1

    def _close_tar(self) -> None:
        if self.tar is not None:
            self.shards[self.tar.index]["bytes"] = self.tar.close()
            self.tar = None

    def close(self, tally: Tally) -> None:
        self._submit()
        self._collect(everything=True)
        self._close_tar()
        self.workers.close()
        stats = {
            "format": "webdataset",
            "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "source": self.source,
            "records": tally.kept,
            "samples": sum(shard["samples"] for shard in self.shards),
            "shard_size": self.shard_size,
            "shards": self.shards,
            "extensions": dict(sorted(self.extensions.items())),
            "missing_images": tally.missing_images + len(self.unreadable),
            "left_out_images": tally.left_out_images,
            "rights": {
                "records": dict(tally.per_rights),
                "images": dict(tally.images_per_rights),
                "years": self.store.config.rights_years,
                "note": "an estimate from each record, not legal advice (see README.md)",
            },
        }
        write_atomically(
            self.partial / STATS, (json.dumps(stats, ensure_ascii=False, indent=1) + "\n").encode()
        )
        card = dataset_card(
            tally,
            self.fields,
            self.source,
            linked=False,
            rights_years=self.store.config.rights_years,
            fmt="webdataset",
            front_matter=webdataset_features(self.first_rows, sorted(self.extensions))
            + 'configs:\n- config_name: default\n  data_files: "*.tar"\n',
        )
        write_atomically(self.partial / CARD, card.encode())
        swap_folder(self.partial, self.target)

    def abort(self) -> None:
        """The shard being written and the folder go."""
        self.workers.abort()
        if self.tar is not None:
            self.tar.abort()
        shutil.rmtree(self.partial, ignore_errors=True)


class TarOut:
    """One tar shard being written, under a temporary name renamed when whole: by
    webdataset's own ``TarWriter`` (ustar, the format its readers and Hugging Face's expect),
    handed the open temporary file rather than a name so that the shard is renamed into place
    only once the tar is closed and whole."""

    def __init__(self, target: Path, index: int):
        import webdataset as wds  # here: every scrapy command imports this module, few write tars

        self.index = index
        self.atomic = AtomicFile(target)
        # encoder=False: the bytes go in as they are (no PIL, no pickling of anything).
        self.tar = wds.TarWriter(self.atomic.file, encoder=False)

    def write(self, key: str, ext: str, body: bytes, meta: bytes) -> None:
        self.tar.write({"__key__": key, ext: body, "json": meta})

    def close(self) -> int:
        """Close the tar and put it in place; its size in bytes."""
        try:
            self.tar.close()
            self.atomic.file.flush()
            size = self.atomic.file.tell()
            self.atomic.commit()
        except BaseException:
            self.atomic.abort()
            raise
        return size

    def abort(self) -> None:
        self.atomic.abort()


def format_of(dest: str, given: str | None) -> str | None:
    """The format asked for (``--format``), else the one DEST's extension names, else None."""
    if given:
        return given.strip().lower()
    return FORMAT_OF_EXTENSION.get(Path(dest).suffix.lower())


def destination_problem(dest: Path, fmt: str) -> str | None:
    """Why DEST cannot take an export in *fmt* (None: it can); checked without writing."""
    if fmt in FOLDER_FORMATS:
        marker = METADATA if fmt == "imagefolder" else STATS
        if dest.is_file():
            return f"is a file; {fmt} writes a folder"
        if dest.is_dir() and any(dest.iterdir()) and not (dest / marker).is_file():
            return f"is a folder that holds no {marker}: not a previous export to replace"
    elif dest.is_dir():
        return "is a folder, not a file"
    return unwritable_dir(dest.absolute().parent)
