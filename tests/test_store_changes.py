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
    journal_bytes,
    read_journal,
    run_name,
    run_start,
    sha256_of,
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


def test_a_change_with_a_write_is_journaled_before_it_and_said_after_it() -> None:
    journal: list[dict] = []
    log = ChangeLog(journal=journal.append)
    log.expect_record("cl010000001", None)
    log.storing_record("cl010000001", "records/cl010000001.json", "u1", b"{}")
    log.image(GONE, "cl010000001", "images/cl010000001/1.jpg", on=("records/cl010000001.json", "x"))
    assert log.lines == []  # not stored yet: nothing said
    assert [event.get("on") for event in journal] == ["records/cl010000001.json"] * 2
    assert journal[0]["sha256"] == sha256_of(b"{}")
    log.stored("records/cl010000001.json")
    assert [(line["kind"], line["change"]) for line in log.lines] == [
        ("record", "added"),
        ("image", "gone"),
    ]
    assert journal[-1] == {"done": "records/cl010000001.json"}
    log.record(WITHDRAWN, "cl010000002", "records/cl010000002.json")
    assert journal[-1] == {"line": log.lines[-1]}


def test_the_journal_tells_a_killed_run_s_changes_and_what_its_last_intents_became() -> None:
    journal: list[dict] = [{"run": "changes/20261201T000000Z.jsonl"}, {"job": "f"}]
    log = ChangeLog(journal=journal.append)
    log.image(
        ADDED, "cl010000001", "images/cl010000001/0.jpg", on=("images/cl010000001/0.jpg", "a")
    )
    log.stored("images/cl010000001/0.jpg")
    log.image(
        ADDED, "cl010000002", "images/cl010000002/0.jpg", on=("images/cl010000002/0.jpg", "b")
    )
    log.image(
        ADDED, "cl010000003", "images/cl010000003/0.jpg", on=("images/cl010000003/0.jpg", "c")
    )
    log.record(WITHDRAWN, "cl010000004", "records/cl010000004.json")
    body = journal_bytes(journal) + b'{"done": "images/cl0100'  # killed mid-line
    (run,) = read_journal(body)
    assert (run.log, run.job, run.written) == ("changes/20261201T000000Z.jsonl", "f", False)
    assert [line["ark"] for line in run.lines] == ["cl010000001", "cl010000004"]
    assert sorted(run.pending) == ["images/cl010000002/0.jpg", "images/cl010000003/0.jpg"]
    # The store holds the bytes the first intent waited for (the write happened), not the
    # second's (it did not): only the first is a change.
    run.confirm("images/cl010000002/0.jpg", "b")
    run.confirm("images/cl010000003/0.jpg", None)
    assert [line["ark"] for line in run.lines] == ["cl010000001", "cl010000004", "cl010000002"]
    again = read_journal(journal_bytes([*run.events(), {"written": run.log}]))
    assert [(r.lines, r.pending, r.written) for r in again] == [(run.lines, {}, True)]


def test_a_run_named_twice_in_the_journal_is_one_run_and_each_change_is_said_once() -> None:
    line = {"kind": "record", "change": "added", "ark": "cl010000001", "path": "p"}
    events = [
        {"run": "changes/a.jsonl"},
        {"line": line},
        {"written": "changes/a.jsonl"},
        {"run": "changes/b.jsonl"},
        {"run": "changes/a.jsonl"},
        {"line": line},
        {"line": {**line, "path": "q"}},
    ]
    a, b = read_journal(journal_bytes(events))
    assert (a.log, b.log) == ("changes/a.jsonl", "changes/b.jsonl")
    assert [entry["path"] for entry in a.lines] == ["p", "q"]
    assert not a.written  # taken on by a later run, whose log is not written yet
