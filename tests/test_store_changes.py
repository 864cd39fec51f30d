"""The change log of a run (store/changes.py), without Twisted: what it tells, and its name."""

from __future__ import annotations

import datetime
import json

import pytest

from louvre_scraper.contract import Shard
from louvre_scraper.store.changes import (
    ADDED,
    GONE,
    REPLACED,
    WITHDRAWN,
    ChangeLog,
    is_change_log,
    run_name,
    run_start,
)
from louvre_scraper.store.layout import changes_path


def test_a_record_is_added_modified_or_unchanged_by_its_bytes() -> None:
    log = ChangeLog()
    log.expect_record("cl010000001", None)
    log.expect_record("cl010000002", b'{"a": 1}')
    log.expect_record("cl010000003", b'{"a": 1}')
    log.record_stored("cl010000001", "records/cl010000001.json", "u1", b"{}")
    log.record_stored("cl010000002", "records/cl010000002.json", "u2", b'{"a": 2}')
    log.record_stored("cl010000003", "records/cl010000003.json", "u3", b'{"a": 1}')
    log.record_stored("cl010000004", "records/cl010000004.json", "u4", b"{}")  # never expected
    assert [(line["ark"], line["change"]) for line in log.lines] == [
        ("cl010000001", "added"),
        ("cl010000002", "modified"),
    ]
    assert log.lines[0] == {
        "kind": "record",
        "change": "added",
        "ark": "cl010000001",
        "path": "records/cl010000001.json",
        "url": "u1",
    }


def test_each_change_is_told_once_and_counted() -> None:
    log = ChangeLog()
    log.record(WITHDRAWN, "cl010000001", "records/cl010000001.json")
    log.record(WITHDRAWN, "cl010000001", "records/cl010000001.json")
    log.image(GONE, "cl010000001", "images/cl010000001/0.jpg")
    log.image(ADDED, "cl010000002", "images/cl010000002/0.jpg", "u")
    log.image(REPLACED, "cl010000002", "images/cl010000002/1.png", "v", old_path="x/1.jpg")
    assert len(log.lines) == 4
    assert log.summary() == (
        "records 0 added, 0 modified, 1 withdrawn; images 1 added, 1 replaced, 1 gone"
    )
    lines = [json.loads(text) for text in log.to_bytes().decode().splitlines()]
    assert lines == log.lines
    assert lines[3]["old_path"] == "x/1.jpg" and "url" not in lines[0]


def test_a_run_is_named_by_its_utc_start() -> None:
    start = datetime.datetime(
        2026, 12, 1, 23, 48, 19, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert run_name(start) == "20261201T224819Z"
    assert changes_path("20261201T224819Z", Shard(0, 1)) == "changes/20261201T224819Z.jsonl"
    sharded = changes_path("20261201T224819Z", Shard(1, 3))
    assert sharded == "changes/20261201T224819Z.shard-1-of-3.jsonl"
    assert run_start("20261201T224819Z.shard-1-of-3.jsonl") == start
    assert is_change_log(sharded) and not is_change_log("changes/notes.jsonl")
    assert not is_change_log("records/20261201T224819Z.jsonl")
    with pytest.raises(ValueError, match="not a run's name"):
        changes_path("../x", Shard(0, 1))
