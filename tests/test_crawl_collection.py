"""``scrapy crawl collection`` end to end against the fake Louvre's documented route."""

from __future__ import annotations

import collections
import csv
import hashlib
import json
import posixpath
import re
import time
import urllib.request
from typing import TYPE_CHECKING

from fakesite.collection import FakeCollection
from fakesite.harness import (
    FAST,
    Crawl,
    crawl,
    ctrl_c_once_stored,
    job_settings,
    parse_stats,
    start_crawl,
)
from fakesite.options import fake_collection
from louvre_scraper.collection.arks import ark_number
from tests.store_commands import scrapy

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from fakesite.harness import FakeLouvre

SERVER = ("--records", "40", "--per-sitemap", "8", "--retry-after", "0")


def collect(store: Path, server: FakeLouvre, *args: str, **settings: str) -> Crawl:
    return crawl(
        store,
        *args,
        settings={"LOUVRE_BASE_URL": server.url, **FAST, **settings},
        spider="collection",
    )


def expected_files(
    fake: FakeCollection,
    base: str,
    edition: int | None = None,
    *,
    wanted: Callable[[str], bool] = lambda ark: True,
    first_only: bool = False,
) -> dict[str, bytes]:
    """The store a complete mirror holds: each served record as served, each live image."""
    gone = set(fake.gone_images())
    files = {}
    for ark in fake.served_arks(edition):
        files[f"records/{ark}.json"] = fake.record_bytes(ark, base, edition)
        if not wanted(ark):
            continue
        images = fake.record_images(ark, edition)
        for image in images[:1] if first_only else images:
            if image.path not in gone:
                ext = posixpath.splitext(image.path)[1].lower()
                files[f"images/{ark}/{image.position}{ext}"] = fake.image_bytes(image.path)
    return files


def gets(server: FakeLouvre, kind: str) -> collections.Counter[str]:
    return collections.Counter(
        r["path"] for r in server.log()["requests"] if r["method"] == "GET" and r["kind"] == kind
    )


def items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def switch_edition(server: FakeLouvre, edition: int) -> None:
    with urllib.request.urlopen(f"{server.url}/__edition__?n={edition}") as answer:
        assert json.load(answer)["edition"] == edition


def test_a_full_mirror_byte_for_byte(tmp_path: Path, fake_louvre) -> None:
    args = (*SERVER, "--missing-records", "2", "--gone-images", "2")
    server = fake_louvre(*args)
    fake = fake_collection(list(args))
    store, feed = tmp_path / "store", tmp_path / "records.jsonl"

    run = collect(store, server, "-O", str(feed))

    assert run.returncode == 0, run.stderr
    assert run.files() == expected_files(fake, server.url)
    # Each record's .json asked once, though every record is listed twice, with alternates;
    # each image once; never a thumbnail.
    records = gets(server, "record")
    assert sorted(p.rsplit("/", 1)[1][:-5] for p in records) == sorted(fake.arks())
    assert set(records.values()) == {1}
    assert set(gets(server, "image").values()) == {1}
    assert not gets(server, "thumbnail")
    # One item per served record, with its images as FilesPipeline's ``files`` field has them.
    listed = {item["arkId"]: item for item in items(feed)}
    assert sorted(listed) == sorted(fake.served_arks())
    for ark, item in listed.items():
        record = fake.record(ark, server.url)
        assert item["title"] == record["title"]
        assert item["modified"] == fake.modified(ark)
        assert item["path"] == f"records/{ark}.json"
        assert item["status"] == "downloaded"
        for entry, image in zip(item["images"], fake.record_images(ark), strict=True):
            assert entry["url"] == server.url + image.path
            assert entry["copyright"] == image.copyright
            assert entry["position"] == image.position
            assert entry["type"] == image.type
            if image.path in fake.gone_images():
                assert (entry["status"], entry["path"]) == ("missing", None)  # not in the store
                continue
            data = (store / entry["path"]).read_bytes()
            assert entry["size"] == len(data)
            assert entry["checksum"] == hashlib.md5(data).hexdigest()
            assert entry["status"] == "downloaded"
    assert "Traceback" not in run.stderr
    assert run.stats["collection/records_missing"] == 2
    assert run.stats["collection/images_missing"] == 2


