"""bench/export.py's pure part: the report (no run)."""

from __future__ import annotations

from bench.export import markdown, report
from bench.measure import Measure


def run(wall: float, rss_mb: int) -> Measure:
    return Measure(wall, rss_mb * 1024 * 1024, rss_mb * 1024 * 1024, wall, [0], False, [])


def test_the_report_says_which_targets_are_met() -> None:
    both = report(500_000, 700_000, run(100.0, 250), run(200.0, 9000))
    assert both["ratio_records_per_s"] == 2.0
    assert all(both["targets"].values())
    assert "| `scrapy export` | 5,000 |" in markdown(both)
    alone = report(500_000, 700_000, run(400.0, 350), None)
    assert alone["targets"] == {"peak_rss_under_300_mb": False, "under_5_minutes": False}
    assert "MISSED" in markdown(alone) and "pandas" not in markdown(alone)


def test_the_report_puts_webdataset_beside_parquet() -> None:
    result = report(500_000, 7_500, run(100.0, 250), None, run(125.0, 260))
    assert result["webdataset_export"]["records_per_s"] == 4_000
    assert result["webdataset_export"]["images_per_s"] == 60
    text = markdown(result)
    assert "to Parquet and WebDataset shards" in text
    assert "| `scrapy export --format webdataset` | 4,000 | 125.0 s | 260 MB |" in text
