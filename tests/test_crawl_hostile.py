"""``scrapy crawl`` against a hostile site (``fakesite.hostile``): the crawler fetches only the
site's own http(s) URLs, stores only whole images and records under names it chose, and keeps
its memory bounded, whatever the site sends."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING

import pytest

from fakesite.harness import FAST, ROOT, Crawl, crawl, crawl_command, parse_stats, start_fake_louvre
from fakesite.hostile import BODIES, FLOOD, HOSTILE_NAMES, HostileCollection
from fakesite.options import parse_args
from louvre_scraper.bodies.images import image_extension
from louvre_scraper.downloadermiddlewares.fetchpolicy import NOT_HTTP, OTHER_HOST

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fakesite.harness import FakeLouvre

SERVER = ("--records", "10", "--per-sitemap", "5", "--retry-after", "0")
PEAK_RSS_BOUND = 512 * 1024 * 1024  # the bound for a crawl at default concurrency
JPEG_SECRET = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00SECRET\xff\xd9"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A local file that looks like an image: the site must not get it copied into the store."""
    path = tmp_path / "secret.jpg"
    path.write_bytes(JPEG_SECRET)
    return path


@pytest.fixture
def hostile(secret: Path) -> Iterator[FakeLouvre]:
    server = start_fake_louvre(*SERVER, "--secret", str(secret), module="fakesite.hostile")
    yield server
    server.stop()


def site(server: FakeLouvre, secret: Path) -> HostileCollection:
    """The hostile site as the server serves it (for expectations)."""
    fake = HostileCollection(parse_args(list(SERVER)).documented)
    fake.secret, fake.other = str(secret), other_url(server)
    return fake


def other_url(server: FakeLouvre) -> str:
    with urllib.request.urlopen(f"{server.url}/hostile/other") as answer:
        return answer.read().decode()


def other_host_requests(server: FakeLouvre) -> list[dict]:
    with urllib.request.urlopen(f"{other_url(server)}/__log__") as answer:
        return json.load(answer)["requests"]


# Starts the crawl and writes its peak RSS (kB) in argv[1]: the crawl must be a child of a small
# process. Linux counts in a child's ru_maxrss the image it ran before exec, which for a child
# of the test process is the test process itself (a pytest worker: hundreds of MB after many
# tests), so measured from here the crawl would seem to weigh what the worker weighs.
MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def collect_measured(store: Path, server: FakeLouvre, *args: str) -> tuple[Crawl, int]:
    """``scrapy crawl collection`` and its own peak RSS in bytes (``os.wait4`` on its pid, in
    a small launcher: see :data:`MEASURE`)."""
    settings = {"LOUVRE_BASE_URL": server.url, **FAST}
    peak = store.parent / f"{store.name}.maxrss"
    command = [
        sys.executable, "-c", MEASURE, str(peak),
        *crawl_command(store, "collection", settings), *args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the launcher and the crawl: killed together if need be
    )
    timer = threading.Timer(300, os.killpg, (process.pid, signal.SIGKILL))
    timer.start()
    try:
        assert process.stderr is not None
        stderr = process.stderr.read()
    finally:
        timer.cancel()
    process.wait()
    kilobytes = int(peak.read_text())
    return Crawl(process.returncode, stderr, store, parse_stats(stderr)), kilobytes * 1024


def collect(store: Path, server: FakeLouvre, *args: str, **settings: str) -> Crawl:
    return crawl(
        store,
        *args,
        settings={"LOUVRE_BASE_URL": server.url, **FAST, **settings},
        spider="collection",
    )


def expected_images(fake: HostileCollection) -> dict[str, bytes]:
    """What the store must hold of images: the ordinary records' all, the hostile ones' only
    the names ``HOSTILE_RECORDS`` says, with the bytes the site served."""
    hostile = fake.hostile_arks()
    files = {}
    for ark in fake.served_arks():
        if ark in hostile:
            for image in fake.hostile_images(ark):
                if image.stored:
                    name = urllib.parse.unquote(image.url).rsplit("/", 1)[1]
                    files[f"images/{ark}/{image.stored}"] = BODIES[name][1]
            continue
        for image in fake.record_images(ark):
            data = fake.image_bytes(image.path)
            files[f"images/{ark}/{image.position}{image_extension(data)}"] = data
    return files


def refusal_lines(run: Crawl) -> list[str]:
    return [line.split("] WARNING: ", 1)[1] for line in run.lines("WARNING") if " refused " in line]


