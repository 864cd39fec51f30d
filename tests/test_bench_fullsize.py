"""bench.fullsize: a crawl's figures from the fake server's request log, without crawling."""

from __future__ import annotations

from typing import Any

from bench.fullsize import (
    RUNS,
    by_kind,
    markdown_table,
    per_second,
    sitemaps_fetched_twice,
    summary,
    walk_figures,
    walk_seconds,
)
from fakesite.options import parse_args


def request(kind: str, start: float, end: float, **rest: Any) -> dict[str, Any]:
    fields = {"method": "GET", "path": f"/{kind}/{start}", "status": 200, "bytes": 100}
    return {"kind": kind, "start": start, "end": end, **fields, **rest}


LOG = [
    request("robots", 10.0, 10.1, bytes=50),
    request("sitemap", 10.2, 11.0, path="/sitemap.xml"),
    request("sitemap", 11.0, 13.5, path="/media/sitemap/sitemap0.xml", bytes=1000),
    request("sitemap", 11.0, 14.0, path="/media/sitemap/sitemap1.xml", bytes=1000),
    request("record", 12.0, 12.5),
    request("record", 13.0, 14.0, status=304, bytes=0),
    request("record", 14.0, 16.0),
    request("image", 15.0, 16.0, bytes=5000),
    request("image", 16.0, 17.0, bytes=None),  # cut before any byte
]


def test_walk_runs_from_the_first_request_to_the_last_sitemaps_end() -> None:
    assert walk_seconds(LOG) == 4.0
    assert walk_seconds([request("record", 1, 2)]) is None


def test_rates_over_each_kinds_own_span() -> None:
    assert per_second(LOG, "record") == 0.8  # 3 in 12.0 → 16.0
    assert per_second(LOG, "image") == 1.0  # 2 in 15.0 → 17.0
    assert per_second(LOG, "thumbnail") is None
    assert per_second([request("image", 1, 2)], "image") is None


def test_by_kind_counts_requests_bytes_and_statuses() -> None:
    kinds = by_kind(LOG)
    assert kinds["record"] == {"requests": 3, "bytes": 200, "status_200": 2, "status_304": 1}
    assert kinds["image"]["bytes"] == 5000
    assert list(kinds) == ["image", "record", "robots", "sitemap"]


def test_a_sitemap_fetched_twice_is_named() -> None:
    assert sitemaps_fetched_twice(LOG) == []
    again = [*LOG, request("sitemap", 20, 21, path="/media/sitemap/sitemap1.xml")]
    head = request("sitemap", 20, 21, path="/sitemap.xml", method="HEAD")
    assert sitemaps_fetched_twice([*again, head]) == ["/media/sitemap/sitemap1.xml"]


def test_summary_and_table() -> None:
    run = summary(LOG, 12.34, 300 * 2**20, cpu=0.6)
    assert (run["seconds"], run["walk_seconds"], run["peak_rss_mb"]) == (12.3, 4.0, 300)
    assert (run["requests"], run["mb"]) == (9, 0.01)
    assert (run["cpu_seconds"], run["cpu_s_per_1000_records"], run["requests_per_s"]) == (
        0.6,
        200.0,
        0.7,
    )
    table = markdown_table({"first": run, "rerun": summary(LOG[:4], 1.0, 0)}).splitlines()
    assert len(table) == 4
    assert table[2].startswith(
        "| first | 12.3 | 200.0 | 4.0 | 0.8 | 0.7 | 1.0 | 300 | 9 | 0.01 | 2 / 1 | 2 |"
    )
    assert table[3].startswith("| rerun | 1.0 | - | 4.0 | - | 4.0 | - | 0 | 4 |")


def test_the_runs_cover_validators_and_compression_on_and_off() -> None:
    names = [name for name, _, _ in RUNS]
    assert names[0] == "first" and len(set(names)) == len(names) == 5
    worlds = {("--validators" in s, c.get("COMPRESSION_ENABLED") != "False") for _, s, c in RUNS}
    assert worlds == {(True, True), (True, False), (False, True), (False, False)}
    for _, server, _ in RUNS:  # options the fake server takes
        parse_args(["--records", "10", *server])


def test_the_fake_server_takes_a_port() -> None:
    assert parse_args(["--port", "8123"]).port == 8123
    assert parse_args([]).port == 0


def test_a_walks_figures_run_from_its_first_request_to_the_last_sitemap_and_to_done() -> None:
    figures = walk_figures(LOG[:4], done=15.5, peak=200 * 2**20)
    assert figures == {
        "walk_seconds": 4.0,  # 10.0 → 14.0, the last sitemap's end
        "done_seconds": 5.5,  # 10.0 → 15.5, the last one parsed
        "sitemap_requests": 4,
        "sitemap_mb": 0.0,
        "sitemaps_fetched_twice": [],
        "peak_rss_mb": 200,
    }
