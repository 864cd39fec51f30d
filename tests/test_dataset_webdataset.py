"""``scrapy export --format webdataset``: tar shards read back by the readers their users use
(``webdataset``, ``datasets.load_dataset("webdataset")`` offline), every image byte-equal to
the store's file and decoded, keys stable across exports, the filters applied."""

from __future__ import annotations

import glob
import io
import json
import math
import os
import tarfile
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from fakesite.harness import FAST, crawl, start_fake_louvre
from louvre_scraper.dataset.writers import sample_key
from tests.store_commands import assert_one_line_refusal, scrapy

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SERVER = ("--records", "40", "--per-sitemap", "8", "--retry-after", "0", "--gone-images", "2")
TEMPLATE = "images/{ark}/{position}{ext}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("wds")
    server = start_fake_louvre(*SERVER)
    try:
        done = crawl(
            tmp / "store",
            settings={"LOUVRE_BASE_URL": server.url, **FAST},
            spider="collection",
        )
        assert done.returncode == 0, done.stderr
    finally:
        server.stop()
    yield tmp / "store"


def stored_images(store: Path) -> dict[str, bytes]:
    """Every image file of the store, by its path in it."""
    return {
        str(p.relative_to(store)): p.read_bytes()
        for p in sorted((store / "images").rglob("*"))
        if p.is_file()
    }


def per_image_rows(store: Path, tmp: Path, *args: str) -> dict[str, dict[str, Any]]:
    """The JSON Lines export's rows, one per image, by image path: what each sample says."""
    out = tmp / "rows.jsonl"
    done = scrapy("export", str(out), "--per", "image", *args, store=store)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {row["imagePath"]: row for row in rows}


def shards(dest: Path) -> list[str]:
    return sorted(glob.glob(str(dest / "*.tar")))


def test_shards_hold_every_stored_image_as_stored(store: Path, tmp_path: Path) -> None:
    import webdataset as wds

    dest = tmp_path / "wds"
    done = scrapy("export", "--format", "webdataset", str(dest), "--shard-size", "16", store=store)
    assert done.returncode == 0, done.stderr
    files = stored_images(store)
    rows = per_image_rows(store, tmp_path)
    assert sorted(rows) == sorted(files)
    assert len(files) > 40 and {p.rsplit(".", 1)[1] for p in files} == {"jpg", "png"}
    # Shards of 16 samples, named as img2dataset names them, the last one the rest.
    names = [os.path.basename(p) for p in shards(dest)]
    assert names == [f"{n:05d}.tar" for n in range(math.ceil(len(files) / 16))]
    stats = json.loads((dest / "_stats.json").read_text(encoding="utf-8"))
    assert stats["samples"] == len(files) and stats["shard_size"] == 16
    assert [s["name"] for s in stats["shards"]] == names
    assert [s["samples"] for s in stats["shards"]][:-1] == [16] * (len(names) - 1)
    assert stats["extensions"] == {
        ext: sum(p.endswith(f".{ext}") for p in files) for ext in ("jpg", "png")
    }
    assert stats["records"] == len(list((store / "records").glob("*.json")))
    for shard in stats["shards"]:
        assert os.path.getsize(dest / shard["name"]) == shard["bytes"]
    assert not list(tmp_path.glob(".*part*")) and not list(dest.glob(".*"))
    # Read back with the webdataset library: each sample an image (its own bytes, its own
    # extension) and its fields.
    seen = {}
    for sample in wds.WebDataset(shards(dest), shardshuffle=False):
        meta = json.loads(sample["json"])
        (ext,) = set(sample) - {"json", "__key__", "__url__", "__local_path__"}
        path = meta["imagePath"]
        assert path.endswith(f".{ext}")
        assert sample[ext] == files[path]  # byte for byte the store's file
        assert sample["__key__"] == meta["key"] == sample_key(path, TEMPLATE)
        assert {k: v for k, v in meta.items() if k != "key"} == rows[path]
        seen[path] = sample["__key__"]
    assert sorted(seen) == sorted(files)
    assert len(set(seen.values())) == len(files)  # one key an image
    # Decoded by webdataset's own decoder: every image opens.
    decoded = 0
    for sample in wds.WebDataset(shards(dest), shardshuffle=False).decode("pil"):
        image = sample.get("jpg") or sample.get("png")
        assert isinstance(image, Image.Image) and image.size[0] > 0
        decoded += 1
    assert decoded == len(files)
    # Plain tar: ustar members, the key then the extension, nothing else.
    with tarfile.open(shards(dest)[0]) as tar:
        assert all(m.isfile() and m.name.count(".") == 1 for m in tar.getmembers())


