"""bench.runs: the commands each tool runs and a run's figures, without running them."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import MIB
from bench.checks import StoreCheck
from bench.corpora import CollectionCorpus, Corpus
from bench.measure import Measure
from bench.runs import (
    Context,
    aria2_input,
    img2dataset_command,
    make_run,
    memory_plans,
    then_sync,
    tools_for,
    variant_of,
)


def collection(tmp_path: Path) -> CollectionCorpus:
    corpus = CollectionCorpus("collection", 2, 1, 100, root=tmp_path, port=7)
    corpus.arks = ["cl010000001", "cl010000002"]
    corpus.images = {
        "/a/1_OG.JPG": "images/cl010000001/0.jpg",
        "/b/2.png": "images/cl010000002/0.png",
    }
    return corpus


def measure(wall: float, timed_out: bool = False) -> Measure:
    return Measure(wall, 10, 8, 1.5, [0], timed_out, [])


def args(**overrides: object) -> argparse.Namespace:
    values = {
        "tools": ["aria2c", "scrapy"],
        "collection_tools": ["img2dataset", "scrapy-shards"],
        "variant": {"r": ["TWISTED_REACTOR_ENABLED=False"]},
        "variant_shards": False,
        "memory_variants": False,
        "scrapy_set": ["LOG_LEVEL=WARNING"],
    }
    return argparse.Namespace(**{**values, **overrides})


def test_aria2c_gets_every_zip_url_or_every_image_at_its_store_path(tmp_path: Path) -> None:
    zips = Corpus("small", ids=2, density=1.0, size=1, root=tmp_path, port=5)
    assert aria2_input(zips) == (
        "http://127.0.0.1:5/en/artwork/image/download/1/0\n  out=1.zip\n"
        "http://127.0.0.1:5/en/artwork/image/download/2/0\n  out=2.zip\n"
    )
    assert aria2_input(collection(tmp_path)) == (
        "http://127.0.0.1:7/a/1_OG.JPG\n  out=images/cl010000001/0.jpg\n"
        "http://127.0.0.1:7/b/2.png\n  out=images/cl010000002/0.png\n"
    )


def test_a_synced_peer_ends_when_its_files_are_on_the_disk(tmp_path: Path) -> None:
    out = tmp_path / "out dir"
    command = ["aria2c", "-i", "list", "-d", str(out)]
    assert then_sync(command, out, synced=False) == command
    assert then_sync(command, out, synced=True) == [
        "bash",
        "-c",
        f"aria2c -i list -d '{out}' && sync -f '{out}'",
    ]


def test_img2dataset_keeps_the_bytes_and_gives_each_process_one_shard() -> None:
    command = img2dataset_command(
        "img2dataset", Path("urls.txt"), Path("out"), processes=2, threads=50, n=2601
    )
    pairs = dict(zip(command[1::2], command[2::2], strict=True))
    assert pairs["--resize_mode"] == "no"
    assert pairs["--output_format"] == "files"
    assert pairs["--disable_all_reencoding"] == "True"
    assert pairs["--processes_count"] == "2"
    assert pairs["--thread_count"] == "50"
    assert pairs["--number_sample_per_shard"] == "1301"


def test_scrapy_runs_the_spider_of_the_corpus(tmp_path: Path) -> None:
    ctx = Context(args(), {}, tmp_path, tmp_path, ["scrapy"])
    zips = Corpus("small", ids=9, density=1.0, size=1, root=tmp_path, port=5)
    command = ctx.scrapy_command(zips, tmp_path / "o", 9, 50, ("-a", "shard=0/2"))
    assert command[:5] == ["scrapy", "crawl", "louvre", "-a", "end=9"]
    assert "LOUVRE_BASE_URL=http://127.0.0.1:5" in command
    assert "CONCURRENT_REQUESTS=50" in command
    # Tuned for speed as a user would against a fast site of their own (docs/speed.md).
    assert command[command.index("AUTOTHROTTLE_ENABLED=False") - 1] == "-s"
    assert command[-4:] == ["-s", "LOG_LEVEL=WARNING", "-a", "shard=0/2"]
    command = ctx.scrapy_command(collection(tmp_path), tmp_path / "o", 0, 100)
    assert command[:4] == ["scrapy", "crawl", "collection", "-s"]
    assert "end=0" not in command


def test_variants_name_the_mode_and_whether_it_is_sharded() -> None:
    assert variant_of("scrapy[r]") == ("r", False)
    assert variant_of("scrapy-shards[r]") == ("r", True)
    assert variant_of("scrapy") is None


def test_each_corpus_gets_its_kind_of_tools_then_the_variants(tmp_path: Path) -> None:
    zips = Corpus("small", ids=1, density=1.0, size=1, root=tmp_path)
    assert tools_for(zips, args()) == ["aria2c", "scrapy", "scrapy[r]"]
    assert tools_for(collection(tmp_path), args(variant_shards=True)) == [
        "img2dataset",
        "scrapy-shards",
        "scrapy[r]",
        "scrapy-shards[r]",
    ]


def test_a_run_counts_ids_or_images_and_records_per_second(tmp_path: Path) -> None:
    zips = Corpus("small", ids=100, density=1.0, size=1, root=tmp_path)
    run = make_run("aria2c", zips, 0, measure(2.0), StoreCheck(valid_bytes=MIB, ok=True))
    assert (run.ids_per_s, run.mib_per_s, run.images_per_s) == (50.0, 0.5, 0.0)
    corpus = collection(tmp_path)
    run = make_run("aria2c", corpus, 1, measure(0.5), StoreCheck(valid_bytes=2 * MIB))
    assert (run.images_per_s, run.records_per_s, run.mib_per_s) == (4.0, 0.0, 4.0)
    run = make_run("scrapy", corpus, 1, measure(0.5), StoreCheck())
    assert run.records_per_s == 4.0
    run = make_run("scrapy", corpus, 1, measure(0.5, timed_out=True), StoreCheck())
    assert (run.images_per_s, run.records_per_s) == (0.0, 0.0)


def test_memory_runs_repeat_for_each_variant_when_asked(tmp_path: Path) -> None:
    small = Corpus("small", ids=5, density=1.0, size=1, root=tmp_path)
    settings = args(memory_ranges=[10, 100], memory_pages=50, concurrency=8)
    assert [name for name, *_ in memory_plans(settings, small, None)] == ["range 10", "range 100"]
    settings.memory_variants = True
    plans = memory_plans(settings, small, small)
    assert [name for name, *_ in plans] == [
        "range 10",
        "range 100",
        "large zips c=8",
        "range 10 [r]",
        "range 100 [r]",
        "large zips c=8 [r]",
    ]
    assert plans[3][3] == [
        "-s",
        "CLOSESPIDER_PAGECOUNT=50",
        "-s",
        "TWISTED_REACTOR_ENABLED=False",
    ]
