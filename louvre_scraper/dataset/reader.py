"""The mirror read back: each stored record, as the rows of the crawl's feed, with its images.

``scrapy export``, ``scrapy verify`` and ``scrapy catalogue`` read the store through here and
never over the network. A record is found as ``LOUVRE_RECORD_TEMPLATE`` names it, parsed as the
crawl parses it, and turned into the crawl's feed fields by the same functions
(:mod:`louvre_scraper.records.fields`); each image it lists is looked up in its folder by its stem
(the template's name without the extension), since the stored extension is the bytes' and not the
URL's. Everything goes through the mirror's read side (:mod:`louvre_scraper.store.reader`):
local directories and ``s3://`` prefixes alike. Records are read in order, a few ahead by threads,
and handed on one at a time, so memory stays flat in the size of the store.
"""

from __future__ import annotations

import collections
import hashlib
import posixpath
import urllib.parse
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from louvre_scraper.bodies.images import image_stems
from louvre_scraper.bodies.records import parse_record
from louvre_scraper.contract import Status
from louvre_scraper.records.fields import ImageRef, feed_row, image_row, images
from louvre_scraper.records.filters import FilterTally
from louvre_scraper.records.rights import DEFAULT_YEARS
from louvre_scraper.store.layout import image_path
from louvre_scraper.store.local import LocalInventory

if TYPE_CHECKING:
    from collections.abc import Callable, Container, Iterable, Iterator

    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.store.choices import Choices
    from louvre_scraper.store.reader import MirrorReader as Store
    from louvre_scraper.store.reader import Reader


REMOTE_READ_AHEAD = 16  # records fetched at once from a remote store (one GET each)
LOCAL_READ_AHEAD = 64  # records read ahead from a local store, by LOCAL_THREADS threads
LOCAL_THREADS = 2


@dataclass(frozen=True)
class StoredImage:
    """One image a record lists, and its file in the store (path None: not stored)."""

    ref: ImageRef
    path: str | None
    size: int | None
    stem: str = ""  # its file's name without the extension (images.image_stems)


@dataclass
class StoredRecord:
    """A stored record, parsed (None: the file is not a record), with its images' files."""

    ark: str
    path: str
    record: dict[str, Any] | None
    images: list[StoredImage] = field(default_factory=list)
    # Files in the record's image folders that none of its images names (another tool's,
    # a superseded image not yet pruned).
    unnamed: list[str] = field(default_factory=list)


def image_stem(config: LouvreConfig, ark: str, stem: str) -> str:
    """Where the image's file is, without its extension (the extension is the bytes')."""
    return image_path(config, ark, stem, "")


def find_images(
    config: LouvreConfig, ark: str, refs: Iterable[ImageRef], folder: Callable[[str], Any]
) -> tuple[list[StoredImage], list[str]]:
    """Each ref's stored file, by its stem among the files of its folder; and the folders'
    files that no ref names. *folder* lists a store folder: ``{name: FolderEntry}``."""
    found, named, listings = [], set(), {}
    refs = list(refs)
    for ref, image in zip(refs, image_stems(ref.position for ref in refs), strict=True):
        parent, stem = posixpath.split(image_stem(config, ark, image))
        if parent not in listings:
            listings[parent] = folder(parent)
        candidates = [name for name in listings[parent] if posixpath.splitext(name)[0] == stem]
        # Two files with one stem: the image was stored again as another type and the old
        # file is not pruned yet. The newer one is the record's; in the same second (S3 dates
        # have no finer grain), the one with the URL's extension.
        listing, url_ext = listings[parent], _url_extension(ref.url)
        name = (
            max(candidates, key=lambda n: (listing[n].mtime, posixpath.splitext(n)[1] == url_ext))
            if candidates
            else None
        )
        if name is None:
            found.append(StoredImage(ref, None, None, image))
            continue
        named.add((parent, name))
        path = f"{parent}/{name}" if parent else name
        found.append(StoredImage(ref, path, listings[parent][name].size, image))
    unnamed = [
        f"{parent}/{name}" if parent else name
        for parent, listing in listings.items()
        if _holds_only(config, ark, parent)
        for name in sorted(listing)
        if (parent, name) not in named
    ]
    return found, unnamed


def _url_extension(url: str) -> str:
    """``.jpg`` for ``…_OG.JPG`` (and ``.jpeg``): only to break a tie between two files."""
    ext = posixpath.splitext(urllib.parse.urlparse(url).path)[1].lower()
    return ".jpg" if ext == ".jpeg" else ext


def _holds_only(config: LouvreConfig, ark: str, parent: str) -> bool:
    """Whether the folder *parent* holds this ark's images only (``images/{ark}``): then a
    file in it that no image names is unnamed. A folder shared by all arks is not judged."""
    return ark in parent


