"""No folder of an export holds more than the folder limit: the plan alone, then an
``imagefolder`` export under a small limit, loaded back by Hugging Face's loader."""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from scrapy.settings import Settings

from louvre_scraper.dataset.folders import FolderPlan
from louvre_scraper.dataset.reader import Tally, image_rows, record_rows
from louvre_scraper.dataset.writers import ImageFolderWriter
from louvre_scraper.store.reader import open_mirror

if TYPE_CHECKING:
    from pathlib import Path

    from tests.store_commands import Mirror


def _entries(paths: list[str], reserved: int = 0) -> Counter[str]:
    """Each folder's entries once *paths* are written (files and the folders they make)."""
    entries: set[str] = set(paths)
    for path in paths:
        parent = posixpath.dirname(path)
        while parent:
            entries.add(parent)
            parent = posixpath.dirname(parent)
    counts = Counter(posixpath.dirname(entry) for entry in entries)
    counts[""] += reserved
    return counts


def test_the_plan_keeps_paths_while_they_fit_then_opens_parts() -> None:
    plan = FolderPlan(limit=4, reserved=1)
    paths = [f"images/cl{ark:03d}/{n}.jpg" for ark in range(7) for n in range(ark % 5)]

    placed = [plan.place(path) for path in paths]

    assert len(set(placed)) == len(placed)
    assert all(where.endswith(path) for where, path in zip(placed, paths, strict=True))
    assert placed[0] == paths[0]  # a small export keeps the store's own paths
    assert any(where.startswith("part-00001/") for where in placed)
    assert max(_entries(placed, reserved=1).values()) <= 4
    with pytest.raises(ValueError, match="below 2"):
        FolderPlan(limit=1)


def test_imagefolder_under_a_small_limit_loads_whole(mirror: Mirror, tmp_path: Path) -> None:
    import datasets

    store = open_mirror(Settings({"FILES_STORE": str(mirror.store)}))
    dest = tmp_path / "hf"
    tally = Tally()
    writer = ImageFolderWriter(dest, mirror.store, {"store": str(mirror.store)}, folder_limit=10)
    written = 0
    for row in record_rows(store, tally=tally):
        for image_row in image_rows(row):
            writer.write(image_row)
            written += 1
    writer.close(tally)

    for folder, children, files in os.walk(dest):
        assert len(children) + len(files) <= 10, folder
    assert len(list(dest.glob("part-*"))) > 1
    os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    loaded = datasets.load_dataset(
        "imagefolder", data_dir=str(dest), split="train", cache_dir=str(tmp_path / "hf-cache")
    )
    assert loaded.num_rows == written
    raw = loaded.cast_column("image", datasets.Image(decode=False))
    paths = set()
    for row in raw:
        with open(row["image"]["path"], "rb") as image:
            body = image.read()
        assert body == mirror.fake.image_bytes(row["imageUrl"][len(mirror.url) :])
        paths.add(row["image"]["path"])
    assert len(paths) == written
