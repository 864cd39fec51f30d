"""A static, browsable catalogue of a store: ``index.html``, its data in chunks, thumbnails.

The site opens from disk (``file://``), offline: browsers refuse ``fetch()`` of ``file://``
JSON, so the data ships as JavaScript files that ``<script>`` tags load, each calling a global
function with its part. Two kinds of data files:

- ``data/index-NNNN-HASH.js``: the search index, :data:`INDEX_CHUNK` works a file, what the
  grid shows and the search box looks in, a column of text a field, one line a work. The page
  loads them all up front and shows the first grid as soon as the first one is in;
- ``data/works-NNNN-HASH.js``: the feed rows, whole, :data:`WORKS_CHUNK` works a file, loaded
  when a work's detail view opens.

Every file is written atomically and named by its content's hash; ``index.html`` names the
files of its build and is written last, and only then are files no build names removed: at any
instant the catalogue on disk is one whole build, the previous one or the new one. Files whose
content did not change keep their name and are not rewritten; thumbnails are remade only for
new or changed images (:mod:`louvre_scraper.dataset.thumbnails`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from louvre_scraper.dataset.thumbnails import THUMBS_DIR, Outcome, make_thumbnail, thumbnail_path
from louvre_scraper.records.rights import VALUES as RIGHTS_VALUES
from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.utils.display import format_duration

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

logger = logging.getLogger(__name__)

INDEX_CHUNK = 20_000  # works a search-index file: ~2 MB
WORKS_CHUNK = 250  # works a detail file: a few hundred KB
PAGE_SIZE = 240  # works a page of the grid (the front end's, given to it)
DATA_DIR = "data"
SITE_FILES = ("catalogue.js", "catalogue.css")  # the front end, shipped in the package
FORMER = ("ancienne attribution", "inventorié comme")  # creator levels that are not current


@dataclass
class CatalogueCounts:
    works: int = 0
    images: int = 0
    thumbnails: Counter[Outcome] = field(default_factory=Counter)
    departments: Counter[str] = field(default_factory=Counter)
    rights: Counter[str] = field(default_factory=Counter)  # works by rights estimate


@dataclass(frozen=True)
class CatalogueOptions:
    store: Path  # the store's directory (FILES_STORE)
    dest: Path  # the catalogue's directory
    thumb_size: int = 256
    workers: int = 0  # threads making thumbnails; 0: one per CPU


# -- what the grid and the search show of a feed row ------------------------------------------


def _clean(value: Any) -> str:
    """One line of text, without the newlines that separate the index's works."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def creator_names(row: dict[str, Any]) -> str:
    """The current creators, "Attribué à Jean Fouquet; École de France"."""
    names = []
    for creator in row.get("creators") or ():
        if isinstance(creator, dict):
            level = _clean(creator.get("attributionLevel")).casefold()
            if level in FORMER:
                continue
            name = _clean(creator.get("name") or creator.get("label"))
            qualifier = _clean(creator.get("qualifier"))
            name = f"{qualifier} {name}" if qualifier and name else name
        else:
            name = _clean(creator)
        if name and name not in names:
            names.append(name)
    return "; ".join(names)


def display_date(row: dict[str, Any]) -> str:
    """The museum's own date when the row has it, else the years ("1450", "-300/-250")."""
    shown = _clean(row.get("displayDateCreated"))
    if shown:
        return shown.split(" : ", 1)[-1]  # "Date de création/fabrication : 1567" -> "1567"
    start, end = row.get("startYear"), row.get("endYear")
    if start is None:
        return _clean(end)
    return _clean(start) if end in (None, start) else f"{start}/{end}"


def stored_images(row: dict[str, Any]) -> list[str]:
    """The store paths of the row's images that the store holds (in the row's order)."""
    paths = []
    for image in row.get("images") or ():
        path = image.get("path") if isinstance(image, dict) else None
        if path:
            paths.append(str(path))
    return paths


INDEX_FIELDS = (
    "ark",
    "title",
    "creators",
    "date",
    "inventory",
    "department",
    "thumb",
    "images",
    "rights",
)


def index_entry(row: dict[str, Any], department: int, thumb: str) -> tuple[str, ...]:
    """What the search index holds of a work (:data:`INDEX_FIELDS`): ark, title, creators,
    date, inventory number, department (a number into the catalogue's list), the store path
    of the image whose thumbnail the grid shows ("" when none), the number of images and the
    rights estimate of the work (``public-domain``, …; "" when the row has none)."""
    return (
        _clean(row.get("arkId")),
        _clean(row.get("title")),
        creator_names(row),
        display_date(row),
        _clean(row.get("inventoryNumber")),
        str(department),
        _clean(thumb),
        str(len(row.get("images") or ())),
        _clean(row.get("rights")),
    )