def test_first_try_faults_are_retried_until_every_body_is_whole(
    tmp_path: Path, fake_louvre
) -> None:
    faults = []
    for kind in ("429", "503", "truncate", "short", "html200"):
        faults += ["--record-fault", f"{kind}:1", "--image-fault", f"{kind}:1"]
    args = (*SERVER, "--sitemap-fault", "503", *faults)
    server = fake_louvre(*args)
    fake = fake_collection(list(args))

    run = collect(tmp_path / "store", server)

    assert run.returncode == 0, run.stderr
    assert run.files() == expected_files(fake, server.url)
    # The faulted bodies were asked again (the fake fails the first two GETs of each).
    image_gets = gets(server, "image")
    for path in fake.image_faults():
        assert image_gets[path] == 3, path
    assert run.stats.get("collection/records_failed", 0) == 0
    assert "DOWNLOAD_FAIL_ON_DATALOSS" not in run.stderr
    assert "Traceback" not in run.stderr


def test_sitemaps_over_the_body_budget_are_each_fetched_once(tmp_path: Path, fake_louvre) -> None:
    """Ten sitemaps of ~1 MB, 10 MB together, through a budget of 3 MB in flight with sitemaps
    of at most 1.4 MB: asked two at a time, each arrives whole, none is cut and asked again
    (asked all at once, they were: sitemaps were fetched two and three times)."""
    args = ("--records", "20000", "--per-sitemap", "2000", "--retry-after", "0")
    server = fake_louvre(*args)
    fake = fake_collection(list(args))
    budget, largest = 3_000_000, 1_400_000
    sizes = [len(fake.sitemap_bytes(i, server.url) or b"") for i in range(10)]
    assert sum(sizes) > budget and max(sizes) < largest  # the case: the whole over the budget

    run = collect(
        tmp_path / "store",
        server,
        *("-a", "shard=0/200", "-a", "images=none"),  # the walk is what is tested
        LOUVRE_MAX_BYTES_IN_FLIGHT=str(budget),
        LOUVRE_MAX_SITEMAP_BYTES=str(largest),
    )

    assert run.returncode == 0, run.stderr
    sitemaps = gets(server, "sitemap")
    assert sorted(sitemaps) == [*sorted(fake.sitemap_paths()), "/sitemap.xml"]
    assert set(sitemaps.values()) == {1}, sitemaps
    assert run.stats["collection/sitemaps"] == 11
    in_shard = [ark for ark in fake.served_arks() if ark_number(ark) % 200 == 0]
    assert run.stats["collection/records_stored"] == len(in_shard) > 0


def test_compressed_records_and_sitemaps_are_stored_as_the_plain_json(
    tmp_path: Path, fake_louvre
) -> None:
    """The site gzips its text when asked: robots.txt, the index, the sitemaps and the records
    come compressed, the store holds the decoded bytes, byte for byte the plain .json; the
    images are asked as before (identity)."""
    server = fake_louvre(*SERVER, "--gzip")
    fake = fake_collection([*SERVER, "--gzip"])

    run = collect(tmp_path / "store", server)

    assert run.returncode == 0, run.stderr
    assert run.files() == expected_files(fake, server.url)
    answered = [r for r in server.log()["requests"] if r["method"] == "GET" and r["status"] == 200]
    sent = collections.Counter()
    for r in answered:
        sent[r["kind"]] += r["bytes"]
    plain_records = sum(len(fake.record_bytes(a, server.url) or b"") for a in fake.served_arks())
    plain_sitemaps = len(fake.sitemap_index_bytes(server.url)) + sum(
        len(fake.sitemap_bytes(i, server.url) or b"") for i in range(len(fake.sitemap_paths()))
    )
    assert sent["record"] < plain_records * 0.6  # gzip on the wire
    assert sent["sitemap"] < plain_sitemaps * 0.3
    images = expected_files(fake, server.url)
    assert sent["image"] == sum(len(b) for p, b in images.items() if p.startswith("images/"))
    assert run.stats["httpcompression/response_count"] == len(
        [r for r in answered if r["kind"] in ("robots", "sitemap", "record")]
    )


