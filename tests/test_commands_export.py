"""``scrapy export`` end to end, on the mirror of tests/store_commands.py.

Exports are loaded with the readers dataset users use (pyarrow, pandas, Hugging Face
``datasets``) and compared with the feed and with the fake server's truth. ``scrapy verify``:
tests/test_commands_verify.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from fakesite.harness import (
    ROOT,
    run_scrapy,
)
from tests.store_commands import Mirror, assert_one_line_refusal, scrapy

if TYPE_CHECKING:
    pass

FEED_ONLY = {"status"}  # what a crawl's feed says of its own run, not of the store


def same_as_the_feed(row: dict[str, Any], item: dict[str, Any]) -> None:
    """The exported row says of its record what the crawl's feed says."""
    for name, value in item.items():
        if name in FEED_ONLY:
            continue
        if name != "images":
            assert row[name] == value, name
            continue
        stored = [entry for entry in value if entry.get("status") != "missing"]
        exported = [entry for entry in row["images"] if entry["path"] is not None]
        assert len(exported) == len(stored)
        for ours, theirs in zip(exported, stored, strict=True):
            assert {k: v for k, v in ours.items() if k not in FEED_ONLY} == {
                k: v for k, v in theirs.items() if k not in FEED_ONLY
            }


def test_parquet_holds_every_stored_record_with_a_real_schema(mirror: Mirror, tmp_path) -> None:
    dest = tmp_path / "records.parquet"

    run = scrapy("export", str(dest), store=mirror.store)

    assert run.returncode == 0, run.stderr
    table = pq.read_table(dest)
    assert table.num_rows == len(mirror.stored_arks())
    schema = table.schema
    assert schema.field("startYear").type == pa.int64()
    creators = schema.field("creators").type
    assert pa.types.is_list(creators) and pa.types.is_struct(creators.value_type)
    assert schema.field("onDisplay").type == pa.bool_()
    images = schema.field("images").type
    assert pa.types.is_list(images) and pa.types.is_struct(images.value_type)
    assert images.value_type.field("size").type == pa.int64()
    frame = pd.read_parquet(dest)
    assert sorted(frame["arkId"]) == mirror.stored_arks()
    rows = {row["arkId"]: row for row in table.to_pylist()}
    # Every record of the update's feed, as the feed has it; the withdrawn ones besides.
    assert sorted(item["arkId"] for item in mirror.feed) == mirror.fake.served_arks(2)
    for item in mirror.feed:
        same_as_the_feed(rows[item["arkId"]], item)
    for ark, row in rows.items():
        record = mirror.record(ark)
        assert row["title"] == record["title"]
        assert row["collection"] == record["collection"]
        stored = [entry for entry in row["images"] if entry["path"] is not None]
        truth = mirror.stored_images(ark)
        assert [entry["url"] for entry in stored] == [mirror.url + i.path for i in truth]
        for entry, image in zip(stored, truth, strict=True):
            data = (mirror.store / entry["path"]).read_bytes()
            assert data == mirror.fake.image_bytes(image.path)
            assert entry["size"] == len(data)
            assert entry["checksum"] == hashlib.md5(data).hexdigest()  # as the feed's
            assert entry["copyright"] == image.copyright
    summary = run.lines("INFO")[-1]
    assert f"Exported {len(rows)} records" in summary and str(dest) in summary


def test_each_stored_image_has_its_checksum_unless_told_not_to(mirror: Mirror, tmp_path) -> None:
    rows = tmp_path / "images.csv"
    without = tmp_path / "records.jsonl"

    run = scrapy("export", "--per", "image", str(rows), store=mirror.store)
    skipped = scrapy("export", str(without), store=mirror.store, LOUVRE_CHECKSUMS="False")

    assert run.returncode == 0, run.stderr
    with rows.open(encoding="utf-8", newline="") as f:
        images = list(csv.DictReader(f))
    assert images
    for image in images:
        data = (mirror.store / image["imagePath"]).read_bytes()
        assert image["imageChecksum"] == hashlib.md5(data).hexdigest()
    assert skipped.returncode == 0, skipped.stderr
    records = [json.loads(line) for line in without.read_text(encoding="utf-8").splitlines()]
    entries = [entry for row in records for entry in row["images"] if entry["path"]]
    assert entries and all(entry["checksum"] is None for entry in entries)


