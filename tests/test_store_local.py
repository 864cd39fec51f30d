"""The local store (louvre_scraper/store/local.py): what it trusts as stored, how it writes."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from io import BytesIO
from pathlib import Path

import pytest

from fakesite.zips import zip_bytes
from louvre_scraper.store import local as writer_module
from louvre_scraper.store.local import AtomicFSFilesStore, GroupWriter, LocalInventory
from louvre_scraper.utils.offload import OFF_THREAD_BYTES


def test_inventory_trusts_whole_zips_only(tmp_path: Path) -> None:
    (tmp_path / "1.zip").write_bytes(zip_bytes(1))
    (tmp_path / "2.zip").write_bytes(b"<html>Server error</html>")  # the one-liner's kind
    (tmp_path / "3.zip").write_bytes(zip_bytes(3)[:-30])  # truncated by a crash elsewhere
    (tmp_path / "4.zip").write_bytes(b"")
    inventory = LocalInventory(tmp_path)

    found = asyncio.run(inventory.find("1.zip"))

    assert found is not None and found.size == len(zip_bytes(1))
    others = [asyncio.run(inventory.find(f"{i}.zip")) for i in (2, 3, 4, 5)]
    assert others == [None] * 4


def test_inventory_checksum_is_md5(tmp_path: Path) -> None:
    (tmp_path / "1.zip").write_bytes(zip_bytes(1))
    inventory = LocalInventory(tmp_path)
    found = asyncio.run(inventory.find("1.zip"))
    assert found is not None
    checksum = asyncio.run(inventory.checksum("1.zip", found))
    assert checksum == hashlib.md5(zip_bytes(1)).hexdigest()


def test_writes_met_while_a_group_is_written_make_the_next_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups: list[int] = []
    write_group = writer_module.write_group

    def counted(files: list[tuple[Path, bytes]]) -> list[OSError | None]:
        groups.append(len(files))
        return write_group(files)

    monkeypatch.setattr(writer_module, "write_group", counted)
    writer = GroupWriter()

    async def crawl() -> None:
        writes = [writer.write(tmp_path / "records" / f"{n}.json", b"%d" % n) for n in range(50)]
        await asyncio.gather(*writes)
        with pytest.raises(NotADirectoryError):
            await writer.write(tmp_path / "records" / "0.json" / "x", b"")

    asyncio.run(crawl())

    assert [(tmp_path / "records" / f"{n}.json").read_bytes() for n in range(50)] == [
        b"%d" % n for n in range(50)
    ]
    assert sum(groups) == 51
    assert len(groups) < 51  # writes that came while one was written were written together


def test_the_writer_thread_ends_when_idle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GroupWriter, "IDLE_SECONDS", 0.01)
    writer = GroupWriter()
    asyncio.run(writer.write(tmp_path / "a.json", b"{}"))
    for _ in range(500):
        if not any(t.name == "louvre-store-writer" for t in threading.enumerate()):
            break
        threading.Event().wait(0.01)
    assert not any(t.name == "louvre-store-writer" for t in threading.enumerate())
    asyncio.run(writer.write(tmp_path / "b.json", b"[]"))  # a new thread for the next write
    assert (tmp_path / "b.json").read_bytes() == b"[]"


def test_small_files_are_grouped_and_large_ones_each_get_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grouped: list[str] = []
    write = GroupWriter.write

    async def counted(self: GroupWriter, target: Path, data: bytes) -> None:
        grouped.append(target.name)
        await write(self, target, data)

    monkeypatch.setattr(GroupWriter, "write", counted)
    store = AtomicFSFilesStore(str(tmp_path))
    large = b"PK" + b"\0" * OFF_THREAD_BYTES

    async def crawl() -> None:
        await store.persist_file("records/a.json", BytesIO(b"{}"), info=None)  # type: ignore[arg-type]
        await store.persist_file("zips/7.zip", BytesIO(large), info=None)  # type: ignore[arg-type]

    asyncio.run(crawl())

    assert (tmp_path / "records" / "a.json").read_bytes() == b"{}"
    assert (tmp_path / "zips" / "7.zip").read_bytes() == large
    assert grouped == ["a.json"]
