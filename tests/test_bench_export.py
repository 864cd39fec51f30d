"""bench/export.py's pure part: the reports, the commands and their options (no run)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.export import (
    export_options,
    format_args,
    image_paths,
    img2dataset_command,
    img2dataset_successes,
    markdown,
    median_run,
    process_cpu,
    report,
    resize_args,
    resize_figures,
    resize_markdown,
)
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


HELP = """Export Options
==============
  --format FORMAT       Jsonl, Csv, Parquet, Imagefolder, Webdataset
  --embed-images        the images' bytes in the shards
  --image-size N        resize every image to at most N pixels
  --resize-mode MODE    keep-ratio, center-crop or border
"""


def test_the_resize_options_are_passed_only_where_the_export_has_them() -> None:
    options = export_options(HELP)
    assert {"--format", "--embed-images", "--image-size", "--resize-mode"} <= options
    assert "--quality" not in options
    assert resize_args(options, 256, "border", 80) == [
        "--image-size",
        "256",
        "--resize-mode",
        "border",
    ]
    assert resize_args({"--format"}, 256, "border", 80) == []
    assert format_args("parquet-embed", options) == ["--format", "parquet", "--embed-images"]
    assert format_args("parquet-embed", {"--format"}) is None
    assert format_args("webdataset", {"--format"}) == ["--format", "webdataset"]


def test_img2dataset_resizes_as_the_export_does() -> None:
    command = img2dataset_command(
        "i2d",
        Path("urls.txt"),
        Path("out"),
        size=384,
        mode="center-crop",
        quality=90,
        processes=2,
        threads=16,
        n=1001,
    )
    pairs = dict(zip(command[1::2], command[2::2], strict=True))
    assert pairs["--image_size"] == "384"
    assert pairs["--resize_mode"] == "center_crop"
    assert pairs["--resize_only_if_bigger"] == "True"
    assert pairs["--encode_quality"] == "90"
    assert (pairs["--processes_count"], pairs["--thread_count"]) == ("2", "16")
    assert pairs["--number_sample_per_shard"] == "501"


def test_img2dataset_successes_sum_its_shards_stats(tmp_path: Path) -> None:
    (tmp_path / "00000_stats.json").write_text(json.dumps({"successes": 7, "count": 8}))
    (tmp_path / "00001_stats.json").write_text(json.dumps({"successes": 5, "count": 5}))
    assert img2dataset_successes(tmp_path) == 12


def test_image_paths_lists_every_stored_image(tmp_path: Path) -> None:
    for path in ("images/b/1.jpg", "images/a/2.png", "images/a/1.jpg"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"x")
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.json").write_text("{}")
    assert image_paths(tmp_path) == ["images/a/1.jpg", "images/a/2.png", "images/b/1.jpg"]


def test_the_resize_report_gives_medians_and_the_share_of_cores() -> None:
    runs = [run(12.0, 200), run(10.0, 150), run(30.0, 400)]
    assert median_run(runs).wall == 12.0
    assert median_run(runs[:2]).wall == 10.0
    figures = resize_figures(1_200, 2_400, runs, cores=2)
    assert figures["walls_s"] == [12.0, 10.0, 30.0]
    assert (figures["wall_s"], figures["records_per_s"], figures["images_per_s"]) == (
        12.0,
        100,
        200,
    )
    assert figures["peak_rss_mb"] == 200
    assert figures["cores_share"] == 0.5  # run(): CPU seconds = wall, on 2 cores
    assert figures["cpu_ms_per_image"] == 5.0  # 12 s of CPU for 2,400 images
    result = {
        "records": 1_200,
        "images": 2_400,
        "resize": {"size": 256, "mode": "keep-ratio", "quality": 95},
        "resize_passed": True,
        "repeats": 3,
        "cpus": 2,
        "skipped": ["imagefolder (the export command has no --format imagefolder)"],
        "runs": {
            "`scrapy export` webdataset": figures,
            "img2dataset (files)": resize_figures(0, 2_400, runs, cores=2),
        },
    }
    text = resize_markdown(result)
    assert "resized keep-ratio 256 px, quality 95 (median of 3, 2 cores)" in text
    assert (
        "| `scrapy export` webdataset | 100 | 200 | 12.0 s | 200 MB | 12.0 s | 5.0 ms | 50% |"
        in text
    )
    assert "| img2dataset (files) | - | 200 | 12.0 s |" in text
    assert "Not run: imagefolder" in text
    assert "images were copied" not in text and "HTTP server" not in text
    served = resize_markdown({**result, "http_server_cpu_s": [1.5, 2.0]})
    assert "The local HTTP server's CPU during img2dataset's runs: 1.5 s, 2.0 s." in served
    assert "images were copied" in resize_markdown({**result, "resize_passed": False})


def test_process_cpu_reads_user_and_system_ticks() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    rest = " ".join(["0"] * 9)
    stat = f"1234 (python -m http.server) S 1 {rest} {3 * ticks} {ticks} 0 0 20 0"
    assert process_cpu(stat) == 4.0
    assert process_cpu(Path("/proc/self/stat").read_text()) > 0
