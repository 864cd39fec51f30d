"""The exit-status contract, as a pure function."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakesite.harness import crawl
from louvre_scraper.exitstatus import (
    EXIT_BAD_INPUT,
    EXIT_COMPLETE,
    EXIT_CRASH,
    EXIT_SITE_DOWN,
    EXIT_SOME_FAILED,
    EXIT_STOPPED,
    EXIT_STORE_FAILED,
    exit_status,
)


@pytest.mark.parametrize(
    ("reason", "failed", "status"),
    [
        ("finished", 0, EXIT_COMPLETE),
        ("finished", 2, EXIT_SOME_FAILED),
        ("unreachable", 0, EXIT_SITE_DOWN),
        ("refused", 7, EXIT_SITE_DOWN),
        ("store_full", 3, EXIT_STORE_FAILED),
        ("bad_input", 0, EXIT_BAD_INPUT),
        ("start_error", 0, EXIT_CRASH),
        ("shutdown", 0, EXIT_STOPPED),
        ("shutdown", 5, EXIT_STOPPED),
        ("closespider_pagecount", 0, EXIT_STOPPED),
        ("cancelled", 0, EXIT_STOPPED),
        (None, 0, EXIT_STOPPED),  # a forced second Ctrl-C: spider_closed never ran
    ],
)
def test_exit_status(reason: str | None, failed: int, status: int) -> None:
    assert exit_status(reason, failed) == status


def test_records_left_unfinished_are_not_a_complete_run() -> None:
    assert exit_status("finished", 0, unfinished=3) == EXIT_SOME_FAILED
    assert exit_status("shutdown", 0, unfinished=3) == EXIT_STOPPED
    assert exit_status("finished", 0, unfinished=0) == EXIT_COMPLETE


def test_the_statuses_are_distinct_and_fixed() -> None:
    statuses = [
        EXIT_COMPLETE,
        EXIT_CRASH,
        EXIT_BAD_INPUT,
        EXIT_SOME_FAILED,
        EXIT_SITE_DOWN,
        EXIT_STORE_FAILED,
        EXIT_STOPPED,
    ]
    assert statuses == list(range(7))


def test_a_crash_exits_1(tmp_path: Path) -> None:
    # A component that cannot even be loaded: Scrapy's own traceback, and Python's status 1.
    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=10",
        settings={"EXTENSIONS": '{"no_such_module.Extension": 0}', "LOG_LEVEL": "WARNING"},
    )

    assert result.returncode == EXIT_CRASH, result.stderr
    assert "No module named 'no_such_module'" in result.stderr
