from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from fakesite.zips import zip_bytes
from louvre_scraper.images import TAIL_BYTES, has_image_ends
from louvre_scraper.stores import (
    Ends,
    LocalInventory,
    StatInventory,
    UnsafePath,
    contained,
    find_first,
    partial_name,
    remove_partials,
    store_failure,
    write_atomically,
)


def test_write_atomically(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "5.zip"
    write_atomically(target, b"data")
    assert target.read_bytes() == b"data"
    assert sorted(p.name for p in target.parent.iterdir()) == ["5.zip"]


def test_a_failed_write_leaves_neither_file(tmp_path: Path) -> None:
    target = tmp_path / "5.zip"
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_partial_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    (tmp_path / f".7.zip.{finished.pid}.part").write_bytes(b"half")  # left by a killed run
    live = partial_name(tmp_path / "8.zip")  # this process: still writing
    live.write_bytes(b"half")
    (tmp_path / "9.zip").write_bytes(zip_bytes(9))

    assert remove_partials(tmp_path) == 1

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "9.zip"])
    assert live.name == f".8.zip.{os.getpid()}.part"


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


class FakeRemoteStore:
    """What FilesPipeline's GCS and FTP stores answer: a stat dict, empty when absent."""

    def stat_file(self, path: str, info: object) -> dict[str, object]:
        return {"checksum": "abc", "last_modified": 1.0} if path == "1.zip" else {}


def test_other_remote_stores_are_asked_per_id() -> None:
    inventory = StatInventory(FakeRemoteStore(), info=None)  # type: ignore[arg-type]
    found = asyncio.run(inventory.find("1.zip"))
    assert found is not None and found.checksum == "abc"
    assert asyncio.run(inventory.find("2.zip")) is None


def test_which_store_errors_stop_the_crawl() -> None:
    assert "No space left on device" in (store_failure(OSError(errno.ENOSPC, "x")) or "")
    assert store_failure(OSError(errno.EROFS, "x")) is not None
    assert store_failure(PermissionError(errno.EACCES, "x")) is not None
    assert store_failure(IsADirectoryError(errno.EISDIR, "x")) is None  # only that file
    assert store_failure(ValueError("x")) is None
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
    assert store_failure(denied) is not None
    slow = ClientError({"Error": {"Code": "SlowDown", "Message": "later"}}, "PutObject")
    assert store_failure(slow) is None


@pytest.mark.parametrize(
    "path", ["records/cl010000301.json", "images/cl010000301/0-1.jpg", "121146.zip"]
)
def test_paths_inside_the_store(path: str) -> None:
    assert contained(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../outside.jpg",
        "images/../../outside.jpg",
        "images//0.jpg",
        "images/./0.jpg",
        "images/cl010000301/",
        "images\\..\\0.jpg",
        "images/cl010000301/0\x1b.jpg",
        "images/cl010000301/0\n.jpg",
    ],
)
def test_paths_outside_the_store_are_refused(path: str) -> None:
    with pytest.raises(UnsafePath):
        contained(path)


def test_find_first_finds_an_image_whatever_its_extension(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"p" * 40 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "0.png").write_bytes(png)
    (tmp_path / "images" / "1.jpg").write_bytes(b"<html>not an image, same name</html>")
    inventory = LocalInventory(tmp_path)
    ends = Ends(has_image_ends, TAIL_BYTES)
    candidates = [f"images/0{ext}" for ext in (".jpg", ".png", ".webp")]
    found = asyncio.run(find_first(inventory, candidates, ends))
    assert found is not None
    assert found[0] == "images/0.png"
    assert found[1].size == len(png)
    assert asyncio.run(find_first(inventory, ["images/1.jpg", "images/1.png"], ends)) is None
