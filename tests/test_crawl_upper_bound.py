"""End to end: with no ``end``, the crawl finds the collection's end itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakesite.harness import crawl
from fakesite.zips import Collection, zip_bytes

FAST_RETRIES = {"RETRY_BACKOFF_BASE": "0.01", "RETRY_BACKOFF_MAX": "0.05"}


def test_whole_collection_with_a_gap_and_a_sparse_tail(tmp_path: Path, fake_louvre) -> None:
    args = ["--max-id", "3000", "--gap", "1200-1700", "--extra-ids", "3100,3350,3800"]
    server = fake_louvre(*args)
    ids = Collection(
        max_id=3000, gaps=((1200, 1700),), extra_ids=frozenset({3100, 3350, 3800})
    ).ids()

    result = crawl(tmp_path / "zips", settings={"LOUVRE_BASE_URL": server.url})

    assert result.returncode == 0, result.stderr
    assert result.files() == {f"{i}.zip": zip_bytes(i) for i in ids}
    log = server.log()
    assert log["total"] <= 1.25 * 3000 + 1500
    assert result.stats["louvre/upper_bound"] >= 1700
    assert result.stats["louvre/probe_requests"] == sum(
        1 for r in log["requests"] if r["method"] == "HEAD"
    )
    probe_line = [line for line in result.lines("INFO") if "Upper bound:" in line]
    assert len(probe_line) == 1
    assert f"{result.stats['louvre/probe_requests']} probe requests" in probe_line[0]
    assert result.lines("WARNING") == []


def test_end_auto_is_the_same_as_no_end(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "200")
    result = crawl(tmp_path / "zips", "-a", "end=auto", settings={"LOUVRE_BASE_URL": server.url})
    assert result.returncode == 0, result.stderr
    assert sorted(result.files()) == sorted(f"{i}.zip" for i in Collection(max_id=200).ids())


def test_an_empty_collection_ends_quietly(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "0")

    result = crawl(
        tmp_path / "zips", settings={"LOUVRE_BASE_URL": server.url, "LOUVRE_TAIL_MISSES": 50}
    )

    assert result.returncode == 0, result.stderr
    assert result.files() == {}
    assert result.stats["louvre/upper_bound"] == 0
    assert result.stats["louvre/ids"] == 50
    assert "Upper bound: no zip near start=1" in result.stderr


def test_head_refused_and_transient_failures_are_not_taken_for_missing(
    tmp_path: Path, fake_louvre
) -> None:
    # HEAD answers 405, so probes are GETs cut after the headers; the first GET of every
    # ID answers 503, which a probe must retry rather than read as "no zip here".
    server = fake_louvre(
        "--max-id", "600", "--no-head", "--fault", "503:1-2000", "--fault-times", "1"
    )
    ids = Collection(max_id=600).ids()

    result = crawl(
        tmp_path / "zips",
        settings={"LOUVRE_BASE_URL": server.url, "LOUVRE_TAIL_MISSES": 300, **FAST_RETRIES},
    )

    assert result.returncode == 0, result.stderr
    assert result.files() == {f"{i}.zip": zip_bytes(i) for i in ids}
    assert result.stats["louvre/upper_bound"] > 300
    assert "HEAD refused (405)" in result.stderr
    assert result.stats["retry/reason_count/503 Service Unavailable"] > 0


@pytest.mark.parametrize(
    ("server_args", "ids"),
    [
        pytest.param(["--max-id", "0", "--extra-ids", "1"], [1], id="a-single-id"),
        pytest.param(["--max-id", "512", "--density", "1"], list(range(1, 513)), id="power-of-two"),
        pytest.param(
            ["--max-id", "0", "--extra-ids", "1-49"], list(range(1, 50)), id="window-straddling"
        ),
    ],
)
def test_bound_edge_cases(
    tmp_path: Path, fake_louvre, server_args: list[str], ids: list[int]
) -> None:
    server = fake_louvre(*server_args)

    result = crawl(
        tmp_path / "zips", settings={"LOUVRE_BASE_URL": server.url, "LOUVRE_TAIL_MISSES": 100}
    )

    assert result.returncode == 0, result.stderr
    assert result.files() == {f"{i}.zip": zip_bytes(i) for i in ids}
    assert 0 < result.stats["louvre/upper_bound"] <= ids[-1]
    assert result.stats["louvre/ids"] <= ids[-1] + 100
