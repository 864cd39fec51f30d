"""Atomic writes (store/atomic.py): whole files or none, partials of dead runs removed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from fakesite.zips import zip_bytes
from louvre_scraper.store import atomic
from louvre_scraper.store.atomic import (
    partial_name,
    remove_partials,
    write_atomically,
    write_group,
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


def test_a_group_is_written_whole_with_each_folder_synced_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    monkeypatch.setattr(atomic, "fsync_dir", synced.append)
    (tmp_path / "records").mkdir()
    (tmp_path / "state").write_bytes(b"a file where a folder should be")
    files = [
        (tmp_path / "records" / "a.json", b"{}"),
        (tmp_path / "records" / "b.json", b"{ }"),
        (tmp_path / "state" / "a.json", b"[]"),  # cannot be written: its folder is a file
        (tmp_path / "images" / "a" / "0.jpg", b"jpeg"),  # its folder made as it is written
    ]

    outcomes = write_group(files)

    assert [type(error) for error in outcomes] == [
        type(None),
        type(None),
        NotADirectoryError,
        type(None),
    ]
    assert (tmp_path / "records" / "a.json").read_bytes() == b"{}"
    assert (tmp_path / "records" / "b.json").read_bytes() == b"{ }"
    assert (tmp_path / "images" / "a" / "0.jpg").read_bytes() == b"jpeg"
    assert sorted(p.name for p in (tmp_path / "records").iterdir()) == ["a.json", "b.json"]
    assert synced == [tmp_path / "records", tmp_path / "images" / "a"]


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