def test_a_hostile_site_gets_nothing_but_whole_images_under_our_names(
    tmp_path: Path, hostile: FakeLouvre, secret: Path
) -> None:
    fake = site(hostile, secret)
    store, feed = tmp_path / "store", tmp_path / "feed.jsonl"

    run, peak = collect_measured(store, hostile, "-O", str(feed))

    # Failed images and sitemaps: the run is not complete, and says so.
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    files = run.files()
    images = {p: data for p, data in files.items() if p.startswith("images/")}
    assert images == expected_images(fake)
    assert sorted(p for p in files if p.startswith("records/")) == sorted(
        f"records/{ark}.json" for ark in fake.served_arks()
    )
    # Nothing local was read, nothing named by the site.
    assert all(data != JPEG_SECRET for data in files.values())
    assert all(re.fullmatch(r"cl\d{9}/\d+(-\d+)?\.(jpg|png|webp|gif|tif)", p[7:]) for p in images)

    # The feed says where each image is, or that it failed: never a path for one not stored,
    # never one file for two images (the collisions record's names are distinct).
    rows = {row["arkId"]: row for row in map(json.loads, feed.read_text().splitlines())}
    for ark in fake.hostile_arks():
        listed = {e["url"]: (e["path"], e["status"]) for e in rows[ark]["images"]}
        assert listed == {
            fake.fill(i.url, hostile.url): (
                (f"images/{ark}/{i.stored}", "downloaded") if i.stored else (None, "failed")
            )
            for i in fake.hostile_images(ark)
        }, ark

    collided = [line for line in run.lines("INFO") if "images share a position" in line]
    assert len(collided) == 1 and collided[0].endswith(
        f"{fake.hostile_arks()[4]}: images share a position;"
        " stored as 0 → 0, 0 → 0-1, 1 → 1, 2 → 2, 2 → 2-1"
    ), collided

    # Each refusal named once, in one line, with what it was.
    lines = refusal_lines(run)
    arks = fake.hostile_arks()
    schemes, redirects, _tricks, sizes, _collisions, flood, _lies = arks
    for stem, url in enumerate(
        (
            f"file://{secret}",
            "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==",
            "ftp://127.0.0.1/secret.jpg",
            "s3://louvre-private/secret.jpg",
            "javascript:alert(document.cookie)",
        )
    ):
        assert lines.count(f"image {schemes}/{stem}: refused {url} — {NOT_HTTP}") == 1, lines
    other = other_url(hostile)
    assert (
        lines.count(f"image {schemes}/5: refused {other}/hostile/img/good.jpg — {OTHER_HOST}") == 1
    )
    # Redirects: each hop judged, the refused target named.
    assert lines.count(f"image {redirects}/0: refused file://{secret} — {NOT_HTTP}") == 1
    assert (
        lines.count(f"image {redirects}/2: refused {other}/hostile/img/good.jpg — {OTHER_HOST}")
        == 1
    )
    assert sum(line.startswith(f"image {redirects}/") for line in lines) == 4
    # Bodies without end: cut at their limit (or by the budget of all the bodies in flight,
    # which the flood below fills), one line each naming the setting.
    limit = "its body is over the limit (LOUVRE_MAX_IMAGE_BYTES=33554432, raise it to fetch)"
    budget = "stayed over the limit (LOUVRE_MAX_BYTES_IN_FLIGHT=134217728; raise it"
    for stem, name in enumerate(("endless", "declared", "chunked")):
        prefix = f"image {sizes}/{stem}: refused {hostile.url}/hostile/{name} — "
        said = [line for line in lines if line.startswith(prefix)]
        assert len(said) == 1, lines
        assert limit in said[0] or (name != "declared" and budget in said[0]), said
    assert "larger than download max size" not in run.stderr  # Scrapy's own line, dropped
    # A flood of endless bodies, more than CONCURRENT_REQUESTS: the budget of all the bodies
    # in flight holds them back (asked again later), each fails at its own limit.
    flooded = [line for line in lines if line.startswith(f"image {flood}/")]
    assert sorted(int(line.split("/", 1)[1].split(":", 1)[0]) for line in flooded) == list(
        range(FLOOD)
    )
    assert all(limit in line or budget in line for line in flooded), flooded
    # A flood of lies (each body declares 30 MiB, sends 64 KiB, stops): each failed (the feed,
    # above), and none held what it declared (the peak, below).
    # The robots.txt Sitemap: line and the sitemap index's foreign entries; a gzip bomb.
    warnings = run.lines("WARNING")
    assert any(f"refused file://{secret} — {NOT_HTTP}" in line for line in warnings)
    assert any(f"refused {other}/sitemap.xml — {OTHER_HOST}" in line for line in warnings)
    bomb = (
        f"Sitemap {hostile.url}/hostile/bomb.xml.gz failed: over the limit once decompressed"
        " (LOUVRE_MAX_SITEMAP_BYTES=52428800, raise it to read it)"
    )
    assert sum(line.endswith(bomb) for line in warnings) == 1
    # The other host was never asked anything, not even its robots.txt.
    assert other_host_requests(hostile) == []
    # Not the site failing: the crawl went on to the end.
    assert "answers again" not in run.stderr
    assert run.stats["collection/images_failed"] >= 16 + 2 * FLOOD
    assert peak < PEAK_RSS_BOUND, f"peak RSS {peak / 2**20:.0f} MiB"