def test_a_decompression_bomb_on_a_record_is_refused_by_name(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--break", "record-bomb:1")
    fake = fake_collection([*SERVER, "--break", "record-bomb:1"])
    (bomb,) = fake._breaks.bomb_arks

    run = collect(tmp_path / "store", server)

    assert run.returncode == 3, run.stderr  # some failed
    url = f"{server.url}/ark:/53355/{bomb}.json"
    said = [line for line in run.lines("WARNING") if f"record {bomb}:" in line]
    assert len(said) == 1, run.lines("WARNING")
    assert said[0].endswith(
        f"record {bomb}: refused {url} — its body is over the limit once decompressed"
        " (LOUVRE_MAX_RECORD_BYTES=4194304, raise it to fetch)"
    )
    assert "exceeded DOWNLOAD_MAXSIZE" not in run.stderr  # Scrapy's own line, dropped
    assert "Traceback" not in run.stderr
    files = run.files()
    assert f"records/{bomb}.json" not in files and not any(f"/{bomb}/" in f for f in files)
    assert gets(server, "record")[f"/ark:/53355/{bomb}.json"] == 1  # a refusal: not retried
    assert run.stats["collection/records_failed"] == 1


def test_a_rerun_fetches_nothing_it_holds(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--lastmod")
    fake = fake_collection([*SERVER, "--lastmod"])
    store = tmp_path / "store"
    assert collect(store, server).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    urllib.request.urlopen(f"{server.url}/__reset__").close()

    again = collect(store, server, "-O", str(tmp_path / "again.jsonl"))

    assert again.returncode == 0, again.stderr
    # The sitemaps' <lastmod> says every stored record is current: no .json, no image asked.
    assert not gets(server, "record") and not gets(server, "image")
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()} == before
    listed = items(tmp_path / "again.jsonl")
    assert sorted(i["arkId"] for i in listed) == sorted(fake.served_arks())
    assert {i["status"] for i in listed} == {"uptodate"}
    assert {e["status"] for i in listed for e in i["images"]} == {"uptodate"}


def test_a_rerun_against_a_site_with_validators_asks_conditionally_and_gets_304s(
    tmp_path: Path, fake_louvre
) -> None:
    """No <lastmod> (as on the site), but ETag and Last-Modified with each record: the store
    keeps them in its state, the rerun sends If-None-Match / If-Modified-Since, every record
    answers 304, nothing is rewritten, no image asked."""
    args = (*SERVER, "--validators", "--missing-records", "2")
    server = fake_louvre(*args)
    fake = fake_collection(list(args))
    store = tmp_path / "store"
    first = collect(store, server)
    assert first.returncode == 0, first.stderr
    payload = {k: v for k, v in first.files().items() if not k.startswith("state/")}
    assert payload == expected_files(fake, server.url)
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    urllib.request.urlopen(f"{server.url}/__reset__").close()

    again = collect(store, server, "-O", str(tmp_path / "again.jsonl"))

    assert again.returncode == 0, again.stderr
    records = [r for r in server.log()["requests"] if r["kind"] == "record"]
    asked = sorted(r["path"] for r in records)
    assert asked == sorted(f"/ark:/53355/{a}.json" for a in fake.arks())  # each once
    served = {f"/ark:/53355/{a}.json" for a in fake.served_arks()}
    assert {r["status"] for r in records if r["path"] in served} == {304}
    assert all(r["bytes"] == 0 for r in records if r["path"] in served)
    assert not gets(server, "image")
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()} == before
    assert again.stats["collection/records_not_modified"] == len(fake.served_arks())
    assert again.stats["collection/records_uptodate"] == len(fake.served_arks())
    listed = items(tmp_path / "again.jsonl")
    assert sorted(i["arkId"] for i in listed) == sorted(fake.served_arks())
    assert {i["status"] for i in listed} == {"uptodate"}
    assert {e["status"] for i in listed for e in i["images"]} == {"uptodate"}


