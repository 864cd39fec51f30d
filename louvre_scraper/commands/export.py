"""``scrapy export DEST``: the mirror in FILES_STORE as one dataset (JSON Lines, CSV, Parquet,
a Hugging Face ``imagefolder`` or WebDataset tar shards), read from the store only, with no
network.

Exit status: 0 written, 2 bad input (nothing written), 6 interrupted (DEST left as it was).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from louvre_scraper.dataset.command import StoreCommand, nothing_kept, options
from louvre_scraper.dataset.croissant import (
    croissant_layout,
    croissant_row,
    last_run,
    write_croissant,
)
from louvre_scraper.dataset.hubparquet import (
    DEFAULT_SHARD_SIZE,
    HubParquetWriter,
    ShardSize,
    hub_destination_problem,
    parse_shard_size,
)
from louvre_scraper.dataset.progress import ProgressBar
from louvre_scraper.dataset.reader import Chosen, Tally, filters, image_rows, record_rows
from louvre_scraper.dataset.writers import (
    FOLDER_FORMATS,
    FORMATS,
    SHARD_SIZE,
    CsvWriter,
    ImageFolderWriter,
    JsonlWriter,
    ParquetWriter,
    WebDatasetWriter,
    destination_problem,
    format_of,
)
from louvre_scraper.errors import BadInput
from louvre_scraper.exitstatus import EXIT_STOPPED
from louvre_scraper.store.changes import WITHDRAWN, since_start

if TYPE_CHECKING:
    import argparse

    from louvre_scraper.dataset.reader import Store
    from louvre_scraper.dataset.resize import Resize
    from louvre_scraper.dataset.writers import Writer
    from louvre_scraper.records.filters import FilterTally

logger = logging.getLogger(__name__)

PER = ("record", "image")


class Command(StoreCommand):
    only: set[str] | None = None  # --since: the arks changed since then
    withdrawn_since = 0  # --since: records withdrawn since then (not exported)
    shard_size = SHARD_SIZE
    chosen: Chosen | None = None  # the crawl's choices, remembered by the store
    hub_shard_size = DEFAULT_SHARD_SIZE  # --embed-images
    processes = 1  # --processes: image readers and resizers (folder exports)
    resize: Resize | None = None  # --image-size: every image resized (None: its own bytes)

    def syntax(self) -> str:
        return "[options] DEST"

    def short_desc(self) -> str:
        return (
            "Export the mirror in FILES_STORE as a dataset"
            " (jsonl, csv, parquet, imagefolder, webdataset)"
        )

    def long_desc(self) -> str:
        return (
            "Read every record in FILES_STORE (a local folder or s3://) and write one dataset"
            " to DEST: .jsonl, .csv or .parquet by its extension, or --format imagefolder (a"
            " folder with metadata.jsonl, the images and a dataset card; local stores only),"
            " or --format webdataset (a folder of tar shards, one sample per image), or"
            " --format parquet --embed-images (a folder of Parquet shards with the images'"
            " bytes and a dataset card, ready for the Hugging Face Hub; a rerun of an"
            " interrupted one writes only the shards not yet whole)."
            " Nothing is fetched. DEST is replaced at the end only: an interrupted export"
            " leaves it as it was. Exit status: 0 written, 2 bad input (nothing written),"
            " 6 interrupted."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        group = parser.add_argument_group("Export Options")
        group.add_argument(
            "--format",
            metavar="FORMAT",
            help=f"{', '.join(FORMATS)} (default: from DEST's extension)",
        )
        group.add_argument(
            "--per",
            metavar="UNIT",
            help="one row per record (default; its images as a list) or per stored image"
            " (the default and only choice for imagefolder and webdataset)",
        )
        group.add_argument(
            "--shard-size",
            metavar="N",
            help=f"samples per WebDataset shard (default: {SHARD_SIZE:,}, as img2dataset);"
            " with --embed-images, the most a Parquet shard holds: 500MB (the default), 2GB"
            " or 10000rows",
        )
        group.add_argument(
            "--embed-images",
            action="store_true",
            help="with --format parquet: a folder DEST of Parquet shards, one row per image"
            " with its bytes in an `image` column (the Hugging Face Image feature), and a card",
        )
        group.add_argument(
            "--processes",
            metavar="N",
            help="with imagefolder, webdataset or --embed-images: processes reading and"
            " resizing the images, in batches (default: the CPU count)",
        )
        group.add_argument(
            "--image-size",
            metavar="N",
            help="with imagefolder, webdataset or parquet --embed-images: every image resized"
            " to N pixels (never enlarged; EXIF orientation applied) and re-encoded, its width"
            " and height in the rows (default: the stored bytes, unchanged)",
        )
        group.add_argument(
            "--resize-mode",
            metavar="MODE",
            help="with --image-size: keep-ratio (the default: the long side at most N),"
            " center-crop (the centre N x N square) or border (fitted in N x N, padded)",
        )
        group.add_argument(
            "--quality",
            metavar="Q",
            help="with --image-size: the JPEG quality, 1 to 100 (default: 95; images with"
            " alpha are PNG)",
        )
        group.add_argument(
            "--collection",
            metavar="TEXT",
            help="only records whose department contains TEXT (as -a collection= of a crawl)",
        )
        group.add_argument(
            "--type",
            metavar="TEXT",
            help="only records whose object type contains TEXT (as -a type= of a crawl)",
        )
        group.add_argument(
            "--since",
            metavar="DATE|RUN",
            help="only the records a crawl changed since DATE (2026-12-01, or a time in ISO"
            " 8601) or since the run RUN began (20261201T224819Z, as its change log"
            " changes/RUN.jsonl is named), from the store's change logs",
        )
        group.add_argument(
            "--rights",
            metavar="VALUE",
            help="only the works whose rights estimate is VALUE: public-domain, in-copyright"
            " or unknown, or several with commas (as -a rights= of a crawl; an estimate from"
            " the record, not legal advice)",
        )
        self.add_all_records(group)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        dest = self.dest(
            args,
            "scrapy export needs a DEST (a .jsonl, .csv or .parquet file, or a folder with"
            " --format imagefolder or webdataset): scrapy export DEST",
        )
        fmt = format_of(dest, opts.format)
        if fmt is None:
            self.bad_input(
                f"bad argument DEST={dest!r}: cannot tell the format from its extension;"
                f" name it .jsonl, .csv or .parquet, or give --format ({', '.join(FORMATS)})"
            )
        if fmt not in FORMATS:
            self.bad_input(f"bad option --format={opts.format!r}: expected {', '.join(FORMATS)}")
        embed = bool(getattr(opts, "embed_images", False))
        if embed and fmt != "parquet":
            self.bad_input(f"bad option --embed-images: only for --format parquet, not {fmt}")
        folder = fmt in FOLDER_FORMATS or embed
        per = (opts.per or ("image" if folder else "record")).strip().lower()
        if per not in PER:
            self.bad_input(f"bad option --per={opts.per!r}: expected record or image")
        if folder and per != "image":
            shown = "parquet --embed-images" if embed else fmt
            self.bad_input(f"bad option --per=record: {shown} has one row per image")
        self._shards(opts, fmt, embed=embed, folder=folder)
        self.resize = _resize(self, opts, folder)
        try:
            wanted = filters(
                (opts.collection or "").strip(), (opts.type or "").strip(), opts.rights
            )
        except BadInput as error:
            self.bad_input(str(error))
        store = self.open_store()
        wanted.rights_years = store.config.rights_years
        wanted, self.chosen = self.follow_choices(store, wanted, opts.all_records)
        self.only = self._since(opts.since, store)
        target = Path(dest)
        problem = hub_destination_problem(target) if embed else destination_problem(target, fmt)
        if problem:
            self.bad_input(f"bad argument DEST={dest!r}: {problem}")
        if store.is_local and _inside(target, Path(store.name)):
            self.bad_input(f"bad argument DEST={dest!r}: inside FILES_STORE, the mirror itself")
        if fmt == "imagefolder" and not store.is_local:
            self.bad_input(
                f"imagefolder needs a local FILES_STORE (its images are linked or copied);"
                f" {store.name} is not: export jsonl, csv or parquet from it"
            )
        self.exitcode = self.export(store, target, fmt, per == "image", wanted, embed=embed)

    def _shards(self, opts: argparse.Namespace, fmt: str, *, embed: bool, folder: bool) -> None:
        """``--shard-size`` and ``--processes``, for the formats that have them."""
        if embed:
            self.hub_shard_size = _hub_shard_size(self, opts.shard_size)
        else:
            self.shard_size = _shard_size(self, opts.shard_size, fmt)
        if folder:
            self.processes = _processes(self, opts.processes)
        elif opts.processes is not None:
            self.bad_input(
                f"bad option --processes={opts.processes!r}: only with --embed-images,"
                " imagefolder or webdataset"
            )

    def _since(self, value: str | None, store: Store) -> set[str] | None:
        """``--since``: the arks of the stored records changed since then (None: every one),
        from the store's change logs; a bad value, or one that keeps nothing, refused."""
        if value is None:
            return None
        since = since_start(value)
        if since is None:
            self.bad_input(
                f"bad option --since={value!r}: expected a date (2026-12-01), a time"
                " (2026-12-01T08:00:00Z) or a run (20261201T224819Z)"
            )
        changed, runs = store.changes_since(since)
        if not runs:
            self.bad_input(
                f"bad option --since={value!r}: the store holds no change log"
                " (changes/*.jsonl: each collection crawl writes one)"
            )
        only = {ark for ark, change in changed.items() if change != WITHDRAWN}
        self.withdrawn_since = len(changed) - len(only)
        if not only:
            self.bad_input(
                f"bad option --since={value!r}: no stored record changed since then"
                f" ({self.withdrawn_since} withdrawn; {runs} change logs in the store)"
            )
        return only

    def export(
        self,
        store: Store,
        dest: Path,
        fmt: str,
        per_image: bool,
        wanted: FilterTally,
        *,
        embed: bool = False,
    ) -> int:
        ticker = self.ticker(store, "records")
        bar = ProgressBar(ticker.total, "records")  # on a terminal only
        tally = Tally()
        writer = (
            open_hub_writer(
                dest,
                store,
                wanted,
                self.hub_shard_size,
                self.processes,
                resize=self.resize,
                chosen=self.chosen,
            )
            if embed
            else open_writer(
                fmt,
                dest,
                store,
                wanted,
                self.shard_size,
                resize=self.resize,
                processes=self.processes,
                chosen=self.chosen,
            )
        )
        rows = 0
        first_row: dict[str, Any] = {}  # the Croissant record set's fields and types
        # An export is the crawl's feed read back, checksums included (the feed's default when
        # a feed is set): unless LOUVRE_CHECKSUMS=False, each stored image is read for its MD5.
        assert self.settings is not None
        checksums = store.config.checksums or self.settings.get("LOUVRE_CHECKSUMS") is None
        try:
            for row in record_rows(
                store, wanted, tally, self.only, checksums=checksums, chosen=self.chosen
            ):
                if per_image:
                    for image_row in image_rows(row):
                        first_row = first_row or image_row
                        writer.write(image_row)
                        rows += 1
                else:
                    first_row = first_row or row
                    writer.write(row)
                    rows += 1
                ticker.tick(tally.records, "Exporting")
                bar.update(tally.records)
            bar.finish()
            if tally.kept:
                writer.close(tally)
                target, layout = croissant_layout(dest, fmt, embed=embed)
                write_croissant(
                    target,
                    layout,
                    first_row=croissant_row(first_row, fmt, resized=self.resize is not None),
                    tally=tally,
                    source=_source(store, wanted, self.resize, self.chosen),
                    fmt=f"{fmt} --embed-images" if embed else fmt,
                    run=last_run(store),
                    filtered=self.only is not None,
                )
        except KeyboardInterrupt:
            writer.abort()
            if embed:
                logger.error(
                    "Export interrupted: the whole shards are kept in %s; rerun the same"
                    " export to write the others",
                    dest,
                )
                return EXIT_STOPPED
            logger.error("Export interrupted: %s left as it was", dest)
            return EXIT_STOPPED
        except BaseException:
            writer.abort()
            raise
        if not tally.kept:  # an empty export would be a mistake: nothing written
            writer.abort()
            self.bad_input(nothing_kept(tally, wanted, store))
        self.warn_damaged(tally)
        missing = (
            f"; {tally.missing_images} images its records list are not in the store"
            if tally.missing_images
            else ""
        )
        if tally.left_out_images:
            missing += f"; {tally.left_out_images} images left out on purpose by the crawl"
        if self.only is not None:
            missing += (
                f"; only the {len(self.only)} records changed since then"
                f" ({self.withdrawn_since} withdrawn, not exported)"
            )
        logger.info(
            "Exported %d records and %d images as %d %s rows to %s in %.1fs (%.0f records/s)%s",
            tally.kept,
            tally.images,
            rows,
            fmt,
            dest.absolute(),
            ticker.elapsed,
            tally.records / max(ticker.elapsed, 1e-9),
            missing,
        )
        return 0