def test_one_csv_row_per_stored_image_of_the_departments_asked(mirror: Mirror, tmp_path) -> None:
    dest = tmp_path / "paintings.csv"

    run = scrapy(
        "export", str(dest), "--per", "image", "--collection", "peintures", store=mirror.store
    )

    assert run.returncode == 0, run.stderr
    with dest.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    paintings = [
        a for a in mirror.stored_arks() if "peintures" in mirror.record(a)["collection"].lower()
    ]
    truth = [(ark, mirror.url + i.path) for ark in paintings for i in mirror.stored_images(ark)]
    assert 0 < len(paintings) < len(mirror.stored_arks())
    assert [(row["arkId"], row["imageUrl"]) for row in rows] == truth
    for row in rows:
        data = (mirror.store / row["imagePath"]).read_bytes()
        assert int(row["imageSize"]) == len(data)
        assert row["title"] == mirror.record(row["arkId"])["title"]
    frame = pd.read_csv(dest)
    assert len(frame) == len(truth)


def test_jsonl_by_type_filters_as_the_spider(mirror: Mirror, tmp_path) -> None:
    dest = tmp_path / "paintings.jsonl"

    run = scrapy("export", str(dest), "--type", "PEINT", store=mirror.store)

    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in dest.read_text(encoding="utf-8").splitlines()]
    # Real records leave objectType empty: paintings say "peinture" in an index facet.
    wanted = [
        a
        for a in mirror.stored_arks()
        if {"value": "peinture"} in (mirror.record(a)["index"] or {}).get("objectType", [])
    ]
    assert wanted
    assert [row["arkId"] for row in rows] == wanted
    assert pd.read_json(dest, lines=True).shape[0] == len(wanted)


def test_imagefolder_loads_with_hugging_face_datasets(mirror: Mirror, tmp_path) -> None:
    import datasets

    dest = tmp_path / "louvre-hf"

    run = scrapy("export", "--format", "imagefolder", str(dest), store=mirror.store)

    assert run.returncode == 0, run.stderr
    truth = [
        (ark, mirror.url + i.path)
        for ark in mirror.stored_arks()
        for i in mirror.stored_images(ark)
    ]
    os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    loaded = datasets.load_dataset(
        "imagefolder", data_dir=str(dest), split="train", cache_dir=str(tmp_path / "hf-cache")
    )
    assert loaded.num_rows == len(truth)
    assert {"image", "arkId", "title", "imageCopyright", "url"} <= set(loaded.column_names)
    raw = loaded.cast_column("image", datasets.Image(decode=False))
    by_url = {row["imageUrl"]: row for row in raw}
    assert sorted(by_url) == sorted(url for _, url in truth)
    for ark, url in truth:
        row = by_url[url]
        assert row["arkId"] == ark
        assert row["title"] == mirror.record(ark)["title"]
        path = url[len(mirror.url) :]
        assert open(row["image"]["path"], "rb").read() == mirror.fake.image_bytes(path)  # noqa: SIM115
    # Every image decodes, to what the site served.
    for row in loaded:
        served = Image.open(io.BytesIO(mirror.fake.image_bytes(row["imageUrl"][len(mirror.url) :])))
        assert row["image"].size == served.size and row["image"].mode == served.mode
    # Hard links into the mirror, not copies (same filesystem here).
    first = json.loads((dest / "metadata.jsonl").read_text(encoding="utf-8").splitlines()[0])
    linked = dest / first["file_name"]
    assert linked.stat().st_ino == (mirror.store / first["file_name"]).stat().st_ino
    card = (dest / "README.md").read_text(encoding="utf-8")
    departments = {mirror.record(ark)["collection"] for ark, _ in truth}
    assert all(f"| {name} |" in card for name in departments)
    assert "GrandPalaisRmn" in card and "ADAGP" in card and "imageCopyright" in card
    assert all(f"\n- `{name}`: " in card for name in first), [n for n in first if n not in card]
    assert "``" not in card  # every field's description renders: no empty code span


