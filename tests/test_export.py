"""``scrapy export`` and ``scrapy verify`` end to end, on a mirror built the way users build one.

One mirror for the module: the fake Louvre crawled with a JOBDIR, stopped with Ctrl-C and
resumed, then updated to the collection's next edition (records modified, added, withdrawn,
images replaced), with the update's feed kept as the crawl's own account of each record. Each
test works on its own copy. Exports are loaded with the readers dataset users use (pyarrow,
pandas, Hugging Face ``datasets``) and compared with the feed and with the fake server's truth.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.fake_collection import FakeCollection
from tests.harness import (
    ROOT,
    crawl,
    extra_settings,
    parse_stats,
    start_crawl,
    start_fake_louvre,
    wait_for_files,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.fake_collection import FakeImage

SERVER = ("--records", "40", "--per-sitemap", "8", "--retry-after", "0", "--gone-images", "2")
FAST = {"RETRY_BACKOFF_BASE": "0.05", "LOGSTATS_INTERVAL": "0"}
FEED_ONLY = {"status", "checksum"}  # what a crawl's feed says of its own run, not of the store


@dataclass
class Mirror:
    store: Path
    feed: list[dict[str, Any]]  # the update crawl's items
    fake: FakeCollection
    url: str

    def stored_arks(self) -> list[str]:
        """Every record in the store: edition 2's, and the withdrawn ones (not pruned)."""
        return sorted(set(self.fake.served_arks(1)) | set(self.fake.served_arks(2)))

    def edition(self, ark: str) -> int:
        return 2 if ark in self.fake.served_arks(2) else 1

    def record(self, ark: str) -> dict[str, Any]:
        record = self.fake.record(ark, self.url, self.edition(ark))
        assert record is not None
        return record

    def stored_images(self, ark: str) -> list[FakeImage]:
        gone = set(self.fake.gone_images())
        images = self.fake.record_images(ark, self.edition(ark))
        return [image for image in images if image.path not in gone]

    def copy(self, to: Path, *, state: bool = False) -> Path:
        """A copy of the store; without the store's own state (``state/``) unless asked: a
        store as versions before it kept one left it, whose gaps verify cannot explain."""
        shutil.copytree(self.store, to)
        if not state:
            shutil.rmtree(to / "state", ignore_errors=True)
        return to


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    tmp = tmp_path_factory.mktemp("mirror")
    server = start_fake_louvre(*SERVER)
    fake = FakeCollection.from_args(list(SERVER))
    store = tmp / "store"
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "JOBDIR": str(tmp / "job"),
        "CONCURRENT_REQUESTS": "2",
        "DOWNLOAD_DELAY": "0.05",
        **FAST,
    }
    try:
        stopped = start_crawl(store, settings=settings, spider="collection")
        wait_for_files(store, "records/*.json", 8)
        stopped.send_signal(signal.SIGINT)
        _, log = stopped.communicate(timeout=30)
        assert parse_stats(log)["finish_reason"] == "shutdown"
        resumed = crawl(store, settings=settings, spider="collection")
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming the job" in resumed.stderr
        with urllib.request.urlopen(f"{server.url}/__edition__?n=2") as answer:
            assert json.load(answer)["edition"] == 2
        feed = tmp / "feed.jsonl"
        update = crawl(
            store,
            "-O",
            str(feed),
            settings={"LOUVRE_BASE_URL": server.url, **FAST},
            spider="collection",
        )
        assert update.returncode == 0, update.stderr
        items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
        yield Mirror(store, items, fake, server.url)
    finally:
        server.stop()


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def lines(self, level: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if f"] {level}: " in line]


def scrapy(command: str, *args: str, store: Path | str, **settings: str) -> Run:
    """``scrapy export|verify ...`` in a subprocess, on *store*, as a user runs it."""
    argv = [sys.executable, "-m", "scrapy", command, *args, "-s", f"FILES_STORE={store}"]
    for name, value in {**extra_settings(), "LOGSTATS_INTERVAL": "0", **settings}.items():
        argv += ["-s", f"{name}={value}"]
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_line_refusal(run: Run, text: str) -> None:
    assert run.returncode == 2, run.stderr
    critical = run.lines("CRITICAL")
    assert len(critical) == 1 and text in critical[0], run.stderr
    assert "Traceback" not in run.stderr


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


