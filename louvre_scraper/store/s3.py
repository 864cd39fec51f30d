"""An ``s3://`` FILES_STORE: listed once at start, read back and written with botocore. S3's
single PUT is already atomic, so the stock ``S3FilesStore`` writes the crawl's files."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from scrapy.utils.asyncio import run_in_thread

from louvre_scraper.bodies.zips import ZIP_ENDS
from louvre_scraper.errors import BadInput
from louvre_scraper.store.entries import FolderEntry, StoredZip
from louvre_scraper.store.layout import contained, path_order
from louvre_scraper.store.remote import RemoteInventory

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from scrapy.pipelines.files import S3FilesStore

    from louvre_scraper.bodies.ends import Ends
    from louvre_scraper.utils.heartbeat import Beat


logger = logging.getLogger(__name__)


class S3Inventory(RemoteInventory):
    """What an S3 prefix holds, listed once at start (1,000 keys a request), not HEAD per ID."""

    def __init__(self, store: S3FilesStore):
        self.store = store
        self.objects: dict[str, StoredZip] = {}
        self._folders: dict[str, dict[str, FolderEntry]] | None = None

    @property
    def client(self) -> Any:
        return self.store.s3_client  # type: ignore[attr-defined]

    def _list(self, beat: Beat | None = None) -> dict[str, StoredZip]:
        paginator = self.client.get_paginator("list_objects_v2")
        objects = {}
        for page in paginator.paginate(Bucket=self.store.bucket, Prefix=self.store.prefix):
            contents = page.get("Contents", ())
            for obj in contents:
                objects[obj["Key"]] = StoredZip(
                    obj["Size"], obj["ETag"].strip('"'), obj["LastModified"].timestamp()
                )
            if beat is not None:  # a page (1,000 keys) at a time: a million keys take minutes
                beat(len(contents))
        return objects

    def list_now(self, beat: Beat | None = None) -> None:
        """List the prefix (in this thread), or refuse the store in one line; *beat*: told
        the keys of each page as it comes (:mod:`~louvre_scraper.utils.heartbeat`)."""
        start = time.monotonic()
        try:
            self.objects = self._list(beat)
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

    async def load(self, beat: Beat | None = None) -> None:
        await run_in_thread(self.list_now, beat)

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

    def write_chunks(self, path: str, chunks: Iterable[bytes]) -> None:
        """One PUT of the whole body: S3 has no append, and a PUT is atomic."""
        self.write_bytes(path, b"".join(chunks))

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