def read_records(store: Store, only: Container[str] | None = None) -> Iterator[StoredRecord]:
    """Every stored record (of the arks *only*, if given), parsed, with its images' files,
    in the store's listing order."""
    inventory = store.inventory
    for fetched in _fetched(store, only):
        record = parse_record(fetched.body) if fetched.body is not None else None
        stored = StoredRecord(fetched.ark, fetched.path, record)
        if record is not None:
            listings = fetched.listings

            def folder(parent: str, listings: dict[str, Any] = listings) -> Any:
                found = listings.get(parent)
                return found if found is not None else inventory.folder(parent)

            stored.images, stored.unnamed = find_images(
                store.config, fetched.ark, images(record), folder
            )
        yield stored


@dataclass
class Fetched:
    """A record's bytes, and the listing of its image folder, read ahead in a thread."""

    path: str
    ark: str
    body: bytes | None
    listings: dict[str, Any]


def _fetched(store: Store, only: Container[str] | None = None) -> Iterator[Fetched]:
    """The records' bytes and image folders in listing order, read a few ahead by threads:
    file reads, directory listings and GETs are system calls or network waits that release
    the GIL, so they run beside the parsing, on the other core (or while S3 answers)."""
    inventory, config = store.inventory, store.config
    # When the template gives each ark a folder of its own (images/{ark}/), it is listed too.
    folder_template = posixpath.dirname(config.image_template)
    per_ark = "{ark" in folder_template and "{position" not in folder_template

    def fetch(path: str, ark: str) -> Fetched:
        listings = {}
        if per_ark:
            parent = posixpath.dirname(image_stem(config, ark, "0"))
            listings[parent] = inventory.folder(parent)
        return Fetched(path, ark, inventory.read_bytes(path), listings)

    ahead = LOCAL_READ_AHEAD if isinstance(inventory, LocalInventory) else REMOTE_READ_AHEAD
    workers = LOCAL_THREADS if isinstance(inventory, LocalInventory) else REMOTE_READ_AHEAD
    with ThreadPoolExecutor(workers) as pool:
        pending: collections.deque[Future[Fetched]] = collections.deque()
        for path, ark in store.record_paths(only=only):
            pending.append(pool.submit(fetch, path, ark))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# -- feed rows ---------------------------------------------------------------------------------

# One row per image: the record's fields, then the image's under these names.
IMAGE_COLUMNS = {
    name: f"image{name[0].upper()}{name[1:]}"
    for name in ("url", "path", "size", "checksum", "copyright", "position", "type")
}


def record_row(
    stored: StoredRecord, rights_years: int = DEFAULT_YEARS, left_out: Container[int] = ()
) -> dict[str, Any]:
    """The record's row, as the crawl's feed gives it
    (:func:`~louvre_scraper.records.fields.feed_row`):
    status ``stored``, each image ``stored`` with its path and size, or ``left_out`` (its
    index in *left_out*: the crawl's choice), or ``missing``."""
    assert stored.record is not None
    entries = (
        image_row(
            image.ref,
            path=image.path,
            size=image.size,
            status=Status.STORED
            if image.path is not None
            else Status.LEFT_OUT
            if index in left_out
            else Status.MISSING,
        )
        for index, image in enumerate(stored.images)
    )
    return feed_row(
        stored.record,
        path=stored.path,
        status=Status.STORED,
        images=entries,
        rights_years=rights_years,
    )