def test_another_host_is_fetched_once_allowed(
    tmp_path: Path, hostile: FakeLouvre, secret: Path
) -> None:
    fake = site(hostile, secret)
    other = other_url(hostile)
    host = other.split("//", 1)[1].split(":", 1)[0]

    # (Small bodies: the endless ones end soon.)
    run = collect(
        tmp_path / "store", hostile, LOUVRE_ALLOWED_HOSTS=host, LOUVRE_MAX_IMAGE_BYTES="65536"
    )

    schemes, redirects = fake.hostile_arks()[:2]
    files = run.files()
    good = BODIES["good.jpg"][1]
    assert files[f"images/{schemes}/5.jpg"] == good
    assert files[f"images/{redirects}/2.jpg"] == good
    assert any(r["path"] == "/hostile/img/good.jpg" for r in other_host_requests(hostile))


def test_the_zip_route_obeys_the_same_limits(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "5", "--density", "1", "--zip-size", "4096")

    run = crawl(
        tmp_path / "zips",
        "-a",
        "end=5",
        settings={"LOUVRE_BASE_URL": server.url, "LOUVRE_MAX_ZIP_BYTES": "1000", **FAST},
    )

    assert run.returncode == 3, run.stderr
    assert run.files() == {}
    for artwork_id in range(1, 6):
        line = (
            f"ID {artwork_id}: refused {server.url}/en/artwork/image/download/{artwork_id}/0"
            " — its body is over the limit (LOUVRE_MAX_ZIP_BYTES=1000, raise it to fetch)"
        )
        assert refusal_lines(run).count(line) == 1, run.stderr
    assert "failed after retries" not in run.stderr  # one line per ID, the policy's
    assert "Traceback" not in run.stderr


def test_a_sitemap_over_the_protocols_url_limit_is_not_read(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--records", "20", "--per-sitemap", "8")

    run = collect(tmp_path / "store", server, LOUVRE_MAX_SITEMAP_URLS="10")

    # Each sub-sitemap lists its records under two URLs each: over 10 entries, not read.
    assert run.returncode == 3, run.stderr
    said = [line for line in run.lines("WARNING") if "LOUVRE_MAX_SITEMAP_URLS=10" in line]
    assert said, run.stderr
    assert all(
        " entries, over the limit (LOUVRE_MAX_SITEMAP_URLS=10, raise it to read it)" in line
        for line in said
    )
    assert run.stats["collection/sitemaps_failed"] == len(said)
    stored = [p for p in run.files() if p.startswith("records/")]
    assert len(stored) < 20  # those of the sitemaps not read are not


def test_a_name_no_path_may_hold_is_refused_by_name(tmp_path: Path) -> None:
    """Records whose arkId is a traversal (plain and percent-encoded), empty or not an ark, and
    one whose image position has 300 digits: each counted failed, named in one line with its
    URL and why, nothing of it stored, no traceback; the other records stored as ever."""
    args = ("--records", "8", "--per-sitemap", "5", "--retry-after", "0")
    server = start_fake_louvre(*args, "--names", module="fakesite.hostile")
    try:
        fake = HostileCollection(parse_args(list(args)).documented)
        fake.names = True
        store = tmp_path / "store"
        run = collect(store, server)
    finally:
        server.stop()

    named = fake.named_arks()
    assert len(named) == len(HOSTILE_NAMES) == 5
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    assert "not an ark" not in run.stderr.replace("is not an ark (cl and nine digits)", "")
    warned = [line.split("] WARNING: ", 1)[1] for line in run.lines("WARNING")]
    lines = [line for line in warned if line.startswith("Record ") and " refused: " in line]
    record_url = f"{server.url}/ark:/53355/{{}}.json"
    expected = [
        f"Record {ark} refused: its arkId {ark_id!r} is not an ark (cl and nine digits)"
        f" ({record_url.format(ark)})"
        for ark, (ark_id, _) in zip(named, HOSTILE_NAMES, strict=True)
        if ark_id is not None
    ]
    expected.append(
        f"Record {named[4]} refused: an image position of 300 characters is too long for a"
        f" file name ({record_url.format(named[4])})"
    )
    assert sorted(lines) == sorted(expected)
    assert run.stats["collection/records_failed"] == len(HOSTILE_NAMES)
    sitemaps = run.stats["collection/sitemaps_failed"]  # the hostile site's own three
    assert run.stats["louvre/failed"] == len(HOSTILE_NAMES) + sitemaps
    files = run.files()
    for ark in named:  # nothing of a refused record: no .json, no image, no state
        assert not [path for path in files if ark in path], ark
    assert not [path for path in files if "HOSTILE" in path or "999" in path]
    assert not list(tmp_path.glob("**/HOSTILE*"))
    others = [ark for ark in fake.served_arks() if ark not in named]
    assert others and all(f"records/{ark}.json" in files for ark in others)