# -- export ----------------------------------------------------------------------------------


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
            assert entry["copyright"] == image.copyright
    summary = run.lines("INFO")[-1]
    assert f"Exported {len(rows)} records" in summary and str(dest) in summary


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.jsonl"]


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


def test_help_lists_the_options_and_exit_statuses() -> None:
    for command, words in (
        ("export", ("--format", "--per", "--collection", "--type", "Exit status", "2 bad input")),
        ("verify", ("--checksums", "Exit status", "3 not whole")),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "scrapy", command, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0
        text = " ".join(run.stdout.split())
        assert all(word in text for word in words), text


# -- verify ----------------------------------------------------------------------------------


def problems(run: Run) -> list[str]:
    lines = run.stdout.split("Not errors, for your information:")[0].splitlines()
    return [line.split(": ", 1)[0] for line in lines]


def apart(run: Run) -> list[str]:
    """The files listed apart, not errors."""
    _, _, rest = run.stdout.partition("Not errors, for your information:")
    return [line.split(": ", 1)[0] for line in rest.splitlines() if line]


def test_the_gone_images_are_missing_and_stray_files_told_apart(mirror: Mirror, tmp_path) -> None:
    store = mirror.copy(tmp_path / "store")
    ark = mirror.stored_arks()[0]
    (store / "images" / ark / "99.jpg").write_bytes(b"another tool's file")
    (store / "notes.txt").write_text("mine", encoding="utf-8")

    run = scrapy("verify", store=store)

    # The two gone images are listed by their records but not in the store: not whole.
    assert run.returncode == 3, run.stderr
    missing = problems(run)
    assert len(missing) == len(mirror.fake.gone_images()) == 2
    assert all(line.startswith("images/") and line.endswith(".*") for line in missing)

    # Files no record names: listed apart, not errors. The update left beside them each image
    # that edition 2 replaced by one of another type (0.png then, 0.jpg now): not pruned.
    def stored_as(image: FakeImage) -> str:
        return ".png" if image.path.endswith(".png") else ".jpg"

    superseded = [
        f"images/{a}/{old.position}{stored_as(old)}"
        for a in mirror.fake.served_arks(2)
        for old, new in zip(
            mirror.fake.record_images(a, 1), mirror.fake.record_images(a, 2), strict=False
        )
        if stored_as(old) != stored_as(new) and old.path not in mirror.fake.gone_images()
    ]
    assert apart(run) == sorted([f"images/{ark}/99.jpg", "notes.txt", *superseded])
    assert "NOT whole: 2 missing" in run.lines("ERROR")[-1]
    assert f"{2 + len(superseded)} files no record names" in run.lines("ERROR")[-1]


def test_verify_names_a_deleted_image_and_a_changed_byte(mirror: Mirror, tmp_path) -> None:
    # The gone images are the site's, not the store's fault: without their records the
    # rest is whole.
    store = whole_copy(mirror, tmp_path / "store")
    name = lambda p: str(p.relative_to(store))  # noqa: E731
    unreferenced = set(apart(scrapy("verify", store=store)))
    first = scrapy("verify", "--checksums", store=store)
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = (store / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    files = sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
    assert sorted(line.split("  ", 1)[1] for line in manifest) == [
        f for f in files if f != "manifest-sha256.txt"
    ]
    images = [p for p in sorted(store.glob("images/*/*")) if name(p) not in unreferenced]
    deleted, corrupted, truncated = images[0], images[5], images[9]
    deleted.unlink()
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte in the middle: its ends still look whole
    corrupted.write_bytes(bytes(data))

    plain = scrapy("verify", store=store)

    assert plain.returncode == 3
    assert problems(plain) == [name(deleted).rsplit(".", 1)[0] + ".*"]

    truncated.write_bytes(truncated.read_bytes()[:-10])
    checked = scrapy("verify", "--checksums", store=store)

    assert checked.returncode == 3
    assert sorted(problems(checked)) == sorted(
        [
            name(deleted).rsplit(".", 1)[0] + ".*",  # listed by its record, not there
            name(truncated),  # its last bytes are not an image's end
            name(deleted),  # listed in the manifest, not there
            name(corrupted),  # differs from the manifest
            name(truncated),
        ]
    )
    assert (store / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines() == manifest


def test_verify_refuses_bad_input_in_one_line(mirror: Mirror, tmp_path) -> None:
    assert_one_line_refusal(scrapy("verify", store=tmp_path / "nowhere"), "no such directory")
    assert_one_line_refusal(scrapy("verify", "extra", store=mirror.store), "takes no argument")
    store = mirror.copy(tmp_path / "store")
    (store / "manifest-sha256.txt").write_text("not a manifest\n", encoding="utf-8")
    assert_one_line_refusal(scrapy("verify", "--checksums", store=store), "line 1")


# -- an s3:// store ----------------------------------------------------------------------------


def whole_copy(mirror: Mirror, to: Path) -> Path:
    """A copy of the mirror without the two records whose images the site lost: whole."""
    store = mirror.copy(to)
    for line in problems(scrapy("verify", store=store)):
        ark = line.split("/")[1]
        (store / "records" / f"{ark}.json").unlink()
        shutil.rmtree(store / "images" / ark, ignore_errors=True)
    return store


def test_an_s3_store_exports_and_verifies_as_the_local_one(mirror: Mirror, tmp_path) -> None:
    from tests.test_s3 import offline_aws_env, running_moto

    copy = whole_copy(mirror, tmp_path / "store")
    local = tmp_path / "local.parquet"
    assert scrapy("export", str(local), store=copy).returncode == 0
    with running_moto() as s3:
        bucket = s3.new_bucket()
        for path in sorted(copy.rglob("*")):
            if path.is_file():
                key = f"mirror/{path.relative_to(copy)}"
                s3.client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        store = f"s3://{bucket}/mirror/"
        aws = {"AWS_ENDPOINT_URL": s3.endpoint, "AWS_REGION_NAME": "us-east-1"}
        secret = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        os.environ.update(offline_aws_env(tmp_path, **secret))
        try:
            remote = tmp_path / "remote.parquet"
            exported = scrapy("export", str(remote), store=store, **aws)
            hf = tmp_path / "hf"
            refused = scrapy("export", "--format", "imagefolder", str(hf), store=store, **aws)
            first = scrapy("verify", "--checksums", store=store, **aws)
            manifest = s3.objects(bucket)["mirror/manifest-sha256.txt"].decode()
            images = sorted(k for k in s3.objects(bucket) if k.startswith("mirror/images/"))
            deleted, changed = images[0], images[3]
            s3.client.delete_object(Bucket=bucket, Key=deleted)
            data = bytearray(s3.objects(bucket)[changed])
            data[len(data) // 2] ^= 0xFF
            s3.client.put_object(Bucket=bucket, Key=changed, Body=bytes(data))
            after = scrapy("verify", "--checksums", store=store, **aws)
        finally:
            for name in (*secret, "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                os.environ.pop(name, None)
            os.environ.pop("AWS_EC2_METADATA_DISABLED", None)

    assert exported.returncode == 0, exported.stderr
    assert pq.read_table(remote).equals(pq.read_table(local))
    assert_one_line_refusal(refused, "imagefolder needs a local FILES_STORE")
    assert not hf.exists()
    assert first.returncode == 0, first.stdout + first.stderr
    files = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert sorted(line.split("  ", 1)[1] for line in manifest.splitlines()) == files
    deleted, changed = deleted[len("mirror/") :], changed[len("mirror/") :]
    assert after.returncode == 3
    assert sorted(problems(after)) == sorted([deleted.rsplit(".", 1)[0] + ".*", deleted, changed])


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