def image_rows(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per stored image of a record row: the record's fields, then the image's."""
    fields = {name: value for name, value in row.items() if name not in ("images", "status")}
    for entry in row["images"]:
        if entry["path"] is not None:
            yield {**fields, **{column: entry[k] for k, column in IMAGE_COLUMNS.items()}}


def filters(
    collection: str | None = None,
    object_type: str | None = None,
    rights: str | None = None,
    rights_years: int = DEFAULT_YEARS,
) -> FilterTally:
    """The spider's ``-a collection=`` / ``-a type=`` / ``-a rights=`` filters, with what
    they see; a bad ``--rights`` value is BadInput."""
    return FilterTally.of(collection, object_type, rights, rights_years, "option --rights")


@dataclass(frozen=True)
class Chosen:
    """The crawl's choices (:mod:`~louvre_scraper.store.choices`) as the read side applies
    them: which of a record's images the crawl left out on purpose."""

    choices: Choices
    rights_years: int = DEFAULT_YEARS

    def keeps(self, record: dict[str, Any]) -> bool:
        """Whether the crawl's filters keep *record* (its images then fetched)."""
        return self.filter().check(record)

    def filter(self) -> FilterTally:
        chosen = self.choices.filters
        return filters(
            chosen.get("collection"), chosen.get("type"), chosen.get("rights"), self.rights_years
        )

    def left_out(self, record: dict[str, Any], count: int) -> range:
        """The indexes of the images of *record* (of *count*) the crawl did not fetch."""
        if not self.keeps(record) or self.choices.images == "none":
            return range(count)
        return range(1, count) if self.choices.images == "first" else range(0)


@dataclass
class Tally:
    """What a pass over the store met."""

    records: int = 0  # stored records read
    kept: int = 0  # of which kept by the filters
    damaged: list[str] = field(default_factory=list)  # stored files that are not records
    images: int = 0  # stored images of kept records
    missing_images: int = 0  # listed by a kept record, not in the store
    left_out_images: int = 0  # listed by a kept record, left out on purpose by the crawl
    per_collection: collections.Counter[str] = field(default_factory=collections.Counter)
    images_per_collection: collections.Counter[str] = field(default_factory=collections.Counter)
    # The kept records and their stored images by rights estimate (public-domain, …).
    per_rights: collections.Counter[str] = field(default_factory=collections.Counter)
    images_per_rights: collections.Counter[str] = field(default_factory=collections.Counter)


def record_rows(
    store: Store,
    wanted: FilterTally | None = None,
    tally: Tally | None = None,
    only: Container[str] | None = None,
    *,
    checksums: bool = False,
    chosen: Chosen | None = None,
) -> Iterator[dict[str, Any]]:
    """The feed row of every stored record the filters keep (of the arks *only*, if given:
    ``--since``); *tally* counts the pass, and *wanted* the values its filters saw. With
    *checksums*, each stored image's ``checksum`` is its file's MD5, the digest the crawl's
    feed gives (``scrapy export``: the same row as the feed); without, None (the catalogue does
    not need them, and they cost a read of every image). *chosen*: the crawl's choices, whose
    images left out on purpose are not called missing."""
    rows = _kept_rows(store, wanted, tally, only, chosen)
    return with_checksums(store, rows) if checksums else rows


def _kept_rows(
    store: Store,
    wanted: FilterTally | None,
    tally: Tally | None,
    only: Container[str] | None = None,
    chosen: Chosen | None = None,
) -> Iterator[dict[str, Any]]:
    wanted = wanted if wanted is not None else filters()
    tally = tally if tally is not None else Tally()
    for stored in read_records(store, only):
        tally.records += 1
        if stored.record is None:
            tally.damaged.append(stored.path)
            continue
        if not wanted.check(stored.record):
            continue
        left_out = chosen.left_out(stored.record, len(stored.images)) if chosen else ()
        row = record_row(stored, store.config.rights_years, left_out)
        department = row.get("collection") or ""
        tally.kept += 1
        tally.per_collection[department] += 1
        stored_images = sum(1 for image in stored.images if image.path is not None)
        tally.images += stored_images
        tally.images_per_collection[department] += stored_images
        tally.per_rights[row["rights"]] += 1
        tally.images_per_rights[row["rights"]] += stored_images
        unstored = [i for i, image in enumerate(stored.images) if image.path is None]
        left = sum(1 for i in unstored if i in left_out)
        tally.left_out_images += left
        tally.missing_images += len(unstored) - left
        yield row


def file_md5(inventory: Reader, path: str) -> str | None:
    """The MD5 of a stored file, as the pipeline computes a stored body's (None: unreadable)."""
    digest = hashlib.md5()  # noqa: S324 - the checksum FilesPipeline reports, and the feed
    try:
        for chunk in inventory.chunks(path):
            digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def with_checksums(store: Store, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """*rows* in their order, each stored image's ``checksum`` filled in: the files are read by
    threads a few records ahead (reads release the GIL), while the rows go on being made."""
    inventory = store.inventory
    local = isinstance(inventory, LocalInventory)
    ahead = LOCAL_READ_AHEAD if local else REMOTE_READ_AHEAD
    with ThreadPoolExecutor(LOCAL_THREADS if local else REMOTE_READ_AHEAD) as pool:
        pending: collections.deque[tuple[dict[str, Any], list[Future[str | None] | None]]]
        pending = collections.deque()

        def done() -> dict[str, Any]:
            row, sums = pending.popleft()
            for entry, future in zip(row["images"], sums, strict=True):
                if future is not None:
                    entry["checksum"] = future.result()
            return row

        for row in rows:
            sums = [
                pool.submit(file_md5, inventory, entry["path"]) if entry["path"] else None
                for entry in row["images"]
            ]
            pending.append((row, sums))
            if len(pending) >= ahead:
                yield done()
        while pending:
            yield done()