def test_without_lastmod_records_are_fetched_again_but_not_their_images(
    tmp_path: Path, fake_louvre
) -> None:
    server = fake_louvre(*SERVER, "--no-sitemap-line")  # no <lastmod>, as on the site
    fake = fake_collection(list(SERVER))
    store = tmp_path / "store"
    assert collect(store, server).returncode == 0
    images = {p: p.stat().st_mtime_ns for p in (store / "images").rglob("*") if p.is_file()}
    urllib.request.urlopen(f"{server.url}/__reset__").close()

    again = collect(store, server, "-O", str(tmp_path / "again.jsonl"))

    assert again.returncode == 0, again.stderr
    # Nothing tells a record is current: each one's .json is asked again, once; not one image.
    assert sorted(gets(server, "record")) == sorted(f"/ark:/53355/{a}.json" for a in fake.arks())
    assert set(gets(server, "record").values()) == {1}
    log = server.log()["requests"]
    assert [r for r in log if r["kind"] in ("image", "thumbnail")] == []
    assert {p: p.stat().st_mtime_ns for p in images} == images
    listed = items(tmp_path / "again.jsonl")
    assert {e["status"] for i in listed for e in i["images"]} == {"uptodate"}
    assert again.stats["collection/images_uptodate"] == len(images)


