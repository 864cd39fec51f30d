"""Where zips live: FilesPipeline's stores, made atomic on disk, plus a look-up of what is there.

Scrapy's ``FSFilesStore`` writes each file in place, so a crash mid-write leaves a truncated
zip that looks up to date on the next run. :class:`AtomicFSFilesStore` writes a temporary file
beside the target and renames it, in a thread. S3's single PUT is already atomic, so the stock
``S3FilesStore`` is used as it is.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from scrapy.pipelines.files import FilesPipeline, FSFilesStore, S3FilesStore
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import ensure_awaitable

from louvre_scraper.bodies.verdict import EOCD_SEARCH_BYTES, has_zip_ends
from louvre_scraper.errors import BadInput
from louvre_scraper.utils.offload import offload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from io import BytesIO

    from scrapy.crawler import Crawler
    from scrapy.pipelines.media import MediaPipeline
    from scrapy.settings import BaseSettings

    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.zips.ids import Shard

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".part"
_PARTIAL_RE = re.compile(r"^\..+\.(\d+)\.part$")  # .{name}.{pid}.part


# Errors that mean the store as a whole takes no more files, with what to do about them.
STORE_ERRNOS = {
    errno.ENOSPC: "free some space, or choose another FILES_STORE",
    errno.EDQUOT: "raise the quota, or choose another FILES_STORE",
    errno.EROFS: "choose a writable FILES_STORE",
    errno.EACCES: "fix its permissions, or choose another FILES_STORE",
    errno.EPERM: "fix its permissions, or choose another FILES_STORE",
}
S3_DENIALS = frozenset({"AccessDenied", "AllAccessDisabled", "NoSuchBucket", "QuotaExceeded"})


def store_failure(error: BaseException) -> str | None:
    """What is wrong with the whole store when writing a file raised *error*, or None when
    only that file failed (the next ones may well be written)."""
    if isinstance(error, OSError) and error.errno in STORE_ERRNOS:
        return f"{os.strerror(error.errno)} — {STORE_ERRNOS[error.errno]}"
    if isinstance(error, NoCredentialsError):
        return "no credentials — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in S3_DENIALS:
        return f"{error} — check the credentials, the bucket and its policy"
    return None


class UnsafePath(ValueError):
    """A path that would not lie inside FILES_STORE."""


def contained(path: str) -> str:
    """*path* if it names a file inside the store: relative, no ``..``, no empty or ``.``
    part, no backslash or control character; else :class:`UnsafePath`. Checked before every
    write: paths are built from validated parts only (see ``LouvreConfig``), this is the
    store's own guarantee that nothing is written outside it, locally or under an S3 prefix."""
    parts = path.split("/")
    if (
        not path
        or PurePosixPath(path).is_absolute()
        or any(part in ("", ".", "..") for part in parts)
        or "\\" in path
        or any(ord(c) < 32 or ord(c) == 127 for c in path)
    ):
        raise UnsafePath(f"{path!r} is not a path inside the store")
    return path


def beside_store(config: LouvreConfig, name: str, shard: Shard) -> Path | None:
    """A list file *beside* a local store, never in it (``downloads.{name}.txt``, one per
    shard: shards may write into one store at once); None for a remote store."""
    if not config.is_local_store:
        return None
    store = config.local_store_dir.absolute()
    suffix = f".shard-{shard.index}-of-{shard.count}" if shard.count > 1 else ""
    return store.with_name(f"{store.name}.{name}{suffix}.txt")


def partial_name(target: Path) -> Path:
    """The temporary name a file is written under before it is renamed to *target*."""
    return target.with_name(f".{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")


