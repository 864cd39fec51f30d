"""Test harness: the fake Louvre server and ``scrapy crawl`` as real subprocesses."""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from louvre_scraper.store.changes import CHANGES_DIR, parse_lines

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = "state"  # louvre_scraper.store.layout.STATE_TEMPLATE's folder
# Extra settings for every crawl the tests start (``scrapy crawl`` here, test_shards' runs and
# Scrapyd jobs), to run the whole suite in another mode, e.g.
# ``LOUVRE_TEST_SETTINGS='TWISTED_REACTOR_ENABLED=False' .venv/bin/python -m pytest``.
# ``;`` separates settings.
SETTINGS_ENV = "LOUVRE_TEST_SETTINGS"


# The polite defaults pace a crawl by the server's latency (AutoThrottle): on a shared CI
# machine that latency is the machine's load, and every end-to-end test would crawl at a
# fraction of its speed. Test crawls are unthrottled unless they ask for it (a test's own
# settings, or $LOUVRE_TEST_SETTINGS, win); tests/test_crawl_politeness.py runs the defaults.
# Scrapy's stats dump on the console: the tests read the stats from it (parse_stats).
TEST_DEFAULTS = {"AUTOTHROTTLE_ENABLED": "False", "LOUVRE_STATS_ON_CONSOLE": "True"}
# Retries that wait a twentieth of a second rather than Scrapy's backoff, and no stats line.
FAST = {"RETRY_BACKOFF_BASE": "0.05", "LOGSTATS_INTERVAL": "0"}


def extra_settings() -> dict[str, str]:
    """The tests' defaults (:data:`TEST_DEFAULTS`) and the NAME=VALUE pairs of
    ``$LOUVRE_TEST_SETTINGS`` (none when it is unset or empty)."""
    pairs = (part.strip() for part in os.environ.get(SETTINGS_ENV, "").split(";"))
    return {**TEST_DEFAULTS, **dict(pair.split("=", 1) for pair in pairs if pair)}


@dataclass
class FakeLouvre:
    """A running ``python -m fakesite`` subprocess."""

    url: str
    process: subprocess.Popen[str]

    def log(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/__log__") as answer:
            return json.load(answer)

    def zip_gets(self) -> list[int]:
        """IDs whose zip body was served (GET 200 with a body)."""
        return [
            r["id"]
            for r in self.log()["requests"]
            if r["method"] == "GET" and r["status"] == 200 and r["id"] is not None and r["bytes"]
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)


def start_fake_louvre(*args: str, module: str = "fakesite") -> FakeLouvre:
    """Start a fake server (``python -m fakesite``, or a sibling such as ``fakesite.hostile``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return FakeLouvre(url, process)


@dataclass
class Crawl:
    returncode: int
    stderr: str
    store: Path
    stats: dict[str, Any] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        """The mirror in the store: every file but the runs' change logs (``changes/``, one
        per collection crawl, named by its start: see :meth:`change_logs`) and the store's own
        state (``state/``, what the crawl learnt: louvre_scraper/store/state.py; see
        :meth:`state`)."""
        return {
            path: body
            for path, body in self.all_files().items()
            if not path.startswith((f"{CHANGES_DIR}/", f"{STATE_DIR}/"))
        }

    def change_logs(self) -> dict[str, bytes]:
        """The change logs the collection crawls wrote in the store (``changes/*.jsonl``)."""
        return {
            path: body
            for path, body in self.all_files().items()
            if path.startswith(f"{CHANGES_DIR}/")
        }

    def changes_told(self) -> Counter[tuple[str, str]]:
        """Each ``(change, path)`` the store's change logs tell, and how many times."""
        return Counter(
            (line["change"], line["path"])
            for body in self.change_logs().values()
            for line in parse_lines(body)
        )

    def all_files(self) -> dict[str, bytes]:
        if not self.store.exists():
            return {}
        return {
            str(p.relative_to(self.store)): p.read_bytes()
            for p in sorted(self.store.rglob("*"))
            if p.is_file()
        }

    def state(self) -> dict[str, dict[str, Any]]:
        """The store's state of each record, by ark."""
        folder = self.store / STATE_DIR
        return {p.stem: json.loads(p.read_bytes()) for p in sorted(folder.glob("*.json"))}

    def lines(self, level: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if f"] {level}: " in line]


def parse_stats(log: str) -> dict[str, Any]:
    """The dict Scrapy logs after "Dumping Scrapy stats:"."""
    match = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n(?=\d{4}-\d\d-\d\d |\Z)", log, re.S)
    if not match:
        return {}
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", match[1])
    text = re.sub(r"datetime\.timedelta\([^)]*\)", "None", text)
    return ast.literal_eval(text)


def run_scrapy(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS...`` in a subprocess from the root, as typed (no settings added)."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def crawl_command(store: Path, spider: str, settings: dict[str, Any] | None) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"FILES_STORE={store}"]
    for name, value in {**extra_settings(), **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    return command


def start_crawl(
    store: Path, *args: str, settings: dict[str, Any], spider: str = "louvre"
) -> subprocess.Popen[str]:
    """Start ``scrapy crawl`` in the background (to signal it); its log on stderr."""
    return subprocess.Popen(
        [*crawl_command(store, spider, settings), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_files(store: Path, pattern: str, count: int, deadline: float = 60) -> None:
    """Wait until the running crawl has stored *count* files matching *pattern*."""
    end = time.monotonic() + deadline
    while len(list(store.glob(pattern))) < count:
        assert time.monotonic() < end, "the crawl stored too little in time"
        time.sleep(0.05)


def job_settings(url: str, jobdir: Path, concurrent: int, **more: str) -> dict[str, str]:
    """A crawl that can be stopped and resumed: the site at *url*, :data:`FAST` retries,
    *jobdir* as its JOBDIR, *concurrent* requests at a time, and *more* settings."""
    return {
        "LOUVRE_BASE_URL": url,
        **FAST,
        "JOBDIR": str(jobdir),
        "CONCURRENT_REQUESTS": str(concurrent),
        **more,
    }


def finish(process: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str]:
    """Wait for a crawl :func:`start_crawl` started (killed if it outlasts *timeout*): its exit
    status and log."""
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, stderr


def kill_at(process: subprocess.Popen[str], started: float, after: float) -> str:
    """SIGKILL *process* *after* seconds past *started* (or when it ends first); its log."""
    while process.poll() is None and time.monotonic() - started < after:
        time.sleep(0.01)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    return finish(process)[1]


def ctrl_c_once_stored(
    process: subprocess.Popen[str], store: Path, pattern: str, count: int
) -> tuple[str, float]:
    """Ctrl-C a running crawl once it has stored *count* files matching *pattern*: its log, and
    the seconds it took to stop."""
    wait_for_files(store, pattern, count)
    process.send_signal(signal.SIGINT)
    began = time.monotonic()
    _, log = process.communicate(timeout=30)
    return log, time.monotonic() - began


def crawl(
    store: Path,
    *args: str,
    settings: dict[str, Any] | None = None,
    timeout: float = 180,
    env: dict[str, str] | None = None,
    spider: str = "louvre",
) -> Crawl:
    """Run ``scrapy crawl SPIDER`` (``louvre`` unless told) in a subprocess from the root."""
    command = [*crawl_command(store, spider, settings), *args]
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Crawl(result.returncode, result.stderr, store, parse_stats(result.stderr))


CHROMIUM = "/usr/bin/chromium"  # Debian's chromium package; .ci/run installs it
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless system Chromium through Playwright (which then downloads no browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
