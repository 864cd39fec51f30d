"""A local FILES_STORE: FilesPipeline's store made atomic on disk, and the look-up of what it
holds.

Scrapy's ``FSFilesStore`` writes each file in place, so a crash mid-write leaves a truncated
file that looks up to date on the next run. :class:`AtomicFSFilesStore` writes a temporary file
beside the target and renames it (:mod:`louvre_scraper.store.atomic`), in its writer's thread
(:class:`GroupWriter`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from scrapy.pipelines.files import FSFilesStore
from scrapy.utils.asyncio import is_asyncio_available, run_in_thread

from louvre_scraper.bodies.zips import ZIP_ENDS
from louvre_scraper.store.atomic import (
    _PARTIAL_RE,
    remove_partials,
    write_atomically,
    write_chunks,
    write_group,
)
from louvre_scraper.store.entries import FolderEntry, StoredZip, md5_file
from louvre_scraper.store.layout import contained
from louvre_scraper.utils.offload import OFF_THREAD_BYTES

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from io import BytesIO
    from pathlib import Path

    from scrapy.pipelines.media import MediaPipeline

    from louvre_scraper.bodies.ends import Ends
    from louvre_scraper.utils.heartbeat import Beat


logger = logging.getLogger(__name__)

Settled = tuple[asyncio.Future[None], Exception | None]  # a write, and its error if any


class AtomicFSFilesStore(FSFilesStore):
    """``FSFilesStore`` that writes through a temporary name and a rename, off the event
    loop: the fsyncs are a wait of about a millisecond even for a small file
    (:mod:`louvre_scraper.store.atomic`). Small files (records, their state, most images)
    go to its :class:`GroupWriter`, large ones each to a thread of their own."""

    def __init__(self, basedir: str | os.PathLike[str]):
        # FSFilesStore's, but for the folder it creates at once: a crawl that stores nothing
        # (the site cannot be reached) leaves nothing behind; the first write creates it.
        basedir = str(basedir)
        self.basedir = basedir.split("://", 1)[1] if "://" in basedir else basedir
        self.created_directories = defaultdict(set)
        self.writer = GroupWriter()

    async def persist_file(  # type: ignore[override]
        self,
        path: str | os.PathLike[str],
        buf: BytesIO,
        info: MediaPipeline.SpiderInfo,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        target, data = self._get_filesystem_path(path), buf.getvalue()
        if len(data) < OFF_THREAD_BYTES and is_asyncio_available():
            await self.writer.write(target, data)
        else:  # a large body (a zip) or a Twisted reactor without asyncio: a thread per file,
            # as before: a large file's own fsync dwarfs its folder's, and in one writer thread
            # large files would wait for each other's fsyncs (docs/speed.md, the zips)
            await run_in_thread(write_atomically, target, data)


class GroupWriter:
    """Durable writes handed by the event loop to one thread, which writes what has come
    while it wrote the last group as one group (:func:`~louvre_scraper.store.atomic.write_group`):
    a folder fsync-ed once per group and one wake-up of the event loop per group, where a
    thread per file fsync-ed its folder and woke the loop each time. The thread ends after a
    second with nothing to write; the next write starts another."""

    IDLE_SECONDS = 1.0

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: list[tuple[Path, bytes, asyncio.Future[None]]] = []
        self._running = False

    async def write(self, target: Path, data: bytes) -> None:
        """Write *data* to *target* atomically and durably (OSError when it cannot)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._changed:
            self._pending.append((target, data, done))
            if self._running:
                self._changed.notify()
            else:
                self._running = True
                threading.Thread(target=self._run, name="louvre-store-writer", daemon=True).start()
        await done

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._pending:
                    self._changed.wait(self.IDLE_SECONDS)
                if not self._pending:
                    self._running = False
                    return
                group, self._pending = self._pending, []
            try:
                outcomes: list[Exception | None] = list(
                    write_group([(target, data) for target, data, _ in group])
                )
            except Exception as exc:  # noqa: BLE001 - not one file's OSError: each write gets it
                outcomes = [exc] * len(group)
            # Each waiting write told on its own event loop (one, but for tests that start one
            # per call), one wake-up per loop.
            by_loop: dict[asyncio.AbstractEventLoop, list[Settled]] = {}
            for (_, _, done), outcome in zip(group, outcomes, strict=True):
                by_loop.setdefault(done.get_loop(), []).append((done, outcome))
            for loop, settled in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop closed: nobody waits
                    loop.call_soon_threadsafe(_settle, settled)


def _settle(settled: list[Settled]) -> None:
    for done, error in settled:
        if done.cancelled():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


