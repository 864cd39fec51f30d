"""Exit 0 means complete: ``scrapy crawl collection`` against broken sitemaps, refusals, odd
records, interruptions and settings that once made it lie (issue 15)."""

from __future__ import annotations

import random
import re
import signal
import socket
import time
from collections import Counter
from typing import TYPE_CHECKING

from fakesite.harness import Crawl, finish, job_settings, parse_stats, start_crawl
from fakesite.options import fake_collection
from louvre_scraper.exitstatus import (
    EXIT_BAD_INPUT,
    EXIT_COMPLETE,
    EXIT_SITE_DOWN,
    EXIT_SOME_FAILED,
    EXIT_STOPPED,
)
from tests.test_crawl_collection import SERVER, collect, expected_files, gets

if TYPE_CHECKING:
    from pathlib import Path


def served(*args: str) -> tuple[str, ...]:
    return (*SERVER, *args)


def sitemap_url(server_url: str, i: int) -> str:
    return f"{server_url}/media/sitemap/sitemap{i}.xml"


def no_traceback(run: Crawl) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert "StopIteration" not in run.stderr


def test_broken_sitemaps_are_named_and_nothing_is_pruned(tmp_path: Path, fake_louvre) -> None:
    whole = fake_louvre(*SERVER, "--lastmod")
    store = tmp_path / "store"
    first = collect(store, whole)
    assert first.returncode == EXIT_COMPLETE
    before = first.files()
    # The same collection, one sub-sitemap cut short in a well-formed answer, another a 200
    # HTML page: their records are unread, not withdrawn.
    broken = fake_louvre(
        *served("--lastmod", "--break", "sitemap-cut:1", "--break", "sitemap-html:3")
    )

    run = collect(
        store, broken, LOUVRE_BASE_URL=broken.url, LOUVRE_PRUNE="True", LOUVRE_PRUNE_MAX="100%"
    )

    assert run.returncode == EXIT_SOME_FAILED, run.stderr
    no_traceback(run)
    assert run.files() == before  # nothing deleted, nothing changed
    warnings = "\n".join(run.lines("WARNING"))
    for i in (1, 3):
        assert f"Sitemap {sitemap_url(broken.url, i)} failed:" in warnings
    assert run.stats["collection/sitemaps_failed"] == 2
    assert run.stats["collection/pruned"] == 0
    assert "collection/records_withdrawn" not in run.stats
    assert "sitemaps: not all could be read" in run.stderr


def test_hostile_sitemaps_end_the_walk_each_read_once(tmp_path: Path, fake_louvre) -> None:
    args = served(
        "--break", "sitemap-bomb:0", "--break", "sitemap-utf8:2", "--break", "sitemap-gzip:4"
    )
    server = fake_louvre(*args, "--break", "index-self")
    fake = fake_collection(list(args))

    started = time.monotonic()
    run = collect(tmp_path / "store", server)

    assert time.monotonic() - started < 60
    assert run.returncode == EXIT_SOME_FAILED, run.stderr
    no_traceback(run)
    # The index lists itself twice: each sitemap is asked once.
    asked = gets(server, "sitemap")
    assert asked["/sitemap.xml"] == 1
    assert set(asked.values()) == {1}
    warnings = "\n".join(run.lines("WARNING"))
    assert f"Sitemap {sitemap_url(server.url, 0)} failed: XML error" in warnings
    assert f"Sitemap {sitemap_url(server.url, 2)} failed: XML error" in warnings
    # The gzip sitemap (Content-Encoding: gzip) is read.
    files = run.files()
    assert all(f"records/{ark}.json" in files for ark in fake.sitemap_arks(4))
    assert run.stats["collection/sitemaps"] == 4  # the index, 1, 3 and 4

    limited = collect(tmp_path / "other", server, LOUVRE_MAX_SITEMAPS="3")

    assert limited.returncode == EXIT_SOME_FAILED
    assert "over LOUVRE_MAX_SITEMAPS (3), not asked" in limited.stderr


