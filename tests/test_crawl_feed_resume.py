"""A crawl's ``-O`` feed never holds less than the user thinks: refused on a resumed JOBDIR
job, and never said "Stored" when it was not written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakesite.harness import FAST, crawl, job_settings
from louvre_scraper.errors import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from pathlib import Path

SERVER = ("--records", "6", "--per-sitemap", "3")


def test_overwriting_a_feed_on_a_resumed_job_is_refused(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    store, jobdir = tmp_path / "store", tmp_path / "job"
    settings = job_settings(server.url, jobdir, 2)
    first = crawl(
        store, "-O", str(tmp_path / "first.jsonl"), settings=settings, spider="collection"
    )
    assert first.returncode == 0, first.stderr
    before = sorted(p.name for p in store.rglob("*"))

    feed = tmp_path / "job.jsonl"
    again = crawl(store, "-O", str(feed), settings=settings, spider="collection")
    appended = crawl(store, "-o", str(feed), settings=settings, spider="collection")

    assert again.returncode == EXIT_BAD_INPUT, again.stderr
    assert "Traceback" not in again.stderr
    (line,) = [line for line in again.stderr.splitlines() if line.strip()]  # before logging
    assert f"-O {feed} on a resumed job (JOBDIR {jobdir})" in line
    assert f"use -o {feed}" in line and "scrapy export" in line
    assert sorted(p.name for p in store.rglob("*")) == before  # nothing written
    # -o (append) is let through: the earlier runs' rows stay in the file.
    assert appended.returncode == 0, appended.stderr
    assert feed.exists()


def test_a_feed_not_written_is_not_said_stored(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    settings = {"LOUVRE_BASE_URL": "http://127.0.0.1:1", **FAST}

    run = crawl(tmp_path / "store", "-O", str(feed), settings=settings, spider="collection")

    assert run.returncode == 4, run.stderr
    assert not feed.exists()
    assert "Stored jsonl feed" not in run.stderr
    assert f"Feed {feed} not written: the run stopped before any item" in run.stderr