def test_hugging_face_datasets_loads_the_shards_offline(store: Path, tmp_path: Path) -> None:
    import datasets

    dest = tmp_path / "wds"
    done = scrapy("export", "--format", "webdataset", str(dest), "--shard-size", "25", store=store)
    assert done.returncode == 0, done.stderr
    files = stored_images(store)
    os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    # The card declares the columns (a PNG among JPEGs is not dropped): read from the folder,
    # or given to the webdataset builder with the shards as data_files.
    features = datasets.load_dataset_builder(
        str(dest), cache_dir=str(tmp_path / "hf-info")
    ).info.features
    assert set(features) == {"jpg", "png", "json", "__key__", "__url__"}
    for loaded in (
        datasets.load_dataset(
            "webdataset",
            data_files={"train": shards(dest)},
            features=features,
            split="train",
            cache_dir=str(tmp_path / "hf-files"),
        ),
        datasets.load_dataset(str(dest), split="train", cache_dir=str(tmp_path / "hf-dir")),
    ):
        assert loaded.num_rows == len(files)
        raw = loaded.cast_column("jpg", datasets.Image(decode=False)).cast_column(
            "png", datasets.Image(decode=False)
        )
        got = {}
        for row in raw:
            image = row["jpg"] or row["png"]
            assert (row["jpg"] is None) != (row["png"] is None)
            got[row["json"]["imagePath"]] = image["bytes"]
            assert row["__key__"] == row["json"]["key"]
        assert got == files  # byte for byte
        for row in loaded:  # and every image decodes
            image = row["jpg"] or row["png"]
            assert image.size[0] > 0
            with Image.open(io.BytesIO(files[row["json"]["imagePath"]])) as served:
                assert image.size == served.size
    card = (dest / "README.md").read_text(encoding="utf-8")
    assert "not legal advice" in card and "ADAGP" in card and "webdataset" in card


def test_keys_are_stable_and_filters_apply(store: Path, tmp_path: Path) -> None:
    import webdataset as wds

    def keys(dest: Path) -> dict[str, str]:
        return {
            json.loads(s["json"])["imagePath"]: s["__key__"]
            for s in wds.WebDataset(shards(dest), shardshuffle=False)
        }

    whole, part = tmp_path / "whole", tmp_path / "part"
    done = scrapy("export", "--format", "webdataset", str(whole), store=store)
    assert done.returncode == 0, done.stderr
    assert len(shards(whole)) == 1  # 10,000 a shard by default
    done = scrapy(
        "export", "--format", "webdataset", str(part), "--collection", "peintures", store=store
    )
    assert done.returncode == 0, done.stderr
    every, paintings = keys(whole), keys(part)
    wanted = per_image_rows(store, tmp_path, "--collection", "peintures")
    assert sorted(paintings) == sorted(wanted) and 0 < len(paintings) < len(every)
    assert all(every[path] == key for path, key in paintings.items())  # the same key
    # A rerun into the same DEST replaces it whole: the same keys, no shard left over.
    done = scrapy("export", "--format", "webdataset", str(part), "--shard-size", "3", store=store)
    assert done.returncode == 0, done.stderr
    assert keys(part) == every
    done = scrapy("export", "--format", "webdataset", str(part), store=store)
    assert done.returncode == 0, done.stderr
    assert [os.path.basename(p) for p in shards(part)] == ["00000.tar"]
    stats = json.loads((part / "_stats.json").read_text(encoding="utf-8"))
    assert sum(stats["rights"]["images"].values()) == len(every)


def test_bad_input_is_one_line_and_nothing_written(store: Path, tmp_path: Path) -> None:
    dest = tmp_path / "wds"
    for args, text in (
        (("--shard-size", "0"), "bad option --shard-size='0': must be at least 1"),
        (("--shard-size", "many"), "bad option --shard-size='many': not a number"),
        (("--per", "record"), "bad option --per=record: webdataset has one row per image"),
    ):
        assert_one_line_refusal(
            scrapy("export", "--format", "webdataset", str(dest), *args, store=store), text
        )
    assert_one_line_refusal(
        scrapy("export", str(tmp_path / "x.parquet"), "--shard-size", "5", store=store),
        "bad option --shard-size='5': only for --format webdataset",
    )
    (tmp_path / "file").write_text("mine")
    assert_one_line_refusal(
        scrapy("export", "--format", "webdataset", str(tmp_path / "file"), store=store),
        "is a file; webdataset writes a folder",
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert_one_line_refusal(
        scrapy("export", "--format", "webdataset", str(tmp_path / "other"), store=store),
        "holds no _stats.json: not a previous export to replace",
    )
    assert not dest.exists() and (tmp_path / "other" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "other"]
