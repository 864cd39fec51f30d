"""bench/export.py's pure parts: the synthetic records and the report (no run)."""

from __future__ import annotations

import random

from bench.export import markdown, report
from bench.measure import Measure
from bench.synthetic import site_json, synthetic_record, templates
from louvre_scraper.records import feed_row, images, parse_record


def test_synthetic_records_have_the_real_shapes_and_parse() -> None:
    rng = random.Random(1)
    for number, template in enumerate(templates(), 1):
        record = synthetic_record(template, number, rng)
        body = site_json(record)
        assert body.isascii() and b"\\/" in body and b"https://" not in body
        parsed = parse_record(body)
        assert parsed is not None and set(parsed) == set(template)
        assert parsed["arkId"] == f"cl01{number:07d}"
        row = feed_row(parsed, path="p", status="stored")
        assert row["arkId"] == parsed["arkId"] and row["title"].endswith(f"n° {number}")
        assert [ref.position for ref in images(parsed)] == list(range(len(parsed["image"])))


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