def test_a_changed_collection_updates_only_what_changed(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--lastmod")
    fake = fake_collection([*SERVER, "--lastmod"])
    changes = fake.changes(1, 2)
    assert changes.added and changes.withdrawn and changes.modified and changes.images_replaced
    store = tmp_path / "store"
    assert collect(store, server).returncode == 0
    first = expected_files(fake, server.url, 1)
    switch_edition(server, 2)
    urllib.request.urlopen(f"{server.url}/__reset__").close()

    update = collect(store, server)

    assert update.returncode == 0, update.stderr
    # Only the changed and the new records' .json were asked, and only new images.
    fetched = sorted(p.rsplit("/", 1)[1][:-5] for p in gets(server, "record"))
    assert fetched == sorted(changes.modified + changes.added)
    assert sorted(gets(server, "image")) == sorted(changes.images_added)
    # The store is edition 2's mirror, plus what edition 2 no longer lists: nothing deleted.
    now = expected_files(fake, server.url, 2)
    files = update.files()
    assert {p: files[p] for p in now} == now
    leftover = sorted(set(files) - set(now))
    assert leftover and all(first[p] == files[p] for p in leftover)
    # A withdrawn record's state goes with its record and images: listed with them.
    states = sorted(f"state/{ark}.json" for ark in changes.withdrawn)
    assert set(states) <= set(update.all_files())
    obsolete = (tmp_path / "store.obsolete.txt").read_text().splitlines()
    assert sorted(line.split("\t")[1] for line in obsolete) == sorted(leftover + states)
    withdrawn = [f"records/{ark}.json" for ark in changes.withdrawn]
    assert set(withdrawn) <= set(leftover)
    assert update.stats["collection/records_withdrawn"] == len(changes.withdrawn)
    assert str(len(obsolete)) in update.stderr.split("Dumping Scrapy stats")[0]

    stored = len(update.all_files())
    pruned = collect(store, server, LOUVRE_PRUNE="True", LOUVRE_PRUNE_MAX=str(len(obsolete)))

    assert pruned.returncode == 0, pruned.stderr
    # The store walked twice, each file told to the stall watchdog: at start, then for the
    # withdrawn records (the run changed nothing before the prune).
    assert pruned.stats["louvre/store_walked"] == 2 * stored
    assert pruned.files() == now
    assert sorted(pruned.state()) == sorted(fake.served_arks(2))  # only what the store holds
    assert not (tmp_path / "store.obsolete.txt").exists()
    assert scrapy("verify", store=store).returncode == 0


def test_filters_store_every_record_but_list_only_the_wanted(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    fake = fake_collection(list(SERVER))
    store, feed = tmp_path / "store", tmp_path / "paintings.csv"

    def wanted(ark: str) -> bool:
        # Real records leave objectType empty: the paintings say "peinture" in an index facet.
        record = fake.record(ark, server.url)
        facet = record["index"].get("objectType", []) if record["index"] else []
        return "peintures" in record["collection"].lower() and {"value": "peinture"} in facet

    run = collect(
        store,
        server,
        "-a",
        "collection=Peintures",
        "-a",
        "type=peint",
        "-a",
        "images=first",
        "-O",
        str(feed),
    )

    assert run.returncode == 0, run.stderr
    assert run.files() == expected_files(fake, server.url, wanted=wanted, first_only=True)
    with feed.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    paintings = [ark for ark in fake.served_arks() if wanted(ark)]
    assert 0 < len(paintings) < len(fake.served_arks())
    assert sorted(row["arkId"] for row in rows) == sorted(paintings)
    assert "body" not in rows[0]
    assert "dropped fields" not in run.stderr
    for row in rows:
        record = fake.record(row["arkId"], server.url)
        current = [
            c
            for c in record["creator"]
            if c.get("attributionLevel", "") in ("", "Attribution actuelle")
        ]
        details = [
            "; ".join(filter(None, (c["linkType"], c["creatorRole"], c["wikidata"])))
            for c in current
        ]
        assert row["creators"] == " | ".join(
            f"{c['label']} ({d})" if d else c["label"]
            for c, d in zip(current, details, strict=True)
        )
        first = fake.record_images(row["arkId"])[:1]
        assert row["images"] == " | ".join(
            f"images/{row['arkId']}/{i.position}{posixpath.splitext(i.path)[1].lower()}"
            if i.path not in fake.gone_images()
            else ""
            for i in first
        )
        assert row["imageUrls"] == " | ".join(server.url + i.path for i in first)
        assert row["imageCopyrights"] == " | ".join(i.copyright for i in first)


def test_shards_split_the_records_disjointly_and_completely(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    fake = fake_collection(list(SERVER))
    store = tmp_path / "store"
    for shard in ("0/3", "1/3", "2/3"):
        assert collect(store, server, "-a", f"shard={shard}").returncode == 0
    assert (crawl_files := Crawl(0, "", store).files()) == expected_files(fake, server.url)
    assert len(crawl_files) > 40
    assert set(gets(server, "record").values()) == {1}
    assert set(gets(server, "image").values()) == {1}


def test_bad_arguments_are_refused_in_one_line(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    for args, culprit in (
        (("-a", "images=some"), "images='some'"),
        (("-a", "shard=3/3"), "shard='3/3'"),
    ):
        run = collect(tmp_path / "store", server, *args)
        assert run.returncode == 2, run.stderr
        critical = run.lines("CRITICAL")
        assert len(critical) == 1 and culprit in critical[0], run.stderr
        assert "Traceback" not in run.stderr
    run = collect(tmp_path / "store", server, LOUVRE_IMAGE_TEMPLATE="images/{ark}.jpg")
    assert run.returncode == 2 and "LOUVRE_IMAGE_TEMPLATE" in run.stderr
    assert not (tmp_path / "store").exists()


def test_ctrl_c_then_the_same_jobdir_completes_the_mirror(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    fake = fake_collection(list(SERVER))
    store = tmp_path / "store"
    settings = job_settings(server.url, tmp_path / "job", 2, DOWNLOAD_DELAY="0.05")

    crawler = start_crawl(store, settings=settings, spider="collection")
    log, _ = ctrl_c_once_stored(crawler, store, "records/*.json", 8)
    assert parse_stats(log)["finish_reason"] == "shutdown"
    stored_before = len(list(store.glob("records/*.json")))
    assert stored_before < len(fake.served_arks()), "stopped before the end"
    # The ledger, not a disk queue, says what the stop left open: no request kept in JOBDIR.
    assert "scheduler/enqueued/disk" not in parse_stats(log)
    assert not (tmp_path / "job" / "requests.queue").exists()

    resumed = crawl(store, settings=settings, spider="collection")

    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming the job" in resumed.stderr
    assert resumed.files() == expected_files(fake, server.url)
    # Over both runs each record's .json was asked at most twice (once more if the stop
    # caught its images on their way), and the stored ones never again.
    records = gets(server, "record")
    assert sorted(p.rsplit("/", 1)[1][:-5] for p in records) == sorted(fake.arks())
    assert sum(records.values()) <= len(fake.arks()) + 2
    assert not list(store.rglob("*.part"))
    # The summary counts the job, both runs: what it says is what the store holds.
    record_files = len(list(store.glob("records/*.json")))
    image_files = len(list(store.glob("images/*/*")))
    assert job_counts(resumed.stderr) == (record_files, 0, image_files, 0, 0)
    assert "  job:     already complete" not in resumed.stderr

    again = crawl(store, settings=settings, spider="collection")  # nothing left to do

    assert again.returncode == 0, again.stderr
    assert job_counts(again.stderr) == (record_files, 0, image_files, 0, 0)
    assert (
        f"  job:     already complete: its earlier runs settled all {record_files} listed"
        " records (JOBDIR); this run had nothing to do"
    ) in again.stderr
    assert "  rate:    0.0 records/s, 0.00 MB/s" in again.stderr


def job_counts(summary: str) -> tuple[int, int, int, int, int]:
    """The summary's records stored and already current, images stored or already there,
    gone and failed; records missing and failed must be none."""
    (records,) = re.findall(
        r"records: \d+ listed in \d+ sitemaps: (\d+) fetched, (\d+) already"
        r" current, 0 missing, 0 failed\n",
        summary,
    )
    (images,) = re.findall(
        r"images:  (\d+) stored, (\d+) already there, (\d+) gone from the"
        r" site, (\d+) failed",
        summary,
    )
    stored, there, gone, failed = map(int, images)
    return int(records[0]), int(records[1]), stored + there, gone, failed


def one_line_and_status(run: Crawl, status: int, text: str) -> None:
    assert run.returncode == status, run.stderr
    errors = run.lines("ERROR") + run.lines("CRITICAL")
    assert len(errors) == 1 and text in errors[0], run.stderr
    assert not run.lines("WARNING") or all("robots.txt" in w for w in run.lines("WARNING"))
    assert "Traceback" not in run.stderr


def test_a_site_where_nothing_listens_ends_in_one_line(tmp_path: Path) -> None:
    began = time.monotonic()
    run = crawl(
        tmp_path / "store",
        settings={"LOUVRE_BASE_URL": "http://127.0.0.1:1", **FAST},
        spider="collection",
    )
    one_line_and_status(run, 4, "cannot reach 127.0.0.1:1: connection refused")
    assert time.monotonic() - began < 120
    assert not [p for p in (tmp_path / "store").rglob("*") if p.is_file()]


def test_a_site_refusing_everything_ends_in_one_line(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--refuse", "403")
    run = collect(tmp_path / "store", server)
    one_line_and_status(run, 4, "answers 403 Forbidden to every request")


def test_records_that_fail_for_good_are_named_and_the_exit_status_says_so(
    tmp_path: Path, fake_louvre
) -> None:
    # Every record's first GETs are an HTML page with 200: with no retry left, they fail.
    server = fake_louvre(*SERVER, "--record-fault", "html200:3", "--fault-times", "9")
    fake = fake_collection([*SERVER, "--record-fault", "html200:3"])
    store = tmp_path / "store"
    run = collect(store, server, RETRY_TIMES="1")
    assert run.returncode == 3, run.stderr
    failed = sorted(fake.record_faults())
    assert len(failed) == 3
    warnings = [w for w in run.lines("WARNING") if "failed after retries" in w]
    assert sorted(w.split("Record ", 1)[1].split(" ", 1)[0] for w in warnings) == failed
    listed = (tmp_path / "store.failed.txt").read_text().split()
    assert sorted(listed) == sorted(f"{server.url}/ark:/53355/{ark}.json" for ark in failed)
    # The others are whole, and a rerun with the site mended gets the rest.
    expected = expected_files(fake, server.url)
    assert {p: b for p, b in run.files().items()} == {
        p: b for p, b in expected.items() if not any(ark in p for ark in failed)
    }


def test_a_filter_that_keeps_nothing_names_the_values_it_saw(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    fake = fake_collection(list(SERVER))
    feed = tmp_path / "paintings.jsonl"

    run = collect(tmp_path / "store", server, "-a", "type=painting", "-O", str(feed))

    assert run.returncode == 0, run.stderr
    assert feed.read_text() == ""
    # Real records name what the object is in French, in their denomination.
    seen = collections.Counter(
        d["value"]
        for ark in fake.served_arks()
        for d in fake.record(ark, server.url)["denominationTitle"]
        if d["type"] == "Dénomination"
    )
    line = next(x for x in run.stderr.splitlines() if "kept no record" in x)
    assert line.startswith("  filter:  type='painting' kept no record;")
    value, count = seen.most_common(1)[0]
    assert f"{value} ({count})" in line
    assert len(re.findall(r" \(\d+\)", line)) == 10 < len(seen)
