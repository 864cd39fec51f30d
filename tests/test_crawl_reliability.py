"""End to end: faults, retries, atomic writes, resume. Nothing lost, nothing bogus."""

from __future__ import annotations

import signal
import zipfile
from pathlib import Path

import pytest

from fakesite.harness import (
    crawl,
    ctrl_c_once_stored,
    job_settings,
    parse_stats,
    start_crawl,
    wait_for_files,
)
from fakesite.zips import Collection, zip_bytes
from louvre_scraper.exitstatus import EXIT_SOME_FAILED, EXIT_STOPPED

FAST = {"RETRY_BACKOFF_BASE": "0.01", "RETRY_BACKOFF_MAX": "0.05", "LOGSTATS_INTERVAL": "0"}


def expected(max_id: int, *, minus: tuple[int, ...] = ()) -> dict[str, bytes]:
    return {f"{i}.zip": zip_bytes(i) for i in Collection(max_id=max_id).ids() if i not in minus}


FAULTS = [
    ("429", ["--retry-after", "0"], {}),
    ("503", [], {}),
    ("500", [], {}),
    ("truncate", [], {}),
    ("reset", [], {}),
    ("corrupt", [], {}),
    ("slow", ["--slow-seconds", "3"], {"DOWNLOAD_TIMEOUT": "1"}),
]


