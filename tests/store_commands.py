"""The mirror that the tests of ``scrapy export`` and ``scrapy verify`` work on, built as users do.

One mirror for the session (the ``mirror`` fixture, registered in conftest.py): the fake Louvre
crawled with a JOBDIR, stopped with Ctrl-C and resumed, then updated to the collection's next
edition (records modified, added, withdrawn, images replaced), with the update's feed kept as
the crawl's own account of each record. Each test works on its own copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from fakesite.collection import FakeCollection
from fakesite.harness import (
    FAST,
    ROOT,
    crawl,
    ctrl_c_once_stored,
    extra_settings,
    job_settings,
    parse_stats,
    start_crawl,
    start_fake_louvre,
)
from fakesite.options import fake_collection

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fakesite.images import FakeImage


SERVER = ("--records", "40", "--per-sitemap", "8", "--retry-after", "0", "--gone-images", "2")


@dataclass
class Mirror:
    store: Path
    feed: list[dict[str, Any]]  # the update crawl's items
    fake: FakeCollection
    url: str

    def stored_arks(self) -> list[str]:
        """Every record in the store: edition 2's, and the withdrawn ones (not pruned)."""
        return sorted(set(self.fake.served_arks(1)) | set(self.fake.served_arks(2)))

    def edition(self, ark: str) -> int:
        return 2 if ark in self.fake.served_arks(2) else 1

    def record(self, ark: str) -> dict[str, Any]:
        record = self.fake.record(ark, self.url, self.edition(ark))
        assert record is not None
        return record

    def stored_images(self, ark: str) -> list[FakeImage]:
        gone = set(self.fake.gone_images())
        images = self.fake.record_images(ark, self.edition(ark))
        return [image for image in images if image.path not in gone]

    def copy(self, to: Path, *, state: bool = False) -> Path:
        """A copy of the store; without the store's own state (``state/``) unless asked: a
        store as versions before it kept one left it, whose gaps verify cannot explain."""
        shutil.copytree(self.store, to)
        if not state:
            shutil.rmtree(to / "state", ignore_errors=True)
        return to


@pytest.fixture(scope="session")  # one crawl for export's and verify's tests
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    tmp = tmp_path_factory.mktemp("mirror")
    server = start_fake_louvre(*SERVER)
    fake = fake_collection(list(SERVER))
    store = tmp / "store"
    settings = job_settings(server.url, tmp / "job", 2, DOWNLOAD_DELAY="0.05")
    try:
        stopped = start_crawl(store, settings=settings, spider="collection")
        log, _ = ctrl_c_once_stored(stopped, store, "records/*.json", 8)
        assert parse_stats(log)["finish_reason"] == "shutdown"
        resumed = crawl(store, settings=settings, spider="collection")
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming the job" in resumed.stderr
        with urllib.request.urlopen(f"{server.url}/__edition__?n=2") as answer:
            assert json.load(answer)["edition"] == 2
        feed = tmp / "feed.jsonl"
        update = crawl(
            store,
            "-O",
            str(feed),
            settings={"LOUVRE_BASE_URL": server.url, **FAST},
            spider="collection",
        )
        assert update.returncode == 0, update.stderr
        items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
        yield Mirror(store, items, fake, server.url)
    finally:
        server.stop()


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def lines(self, level: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if f"] {level}: " in line]


def scrapy(command: str, *args: str, store: Path | str, **settings: str) -> Run:
    """``scrapy export|verify ...`` in a subprocess, on *store*, as a user runs it."""
    argv = [sys.executable, "-m", "scrapy", command, *args, "-s", f"FILES_STORE={store}"]
    for name, value in {**extra_settings(), "LOGSTATS_INTERVAL": "0", **settings}.items():
        argv += ["-s", f"{name}={value}"]
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_line_refusal(run: Run, text: str) -> None:
    assert run.returncode == 2, run.stderr
    critical = run.lines("CRITICAL")
    assert len(critical) == 1 and text in critical[0], run.stderr
    assert "Traceback" not in run.stderr
