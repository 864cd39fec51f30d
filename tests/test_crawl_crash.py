"""A crash is survivable at any instant, and a crawl never hangs (issue 23): ``kill -9`` of a
real ``scrapy crawl`` with ``JOBDIR`` at seeded instants, then the same command again; a job
folder that cannot be read; a site that answers nothing; a stop that would not end."""

from __future__ import annotations

import pickle
import random
import signal
import time
from collections import Counter
from typing import TYPE_CHECKING

from fakesite.harness import FAST, Crawl, crawl, finish, job_settings, kill_at, start_crawl
from fakesite.options import fake_collection
from louvre_scraper.exitstatus import EXIT_COMPLETE, EXIT_SITE_DOWN, EXIT_STOPPED
from tests.test_crawl_collection import SERVER, expected_files, gets, switch_edition

if TYPE_CHECKING:
    from pathlib import Path


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "struct.error" not in stderr, stderr


def test_a_collection_job_killed_at_many_instants_ends_as_one_run(tmp_path: Path, fake_louvre):
    args = (*SERVER, "--records", "60", "--missing-records", "2", "--gone-images", "2")
    server = fake_louvre(*args)
    truth = expected_files(fake_collection(list(args)), server.url)
    store, jobdir = tmp_path / "store", tmp_path / "job"
    settings = job_settings(server.url, jobdir, 4, DOWNLOAD_DELAY="0.01")
    rng = random.Random(23)
    kills = 0
    for attempt in range(14):
        robots = gets(server, "robots")["/robots.txt"]
        images = len(list(store.glob("images/*/*")))
        process = start_crawl(store, settings=settings, spider="collection")
        if attempt >= 10:  # then let it run to the end
            status, stderr = finish(process)
            no_traceback(stderr)
            assert status in (EXIT_COMPLETE, EXIT_STOPPED), stderr
            if status == EXIT_COMPLETE:
                break
            continue
        while gets(server, "robots")["/robots.txt"] == robots and process.poll() is None:
            time.sleep(0.01)
        if attempt % 2:  # during the sitemap walk, or just after it
            stderr = kill_at(process, time.monotonic(), rng.uniform(0, 0.6))
        else:  # while images are being written
            wanted = images + rng.randint(1, 6)
            while len(list(store.glob("images/*/*"))) < wanted and process.poll() is None:
                time.sleep(0.005)
            stderr = kill_at(process, time.monotonic(), rng.uniform(0, 0.05))
        kills += process.returncode == -signal.SIGKILL
        no_traceback(stderr)
    assert kills >= 6
    assert status == EXIT_COMPLETE, stderr
    done = Crawl(status, stderr, store)
    assert done.files() == truth
    # The union of the job's change logs lists every stored file as added, exactly once,
    # and nothing else: the killed runs' logs too (written by the next run from JOBDIR).
    assert done.changes_told() == Counter(("added", path) for path in truth)
    assert not (jobdir / "changes.jsonl").exists()  # the job is over


def test_a_resumed_job_does_not_ask_again_the_sitemaps_it_read(tmp_path: Path, fake_louvre):
    # 40 records, 8 a sitemap: 5 sub-sitemaps, each answer 0.1 s late.
    server = fake_louvre(*SERVER, "--latency", "0.1")
    fake = fake_collection(list(SERVER))
    store, jobdir = tmp_path / "store", tmp_path / "job"
    base = {"LOUVRE_BASE_URL": server.url, **FAST}
    assert crawl(store, settings=base, spider="collection").returncode == EXIT_COMPLETE
    switch_edition(server, 2)  # the job mirrors edition 2 into edition 1's mirror
    diff = fake.changes(1, 2)
    # One sitemap at a time: the k-th is asked once the ones before it are read (and saved).
    one_at_a_time = {"LOUVRE_MAX_SITEMAP_BYTES": "1000000", "LOUVRE_MAX_BYTES_IN_FLIGHT": "1000000"}
    settings = {**base, **one_at_a_time, "JOBDIR": str(jobdir)}
    subs = {f"{server.url}{path}" for path in fake.sitemap_paths(2)}

    def asked_since(before: Counter[str]) -> list[str]:
        return sorted(f"{server.url}{p}" for p in gets(server, "sitemap") - before)

    def saved_sitemaps() -> set[str]:
        state = pickle.loads((jobdir / "spider.state").read_bytes())
        return set(state["collection_walk"]["sitemaps"])

    before = gets(server, "sitemap")
    walking = start_crawl(store, settings=settings, spider="collection")
    while len(set(asked_since(before)) & subs) < 3 and walking.poll() is None:
        time.sleep(0.005)
    no_traceback(kill_at(walking, time.monotonic(), 0))  # killed in the middle of the walk
    read = saved_sitemaps()
    assert len(read) >= 2 and read < subs, read
    before = gets(server, "sitemap")
    records = gets(server, "record")
    resumed = start_crawl(store, settings=settings, spider="collection")
    while gets(server, "record") == records and resumed.poll() is None:
        time.sleep(0.005)
    no_traceback(kill_at(resumed, time.monotonic(), 0))  # killed just after the walk
    # It asked only the sitemaps the killed run had not read (and robots.txt's index).
    assert set(asked_since(before)) & subs == subs - read
    assert saved_sitemaps() == subs
    before = gets(server, "sitemap")

    last = crawl(store, settings=settings, spider="collection")

    assert last.returncode == EXIT_COMPLETE, last.stderr
    no_traceback(last.stderr)
    assert set(asked_since(before)) & subs == set()  # every sub-sitemap was read already
    assert "Resuming the job (JOBDIR): 5 sitemaps read by an earlier run, not asked" in last.stderr
    assert "records: 40 listed in 6 sitemaps" in last.stderr
    # The store is edition 2's, and the records of the sitemaps read earlier are known: the
    # withdrawn ones are exactly edition 2's.
    now = expected_files(fake, server.url, 2)
    files = last.files()
    assert {p: files.get(p) for p in now} == now
    assert last.stats["collection/records_withdrawn"] == len(diff.withdrawn) > 0
    assert "collection_walk" not in pickle.loads((jobdir / "spider.state").read_bytes())