@pytest.mark.parametrize(("kind", "server_args", "settings"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_is_retried_until_the_zip_is_whole(
    tmp_path: Path, fake_louvre, kind: str, server_args: list[str], settings: dict[str, str]
) -> None:
    server = fake_louvre("--max-id", "40", "--fault", f"{kind}:1-40", *server_args)

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=40",
        settings={"LOUVRE_BASE_URL": server.url, **FAST, **settings},
    )

    assert result.returncode == 0, result.stderr
    assert result.files() == expected(40)
    assert result.stats["retry/count"] >= 40
    assert "louvre/failed" not in result.stats
    assert "Traceback" not in result.stderr


def test_retry_after_is_honoured(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(
        "--max-id", "3", "--density", "1", "--fault", "429:2", "--retry-after", "2"
    )

    result = crawl(
        tmp_path / "zips", "-a", "end=3", settings={"LOUVRE_BASE_URL": server.url, **FAST}
    )

    assert result.returncode == 0, result.stderr
    asked = [r for r in server.log()["requests"] if r["id"] == 2]
    assert [r["status"] for r in asked] == [429, 429, 200]
    assert asked[1]["start"] - asked[0]["end"] >= 1.9
    assert asked[2]["start"] - asked[1]["end"] >= 1.9


def test_ids_that_always_fail_are_named_and_tried_again(tmp_path: Path, fake_louvre) -> None:
    present = Collection(max_id=30).ids()
    bad = (present[2], present[5])
    server = fake_louvre("--max-id", "30", "--fault", f"fail:{bad[0]},{bad[1]}")
    settings = {"LOUVRE_BASE_URL": server.url, **FAST}

    result = crawl(tmp_path / "zips", "-a", "end=30", settings=settings)

    assert result.returncode == EXIT_SOME_FAILED, result.stderr
    assert result.files() == expected(30, minus=bad)
    assert result.stats["louvre/failed"] == 2
    assert (tmp_path / "zips.failed-ids.txt").read_text() == f"{bad[0]}\n{bad[1]}\n"
    assert f"failed:  {bad[0]}, {bad[1]}; all of them in {tmp_path / 'zips.failed-ids.txt'}" in (
        result.stderr
    )
    assert len(result.lines("WARNING")) == 2  # one line per failed ID, no traceback
    assert "Traceback" not in result.stderr

    again = crawl(tmp_path / "zips", "-a", "end=30", settings=settings)

    tried = [r["id"] for r in server.log()["requests"] if r["id"] in bad]
    assert len(tried) == 2 * 2 * (5 + 1)  # two runs, two IDs, RETRY_TIMES=5 + the first try
    assert again.stats["louvre/skipped"] == len(present) - 2


def test_all_faults_at_once(tmp_path: Path, fake_louvre) -> None:
    ids = Collection(max_id=120).ids()
    faults = {
        "429": ids[0:4],
        "503": ids[4:8],
        "500": ids[8:12],
        "truncate": ids[12:16],
        "reset": ids[16:20],
        "corrupt": ids[20:24],
        "slow": ids[24:28],
        "fail": ids[28:30],
    }
    args = ["--max-id", "120", "--redirect", "--retry-after", "0", "--slow-seconds", "3"]
    for kind, fault_ids in faults.items():
        args += ["--fault", f"{kind}:{','.join(map(str, fault_ids))}"]
    server = fake_louvre(*args)
    settings = {"LOUVRE_BASE_URL": server.url, "DOWNLOAD_TIMEOUT": "1", **FAST}
    always_failing = tuple(faults["fail"])

    first = crawl(tmp_path / "zips", settings=settings)

    assert first.returncode == EXIT_SOME_FAILED, first.stderr
    assert first.files() == expected(120, minus=always_failing)
    assert first.stats["louvre/failed"] == 2
    assert (tmp_path / "zips.failed-ids.txt").read_text().split() == list(map(str, always_failing))

    crawl(tmp_path / "zips", settings=settings)
    bodies_before = len(server.zip_gets())
    third = crawl(tmp_path / "zips", settings=settings)

    assert len(server.zip_gets()) == bodies_before, "a complete store fetches no zip body"
    assert third.stats["louvre/skipped"] == len(ids) - 2
    assert third.files() == expected(120, minus=always_failing)


def whole_zips(store: Path) -> dict[str, bytes]:
    """Every .zip in the store, each checked to be whole and valid."""
    found = {}
    for path in store.glob("*.zip"):
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None, path
        found[path.name] = path.read_bytes()
    return found


def test_sigkill_mid_writes_leaves_only_whole_zips(tmp_path: Path, fake_louvre) -> None:
    size = 2_000_000  # big zips: the kill lands while some are being written
    server = fake_louvre("--max-id", "60", "--density", "1", "--zip-size", str(size))
    store = tmp_path / "zips"
    settings = {"LOUVRE_BASE_URL": server.url, **FAST}

    crawler = start_crawl(store, "-a", "end=60", settings=settings)
    wait_for_files(store, "*.zip", 8)
    crawler.send_signal(signal.SIGKILL)
    crawler.communicate(timeout=30)

    survivors = whole_zips(store)
    assert survivors
    assert all(body == zip_bytes(int(name[:-4]), size) for name, body in survivors.items())

    result = crawl(store, "-a", "end=60", settings=settings)

    assert result.returncode == 0, result.stderr
    assert result.files() == {f"{i}.zip": zip_bytes(i, size) for i in range(1, 61)}
    assert result.stats["louvre/skipped"] == len(survivors)


def test_ctrl_c_then_the_same_jobdir_goes_on(tmp_path: Path, fake_louvre) -> None:
    # ID 3 always fails: it fails before the stop, and the resumed run must try it again.
    server = fake_louvre(
        "--max-id",
        "150",
        "--density",
        "1",
        "--fault",
        "slow:1-150",
        "--fault-times",
        "99",
        "--slow-seconds",
        "0.2",
        "--fault",
        "fail:3",
    )
    store = tmp_path / "zips"
    settings = job_settings(
        server.url, tmp_path / "job", 4, CONCURRENT_REQUESTS_PER_DOMAIN="4", **FAST
    )

    crawler = start_crawl(store, "-a", "end=150", settings=settings)
    log, stopped_in = ctrl_c_once_stored(crawler, store, "*.zip", 10)

    assert crawler.returncode == EXIT_STOPPED, log
    assert stopped_in < 10
    assert parse_stats(log)["finish_reason"] == "shutdown"
    assert "next:    run the same command again (same JOBDIR) to go on where it stopped" in log
    assert len(whole_zips(store)) < 149, "stopped before the end"

    result = crawl(store, "-a", "end=150", settings=settings)

    assert result.returncode == EXIT_SOME_FAILED, result.stderr  # ID 3, listed in the file
    assert "Resuming the job from ID" in result.stderr
    stats = result.stats  # the summary adds up: restored requests are counted as handed out
    done = sum(stats.get(f"louvre/{k}", 0) for k in ("stored", "missing", "failed", "skipped"))
    assert stats["louvre/ids"] == done
    assert "first retrying 1 failed IDs" in result.stderr
    assert result.files() == {f"{i}.zip": zip_bytes(i) for i in range(1, 151) if i != 3}
    assert (tmp_path / "zips.failed-ids.txt").read_text() == "3\n"
    fetched = server.zip_gets()
    assert sorted(fetched) == sorted(set(fetched)), "no zip body was fetched twice"
    asked = [r["id"] for r in server.log()["requests"] if r["id"] is not None]
    assert sorted(i for i in asked if i != 3) == [i for i in range(1, 151) if i != 3], (
        "each other ID asked once over both runs"
    )
    assert asked.count(3) == 2 * (5 + 1), "the failed ID is tried again by the resumed run"
