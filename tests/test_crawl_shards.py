"""End to end: ``-a shard=K/N`` runs share out an ID range and fill one store between them."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections import Counter
from typing import TYPE_CHECKING

from fakesite.harness import ROOT, Crawl, FakeLouvre, crawl, extra_settings, parse_stats
from fakesite.zips import Collection, zip_bytes

if TYPE_CHECKING:
    from pathlib import Path

N = 3
END = 90
# The collection reaches past END: the shards must stop at END all the same.
COLLECTION = Collection(max_id=100)


def expected_files() -> dict[str, bytes]:
    return {f"{i}.zip": zip_bytes(i) for i in COLLECTION.ids(upto=END)}


def own_ids(k: int) -> list[int]:
    return [i for i in range(1, END + 1) if i % N == k]


def requested_ids(server: FakeLouvre) -> list[int]:
    return sorted(r["id"] for r in server.log()["requests"] if r["id"] is not None)


def reset_log(server: FakeLouvre) -> None:
    with urllib.request.urlopen(f"{server.url}/__reset__") as answer:
        assert answer.status == 200


def store_files(store: Path) -> dict[str, bytes]:
    return Crawl(0, "", store).files()


def test_three_shards_fill_one_store_and_each_asks_only_for_its_own_ids(
    tmp_path: Path, fake_louvre
) -> None:
    server = fake_louvre("--max-id", "100")
    store = tmp_path / "zips"
    stored_so_far: dict[str, bytes] = {}

    for k in range(N):
        reset_log(server)
        result = crawl(
            store,
            "-a",
            f"end={END}",
            "-a",
            f"shard={k}/{N}",
            settings={"LOUVRE_BASE_URL": server.url},
        )

        assert result.returncode == 0, result.stderr
        assert requested_ids(server) == own_ids(k), f"shard {k}/{N} asked for its IDs, once"
        mine = {f"{i}.zip": zip_bytes(i) for i in COLLECTION.ids(upto=END) if i % N == k}
        assert result.stats["louvre/ids"] == len(own_ids(k))
        assert result.stats["louvre/stored"] == len(mine)
        assert "louvre/skipped" not in result.stats, "other shards' zips are not its business"
        stored_so_far |= mine
        assert result.files() == stored_so_far
        assert result.lines("WARNING") == []
        assert result.lines("ERROR") == []

    assert store_files(store) == expected_files()


def test_three_shards_at_once_into_one_store(tmp_path: Path, fake_louvre) -> None:
    # Slow answers keep every run busy for seconds, so that the three overlap; each run has at
    # most CONCURRENT_REQUESTS=4 requests in flight, so more than 4 at the server at any one
    # time means that at least two runs were downloading together.
    server = fake_louvre("--max-id", "100", "--fault", "slow:1-100", "--slow-seconds", "0.5")
    store = tmp_path / "zips"
    command = [sys.executable, "-m", "scrapy", "crawl", "louvre", "-a", f"end={END}"]
    for name, value in {
        **extra_settings(),
        "FILES_STORE": store,
        "LOUVRE_BASE_URL": server.url,
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    }.items():
        command += ["-s", f"{name}={value}"]

    runs = [
        subprocess.Popen(
            [*command, "-a", f"shard={k}/{N}"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for k in range(N)
    ]
    try:
        logs = [run.communicate(timeout=120)[1] for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()

    for k, (run, log) in enumerate(zip(runs, logs, strict=True)):
        assert run.returncode == 0, log
        stats = parse_stats(log)
        assert stats["louvre/ids"] == len(own_ids(k))
        assert stats["louvre/stored"] == sum(1 for i in COLLECTION.ids(upto=END) if i % N == k)
        assert " ERROR: " not in log
        assert " WARNING: " not in log
    assert server.log()["max_in_flight"] > 4, "the three runs downloaded at the same time"
    counts = Counter(r["id"] for r in server.log()["requests"] if r["id"] is not None)
    assert sorted(counts) == list(range(1, END + 1))
    assert set(counts.values()) == {1}, "no ID was asked twice"
    # Every file in the store, hidden ones included: no partial file was left behind either.
    assert store_files(store) == expected_files()