class LocalInventory:
    """What a local store holds: one ``stat`` and two small reads per file, no hashing."""

    def __init__(self, basedir: Path):
        self.basedir = basedir
        # Look-ups by plain string, not pathlib (a join and stat several times as costly): a
        # first run looks up every image under each extension it may have.
        self._root = os.fspath(basedir)

    def _path(self, path: str) -> str:
        return f"{self._root}/{path}"

    async def load(self, beat: Beat | None = None) -> None:
        """Remove what killed runs left (a walk of the whole store, in a thread; *beat*: told
        as it goes, :mod:`~louvre_scraper.utils.heartbeat`)."""
        if not self.basedir.is_dir():
            return
        removed = await run_in_thread(remove_partials, self.basedir, beat)
        if removed:
            logger.info("Removed %d partial files left by an interrupted run", removed)

    async def find(self, path: str, ends: Ends = ZIP_ENDS) -> StoredZip | None:
        try:
            stat = os.stat(self._path(path))
        except OSError:
            return None
        if stat.st_size < 22 or not self.looks_whole(path, ends):
            return None
        return StoredZip(stat.st_size, None, stat.st_mtime)

    def looks_whole(self, path: str, ends: Ends) -> bool:
        """Whether the stored file's first and last bytes are those of a whole file."""
        try:
            with open(self._path(path), "rb") as f:
                head = f.read(16)
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - ends.tail_bytes))
                tail = f.read()
        except OSError:
            return False
        return ends.looks_whole(head, tail)

    def read_bytes(self, path: str) -> bytes | None:
        """A small stored file's bytes (a record's .json), None if absent."""
        try:
            with open(self._path(path), "rb") as f:
                return f.read()
        except OSError:
            return None

    async def read(self, path: str) -> bytes | None:
        return self.read_bytes(path)

    def chunks(self, path: str) -> Iterator[bytes]:
        """A stored file's bytes, a MiB at a time (OSError when it cannot be read)."""
        with (self.basedir / path).open("rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk

    def write_bytes(self, path: str, data: bytes) -> None:
        write_atomically(self.basedir / contained(path), data)

    def write_chunks(self, path: str, chunks: Iterable[bytes]) -> None:
        """A file written as its *chunks* come (a manifest of a million lines), atomically."""
        write_chunks(self.basedir / contained(path), chunks)

    def folder(self, path: str) -> dict[str, FolderEntry]:
        """The files directly in the store's folder *path* (empty if there is none)."""
        try:
            with os.scandir(self.basedir / path) as entries:
                return {
                    entry.name: FolderEntry(stat.st_size, stat.st_mtime)
                    for entry in entries
                    if entry.is_file() and not _PARTIAL_RE.match(entry.name)
                    for stat in (entry.stat(),)
                }
        except OSError:
            return {}

    def paths(self, under: str = "", *, ordered: bool = True) -> Iterator[str] | None:
        """Every file in the store (or in its folder *under*), relative to it, in
        :func:`path_order` (or in no order), as the directories are walked (a generator: a
        store of a million files is never listed in memory at once)."""
        return _walk(self.basedir, under.strip("/"), ordered)

    def exists(self, path: str) -> bool:
        return (self.basedir / path).exists()

    def delete(self, path: str) -> None:
        (self.basedir / path).unlink(missing_ok=True)

    async def checksum(self, path: str, found: StoredZip) -> str:
        return await run_in_thread(md5_file, self.basedir / path)


def _walk(basedir: Path, under: str, ordered: bool = True) -> Iterator[str]:
    """Files below *basedir*/*under* in :func:`path_order` (``os.walk`` has no order); with
    *ordered* False, in the directories' own order, holding no listing (to count them)."""
    folder = basedir / under if under else basedir
    try:
        scan = os.scandir(folder)
    except OSError:
        return
    with scan:
        if not ordered:
            for entry in scan:
                path = f"{under}/{entry.name}" if under else entry.name
                if entry.is_dir():
                    yield from _walk(basedir, path, ordered)
                elif not _PARTIAL_RE.match(entry.name):
                    yield path
            return
        # Names only (500,000 records: ~40 MB while their folder is walked), folders in a set.
        names, dirs = [], set()
        for entry in scan:
            names.append(entry.name)
            if entry.is_dir():
                dirs.add(entry.name)
    for name in sorted(names):
        path = f"{under}/{name}" if under else name
        if name in dirs:
            yield from _walk(basedir, path, ordered)
        elif not _PARTIAL_RE.match(name):
            yield path