def _shard_size(command: Command, value: str | None, fmt: str) -> int:
    if value is None:
        return SHARD_SIZE
    if fmt != "webdataset":
        command.bad_input(f"bad option --shard-size={value!r}: only for --format webdataset")
    return _at_least_one(command, "--shard-size", value, "samples")


def _hub_shard_size(command: Command, value: str | None) -> ShardSize:
    if value is None:
        return DEFAULT_SHARD_SIZE
    try:
        return parse_shard_size(value)
    except ValueError as error:
        command.bad_input(f"bad option --shard-size={value!r}: {error}")


def _processes(command: Command, value: str | None) -> int:
    if value is None:
        return os.cpu_count() or 1
    return _at_least_one(command, "--processes", value, "processes")


def _at_least_one(command: Command, option: str, value: str, what: str) -> int:
    """*value* as a count of at least 1, or the option refused in one line."""
    try:
        count = int(value)
    except ValueError:
        command.bad_input(f"bad option {option}={value!r}: not a number of {what}")
    if count < 1:
        command.bad_input(f"bad option {option}={value!r}: must be at least 1")
    return count


def _resize(command: Command, opts: argparse.Namespace, images: bool) -> Resize | None:
    """``--image-size``/``--resize-mode``/``--quality``: what every image becomes (None:
    its stored bytes); refused for a format without images or a bad value."""
    given = [
        (name, value)
        for name, value in (
            ("image-size", opts.image_size),
            ("resize-mode", opts.resize_mode),
            ("quality", opts.quality),
        )
        if value is not None
    ]
    if not given:
        return None
    name, value = given[0]
    if not images:
        command.bad_input(
            f"bad option --{name}={value!r}: only for imagefolder, webdataset or parquet"
            " --embed-images (the formats that hold the images)"
        )
    if opts.image_size is None:
        command.bad_input(f"bad option --{name}={value!r}: only with --image-size")
    # Here, not at the top: Pillow would load at the start of every scrapy command.
    from louvre_scraper.dataset.resize import Resize

    try:
        return Resize.parse(
            opts.image_size, (opts.resize_mode or "keep-ratio").strip().lower(), opts.quality or 95
        )
    except ValueError as error:
        command.bad_input(f"bad option: {error}")


