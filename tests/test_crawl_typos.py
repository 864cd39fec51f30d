"""Typos get one line and exit 2, or a warning, never a traceback or a quiet default (issue 23):
the real ``scrapy crawl`` and ``scrapy export``, as a user types them."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from fakesite.harness import crawl, run_scrapy
from louvre_scraper.config import one_edit_apart
from louvre_scraper.errors import EXIT_BAD_INPUT
from louvre_scraper.exitstatus import EXIT_COMPLETE

if TYPE_CHECKING:
    from pathlib import Path


def one_critical_line(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    critical = [line for line in lines if "CRITICAL" in line or line.startswith("unknown")]
    assert len(critical) == 1, run.stderr
    return critical[0]


def test_an_unknown_spider_is_named_with_the_closest(tmp_path: Path) -> None:
    run = run_scrapy("crawl", "colection", "-s", f"FILES_STORE={tmp_path / 'store'}")

    line = one_critical_line(run)
    assert "unknown spider 'colection': did you mean collection?" in line
    assert not (tmp_path / "store").exists()


def test_an_unknown_louvre_setting_is_refused_with_the_closest(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for argv in (
        ("crawl", "collection", "-s", "LOUVRE_PRUNEMAX=5"),
        ("export", str(tmp_path / "out.jsonl"), "-s", "LOUVRE_PRUNEMAX=5"),
    ):
        run = run_scrapy(*argv, "-s", f"FILES_STORE={store}")
        line = one_critical_line(run)
        assert "unknown setting LOUVRE_PRUNEMAX: did you mean LOUVRE_PRUNE_MAX?" in line
    assert not store.exists()
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("FILE_STORE", "FILES_STORE"), ("JOB_DIR", "JOBDIR"), ("FEED", "FEEDS")],
)
def test_a_setting_one_edit_away_from_a_known_one_is_refused(
    tmp_path: Path, fake_louvre, typo: str, meant: str
) -> None:
    server = fake_louvre("--max-id", "5")
    run = crawl(
        tmp_path / "zips",
        "-a",
        "end=5",
        settings={"LOUVRE_BASE_URL": server.url, typo: str(tmp_path / "elsewhere")},
    )

    line = one_critical_line(run)
    assert f"unknown setting {typo}, one that neither Scrapy nor this project reads" in line
    assert f"did you mean {meant}?" in line
    assert f"LOUVRE_OWN_SETTINGS={typo}" in line
    assert list(tmp_path.iterdir()) == []  # nothing written, neither store


def test_a_setting_of_ones_own_extension_passes_when_listed(tmp_path: Path, fake_louvre):
    server = fake_louvre("--max-id", "5")
    run = crawl(
        tmp_path / "zips",
        "-a",
        "end=5",
        settings={
            "LOUVRE_BASE_URL": server.url,
            "FEED": "mine",
            "LOUVRE_OWN_SETTINGS": "FEED",
        },
    )

    assert run.returncode == EXIT_COMPLETE, run.stderr
    assert "unknown setting" not in run.stderr
    assert (tmp_path / "zips").is_dir()


def test_one_edit_apart() -> None:
    assert one_edit_apart("FILE_STORE", "FILES_STORE")
    assert one_edit_apart("LOUVRE_PRUN", "LOUVRE_PRUNE")
    assert one_edit_apart("JOBDIT", "JOBDIR")
    assert not one_edit_apart("JOBDIR", "JOBDIR")
    assert not one_edit_apart("FILES", "FILES_STORE")


def test_an_unreachable_site_leaves_nothing_behind(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run = crawl(
        store,
        settings={"LOUVRE_BASE_URL": "http://127.0.0.1:1", "RETRY_BACKOFF_BASE": "0.05"},
        spider="collection",
    )

    assert run.returncode == 4, run.stderr
    assert list(tmp_path.iterdir()) == []  # no store folder, no failed list beside it
    assert (
        "  next:    check the network (and LOUVRE_BASE_URL: the line above says what failed),"
        " then run the same command again"
    ) in run.stderr
