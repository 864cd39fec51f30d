"""Each collection crawl's change log (``changes/{UTC start}.jsonl`` in the store) against the
fake server's own account of what an edition changed (``FakeCollection.changes``), and
``scrapy export --since`` reading it back."""

from __future__ import annotations

import json
import posixpath
import re
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from fakesite.harness import FAST, crawl, start_fake_louvre
from fakesite.options import fake_collection
from louvre_scraper.store.changes import changed_since, is_change_log, run_start, since_start
from tests.store_commands import assert_one_line_refusal, scrapy
from tests.test_crawl_collection import switch_edition

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fakesite.harness import Crawl, FakeLouvre

SERVER = ("--records", "40", "--per-sitemap", "8", "--retry-after", "0")


class Runs:
    def __init__(self, server: FakeLouvre, store: Path, crawls: list[Crawl]):
        self.server, self.store, self.crawls = server, store, crawls
        self.fake = fake_collection(list(SERVER))

    def log_of(self, run: Crawl) -> tuple[str, list[dict[str, Any]]]:
        """The change log the run's summary names, and its lines."""
        (name,) = re.findall(r"  changed: .*, listed in (changes/\S+\.jsonl)", run.stderr)
        text = (self.store / name).read_text(encoding="utf-8")
        return name, [json.loads(line) for line in text.splitlines()]

    def image_path(self, url_path: str, edition: int) -> str:
        """Where the fake server's image *url_path* of *edition* is in the store."""
        for ark in self.fake.served_arks(edition):
            for image in self.fake.record_images(ark, edition):
                if image.path == url_path:
                    ext = posixpath.splitext(url_path)[1].lower()
                    return f"images/{ark}/{image.position}{ext}"
        raise AssertionError(url_path)


def lines_of(lines: list[dict[str, Any]], kind: str, change: str, key: str = "ark") -> list:
    return sorted(line[key] for line in lines if (line["kind"], line["change"]) == (kind, change))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    tmp = tmp_path_factory.mktemp("changes")
    server = start_fake_louvre(*SERVER)
    store = tmp / "store"
    settings = {"LOUVRE_BASE_URL": server.url, **FAST}
    try:
        done = []
        for edition in (1, 2, 2):  # a crawl, an edition change, a rerun; then one with no change
            switch_edition(server, edition)
            run = crawl(store, settings=settings, spider="collection")
            assert run.returncode == 0, run.stderr
            done.append(run)
            time.sleep(1.1)  # each run its own second: its own change log
        yield Runs(server, store, done)
    finally:
        server.stop()


def test_the_first_crawl_adds_everything(runs: Runs) -> None:
    name, lines = runs.log_of(runs.crawls[0])
    assert is_change_log(name) and run_start(posixpath.basename(name)) is not None
    served = runs.fake.served_arks(1)
    assert lines_of(lines, "record", "added") == sorted(served)
    assert lines_of(lines, "record", "added", "path") == sorted(
        f"records/{ark}.json" for ark in served
    )
    images = sorted(
        runs.image_path(i.path, 1) for ark in served for i in runs.fake.record_images(ark, 1)
    )
    assert lines_of(lines, "image", "added", "path") == images
    assert Counter((line["kind"], line["change"]) for line in lines) == {
        ("record", "added"): len(served),
        ("image", "added"): len(images),
    }


