"""Every count of the collection summary adds up after any stop (issue 34): a Ctrl-C during the
sitemap walk, a Ctrl-C while images are stored, a ``kill -9`` then a resume; each summary is
compared with the files in the store."""

from __future__ import annotations

import re
import signal
import time
from typing import TYPE_CHECKING

from fakesite.harness import (
    ctrl_c_once_stored,
    finish,
    job_settings,
    kill_at,
    start_crawl,
    wait_for_files,
)
from louvre_scraper.exitstatus import EXIT_COMPLETE
from tests.test_crawl_collection import gets

if TYPE_CHECKING:
    from pathlib import Path

RECORDS = re.compile(
    r"  records: (\d+) listed(?P<how>[^:]*?) in (\d+) sitemaps: (\d+) fetched, (\d+) already"
    r" current, (\d+) missing, (\d+) failed(?:, (\d+) unfinished)?\n"
    r"  images:  (\d+) stored, (\d+) already there, (\d+) gone from the site, (\d+) failed\n"
    r"  bytes:   ([\d.]+) MB of records, ([\d.]+) MB of images \(([\d.]+) MB in all\)"
)


def summary(stderr: str) -> dict[str, int | str]:
    found = RECORDS.findall(stderr)
    assert found, stderr
    (listed, how, sitemaps, fetched, current, missing, failed, unfinished, *rest) = found[-1]
    stored, there, _gone, _images_failed, records_mb, images_mb, all_mb = rest
    assert abs(float(records_mb) + float(images_mb) - float(all_mb)) <= 0.11
    return {
        "listed": int(listed),
        "how": how,
        "sitemaps": int(sitemaps),
        "fetched": int(fetched),
        "current": int(current),
        "missing": int(missing),
        "failed": int(failed),
        "unfinished": int(unfinished or 0),
        "images": int(stored),
        "there": int(there),
    }


def adds_up(counts: dict[str, int | str]) -> None:
    settled = sum(int(counts[k]) for k in ("fetched", "current", "missing", "failed"))
    assert settled + int(counts["unfinished"]) == counts["listed"], counts


def test_ctrl_c_during_the_walk_says_the_records_listed_so_far(tmp_path: Path, fake_louvre):
    server = fake_louvre("--records", "80", "--per-sitemap", "2", "--retry-after", "0")
    store = tmp_path / "store"
    settings = job_settings(
        server.url, tmp_path / "job", 1, DOWNLOAD_DELAY="0.15", LOGSTATS_INTERVAL="0"
    )
    process = start_crawl(store, settings=settings, spider="collection")
    while sum(gets(server, "sitemap").values()) < 6 and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = finish(process, timeout=60)

    counts = summary(stderr)
    assert counts["how"] == " so far (the walk did not end)", stderr
    assert 0 < int(counts["listed"]) < 80
    assert int(counts["listed"]) == 2 * (int(counts["sitemaps"]) - 1)  # the index lists none
    adds_up(counts)
    assert len(list(store.glob("records/*.json"))) == counts["fetched"] + counts["failed"]

    # Resumed and stopped right after its first request: the job's listing, from its saved walk.
    robots = sum(gets(server, "robots").values())
    process = start_crawl(store, settings=settings, spider="collection")
    while sum(gets(server, "robots").values()) == robots and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, again = finish(process, timeout=60)
    resumed = summary(again)
    assert resumed["how"] == " by the job so far (its saved walk, JOBDIR)", again
    assert int(resumed["listed"]) >= int(counts["listed"]), again
    adds_up(resumed)


def test_ctrl_c_during_images_counts_the_files_in_the_store(tmp_path: Path, fake_louvre):
    server = fake_louvre("--records", "40", "--per-sitemap", "8", "--retry-after", "0")
    store = tmp_path / "store"
    settings = job_settings(server.url, tmp_path / "job", 2, DOWNLOAD_DELAY="0.05")
    process = start_crawl(store, settings=settings, spider="collection")
    stderr, _ = ctrl_c_once_stored(process, store, "images/*/*", 6)

    counts = summary(stderr)
    assert counts["listed"] == 40 and counts["how"] == "", stderr
    adds_up(counts)
    assert counts["unfinished"] > 0
    assert counts["images"] == len(list(store.glob("images/*/*")))
    records = len(list(store.glob("records/*.json")))
    assert records >= counts["fetched"]  # a record in flight may be stored, not yet settled
    images_mb = sum(p.stat().st_size for p in store.glob("images/*/*")) / 1e6
    assert f"{images_mb:.1f} MB of images" in stderr


def test_kill_then_resume_counts_the_whole_job(tmp_path: Path, fake_louvre):
    server = fake_louvre("--records", "40", "--per-sitemap", "8", "--retry-after", "0")
    store = tmp_path / "store"
    settings = job_settings(server.url, tmp_path / "job", 2, DOWNLOAD_DELAY="0.05")
    process = start_crawl(store, settings=settings, spider="collection")
    wait_for_files(store, "images/*/*", 8)
    kill_at(process, time.monotonic(), 0.3)
    assert process.returncode == -signal.SIGKILL

    process = start_crawl(store, settings=settings, spider="collection")
    status, stderr = finish(process)

    assert status == EXIT_COMPLETE, stderr
    counts = summary(stderr)
    assert counts["listed"] == 40 and counts["unfinished"] == 0, stderr
    adds_up(counts)
    assert counts["fetched"] + counts["current"] == len(list(store.glob("records/*.json")))
    # Each stored image counted once in the job: stored by it, or found there by the resume.
    assert int(counts["images"]) + int(counts["there"]) == len(list(store.glob("images/*/*")))
    assert "(this run)" in stderr
