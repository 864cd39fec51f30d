"""The README's demo is incremental (issue 23): run twice, the second crawl downloads no image;
a mirror crawled again from the server on another port is the same mirror; images a record
now lists with another URL are replaced with one DEBUG line each and counted in the summary."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request
from typing import TYPE_CHECKING

from fakesite.harness import ROOT, start_fake_louvre
from tests.test_crawl_collection import SERVER, collect, gets

if TYPE_CHECKING:
    from pathlib import Path

README = (ROOT / "README.md").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_crawl(store: Path, port: int) -> subprocess.CompletedProcess[str]:
    """The README's demo crawl (its catalogue left out), on *port* instead of 8765."""
    command = [
        sys.executable, "-m", "fakesite", "--records", "40", "--port", str(port),
        "--exec", sys.executable, "-m", "scrapy", "crawl", "collection",
        "-s", "LOUVRE_BASE_URL={url}", "-s", f"FILES_STORE={store}",
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def images_line(stderr: str) -> str:
    return re.findall(r"  images:  .*", stderr)[-1]


def test_the_demo_run_twice_downloads_no_image_the_second_time(tmp_path: Path) -> None:
    assert "fakesite --records 40 --port 8765 --exec" in README
    port = free_port()

    first = demo_crawl(tmp_path / "demo-mirror", port)
    records = sorted((tmp_path / "demo-mirror" / "records").glob("*.json"))
    written = {path.name: path.stat().st_ino for path in records}  # an atomic write: a new inode
    second = demo_crawl(tmp_path / "demo-mirror", port)

    assert first.returncode == 0, first.stderr
    # The console ends with the project's summary: Scrapy's stats dump is at DEBUG.
    assert "Dumping Scrapy stats" not in first.stderr
    assert first.stderr.rstrip().endswith("INFO: Spider closed (finished)")
    assert second.returncode == 0, second.stderr
    assert images_line(second.stderr).startswith("  images:  0 stored,")
    assert "replacing it" not in second.stderr
    # Each record's .json was fetched again (the demo gives no dates, no validators), found to
    # be the very bytes stored, and not written again.
    assert len(records) == 40
    assert "records: 40 listed in 5 sitemaps: 40 fetched, 0 already current" in second.stderr
    assert "  changed: nothing in the store" in second.stderr
    assert {path.name: path.stat().st_ino for path in records} == written


def test_the_same_mirror_from_a_server_on_another_port(tmp_path: Path, fake_louvre) -> None:
    store = tmp_path / "store"
    first = fake_louvre(*SERVER)
    assert collect(store, first).returncode == 0
    first.stop()
    again = fake_louvre(*SERVER)  # another free port: every URL the records list changed

    run = collect(store, again)

    assert run.returncode == 0, run.stderr
    assert not gets(again, "image"), "no image downloaded again"
    assert images_line(run.stderr).startswith("  images:  0 stored,")


def test_replaced_images_are_counted_not_listed(tmp_path: Path, fake_louvre) -> None:
    store = tmp_path / "store"
    server = start_fake_louvre(*SERVER)
    try:
        assert collect(store, server).returncode == 0
        with urllib.request.urlopen(f"{server.url}/__edition__?n=2"):
            pass
        run = collect(store, server, LOG_LEVEL="INFO")
    finally:
        server.stop()

    assert run.returncode == 0, run.stderr
    assert "replacing it" not in run.stderr  # DEBUG, one per file
    replaced = run.stats.get("collection/images_replaced", 0)
    assert replaced > 0
    assert f"  replaced: {replaced} stored images the records now list with another URL" in (
        run.stderr
    )
