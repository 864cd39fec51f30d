"""The Hub-ready Parquet export (``--format parquet --embed-images``): a folder of Parquet
shards ``data/train-00000.parquet``, … with one row per stored image, its bytes in an
``image`` column that the ``datasets`` ``Image`` feature decodes, and the card ``README.md``
whose ``configs`` name the shards.

Contract: a shard holds at most ``ShardSize`` (stored megabytes or rows) and is cut at the
same rows for the same store, so a shard is written under a temporary name and renamed when
whole, and carries the fingerprint of its rows in its footer: a rerun of an interrupted export
skips every shard already whole and writes only the others. The card is written last.
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from louvre_scraper.config import unwritable_dir
from louvre_scraper.dataset.card import dataset_card
from louvre_scraper.dataset.folders import FOLDER_LIMIT, FolderPlan
from louvre_scraper.dataset.workers import Workers
from louvre_scraper.dataset.writers import IN_FLIGHT, export_batch, parquet_schema
from louvre_scraper.store.atomic import PARTIAL_SUFFIX, commit_file, partial_name, write_atomically

if TYPE_CHECKING:
    from pathlib import Path

    import pyarrow as pa

    from louvre_scraper.dataset.reader import Store, Tally
    from louvre_scraper.dataset.resize import Resize

MB = 1_000_000  # the Hub counts in decimal megabytes
DATA = "data"  # the shards' folder
SHARD_NAME = "train-{:05d}.parquet"
SHARD_GLOB = "train-*.parquet"
# Where `datasets` finds the shards: in data/, and in its part-NNNNN/ once data/ is full.
SHARDS = f"{DATA}/**/{SHARD_GLOB}"
CARD = "README.md"
FINGERPRINT = b"louvre_scraper.shard"  # the footer key of a shard's rows' fingerprint
IMAGE_GROUP = 64  # images per Parquet row group, and per worker's job
# What `datasets` reads from the schema's metadata to decode the column as an image.
HF_FEATURES = {"info": {"features": {"image": {"_type": "Image"}}}}
_SIZE = re.compile(r"(\d+)\s*(mb|gb|rows)", re.IGNORECASE)


@dataclass(frozen=True)
class ShardSize:
    """The most a shard holds: stored image bytes, or rows (one of the two)."""

    bytes: int | None = None
    rows: int | None = None

    def full(self, rows: int, size: int, next_size: int) -> bool:
        """Whether a shard of *rows* rows and *size* bytes is full before a row of
        *next_size* bytes (a shard always takes at least one row)."""
        if rows == 0:
            return False
        if self.rows is not None:
            return rows >= self.rows
        assert self.bytes is not None
        return size + next_size > self.bytes


DEFAULT_SHARD_SIZE = ShardSize(bytes=500 * MB)  # the Hub's advice: a few hundred MB


def parse_shard_size(text: str) -> ShardSize:
    """``500MB``, ``2GB`` or ``10000rows``; ValueError (its message for the user) otherwise."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError("expected megabytes or rows: 500MB, 2GB or 10000rows")
    number, unit = int(match.group(1)), match.group(2).lower()
    if number < 1:
        raise ValueError("must be at least 1")
    if unit == "rows":
        return ShardSize(rows=number)
    return ShardSize(bytes=number * (MB if unit == "mb" else 1000 * MB))