def test_prune_refuses_above_prune_max_and_keeps_the_list(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--lastmod")
    store = tmp_path / "store"
    assert collect(store, server).returncode == EXIT_COMPLETE
    obsolete = tmp_path / "store.obsolete.txt"
    # Files no record lists any more (as a withdrawn record leaves them): 3 of ~100.
    for i in range(3):
        (store / "records" / f"cl01999999{i}.json").write_bytes(b"{}")

    refused = collect(store, server, LOUVRE_PRUNE="True", LOUVRE_PRUNE_MAX="2")

    assert refused.returncode == EXIT_COMPLETE, refused.stderr
    assert len(list((store / "records").glob("cl01999999*.json"))) == 3
    assert len(obsolete.read_text().splitlines()) == 3
    assert any("over LOUVRE_PRUNE_MAX (2 of the" in line for line in refused.lines("WARNING"))
    assert refused.stats["collection/prune_refused"] == 3
    assert "pruned:  nothing: 3 files is over LOUVRE_PRUNE_MAX" in refused.stderr

    pruned = collect(store, server, LOUVRE_PRUNE="True", LOUVRE_PRUNE_MAX="5%")

    assert pruned.returncode == EXIT_COMPLETE, pruned.stderr
    assert not list((store / "records").glob("cl01999999*.json"))
    assert pruned.stats["collection/pruned"] == 3
    assert not obsolete.exists()


def test_one_record_refused_does_not_stop_the_crawl(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--break", "refuse-images:1")
    fake = fake_collection([*SERVER, "--break", "refuse-images:1"])
    (refused,) = fake._breaks.refused_arks
    images = fake.record_images(refused)
    assert len(images) >= 2

    # Fewer refusals than that record's images would stop a crawl that counted attempts.
    run = collect(tmp_path / "store", server, LOUVRE_GIVE_UP_FAILURES=str(len(images)))

    assert run.returncode == EXIT_SOME_FAILED, run.stderr
    assert "refuses" not in "\n".join(run.lines("ERROR"))
    expected = expected_files(fake, server.url)
    files = run.files()
    missing = {path for path in expected if path not in files}
    assert missing == {p for p in expected if p.startswith(f"images/{refused}/")}
    assert run.stats["collection/records_failed"] == 1
    assert run.stats["collection/records_stored"] == len(fake.served_arks()) - 1
    assert f"Image {refused} failed after retries: HTTP 403" in run.stderr


def test_odd_image_urls_fail_by_name(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--break", "odd-images:1")
    fake = fake_collection([*SERVER, "--break", "odd-images:1"])
    (odd,) = fake._breaks.odd_arks

    run = collect(tmp_path / "store", server)

    assert run.returncode == EXIT_SOME_FAILED, run.stderr
    no_traceback(run)
    assert "ValueError" not in run.stderr
    warnings = "\n".join(run.lines("WARNING"))
    for value in ("12345", "http://[::1/bad.jpg", "/media/cache/large/odd_relative.jpg"):
        assert f"image {odd}/" in warnings
        assert f": refused {value} — not an http(s) URL of the site" in warnings
    assert not [path for path in gets(server, "image") if "odd" in path]
    assert run.stats["collection/records_failed"] == 1
    files = run.files()
    assert all(files[path] == body for path, body in expected_files(fake, server.url).items())


def test_bodies_are_judged_without_the_retry_middleware(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--missing-records", "2")
    fake = fake_collection([*SERVER, "--missing-records", "2"])

    run = collect(tmp_path / "store", server, RETRY_ENABLED="False")

    assert run.returncode == EXIT_COMPLETE, run.stderr
    no_traceback(run)
    assert run.files() == expected_files(fake, server.url)

    unjudged = collect(
        tmp_path / "other",
        server,
        DOWNLOADER_MIDDLEWARES='{"louvre_scraper.downloadermiddlewares.judge.BodyJudge": null}',
    )

    assert unjudged.returncode == EXIT_BAD_INPUT
    (line,) = unjudged.lines("CRITICAL")
    assert line.endswith(
        "bad setting DOWNLOADER_MIDDLEWARES:"
        " louvre_scraper.downloadermiddlewares.judge.BodyJudge is needed,"
        " and is not enabled"
    )
    no_traceback(unjudged)
    assert not unjudged.files()


def test_the_feed_is_replaced_only_by_a_run_with_items(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    feed = tmp_path / "records.jsonl"
    run = collect(tmp_path / "store", server, "-O", str(feed))
    assert run.returncode == EXIT_COMPLETE
    good = feed.read_bytes()
    assert len(good.splitlines()) == 40
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"

    down = collect(
        tmp_path / "store",
        server,
        "-O",
        str(feed),
        LOUVRE_BASE_URL=nowhere,
        LOUVRE_GIVE_UP_SECONDS="0",
        RETRY_TIMES="0",
    )

    assert down.returncode == EXIT_SITE_DOWN, down.stderr
    assert feed.read_bytes() == good
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".records.jsonl")]


def test_a_job_interrupted_at_random_instants_ends_complete(tmp_path: Path, fake_louvre) -> None:
    args = served("--records", "60", "--missing-records", "2", "--gone-images", "2")
    server = fake_louvre(*args)
    truth = expected_files(fake_collection(list(args)), server.url)
    store, jobdir = tmp_path / "store", tmp_path / "job"
    settings = job_settings(server.url, jobdir, 4, DOWNLOAD_DELAY="0.01")
    rng = random.Random(15)
    statuses = []
    for attempt in range(12):
        robots = gets(server, "robots")["/robots.txt"]
        process = start_crawl(store, settings=settings, spider="collection")
        if attempt < 8:  # then let it run to the end
            # Once the crawl runs (it has asked for robots.txt): before that, Ctrl-C is
            # Python's KeyboardInterrupt in the middle of Scrapy's imports.
            while gets(server, "robots")["/robots.txt"] == robots and process.poll() is None:
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 2.0))
            process.send_signal(signal.SIGINT)
        status, stderr = finish(process, 120)
        statuses.append(status)
        files = Crawl(status, stderr, store).files()
        # -SIGINT: the signal came as the process was leaving, after the crawl had closed.
        assert process.returncode in (EXIT_COMPLETE, EXIT_STOPPED, -signal.SIGINT), stderr
        if process.returncode == EXIT_COMPLETE:
            assert files == truth, f"exit 0 after {statuses} with an incomplete store"
            stats = parse_stats(stderr)
            settled = sum(
                stats.get(f"collection/records_{outcome}", 0)
                for outcome in ("stored", "uptodate", "missing")
            )
            assert settled == 60
            break
    assert statuses[-1] == EXIT_COMPLETE
    assert EXIT_STOPPED in statuses
    # The last summary counts the whole job: each stored file once, the 2 gone images.
    (counts,) = re.findall(
        r"records: 60 listed in \d+ sitemaps: (\d+) fetched, (\d+) already current, 2 missing,"
        r" 0 failed\n  images:  (\d+) stored, (\d+) already there, 2 gone from the site,"
        r" 0 failed",
        stderr,
    )
    stored, current, images, there = map(int, counts)
    assert stored + current == len([p for p in truth if p.startswith("records/")])
    assert images + there == len([p for p in truth if p.startswith("images/")])
    # Every change is in one of the job's change logs, once.
    told = Crawl(0, "", store).changes_told()
    assert told == Counter(("added", path) for path in truth)
