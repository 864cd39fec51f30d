"""``scrapy export DEST --format parquet --embed-images``: Parquet shards the Hugging Face Hub
takes, loaded back offline with ``datasets`` as PIL images of the store's own bytes; shards
cut by size, written atomically, skipped by a rerun when whole, none left half by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
import pytest

from fakesite.harness import ROOT
from louvre_scraper.dataset.hubparquet import MB, ShardSize, parse_shard_size
from tests.store_commands import Mirror, assert_one_line_refusal, scrapy

if TYPE_CHECKING:
    from pathlib import Path


def test_shard_size_reads_megabytes_or_rows() -> None:
    assert parse_shard_size("500MB") == ShardSize(bytes=500 * MB)
    assert parse_shard_size("2gb") == ShardSize(bytes=2000 * MB)
    assert parse_shard_size(" 10000rows ") == ShardSize(rows=10_000)
    for bad in ("500", "1.5GB", "0rows", "MB", "10 KB", "-3rows"):
        with pytest.raises(ValueError, match=r"expected|at least 1"):
            parse_shard_size(bad)


def test_a_shard_is_full_before_the_row_that_would_overflow_it() -> None:
    by_size = ShardSize(bytes=100)
    assert not by_size.full(0, 0, 500)  # a shard takes at least one row, however large
    assert not by_size.full(1, 60, 40) and by_size.full(1, 60, 41)
    assert not ShardSize(rows=2).full(1, 10**9, 10**9) and ShardSize(rows=2).full(2, 0, 0)


def _stored(mirror: Mirror) -> dict[str, bytes]:
    """Each stored image of each stored record: its URL, and the bytes the site served."""
    return {
        mirror.url + image.path: mirror.fake.image_bytes(image.path)
        for ark in mirror.stored_arks()
        for image in mirror.stored_images(ark)
    }


def test_hub_parquet_loads_offline_as_pil_images_of_the_stored_bytes(
    mirror: Mirror, tmp_path: Path
) -> None:
    import datasets
    from PIL import Image

    dest = tmp_path / "hub"

    run = scrapy(
        "export", str(dest), "--format", "parquet", "--embed-images", "--shard-size", "3rows",
        store=mirror.store,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    stored = _stored(mirror)
    shards = sorted((dest / "data").iterdir())
    assert [p.name for p in shards] == [f"train-{n:05d}.parquet" for n in range(len(shards))]
    assert [pq.read_metadata(p).num_rows for p in shards[:-1]] == [3] * (len(shards) - 1)
    assert sum(pq.read_metadata(p).num_rows for p in shards) == len(stored)
    os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    cache = str(tmp_path / "hf-cache")
    by_files = datasets.load_dataset(
        "parquet", data_files=str(dest / "data" / "*.parquet"), split="train", cache_dir=cache
    )
    by_card = datasets.load_dataset(str(dest), split="train", cache_dir=cache)
    for loaded in (by_files, by_card):
        assert loaded.num_rows == len(stored)
        assert isinstance(loaded.features["image"], datasets.Image)
        assert all(isinstance(row["image"], Image.Image) for row in loaded)
        raw = loaded.cast_column("image", datasets.Image(decode=False))
        assert {row["imageUrl"]: row["image"]["bytes"] for row in raw} == stored
        for row in raw:  # the store's own bytes, and its path in the store
            assert row["image"]["path"] == row["imagePath"]
            assert (mirror.store / row["imagePath"]).read_bytes() == row["image"]["bytes"]
        assert {row["arkId"] for row in raw} <= set(mirror.stored_arks())
    card = (dest / "README.md").read_text(encoding="utf-8")
    assert 'path: "data/**/train-*.parquet"' in card and "- split: train" in card
    assert "license: other" in card and "license_link: https://" in card
    assert "| `public-domain` |" in card and "--format parquet --embed-images" in card
    assert "\n- `image`: " in card


def test_bad_embed_options_are_one_line_and_nothing_written(mirror: Mirror, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "other").mkdir(parents=True)
    (out / "other" / "notes.txt").write_text("mine\n", encoding="utf-8")
    hub = str(out / "hub")
    cases = [
        (("--format", "parquet", "--embed-images", "--shard-size", "500", hub), "500MB"),
        (("--format", "parquet", "--embed-images", "--shard-size", "0rows", hub), "at least 1"),
        (("--format", "jsonl", "--embed-images", str(out / "a.jsonl")), "only for --format"),
        (("--format", "parquet", "--embed-images", "--per", "record", hub), "one row per image"),
        (("--format", "parquet", "--embed-images", str(out / "other")), "not a previous export"),
        (("--format", "parquet", "--embed-images", "--processes", "0", hub), "at least 1"),
        (("--processes", "2", str(out / "a.jsonl")), "only with --embed-images"),
    ]
    for args, text in cases:
        assert_one_line_refusal(scrapy("export", *args, store=mirror.store), text)
    assert sorted(p.name for p in out.rglob("*")) == ["notes.txt", "other"]


def test_ctrl_c_leaves_no_half_shard_and_the_rerun_completes(tmp_path: Path) -> None:
    from bench.synthetic import build_store

    store = tmp_path / "store"
    build_store(store, 400, with_images=400, log=False)
    dest = tmp_path / "hub"
    argv = [
        sys.executable, "-m", "scrapy", "export", str(dest), "--format", "parquet",
        "--embed-images", "--shard-size", "1rows", "--processes", "2",
        "-s", f"FILES_STORE={store}",
        "-s", "LOUVRE_CHECKSUMS=False",
    ]  # fmt: skip
    export = subprocess.Popen(
        argv, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not (dest / "data").is_dir() or len(list((dest / "data").iterdir())) < 3:
        assert time.monotonic() < deadline and export.poll() is None, "no export under way"
        time.sleep(0.01)
    os.killpg(export.pid, signal.SIGINT)  # as Ctrl-C: the command and its workers
    _, log = export.communicate(timeout=60)

    assert export.returncode == 6, log
    assert "rerun the same export" in log and "Traceback" not in log
    kept = sorted((dest / "data").iterdir())
    assert kept and all(p.name.startswith("train-") for p in kept)  # no half shard
    for shard in kept:
        assert pq.read_metadata(shard).num_rows == 1  # each whole
    assert not (dest / "README.md").exists()
    inodes = {p.name: p.stat().st_ino for p in kept}

    rerun = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert rerun.returncode == 0, rerun.stderr
    shards = sorted((dest / "data").iterdir())
    assert len(shards) > len(kept)
    assert {p.name: p.stat().st_ino for p in shards if p.name in inodes} == inodes  # skipped
    assert (dest / "README.md").is_file()
    images = sorted(str(p.relative_to(store)) for p in (store / "images").rglob("*") if p.is_file())
    rows = [pq.read_table(p, columns=["imagePath"]).column(0)[0].as_py() for p in shards]
    assert sorted(rows) == images and len(set(rows)) == len(rows)


def test_two_processes_write_the_same_shards_as_one(mirror: Mirror, tmp_path: Path) -> None:
    tables = {}
    for processes in ("1", "2"):
        dest = tmp_path / f"hub-{processes}"

        run = scrapy(
            "export", str(dest), "--format", "parquet", "--embed-images", "--shard-size",
            "5rows", "--processes", processes, store=mirror.store,
        )  # fmt: skip

        assert run.returncode == 0, run.stderr
        shards = sorted((dest / "data").iterdir())
        assert len(shards) > 2
        tables[processes] = [(p.name, pq.read_table(p).to_pylist()) for p in shards]
    assert tables["1"] == tables["2"]
    assert sum(len(rows) for _, rows in tables["2"]) == len(_stored(mirror))


def test_no_folder_holds_more_shards_than_the_limit(mirror: Mirror, tmp_path: Path) -> None:
    import datasets
    from scrapy.settings import Settings

    from louvre_scraper.dataset.hubparquet import HubParquetWriter
    from louvre_scraper.dataset.reader import Tally, image_rows, record_rows
    from louvre_scraper.store.reader import open_mirror

    store = open_mirror(Settings({"FILES_STORE": str(mirror.store)}))
    dest = tmp_path / "hub"
    tally = Tally()
    writer = HubParquetWriter(dest, store, ShardSize(rows=10), {}, folder_limit=4)
    for row in record_rows(store, tally=tally):
        for image_row in image_rows(row):
            writer.write(image_row)
    writer.close(tally)

    for folder, children, files in os.walk(dest / "data"):
        assert len(children) + len(files) <= 4, folder
    assert len(list((dest / "data").glob("part-*"))) > 1
    loaded = datasets.load_dataset(str(dest), split="train", cache_dir=str(tmp_path / "c"))
    assert sorted(loaded["imageUrl"]) == sorted(_stored(mirror))
