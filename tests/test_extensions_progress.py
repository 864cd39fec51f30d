"""The progress line (louvre_scraper/extensions/progress.py)."""

from __future__ import annotations

from louvre_scraper.extensions.progress import Counts, progress_line


def test_progress_line_with_percent_rates_and_eta() -> None:
    before = Counts(ids=100, stored=50, missing=40, bytes=5_000_000)
    now = Counts(ids=300, stored=150, missing=140, failed=2, skipped=8, bytes=15_000_000)
    line = progress_line(now, before, interval=10, total=1000, walking_tail=False)
    assert line == (
        "Progress: 300/1000 IDs (30.0%) | stored 150, missing 140, failed 2, skipped 8"
        " | 15.0 MB | 21.0 IDs/s, 1.00 MB/s | ETA 0:00:33"
    )


def test_progress_line_past_the_bound() -> None:
    now = Counts(ids=1100, stored=600, missing=500)
    line = progress_line(now, Counts(ids=1000, stored=600, missing=400), 10, 1000, True)
    assert "1100/1000+ IDs (110.0%)" in line
    assert line.endswith("ETA walking past the bound")
