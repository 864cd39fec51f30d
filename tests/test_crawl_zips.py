"""End to end: ``scrapy crawl louvre`` against the fake Louvre server, as a user runs it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from fakesite.harness import Crawl, crawl
from fakesite.zips import Collection, zip_bytes
from louvre_scraper.exitstatus import EXIT_STOPPED


def expected_files(ids: list[int]) -> dict[str, bytes]:
    return {f"{i}.zip": zip_bytes(i) for i in ids}


def assert_quiet(result: Crawl) -> None:
    """No per-ID warnings, errors or tracebacks."""
    assert result.lines("WARNING") == []
    assert result.lines("ERROR") == []
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("style", "settings"),
    [
        ("404", {}),
        ("410", {}),
        ("html200", {}),
        ("html500", {"LOUVRE_MISSING_STATUSES": "404,410,500"}),
    ],
)
def test_every_zip_of_the_range_and_nothing_else(
    tmp_path: Path, fake_louvre, style: str, settings: dict[str, str]
) -> None:
    server = fake_louvre("--max-id", "120", "--missing", style)
    ids = Collection(max_id=120).ids()

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=120",
        settings={"LOUVRE_BASE_URL": server.url, **settings},
    )

    assert result.returncode == 0, result.stderr
    assert result.files() == expected_files(ids)
    assert result.stats["louvre/ids"] == 120
    assert result.stats["louvre/stored"] == len(ids)
    assert result.stats["louvre/missing"] == 120 - len(ids)
    assert result.stats["louvre/bytes"] == sum(len(zip_bytes(i)) for i in ids)
    assert "louvre/failed" not in result.stats
    assert_quiet(result)
    gets = [r["id"] for r in server.log()["requests"] if r["id"] is not None]
    assert sorted(gets) == list(range(1, 121)), "each ID asked exactly once"


def test_range_within_a_sparse_collection(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "300", "--gap", "150-220")
    ids = [i for i in Collection(max_id=300, gaps=((150, 220),)).ids() if 100 <= i <= 260]

    result = crawl(
        tmp_path / "zips",
        "-a",
        "start=100",
        "-a",
        "end=260",
        settings={"LOUVRE_BASE_URL": server.url},
    )

    assert result.returncode == 0, result.stderr
    assert result.files() == expected_files(ids)
    assert_quiet(result)


def test_redirects_to_a_cdn_are_followed(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "40", "--redirect")
    ids = Collection(max_id=40).ids()

    result = crawl(tmp_path / "zips", "-a", "end=40", settings={"LOUVRE_BASE_URL": server.url})

    assert result.returncode == 0, result.stderr
    assert result.files() == expected_files(ids)
    assert result.stats["downloader/response_status_count/302"] == 40
    assert_quiet(result)


def test_manifest_lists_every_stored_zip_without_bodies(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "30")
    ids = Collection(max_id=30).ids()
    manifest = tmp_path / "manifest.jsonl"

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=30",
        "-O",
        str(manifest),
        settings={"LOUVRE_BASE_URL": server.url},
    )

    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert sorted(row["id"] for row in rows) == ids
    for row in rows:
        assert set(row) == {"id", "url", "path", "checksum", "size", "status"}
        assert row["url"] == f"{server.url}/en/artwork/image/download/{row['id']}/0"
        assert row["path"] == f"{row['id']}.zip"
        assert row["size"] == len(zip_bytes(row["id"]))
        assert row["status"] == "downloaded"
        assert len(row["checksum"]) == 32


def test_a_csv_manifest_has_no_body_column(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "10")
    manifest = tmp_path / "manifest.csv"

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=10",
        "-O",
        str(manifest),
        settings={"LOUVRE_BASE_URL": server.url},
    )

    assert result.returncode == 0, result.stderr
    lines = manifest.read_text().splitlines()
    assert lines[0] == "id,url,path,checksum,size,status"
    assert len(lines) == 1 + len(Collection(max_id=10).ids())


@pytest.mark.parametrize("limit", [3, 8])
def test_the_server_sees_the_concurrency_that_was_set(
    tmp_path: Path, fake_louvre, limit: int
) -> None:
    # Slow answers keep requests in flight long enough for any excess to show.
    server = fake_louvre("--max-id", "60", "--fault", "slow:1-60", "--slow-seconds", "0.3")

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=60",
        settings={
            "LOUVRE_BASE_URL": server.url,
            "CONCURRENT_REQUESTS": limit,
            "CONCURRENT_REQUESTS_PER_DOMAIN": limit,
        },
    )

    assert result.returncode == 0, result.stderr
    assert server.log()["max_in_flight"] == limit


def test_a_million_ids_are_handed_out_lazily(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "1000000", "--density", "0.01")

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=1000000",
        settings={"LOUVRE_BASE_URL": server.url, "CLOSESPIDER_PAGECOUNT": 300},
    )

    assert result.returncode == EXIT_STOPPED, result.stderr  # stopped before the end
    assert result.stats["finish_reason"] == "closespider_pagecount"
    # Only what the downloader could take was ever scheduled, not the million.
    assert result.stats["scheduler/enqueued"] < 300 + 2 * 32


def test_second_run_downloads_nothing_again(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "50")
    ids = Collection(max_id=50).ids()
    settings = {"LOUVRE_BASE_URL": server.url}
    first = crawl(tmp_path / "zips", "-a", "end=50", settings=settings)
    assert first.returncode == 0, first.stderr
    served_before = len(server.zip_gets())

    second = crawl(tmp_path / "zips", "-a", "end=50", settings=settings)

    assert second.returncode == 0, second.stderr
    assert len(server.zip_gets()) == served_before == len(ids)
    assert second.stats["louvre/skipped"] == len(ids)
    assert second.files() == expected_files(ids)


BAD_INPUTS = [
    (["-a", "start=abc", "-a", "end=10"], "bad argument start='abc': not an integer"),
    (["-a", "start=0", "-a", "end=10"], "bad argument start='0': IDs start at 1"),
    (["-a", "start=20", "-a", "end=10"], "bad argument end='10': below start=20"),
    (["-a", "end=10", "-a", "shard=3/3"], "bad argument shard='3/3'"),
    (["-a", "end=10", "-s", "LOUVRE_BASE_URL=louvre.fr"], "bad setting LOUVRE_BASE_URL="),
    (["-a", "end=10", "-s", "LOUVRE_MISSING_STATUSES=oops"], "LOUVRE_MISSING_STATUSES="),
    (["-a", "end=10", "-s", "CONCURRENT_REQUESTS=zero"], "bad setting CONCURRENT_REQUESTS="),
    (["-a", "strat=5"], "unknown argument strat — did you mean start?"),
    (["-a", "end=10", "-s", "LOUVRE_CHECKSUMS=maybe"], "bad setting LOUVRE_CHECKSUMS='maybe'"),
    (["-a", "end=10", "-s", "ROBOTSTXT_OBEY=maybe"], "bad setting ROBOTSTXT_OBEY='maybe'"),
    (["-a", "end=10", "-s", "LOGSTATS_INTERVAL=abc"], "bad setting LOGSTATS_INTERVAL='abc'"),
    (["-a", "end=10", "-s", "DOWNLOAD_TIMEOUT=-5"], "bad setting DOWNLOAD_TIMEOUT='-5'"),
    (["-a", "end=10", "-s", "DOWNLOAD_DELAY=soon"], "bad setting DOWNLOAD_DELAY='soon'"),
    (["-a", "end=10", "-s", "FILES_STORE=/proc/nope"], "bad setting FILES_STORE='/proc/nope'"),
    (["-a", "end=10", "-s", "LOUVRE_GIVE_UP_FAILURES=0"], "LOUVRE_GIVE_UP_FAILURES='0'"),
    (["-a", "end=10", "-s", "JOBDIR=/proc/nope"], "bad setting JOBDIR='/proc/nope'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input_is_refused_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = crawl(tmp_path / "zips", *args, settings={"LOG_LEVEL": "WARNING"})

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "zips").exists()


def test_a_bad_log_level_is_refused_before_logging_starts(tmp_path: Path) -> None:
    result = crawl(tmp_path / "zips", "-a", "end=10", settings={"LOG_LEVEL": "LOUD"})

    assert result.returncode == 2
    assert result.stderr == (
        "bad setting LOG_LEVEL='LOUD': expected DEBUG, INFO, WARNING, ERROR or CRITICAL\n"
    )


def test_unusable_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    result = crawl(tmp_path / "a-file" / "zips", "-a", "end=10", settings={"LOG_LEVEL": "WARNING"})

    assert result.returncode == 2
    assert "bad setting FILES_STORE=" in result.stderr
    assert "is not a directory" in result.stderr
    assert result.stderr.count("\n") == 1


def test_progress_lines_at_the_configured_interval(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(
        "--max-id", "80", "--fault", "slow:1-80", "--fault-times", "9", "--slow-seconds", "0.25"
    )

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=80",
        settings={
            "LOUVRE_BASE_URL": server.url,
            "LOGSTATS_INTERVAL": "1",
            "CONCURRENT_REQUESTS": "4",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
        },
    )

    assert result.returncode == 0, result.stderr
    progress = [line for line in result.lines("INFO") if "Progress: " in line]
    assert len(progress) >= 3
    assert all(re.search(r"\d+/80 IDs \(\d+\.\d%\)", line) for line in progress)
    assert all(re.search(r"ETA (\d+:\d\d:\d\d|unknown)", line) for line in progress)
    assert "Crawled" not in result.stderr  # LogStats is replaced, not doubled
    summary = result.stderr[result.stderr.index("Louvre crawl finished") :]
    stored = len(Collection(max_id=80).ids())
    assert f"{stored} zips stored" in summary
    assert f"zips in: {tmp_path / 'zips'}" in summary


def test_manifest_of_a_resumed_run_still_lists_every_zip(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "60")
    ids = Collection(max_id=60).ids()
    settings = {"LOUVRE_BASE_URL": server.url}
    first = crawl(tmp_path / "zips", "-a", "end=30", settings=settings)
    assert first.returncode == 0, first.stderr

    manifest = tmp_path / "manifest.jsonl"
    result = crawl(tmp_path / "zips", "-a", "end=60", "-O", str(manifest), settings=settings)

    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in map(json.loads, manifest.read_text().splitlines())}
    assert sorted(rows) == ids
    for artwork_id, row in rows.items():
        body = zip_bytes(artwork_id)
        assert row["size"] == len(body)
        assert row["checksum"] == hashlib.md5(body).hexdigest()
        assert row["status"] == ("uptodate" if artwork_id <= 30 else "downloaded")
