"""bench.checks: what a tool stored, against the corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.checks import check_collection_store, check_store, scrapy_stats
from bench.corpora import CollectionCorpus, Corpus, build_collection_corpus, zip_bytes


@pytest.fixture
def zips(tmp_path: Path) -> Corpus:
    corpus = Corpus("small", ids=4, density=0.5, size=200, root=tmp_path / "www", present=[1, 3])
    for artwork_id in corpus.present:
        corpus.file(artwork_id).parent.mkdir(parents=True)
        corpus.file(artwork_id).write_bytes(zip_bytes(artwork_id, 200))
    return corpus


@pytest.fixture
def collection(tmp_path: Path) -> CollectionCorpus:
    return build_collection_corpus(
        "collection", records=8, per_sitemap=4, image_size=600, root=tmp_path / "c", port=9, seed=0
    )


def copy_zips(corpus: Corpus, out: Path) -> None:
    out.mkdir()
    for artwork_id in corpus.present:
        shutil.copy(corpus.file(artwork_id), out / f"{artwork_id}.zip")


def test_every_present_zip_and_nothing_else_is_ok(zips: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "out"
    copy_zips(zips, out)
    check = check_store(out, zips, "scrapy")
    assert check.ok
    assert (check.valid, check.valid_bytes) == (2, 400)


def test_the_one_liner_must_leave_one_empty_file_per_absent_id(
    zips: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    copy_zips(zips, out)
    assert not check_store(out, zips, "parallel+wget").ok
    (out / "2.zip").touch()
    (out / "4.zip").touch()
    assert check_store(out, zips, "parallel+wget").ok
    assert check_store(out, zips, "parallel+wget+sync").ok
    assert not check_store(out, zips, "aria2c").ok
    assert not check_store(out, zips, "aria2c+sync").ok


def test_a_wrong_missing_or_stray_file_fails_the_check(zips: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "out"
    copy_zips(zips, out)
    (out / "3.zip").write_bytes(b"x" * 200)
    (out / "1.zip.aria2").write_bytes(b"")
    check = check_store(out, zips, "aria2c")
    assert (check.ok, check.valid, check.bogus, check.stray, check.missing) == (False, 1, 1, 1, 1)
    assert "missing 1, bogus 1, stray 1" in check.note


def test_the_collection_store_must_be_every_record_and_image(
    collection: CollectionCorpus, tmp_path: Path
) -> None:
    out = tmp_path / "store"
    for name, source in collection.expected().items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, out / name)
    check = check_collection_store(out, collection, "scrapy")
    assert check.ok, check.note
    assert check.valid == len(collection.arks) + len(collection.images)
    assert check.valid_bytes == collection.image_bytes  # images only
    assert not check_collection_store(out, collection, "aria2c").ok  # records are stray there
    name = next(iter(collection.expected(records=False)))
    (out / name).write_bytes(b"not the image")
    check = check_collection_store(out, collection, "scrapy")
    assert (check.ok, check.bogus, check.missing) == (False, 1, 1)


def test_img2dataset_output_is_read_through_its_json_samples(
    collection: CollectionCorpus, tmp_path: Path
) -> None:
    out = tmp_path / "img2"
    shard = out / "00000"
    shard.mkdir(parents=True)
    (out / "00000_stats.json").write_text(json.dumps({"count": 3}))
    urls = collection.image_urls()
    for key, (url, path) in enumerate(zip(urls, collection.images, strict=True)):
        sample = {"url": url, "key": f"{key:09d}", "status": "success"}
        (shard / f"{key:09d}.json").write_text(json.dumps(sample))
        shutil.copy(collection.served(path), shard / f"{key:09d}.jpg")
    check = check_collection_store(out, collection, "img2dataset")
    assert check.ok, check.note
    assert check.valid == len(urls)
    failed = {"url": urls[0], "key": "000000000", "status": "failed_to_download"}
    (shard / "000000000.json").write_text(json.dumps(failed))
    check = check_collection_store(out, collection, "img2dataset")
    assert (check.ok, check.missing) == (False, 1)


def test_stats_of_every_crawl_log_are_summed(tmp_path: Path) -> None:
    logs = []
    for k, (count, elapsed) in enumerate([(10, 1.5), (20, 2.5)]):
        path = tmp_path / f"{k}.log"
        path.write_text(
            "2026-11-24 06:00:00 [scrapy.statscollectors] INFO: Dumping Scrapy stats:\n"
            f"{{'downloader/response_count': {count},\n 'collection/records_fetched': {count},\n"
            f" 'elapsed_time_seconds': {elapsed},\n 'finish_reason': 'finished',\n"
            " 'log_count/ERROR': 1,\n 'scheduler/enqueued': 5}\n"
        )
        logs.append(str(path))
    crashed = tmp_path / "crashed.log"
    crashed.write_text("Traceback ...\n")
    stats = scrapy_stats([*logs, str(crashed)])
    assert stats["downloader/response_count"] == 30
    assert stats["collection/records_fetched"] == 30
    assert stats["elapsed_time_seconds"] == 2.5
    assert stats["finish_reason"] == "finished,finished,no stats (crashed?)"
    assert stats["log_count/ERROR"] == 2
    assert "scheduler/enqueued" not in stats