def _source(
    store: Store,
    wanted: FilterTally,
    resize: Resize | None = None,
    chosen: Chosen | None = None,
) -> dict[str, str]:
    """What a card and the Croissant say the export was made from: the filters, the crawl's
    choices it followed, and how its images were resized, if they were."""
    given = f" {options(wanted)}" if wanted.wanted else ""
    source = {"store": store.name, "site": store.config.base_url, "filters": given}
    if chosen is not None:
        source["choices"] = chosen.choices.told()
        if chosen.choices.chooses:  # the crawl left records or images out: a partial mirror
            source["partial_choices"] = source["choices"]
    if resize is not None:
        from louvre_scraper.dataset.resize import describe

        source["resize"] = describe(resize)
    return source


def open_hub_writer(
    dest: Path,
    store: Store,
    wanted: FilterTally,
    shard_size: ShardSize,
    processes: int = 1,
    *,
    resize: Resize | None = None,
    chosen: Chosen | None = None,
) -> HubParquetWriter:
    source = _source(store, wanted, resize, chosen)
    return HubParquetWriter(dest, store, shard_size, source, processes=processes, resize=resize)


def open_writer(
    fmt: str,
    dest: Path,
    store: Store,
    wanted: FilterTally,
    shard_size: int = SHARD_SIZE,
    *,
    resize: Resize | None = None,
    processes: int = 1,
    chosen: Chosen | None = None,
) -> Writer:
    if fmt == "jsonl":
        return JsonlWriter(dest)
    if fmt == "csv":
        return CsvWriter(dest)
    if fmt == "parquet":
        return ParquetWriter(dest)
    source = _source(store, wanted, resize, chosen)
    if fmt == "webdataset":
        return WebDatasetWriter(dest, store, shard_size, source, resize=resize, processes=processes)
    return ImageFolderWriter(
        dest,
        Path(store.name),
        source,
        store.config.rights_years,
        resize=resize,
        processes=processes,
    )


def _inside(path: Path, folder: Path) -> bool:
    real, base = path.absolute().resolve(), folder.resolve()
    return real == base or base in real.parents