def index_columns(entries: list[tuple[str, ...]]) -> list[str]:
    """The index of some works, column by column, one line per work in each: the page splits
    each column once (fast, native) rather than each work's line."""
    return ["\n".join(column) for column in zip(*entries, strict=True)]


def js_call(function: str, number: int, payload: Any) -> bytes:
    """``louvreCatalogue.FUNCTION(NUMBER, PAYLOAD);`` with PAYLOAD as JSON (valid JavaScript)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"louvreCatalogue.{function}({number},{text});\n".encode()


def store_url(store: Path, dest: Path) -> str:
    """How the catalogue's pages reach the store's files: a relative URL, ``…/`` ended."""
    relative = os.path.relpath(store.resolve(), dest.resolve())
    if relative == ".":
        return ""
    return quote(Path(relative).as_posix()) + "/"


# -- the build ---------------------------------------------------------------------------------


class HashedFiles:
    """Files of one build, named by their content's hash; a file already there is kept."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.names: list[str] = []
        self.written = 0

    def add(self, stem: str, suffix: str, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()[:12]
        name = f"{stem}-{digest}{suffix}"
        target = self.dest / name
        if not target.exists():
            write_atomically(target, content)
            self.written += 1
        self.names.append(name)
        return name

    def remove_others(self, directory: str, keep: Iterable[str] = ()) -> int:
        """Delete the files of *directory* that this build does not name (old builds')."""
        wanted = {*self.names, *keep}
        removed = 0
        for path in sorted((self.dest / directory).glob("*")):
            name = path.relative_to(self.dest).as_posix()
            if path.is_file() and name not in wanted and not path.name.startswith("."):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class Thumbnailer:
    """Thumbnails made by a pool of threads (Pillow decodes and resizes without the GIL)."""

    def __init__(self, options: CatalogueOptions) -> None:
        self.options = options
        self.pool = ThreadPoolExecutor(options.workers or os.cpu_count() or 1)

    def submit_row(self, row: dict[str, Any]) -> list[Future[Outcome]]:
        """The thumbnails of every stored image of *row*, in the row's order."""
        size = self.options.thumb_size
        return [
            self.pool.submit(
                make_thumbnail,
                self.options.store / path,
                self.options.dest / thumbnail_path(path, size),
                size,
            )
            for path in stored_images(row)
        ]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build_catalogue(
    rows: Iterable[dict[str, Any]],
    options: CatalogueOptions,
    progress: Callable[[CatalogueCounts], None] | None = None,
) -> tuple[CatalogueCounts, Path]:
    """Build (or bring up to date) the catalogue of *rows* in ``options.dest``; its counts
    and its ``index.html``. *progress* is called with the counts after each batch of works."""
    options.dest.mkdir(parents=True, exist_ok=True)
    build = Build(options)
    thumbnailer = Thumbnailer(options)
    try:
        # A batch of works at a time: its thumbnails in the pool, then its data. One batch
        # waits while the next one's thumbnails are made, so that the pool is never idle.
        pending: deque[tuple[list[dict[str, Any]], list[list[Future[Outcome]]]]] = deque()
        for batch in _batches(rows, WORKS_CHUNK):
            pending.append((batch, [thumbnailer.submit_row(row) for row in batch]))
            if len(pending) > 1:
                build.add(*pending.popleft(), progress)
        while pending:
            build.add(*pending.popleft(), progress)
    finally:
        thumbnailer.close()
    return build.counts, build.finish()


class Build:
    """The data files of one build, as its batches of works come."""

    def __init__(self, options: CatalogueOptions) -> None:
        self.options = options
        self.counts = CatalogueCounts()
        self.departments: dict[str, int] = {}  # name -> its number in the page's list
        self.files = HashedFiles(options.dest)
        self.index_files: list[str] = []
        self.works_files: list[str] = []
        self.entries: list[tuple[str, ...]] = []  # the index's, not yet in a file

    def add(
        self,
        batch: list[dict[str, Any]],
        thumbnails: list[list[Future[Outcome]]],
        progress: Callable[[CatalogueCounts], None] | None = None,
    ) -> None:
        """A batch of works (WORKS_CHUNK, the last one fewer) and their thumbnails' futures;
        then *progress* is told the counts."""
        for row, futures in zip(batch, thumbnails, strict=True):
            department = _clean(row.get("collection"))
            number = self.departments.setdefault(department, len(self.departments))
            self.counts.departments[department] += 1
            self.counts.rights[_clean(row.get("rights"))] += 1
            outcomes = [future.result() for future in futures]
            listed = len(row.get("images") or ())
            self.counts.images += listed
            self.counts.thumbnails.update(outcomes)
            if listed > len(outcomes):  # listed by the record, not in the store
                self.counts.thumbnails[Outcome.MISSING] += listed - len(outcomes)
            thumb = ""
            if outcomes and outcomes[0] in (Outcome.MADE, Outcome.CURRENT):
                thumb = stored_images(row)[0]
            self.entries.append(index_entry(row, number, thumb))
        self.counts.works += len(batch)
        number = len(self.works_files)
        name = f"{DATA_DIR}/works-{number + 1:04d}"
        self.works_files.append(self.files.add(name, ".js", js_call("works", number, batch)))
        if len(self.entries) >= INDEX_CHUNK:
            self._write_index()
        if progress is not None:
            progress(self.counts)

    def _write_index(self) -> None:
        entries, self.entries = self.entries[:INDEX_CHUNK], self.entries[INDEX_CHUNK:]
        number = len(self.index_files)
        name = f"{DATA_DIR}/index-{number + 1:04d}"
        payload = js_call("index", number, index_columns(entries))
        self.index_files.append(self.files.add(name, ".js", payload))

    def finish(self) -> Path:
        """The last index file, the front end, then ``index.html``; old files removed."""
        while self.entries:
            self._write_index()
        site = [
            self.files.add(f"{DATA_DIR}/{Path(name).stem}", Path(name).suffix, _site_file(name))
            for name in SITE_FILES
        ]
        options = self.options
        meta = {
            "works": self.counts.works,
            "departments": list(self.departments),
            "departmentCounts": [self.counts.departments[name] for name in self.departments],
            # The rights estimate's values, with their counts, in the order of RIGHTS_VALUES.
            "rights": [
                [value, self.counts.rights[value]]
                for value in RIGHTS_VALUES
                if value in self.counts.rights
            ],
            "index": self.index_files,
            "details": self.works_files,
            "indexChunk": INDEX_CHUNK,
            "worksChunk": WORKS_CHUNK,
            "pageSize": PAGE_SIZE,
            "store": store_url(options.store, options.dest),
            "thumbs": f"{THUMBS_DIR}/{options.thumb_size}/",
        }
        index_html = options.dest / "index.html"
        write_atomically(index_html, _index_html(meta, site))
        self.files.remove_others(DATA_DIR)
        _remove_other_sizes(options.dest / THUMBS_DIR, options.thumb_size)
        return index_html


def _site_file(name: str) -> bytes:
    return resources.files("louvre_scraper.dataset").joinpath("site", name).read_bytes()


def _index_html(meta: dict[str, Any], site: list[str]) -> bytes:
    template = _site_file("index.html").decode()
    # In a <script> element, "</" would end it early.
    data = json.dumps(meta, ensure_ascii=False).replace("</", "<\\/")
    script, style = (quote(name) for name in site)
    page = template.replace("{{META}}", data).replace("{{SCRIPT}}", script)
    return page.replace("{{STYLE}}", style).encode()


def _remove_other_sizes(thumbs: Path, size: int) -> None:
    """Thumbnails of another ``--thumb-size``, from an earlier run: no page uses them now."""
    if not thumbs.is_dir():
        return
    for path in thumbs.iterdir():
        if path.is_dir() and path.name.isdigit() and int(path.name) != size:
            shutil.rmtree(path, ignore_errors=True)


def summary_line(counts: CatalogueCounts, seconds: float, index_html: Path) -> str:
    made = counts.thumbnails
    return (
        f"Catalogue: {counts.works} works ({len(counts.departments)} departments),"
        f" {counts.images} images: {made[Outcome.MADE]} thumbnails made,"
        f" {made[Outcome.CURRENT]} up to date, {made[Outcome.UNREADABLE]} unreadable,"
        f" {made[Outcome.MISSING]} not in the store, in {format_duration(seconds)}"
        f" -> {index_html.absolute()}"
    )
