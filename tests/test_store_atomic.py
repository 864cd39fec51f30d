"""Atomic writes (store/atomic.py): whole files or none, partials of dead runs removed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from fakesite.zips import zip_bytes
from louvre_scraper.store.atomic import partial_name, remove_partials, write_atomically


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
