"""``scrapy catalogue DEST``: a static catalogue of the store to browse from disk.

Reads FILES_STORE (and the other settings) as ``scrapy export`` does, through
:mod:`louvre_scraper.dataset.reader`, and builds the site of
:mod:`louvre_scraper.dataset.catalogue` in DEST.
Bad input (no store, an unwritable DEST, a bad option, a filter that keeps nothing) is one line
and exit status 2, before anything is written.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from louvre_scraper.config import writable_dir
from louvre_scraper.dataset.catalogue import CatalogueOptions, build_catalogue, summary_line
from louvre_scraper.dataset.command import StoreCommand, nothing_kept
from louvre_scraper.dataset.reader import Tally, filters, record_rows
from louvre_scraper.dataset.thumbnails import Outcome
from louvre_scraper.errors import BadInput

if TYPE_CHECKING:
    import argparse

    from louvre_scraper.dataset.catalogue import CatalogueCounts
    from louvre_scraper.dataset.reader import Store

logger = logging.getLogger(__name__)

MIN_THUMB, MAX_THUMB = 16, 2048


class Command(StoreCommand):
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
            " input (no store, an unwritable DEST; nothing written), 1 crash."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        group = parser.add_argument_group("Catalogue Options")
        group.add_argument(
            "--collection",
            metavar="TEXT",
            help="only the works whose department contains TEXT (as -a collection= of a"
            " crawl), e.g. peintures",
        )
        group.add_argument(
            "--rights",
            metavar="VALUE",
            help="only the works whose rights estimate is VALUE: public-domain, in-copyright"
            " or unknown, or several with commas (an estimate, not legal advice)",
        )
        group.add_argument(
            "--thumb-size",
            metavar="PIXELS",
            default="256",
            help=f"long side of the thumbnails, {MIN_THUMB} to {MAX_THUMB} (default: 256)",
        )
        self.add_all_records(group)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        dest = self.dest(args, "scrapy catalogue needs a DEST directory: scrapy catalogue DEST")
        store = self.open_store()
        try:
            options = catalogue_options(store, dest, opts)
        except BadInput as error:
            self.bad_input(str(error))
        try:
            wanted = filters(
                collection=(opts.collection or "").strip() or None,
                rights=opts.rights,
                rights_years=store.config.rights_years,
            )
        except BadInput as error:
            self.bad_input(str(error))
        wanted, chosen = self.follow_choices(store, wanted, opts.all_records)
        tally = Tally()
        ticker = self.ticker(store, "records")
        rows = record_rows(store, wanted, tally, chosen=chosen)
        first = next(rows, None)  # nothing kept: refused before anything is written
        if first is None:
            self.bad_input(nothing_kept(tally, wanted, store))

        def progress(counts: CatalogueCounts) -> None:
            made = counts.thumbnails[Outcome.MADE]
            ticker.tick(tally.records, f"Cataloguing ({made} thumbnails made)")

        counts, index_html = build_catalogue(itertools.chain([first], rows), options, progress)
        self.warn_damaged(tally)
        logger.info("%s", summary_line(counts, ticker.elapsed, index_html))


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
        raise BadInput(f"bad argument DEST={dest_arg!r}: inside FILES_STORE, the mirror itself")
    return CatalogueOptions(store_dir, dest, size)


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