def write_atomically(target: Path, data: bytes) -> None:
    """Write *data* to *target* so that *target* is either absent or whole, at any instant."""
    partial = partial_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        descriptor = os.open(partial, flags, 0o644)
    except FileNotFoundError:  # first file of a directory: create it, once
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(partial, flags, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_partials(basedir: Path) -> int:
    """Delete temporary files left by killed runs (not those of live processes, e.g. shards)."""
    removed = 0
    for dirpath, _, filenames in os.walk(basedir):
        for name in filenames:
            match = _PARTIAL_RE.match(name)
            if match and not _pid_alive(int(match[1])):
                Path(dirpath, name).unlink(missing_ok=True)
                removed += 1
    return removed


class AtomicFSFilesStore(FSFilesStore):
    """``FSFilesStore`` that writes through a temporary name and a rename (large files in a
    thread, see :mod:`louvre_scraper.utils.offload`)."""

    async def persist_file(  # type: ignore[override]
        self,
        path: str | os.PathLike[str],
        buf: BytesIO,
        info: MediaPipeline.SpiderInfo,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = buf.getvalue()
        await offload(len(data), write_atomically, self._get_filesystem_path(path), data)


@dataclass(frozen=True)
class StoredZip:
    size: int | None  # None: the store does not say (gs://, ftp://)
    checksum: str | None  # None: computed on demand (local files)
    last_modified: float


def md5_file(path: Path) -> str:
    digest = hashlib.md5()  # noqa: S324 - the checksum FilesPipeline reports
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Ends(NamedTuple):
    """How to tell a stored file of one kind from a foreign one by its first and last bytes.

    Files are only ever stored whole (atomic rename), so this only has to tell them from
    e.g. an error page saved under the same name by another tool.
    """

    looks_whole: Callable[[bytes, bytes], bool]  # (first 16 bytes, last tail_bytes bytes)
    tail_bytes: int


ZIP_ENDS = Ends(has_zip_ends, EOCD_SEARCH_BYTES)


class LocalInventory:
    """What a local store holds: one ``stat`` and two small reads per file, no hashing."""

    def __init__(self, basedir: Path):
        self.basedir = basedir

    async def load(self) -> None:
        removed = await run_in_thread(remove_partials, self.basedir) if self.basedir.is_dir() else 0
        if removed:
            logger.info("Removed %d partial files left by an interrupted run", removed)

    async def find(self, path: str, ends: Ends = ZIP_ENDS) -> StoredZip | None:
        try:
            stat = (self.basedir / path).stat()
        except OSError:
            return None
        if stat.st_size < 22 or not self.looks_whole(path, ends):
            return None
        return StoredZip(stat.st_size, None, stat.st_mtime)

    def looks_whole(self, path: str, ends: Ends) -> bool:
        """Whether the stored file's first and last bytes are those of a whole file."""
        try:
            with (self.basedir / path).open("rb") as f:
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
            return (self.basedir / path).read_bytes()
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


class FolderEntry(NamedTuple):
    size: int
    mtime: float


def path_order(path: str) -> list[str]:
    """The order stores list their files in: folder by folder, names sorted (the order of a
    sorted directory walk, which plain string order is not: ``a-b`` sorts before ``a/b``)."""
    return path.split("/")


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


class RemoteInventory:
    """A remote store reports each object's checksum with its listing or stat."""

    async def checksum(self, path: str, found: StoredZip) -> str:
        assert found.checksum is not None
        return found.checksum


class S3Inventory(RemoteInventory):
    """What an S3 prefix holds, listed once at start (1,000 keys a request), not HEAD per ID."""

    def __init__(self, store: S3FilesStore):
        self.store = store
        self.objects: dict[str, StoredZip] = {}
        self._folders: dict[str, dict[str, FolderEntry]] | None = None

    @property
    def client(self) -> Any:
        return self.store.s3_client  # type: ignore[attr-defined]

    def _list(self) -> dict[str, StoredZip]:
        paginator = self.client.get_paginator("list_objects_v2")
        objects = {}
        for page in paginator.paginate(Bucket=self.store.bucket, Prefix=self.store.prefix):
            for obj in page.get("Contents", ()):
                objects[obj["Key"]] = StoredZip(
                    obj["Size"], obj["ETag"].strip('"'), obj["LastModified"].timestamp()
                )
        return objects

    def list_now(self) -> None:
        """List the prefix (in this thread), or refuse the store in one line."""
        start = time.monotonic()
        try:
            self.objects = self._list()
        except (BotoCoreError, ClientError) as error:
            uri = f"s3://{self.store.bucket}/{self.store.prefix}"
            raise BadInput(f"bad setting FILES_STORE={uri!r}: cannot list it: {error}") from None
        self._folders = None
        logger.info(
            "Listed %d objects in %s in %.1fs",
            len(self.objects),
            f"s3://{self.store.bucket}/{self.store.prefix}",
            time.monotonic() - start,
        )

    async def load(self) -> None:
        await run_in_thread(self.list_now)

    def _key(self, path: str) -> str:
        return f"{self.store.prefix}{path}"

    async def find(self, path: str, ends: Ends = ZIP_ENDS) -> StoredZip | None:
        found = self.objects.get(self._key(path))
        return found if found and found.size else None

    def paths(self, under: str = "", *, ordered: bool = True) -> Iterator[str] | None:
        start = self._key(under.strip("/") + "/" if under.strip("/") else "")
        keys: Iterable[str] = (k for k in self.objects if k.startswith(start))
        if ordered:
            keys = sorted(keys, key=path_order)
        return (key[len(self.store.prefix) :] for key in keys)

    def folder(self, path: str) -> dict[str, FolderEntry]:
        if self._folders is None:  # one index of the listing, built on first use
            self._folders = {}
            for key, found in self.objects.items():
                parent, _, name = key[len(self.store.prefix) :].rpartition("/")
                entry = FolderEntry(found.size or 0, found.last_modified)
                self._folders.setdefault(parent, {})[name] = entry
        return self._folders.get(path.strip("/"), {})

    def _get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get_object(Bucket=self.store.bucket, Key=self._key(path), **kwargs)

    def read_bytes(self, path: str) -> bytes | None:
        if self._key(path) not in self.objects:
            return None
        try:
            return self._get(path)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            logger.warning("Cannot read %s from the store: %s", self._key(path), error)
            return None

    def looks_whole(self, path: str, ends: Ends) -> bool:
        """Two ranged GETs: the first 16 bytes and the last ``ends.tail_bytes``."""
        try:
            head = self._get(path, Range="bytes=0-15")["Body"].read()
            tail = self._get(path, Range=f"bytes=-{ends.tail_bytes}")["Body"].read()
        except (BotoCoreError, ClientError):
            return False
        return ends.looks_whole(head, tail)

    def chunks(self, path: str) -> Iterator[bytes]:
        try:
            body = self._get(path)["Body"]
        except (BotoCoreError, ClientError) as error:
            raise OSError(f"cannot read {self._key(path)}: {error}") from error
        yield from body.iter_chunks(1 << 20)

    def write_bytes(self, path: str, data: bytes) -> None:
        """One PUT (atomic on S3), as FilesPipeline's S3 store writes."""
        self.client.put_object(Bucket=self.store.bucket, Key=self._key(contained(path)), Body=data)
        self.objects[self._key(path)] = StoredZip(len(data), None, time.time())
        self._folders = None

    def exists(self, path: str) -> bool:
        return self._key(path) in self.objects

    def delete(self, path: str) -> None:
        key = self._key(path)
        self.client.delete_object(Bucket=self.store.bucket, Key=key)
        self.objects.pop(key, None)

    async def read(self, path: str) -> bytes | None:
        if self._key(path) not in self.objects:
            return None
        return await run_in_thread(self.read_bytes, path)


class StatInventory(RemoteInventory):
    """Any other FilesPipeline store (``gs://``, ``ftp://``): its own ``stat_file``, per file.

    FilesPipeline's stores cannot read a file back: stored records are fetched again.
    """

    def __init__(self, store: Any, info: MediaPipeline.SpiderInfo):
        self.store = store
        self.info = info

    async def load(self) -> None:
        pass

    async def read(self, path: str) -> bytes | None:
        return None

    def paths(self, under: str = "", *, ordered: bool = True) -> Iterator[str] | None:
        return None  # FilesPipeline's gs:// and ftp:// stores cannot list

    def exists(self, path: str) -> bool:
        return False

    def delete(self, path: str) -> None:
        logger.warning("Cannot delete %s: this store does not support it", path)

    async def find(self, path: str, ends: Ends = ZIP_ENDS) -> StoredZip | None:
        stat = await ensure_awaitable(self.store.stat_file(path, self.info))
        if not stat or not stat.get("checksum"):
            return None
        return StoredZip(None, stat["checksum"], stat.get("last_modified", 0.0))


Inventory = LocalInventory | S3Inventory | StatInventory


async def find_first(
    inventory: Inventory, paths: Iterable[str], ends: Ends
) -> tuple[str, StoredZip] | None:
    """The first of *paths* the store holds whole, e.g. an image stored under whichever
    extension its bytes gave it (its name does not say which before it is found)."""
    for path in paths:
        found = await inventory.find(path, ends)
        if found is not None:
            return path, found
    return None


def open_reader(settings: BaseSettings, config: LouvreConfig) -> LocalInventory | S3Inventory:
    """What FILES_STORE holds, for a command that reads it without a crawl (export, verify):
    a local store, or an S3 one listed now with the crawl's AWS_* settings."""
    if config.is_local_store:
        return LocalInventory(config.local_store_dir)
    if not config.files_store.startswith("s3://"):
        raise BadInput(
            f"bad setting FILES_STORE={config.files_store!r}: only a local or s3:// store"
            " can be read back"
        )
    FilesPipeline._update_stores(settings)  # the AWS_* settings, as the crawl's pipeline does
    inventory = S3Inventory(S3FilesStore(config.files_store))
    inventory.list_now()
    return inventory


def open_inventory(crawler: Crawler, config: LouvreConfig) -> Inventory:
    """The look-up of what FILES_STORE holds, for the store the pipeline writes to."""
    if config.is_local_store:
        return LocalInventory(config.local_store_dir)
    # Look up the remote store the pipeline built, with its credentials and endpoint.
    assert crawler.engine is not None
    for pipeline in crawler.engine.scraper.itemproc.middlewares:
        if isinstance(pipeline, FilesPipeline):
            if isinstance(pipeline.store, S3FilesStore):
                return S3Inventory(pipeline.store)
            return StatInventory(pipeline.store, pipeline.spiderinfo)
    raise BadInput("bad setting ITEM_PIPELINES: LouvreFilesPipeline is not enabled")