def test_an_export_replaces_the_previous_one_only_when_done(mirror: Mirror, tmp_path) -> None:
    dest = tmp_path / "records.jsonl"
    dest.write_text("the previous export\n", encoding="utf-8")

    refused = scrapy("export", str(dest), "--collection", "no such department", store=mirror.store)

    assert_one_line_refusal(refused, "keeps none of the")
    assert "Département des Peintures" in refused.stderr  # what the user could have asked
    assert dest.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.jsonl"]

    done = scrapy("export", str(dest), store=mirror.store, LOGSTATS_INTERVAL="0.000001")

    assert done.returncode == 0, done.stderr
    assert len(dest.read_text(encoding="utf-8").splitlines()) == len(mirror.stored_arks())
    assert any("Exporting: " in line for line in done.lines("INFO"))  # the progress line
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "records.jsonl",
        "records.jsonl.croissant.json",  # its Croissant metadata, beside it
    ]


def test_bad_input_is_one_line_and_nothing_written(mirror: Mirror, tmp_path) -> None:
    empty = tmp_path / "empty"
    (empty / "images").mkdir(parents=True)
    out = tmp_path / "out"
    (out / "folder.csv").mkdir(parents=True)
    cases = [
        ((str(out / "a.parquet"),), tmp_path / "nowhere", "no such directory"),
        ((str(out / "a.parquet"),), empty, "no record in it"),
        ((str(out / "a.txt"),), mirror.store, "cannot tell the format"),
        (("--format", "xml", str(out / "a.xml")), mirror.store, "--format='xml'"),
        (("--per", "page", str(out / "a.csv")), mirror.store, "--per='page'"),
        ((str(out / "folder.csv"),), mirror.store, "is a folder, not a file"),
        (("/proc/louvre.csv",), mirror.store, "kernel filesystem"),
        ((str(mirror.store / "in-the-store.csv"),), mirror.store, "inside FILES_STORE"),
    ]
    for args, store, text in cases:
        assert_one_line_refusal(scrapy("export", *args, store=store), text)
    assert [p.name for p in out.rglob("*")] == ["folder.csv"]
    assert not (tmp_path / "nowhere").exists()
    assert not (mirror.store / "in-the-store.csv").exists()


def test_no_dest_or_two_are_refused_in_a_whole_line(tmp_path) -> None:
    none = scrapy("export", store=tmp_path / "store")
    two = scrapy("export", "a.csv", "b.csv", store=tmp_path / "store")

    assert_one_line_refusal(none, "scrapy export needs a DEST (a .jsonl, .csv or .parquet file")
    assert none.lines("CRITICAL")[0].endswith(": scrapy export DEST")
    assert_one_line_refusal(two, "scrapy export takes one DEST, got 2: a.csv b.csv")
    assert not list(tmp_path.iterdir())


def test_help_lists_the_options_and_exit_statuses() -> None:
    for command, words in (
        ("export", ("--format", "--per", "--collection", "--type", "Exit status", "2 bad input")),
        ("verify", ("--checksums", "Exit status", "3 not whole", "Plain verify", "by its ends")),
        ("verify", ("--checksums also reads every byte", "read every byte too")),
    ):
        run = run_scrapy(command, "--help", timeout=60)
        assert run.returncode == 0
        text = " ".join(run.stdout.split())
        assert all(word in text for word in words), text


def test_ctrl_c_leaves_the_previous_export_as_it_was(tmp_path) -> None:
    from bench.synthetic import build_store

    store = tmp_path / "store"
    build_store(store, 10_000, log=False)  # real-shaped records: an export of a second or two
    dest = tmp_path / "records.jsonl"
    dest.write_text("the previous export\n", encoding="utf-8")
    argv = [sys.executable, "-m", "scrapy", "export", str(dest), "-s", f"FILES_STORE={store}"]
    export = subprocess.Popen(argv, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and export.poll() is None, "no export under way"
        time.sleep(0.02)
    export.send_signal(signal.SIGINT)
    _, log = export.communicate(timeout=60)

    assert export.returncode == 6, log
    assert "left as it was" in log and "Traceback" not in log
    assert dest.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "records.jsonl",
        "store",
    ]
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".records*"))
