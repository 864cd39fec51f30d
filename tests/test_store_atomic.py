"""Atomic writes (store/atomic.py): whole files or none, partials of dead runs removed."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from fakesite.zips import zip_bytes
from louvre_scraper.store import atomic
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


def test_concurrent_renames_into_a_folder_share_its_fsyncs_each_after_its_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, object]] = []  # ("rename", name) / ("sync", folder's names then)
    lock = threading.Lock()
    real_replace = os.replace

    def replace(src: Path, dst: Path) -> None:
        real_replace(src, dst)
        with lock:
            events.append(("rename", Path(dst).name))

    def fsync_dir(directory: Path) -> None:
        with lock:
            events.append(("sync", frozenset(os.listdir(directory))))
        time.sleep(0.02)  # a disk's wait, during which more renames come

    monkeypatch.setattr(atomic.os, "replace", replace)
    monkeypatch.setattr(atomic, "fsync_dir", fsync_dir)
    returned: dict[str, int] = {}  # file → how many syncs had begun when its write returned

    def write(n: int) -> None:
        write_atomically(tmp_path / f"{n}.json", b"{}")
        with lock:
            returned[f"{n}.json"] = sum(1 for kind, _ in events if kind == "sync")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    syncs = [names for kind, names in events if kind == "sync"]
    assert sorted(returned) == sorted(f"{n}.json" for n in range(40))
    assert len(syncs) < 40  # shared
    for name, began in returned.items():  # an fsync that began after its rename covered it
        assert any(name in names for names in syncs[:began])
    assert not atomic._DIRECTORY_SYNCS  # nothing kept once the writers are gone