def test_a_zip_job_killed_at_many_instants_ends_as_one_run(tmp_path: Path, fake_louvre):
    server = fake_louvre("--max-id", "120", "--seed", "3")
    reference = crawl(
        tmp_path / "reference", "-a", "end=120", settings={"LOUVRE_BASE_URL": server.url, **FAST}
    )
    assert reference.returncode == EXIT_COMPLETE, reference.stderr
    store, jobdir = tmp_path / "store", tmp_path / "job"
    settings = job_settings(server.url, jobdir, 4, DOWNLOAD_DELAY="0.02")
    rng = random.Random(7)
    for attempt in range(10):
        process = start_crawl(store, "-a", "end=120", settings=settings)
        if attempt >= 6:
            status, stderr = finish(process)
            no_traceback(stderr)
            if status == EXIT_COMPLETE:
                break
            continue
        zips = len(list(store.glob("*.zip")))
        while len(list(store.glob("*.zip"))) <= zips and process.poll() is None:
            time.sleep(0.005)
        no_traceback(kill_at(process, time.monotonic(), rng.uniform(0, 0.8)))
    assert status == EXIT_COMPLETE, stderr
    assert Crawl(status, stderr, store).files() == reference.files()


def test_a_job_folder_that_cannot_be_read_is_named_and_the_job_goes_on(tmp_path: Path, fake_louvre):
    server = fake_louvre("--max-id", "30")
    jobdir = tmp_path / "job"
    jobdir.mkdir()
    state = pickle.dumps({"louvre": {"range": "x"}}, protocol=4)
    (jobdir / "spider.state").write_bytes(state[: len(state) // 2])  # cut mid-write
    settings = {"LOUVRE_BASE_URL": server.url, **FAST, "JOBDIR": str(jobdir)}

    run = crawl(tmp_path / "store", "-a", "end=30", settings=settings)

    no_traceback(run.stderr)
    assert run.returncode == EXIT_COMPLETE, run.stderr
    (line,) = [line for line in run.lines("WARNING") if "spider.state" in line]
    assert f"JOBDIR {jobdir}: spider.state cannot be read" in line
    assert "set aside as spider.state.unreadable" in line
    assert (jobdir / "spider.state.unreadable").read_bytes() == state[: len(state) // 2]
    assert pickle.loads((jobdir / "spider.state").read_bytes())["louvre_clean"] is True


def test_a_site_that_answers_nothing_ends_the_run_in_bounded_time(tmp_path: Path, fake_louvre):
    # Every zip request is held open, unanswered, for far longer than the test.
    server = fake_louvre("--max-id", "20", "--fault", "slow:1-20", "--slow-seconds", "600")
    settings = {"LOUVRE_BASE_URL": server.url, **FAST, "LOUVRE_STALL_SECONDS": "2"}
    started = time.monotonic()

    run = crawl(tmp_path / "store", "-a", "end=20", settings=settings, timeout=90)

    assert time.monotonic() - started < 60
    assert run.returncode == EXIT_SITE_DOWN, run.stderr
    no_traceback(run.stderr)
    (stalled,) = [line for line in run.lines("ERROR") if "Nothing moved" in line]
    assert "Nothing moved for 0:00:02: waited for 20 requests in flight (" in stalled
    assert "/en/artwork/image/download/1/0 and 19 more) to answer" in stalled


def test_sigterm_ends_a_wedged_run_within_seconds(tmp_path: Path, fake_louvre):
    server = fake_louvre("--max-id", "20", "--fault", "slow:1-20", "--slow-seconds", "600")
    settings = {"LOUVRE_BASE_URL": server.url, **FAST, "LOUVRE_STALL_SECONDS": "0"}
    process = start_crawl(tmp_path / "store", "-a", "end=20", settings=settings)
    while not gets(server, "robots")["/robots.txt"]:  # the crawl runs: zips are asked next
        assert process.poll() is None
        time.sleep(0.05)
    time.sleep(1)
    process.send_signal(signal.SIGTERM)  # what Scrapyd's cancel sends
    started = time.monotonic()

    status, stderr = finish(process, timeout=60)

    assert time.monotonic() - started < 30
    assert status == EXIT_STOPPED, stderr
    no_traceback(stderr)
    assert "forcing the end" in stderr
    # Forced, the spider never closes: the summary is said all the same, once.
    assert stderr.count("Louvre crawl stopped before the end (Ctrl-C or cancel) after") == 1
    assert "  IDs:     20 handed out: 0 zips stored" in stderr
    assert "  next:    run the same command again: what is already stored is skipped" in stderr
