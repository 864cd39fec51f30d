"""The local store's inventory (louvre_scraper/store/local.py): what it trusts as stored."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from fakesite.zips import zip_bytes
from louvre_scraper.store.local import LocalInventory


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