def test_the_rerun_lists_exactly_what_the_edition_changed(runs: Runs) -> None:
    name, lines = runs.log_of(runs.crawls[1])
    diff = runs.fake.changes(1, 2)
    assert diff.added and diff.withdrawn and diff.modified and diff.images_replaced
    assert lines_of(lines, "record", "added") == sorted(diff.added)
    assert lines_of(lines, "record", "modified") == sorted(diff.modified)
    assert lines_of(lines, "record", "withdrawn") == sorted(diff.withdrawn)
    assert lines_of(lines, "record", "withdrawn", "path") == sorted(
        f"records/{ark}.json" for ark in diff.withdrawn
    )
    url = runs.server.url
    # An image at the same place of its record, another one now: replaced (its new URL).
    replaced = sorted(url + new for new in diff.images_replaced.values())
    assert lines_of(lines, "image", "replaced", "url") == replaced
    for line in lines:
        if line["change"] == "replaced":
            old = next(o for o, n in diff.images_replaced.items() if url + n == line["url"])
            assert line["path"] == runs.image_path(line["url"][len(url) :], 2)
            if posixpath.splitext(old)[1].lower() != posixpath.splitext(line["url"])[1].lower():
                assert line["old_path"] == runs.image_path(old, 1)  # its file changed name
            else:
                assert "old_path" not in line
    added = sorted(set(diff.images_added) - set(diff.images_replaced.values()))
    assert lines_of(lines, "image", "added", "url") == sorted(url + p for p in added)
    gone = sorted(set(diff.images_removed) - set(diff.images_replaced))
    assert lines_of(lines, "image", "gone", "path") == sorted(runs.image_path(p, 1) for p in gone)
    assert len(lines) == (
        len(diff.added)
        + len(diff.modified)
        + len(diff.withdrawn)
        + len(replaced)
        + len(added)
        + len(gone)
    )
    summary = runs.crawls[1].stderr
    assert (
        f"  changed: records {len(diff.added)} added, {len(diff.modified)} modified,"
        f" {len(diff.withdrawn)} withdrawn; images {len(added)} added, {len(replaced)}"
        f" replaced, {len(gone)} gone, listed in {name}"
    ) in summary


def test_a_run_that_changes_nothing_writes_no_log(runs: Runs) -> None:
    # The withdrawn records, still stored, are not told again: nothing changed, nothing written.
    assert "  changed: nothing in the store (no change log written)" in runs.crawls[2].stderr
    logs = runs.crawls[2].change_logs()
    assert sorted(logs) == sorted(runs.log_of(run)[0] for run in runs.crawls[:2])


def test_export_since_a_run_gives_exactly_the_changed_records(runs: Runs, tmp_path) -> None:
    diff = runs.fake.changes(1, 2)
    second = posixpath.basename(runs.log_of(runs.crawls[1])[0]).removesuffix(".jsonl")
    out = tmp_path / "since.jsonl"
    done = scrapy("export", str(out), "--since", second, store=runs.store)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["arkId"] for row in rows) == sorted(diff.added + diff.modified)
    assert f"({len(diff.withdrawn)} withdrawn, not exported)" in done.stderr
    for row in rows:  # the records as they are now
        assert row["modified"] == runs.fake.modified(row["arkId"], 2)
    # Since a date: every run of that day, the first crawl's too; withdrawn ones left out.
    start = run_start(posixpath.basename(runs.log_of(runs.crawls[0])[0]))
    assert start is not None
    day = start.date().isoformat()
    done = scrapy("export", str(out), "--since", day, store=runs.store)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["arkId"] for row in rows) == sorted(runs.fake.served_arks(2))
    # Since the last run (which changed nothing), or later: refused, nothing written.
    later = start.replace(year=start.year + 1).strftime("%Y%m%dT%H%M%SZ")
    out.unlink()
    assert_one_line_refusal(
        scrapy("export", str(out), "--since", later, store=runs.store),
        f"bad option --since='{later}': no stored record changed since then",
    )
    assert_one_line_refusal(
        scrapy("export", str(out), "--since", "last week", store=runs.store),
        "bad option --since='last week': expected a date",
    )
    assert not out.exists()


def test_the_change_logs_read_back_as_a_pure_function() -> None:
    first = b'{"kind": "record", "change": "added", "ark": "cl010000001", "path": "r"}\n'
    second = (
        b'{"kind": "record", "change": "withdrawn", "ark": "cl010000001", "path": "r"}\n'
        b'{"kind": "image", "change": "added", "ark": "cl010000002", "path": "i"}\n'
        b"not a line\n"
    )
    files = {"changes/20261201T080000Z.jsonl": first, "changes/20261202T080000Z.jsonl": second}
    since = since_start("2026-12-01")
    assert since is not None
    assert changed_since(files, since) == {"cl010000001": "withdrawn", "cl010000002": "added"}
    later = since_start("20261202T000000Z")
    assert later is not None
    assert changed_since({"changes/20261201T080000Z.jsonl": first}, later) == {}
    assert since_start("2026-12-01T08:00:00Z") == since_start("20261201T080000Z")
    assert since_start("soon") is None
