"""``scrapy catalogue DEST``: a static catalogue of the store to browse from disk.

Reads FILES_STORE (and the other settings) as a crawl does, through
:mod:`louvre_scraper.dataset`, and builds the site of :mod:`louvre_scraper.catalogue` in DEST.
Bad input (no store, an unwritable DEST, a bad option) is one line and exit status 2, before
anything is written.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from louvre_scraper.catalogue import CatalogueOptions, build_catalogue, summary_line
from louvre_scraper.config import check_log_level, writable_dir
from louvre_scraper.dataset import Filters, Tally, open_store, record_rows
from louvre_scraper.errors import BadInput, refuse

if TYPE_CHECKING:
    import argparse

    from louvre_scraper.dataset import Store

logger = logging.getLogger(__name__)

MIN_THUMB, MAX_THUMB = 16, 2048


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": True}  # noqa: RUF012 - Scrapy's own declaration

    def syntax(self) -> str:
        return "[options] DEST"

    def short_desc(self) -> str:
        return "Build a static catalogue of the store (FILES_STORE) to browse from disk"

    def long_desc(self) -> str:
        return (
            "Build, in DEST, a static site of the works in FILES_STORE: DEST/index.html opens"
            " in a browser from disk, offline (a grid of thumbnails, a search box, a"
            " department filter, a detail view per work). A rerun brings it up to date and"
            " makes thumbnails only for new or changed images. Exit status: 0 built, 2 bad"
            " input (no store, an unwritable DEST), 1 crash."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--collection",
            metavar="NAME",
            help="only the works of this department (case-insensitive substring, as the"
            " spider's -a collection=), e.g. peintures",
        )
        parser.add_argument(
            "--thumb-size",
            metavar="PIXELS",
            default="256",
            help=f"long side of the thumbnails, {MIN_THUMB} to {MAX_THUMB} (default: 256)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        try:
            check_log_level(self.settings)
        except BadInput as error:
            configure_logging(install_root_handler=False)
            refuse(error)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)
        tally = Tally()
        try:
            if len(args) != 1:
                raise BadInput("give one DEST directory: scrapy catalogue DEST")
            store = open_store(self.settings)
            options = catalogue_options(store, args[0], opts)
        except BadInput as error:
            refuse(error)
        started = time.monotonic()
        rows = record_rows(store, Filters(collection=opts.collection), tally)
        counts, index_html = build_catalogue(rows, options)
        if tally.damaged:
            logger.warning(
                "%d stored files are not records, left out (e.g. %s)",
                len(tally.damaged),
                tally.damaged[0],
            )
        logger.info("%s", summary_line(counts, time.monotonic() - started, index_html))


def catalogue_options(store: Store, dest_arg: str, opts: argparse.Namespace) -> CatalogueOptions:
    """The build's options, every one checked; BadInput names the first bad one."""
    if not store.is_local:
        raise BadInput(
            f"bad setting FILES_STORE={store.name!r}: the catalogue makes thumbnails from"
            " the image files, so it needs a local store"
        )
    size = _thumb_size(opts.thumb_size)
    if opts.collection is not None and not opts.collection.strip():
        raise BadInput("bad option --collection='': name a department, e.g. peintures")
    dest, store_dir = Path(dest_arg), Path(store.name)
    writable_dir(dest, dest_arg, "DEST")
    if dest.resolve() == store_dir.resolve() or store_dir.resolve() in dest.resolve().parents:
        raise BadInput(f"bad DEST {dest_arg!r}: it is in the store; choose a folder beside it")
    return CatalogueOptions(store_dir, dest, size, progress_interval=store.config.logstats_interval)


def _thumb_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise BadInput(f"bad option --thumb-size={value!r}: not a number of pixels") from None
    if not MIN_THUMB <= size <= MAX_THUMB:
        raise BadInput(
            f"bad option --thumb-size={value!r}: must be {MIN_THUMB} to {MAX_THUMB} pixels"
        )
    return size