def image_schema(rows: list[dict[str, Any]]) -> pa.Schema:
    """The schema of a shard: ``image`` (struct of ``bytes`` and ``path``, the ``datasets``
    Image feature's storage) then the rows' fields, with the Image feature in the metadata."""
    import pyarrow as pa

    image = pa.field("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())]))
    fields = [image, *parquet_schema(rows)]
    return pa.schema(fields, metadata={b"huggingface": json.dumps(HF_FEATURES).encode()})


def fingerprint(rows: list[dict[str, Any]]) -> str:
    """What a shard's rows are: the same rows, the same fingerprint."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def shard_fingerprint(path: Path) -> str | None:
    """The fingerprint in a whole shard's footer (None: no such shard, or not whole)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path).metadata or {}
    except (OSError, ValueError):  # absent, or cut short: no footer
        return None
    value = metadata.get(FINGERPRINT)
    return value.decode() if value else None


def hub_destination_problem(dest: Path) -> str | None:
    """Why the folder DEST cannot take a Hub Parquet export (None: it can): a file, or a
    folder that holds something else than such an export, whole or interrupted."""
    if dest.is_file():
        return "is a file; parquet --embed-images writes a folder"
    previous = (dest / CARD).is_file() or any((dest / DATA).rglob(SHARD_GLOB))
    if dest.is_dir() and any(dest.iterdir()) and not previous:
        return f"is a folder that holds no {CARD} nor {DATA}/{SHARD_GLOB}: not a previous export"
    return unwritable_dir(dest.absolute().parent)


class ShardOut:
    """One Parquet shard being written, under a temporary name renamed when whole."""

    def __init__(self, target: Path, schema: pa.Schema):
        import pyarrow.parquet as pq

        self.target = target
        self.partial = partial_name(target)
        self.schema = schema
        self.writer = pq.ParquetWriter(self.partial, schema, compression="zstd")

    def write(self, group: list[dict[str, Any]]) -> None:
        """One row group (the rows of the images of one job that could be read)."""
        import pyarrow as pa

        if group:
            self.writer.write_batch(pa.RecordBatch.from_pylist(group, schema=self.schema))

    def close(self) -> None:
        try:
            self.writer.close()
            commit_file(self.partial, self.target)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self.writer.close()
        self.partial.unlink(missing_ok=True)


class HubParquetWriter:
    """Writes the rows (per image, :func:`louvre_scraper.dataset.reader.image_rows`) into
    shards under ``DEST/data``, each atomically; ``close`` removes the shards a previous,
    larger export left past the last one and writes the card; ``abort`` drops only the shard
    being written (whole shards stay for the rerun). A shard's images are read (and resized)
    by *processes* workers (:mod:`louvre_scraper.dataset.workers`) in jobs of
    :data:`IMAGE_GROUP`, one row group each, whatever the shards' size; this process writes
    what they give back, in order, so the shards are the same for any count."""

    def __init__(
        self,
        target: Path,
        store: Store,
        shard_size: ShardSize,
        source: dict[str, str],
        *,
        processes: int = 1,
        folder_limit: int = FOLDER_LIMIT,
        resize: Resize | None = None,
    ):
        self.target = target
        self.resize = resize  # None: the stored bytes
        self.store = store
        self.shard_size = shard_size
        self.source = source
        self.data = target / DATA
        self.data.mkdir(parents=True, exist_ok=True)
        for stale in self.data.rglob(f".*{PARTIAL_SUFFIX}"):  # a killed run's half shard
            stale.unlink()
        self.pending: list[dict[str, Any]] = []
        self.pending_bytes = 0
        self.shards = 0
        self.plan = FolderPlan(folder_limit)  # no folder of more than folder_limit shards
        self.placed: set[Path] = set()
        self.skipped = 0  # shards already whole, from an interrupted run
        self.unreadable: list[str] = []
        self.fields: list[str] = []
        self.schema: pa.Schema | None = None
        self.workers = Workers(processes, store, IN_FLIGHT)
        self.out: ShardOut | None = None  # the shard being written, by this process
        # Each job's shard and schema, in the order the workers' results come back.
        self.jobs: collections.deque[tuple[Path, pa.Schema]] = collections.deque()

    def write(self, row: dict[str, Any]) -> None:
        size = row.get("imageSize") or 0
        if self.shard_size.full(len(self.pending), self.pending_bytes, size):
            self._write_shard()
        self.pending.append(row)
        self.pending_bytes += size

    def _write_shard(self) -> None:
        rows, self.pending, self.pending_bytes = self.pending, [], 0
        sized = {"imageWidth": 0, "imageHeight": 0} if self.resize is not None else {}
        if not self.fields:
            self.fields = ["image", *rows[0], *sized]
        if self.schema is None:
            self.schema = image_schema([{**row, **sized} for row in rows[:1]] + rows[1:])
        target = self.data / self.plan.place(SHARD_NAME.format(self.shards))
        target.parent.mkdir(exist_ok=True)
        self.placed.add(target)
        self.shards += 1
        # The resize is part of what a shard is: a rerun at another size rewrites it.
        print_ = fingerprint(rows if self.resize is None else [{"resize": str(self.resize)}, *rows])
        if shard_fingerprint(target) == print_:
            self.skipped += 1
            return
        metadata = {**(self.schema.metadata or {}), FINGERPRINT: print_.encode()}
        schema = self.schema.with_metadata(metadata)
        for start in range(0, len(rows), IMAGE_GROUP):
            items = [(None, row) for row in rows[start : start + IMAGE_GROUP]]
            self.jobs.append((target, schema))
            self.workers.submit(export_batch, items, self.resize)
            self._collect()

    def _collect(self, *, everything: bool = False) -> None:
        """Write the jobs done (every job: waiting for them); a worker's error is raised here."""
        for done in self.workers.done(everything=everything):
            target, schema = self.jobs.popleft()
            if self.out is None or self.out.target != target:
                self._close_shard()
                self.out = ShardOut(target, schema)
            group = []
            for _, row, exported in done:
                if exported is None:  # gone from the store, or undecodable
                    self.unreadable.append(row["imagePath"])
                    continue
                body, path, extra = exported
                group.append({"image": {"bytes": body, "path": path}, **row, **extra})
            self.out.write(group)

    def _close_shard(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None

    def close(self, tally: Tally) -> None:
        if self.pending:
            self._write_shard()
        self._collect(everything=True)
        self._close_shard()
        self.workers.close()
        for shard in self.data.rglob(SHARD_GLOB):
            if shard not in self.placed:  # a previous, larger export's
                shard.unlink()
        card = dataset_card(
            tally,
            self.fields,
            self.source,
            linked=False,
            rights_years=self.store.config.rights_years,
            fmt="parquet",
            front_matter=hub_front_matter(),
        )
        write_atomically(self.target / CARD, card.encode())

    def abort(self) -> None:
        """The shard being written goes; the whole ones stay."""
        self.workers.abort()
        if self.out is not None:
            self.out.abort()
            self.out = None
        # Every other half shard too: Ctrl-C may come between a shard's file
        # being created and its ShardOut being kept.
        for partial in self.data.rglob(f".*{PARTIAL_SUFFIX}"):
            partial.unlink()


def hub_front_matter() -> str:
    """The card's ``configs``: the one split, ``train``, of every shard."""
    return (
        f'configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: "{SHARDS}"\n'
    )
