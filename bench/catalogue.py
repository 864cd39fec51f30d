"""Bench of ``scrapy catalogue`` (issue 18) on a synthetic store of 500,000 records.

Measures the build (wall time, CPU, peak RSS, thumbnails/s), a rerun that has nothing new to
do, the catalogue's size on disk, and, in headless Chromium (Debian's, through Playwright),
the time until the page shows its first grid, until its whole search index is in, and until
it answers a search. Targets: first grid and a search answer under 1 s each.

``python -m bench.catalogue --records 500000 --with-images 5000`` (see ``--help``). The store
is made by :mod:`bench.synthetic`, once, and kept in ``--work`` for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.measure import run_measured
from bench.synthetic import build_store
from fakesite.harness import launch_chromium

ROOT = Path(__file__).resolve().parent.parent
SUMMARY_RE = re.compile(
    r"Catalogue: (?P<works>\d+) works .*?, (?P<images>\d+) images: (?P<made>\d+) thumbnails"
    r" made, (?P<current>\d+) up to date"
)
TARGET_SECONDS = 1.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(store: Path, dest: Path, logs: Path, label: str, timeout: float) -> dict[str, Any]:
    """One ``scrapy catalogue`` run, measured under GNU time."""
    command = [
        sys.executable, "-m", "scrapy", "catalogue", str(dest),
        "-s", f"FILES_STORE={store}", "-s", "LOGSTATS_INTERVAL=30",
    ]  # fmt: skip
    measure = run_measured(
        [command],
        cwd=ROOT,
        timeout=timeout,
        logs=logs,
        label=label,
        time_exe=shutil.which("time") or "/usr/bin/time",
        interval=0.5,
    )
    text = Path(measure.logs[0]).read_text()
    match = SUMMARY_RE.search(text)
    if measure.returncodes != [0] or not match:
        raise SystemExit(f"scrapy catalogue failed ({measure.returncodes}): see {measure.logs[0]}")
    made = int(match["made"])
    return {
        "seconds": round(measure.wall, 2),
        "cpu_seconds": round(measure.cpu, 2),
        "peak_rss_mb": round(measure.peak_tree_rss / 1e6, 1),
        "works": int(match["works"]),
        "images": int(match["images"]),
        "thumbnails_made": made,
        "thumbnails_current": int(match["current"]),
        "summary": text.strip().splitlines()[-1].split("INFO: ", 1)[-1],
    }


def thumbnail_rate(store: Path, dest: Path, sample: int) -> dict[str, Any]:
    """Thumbnails/s of the catalogue's own pool, on *sample* of the store's images, apart
    from reading records (the build's wall time mixes both)."""
    from louvre_scraper.dataset.catalogue import CatalogueOptions, Thumbnailer

    paths = sorted(p.relative_to(store).as_posix() for p in (store / "images").rglob("*.*"))
    paths = paths[:sample]
    options = CatalogueOptions(store, dest, 256)
    thumbnailer = Thumbnailer(options)
    started = time.perf_counter()
    futures = [f for path in paths for f in thumbnailer.submit_row({"images": [{"path": path}]})]
    outcomes = [future.result() for future in futures]
    seconds = time.perf_counter() - started
    thumbnailer.close()
    return {
        "images": len(outcomes),
        "seconds": round(seconds, 2),
        "per_second": round(len(outcomes) / seconds, 1),
        "threads": os.cpu_count(),
    }


def browser(index_html: Path, queries: list[str], rounds: int) -> dict[str, Any]:
    """First grid, index loaded and search answers in headless Chromium, medians of *rounds*."""
    from playwright.sync_api import sync_playwright

    first_grid, index_loaded, wall_first_grid = [], [], []
    searches: dict[str, list[float]] = {q: [] for q in queries}
    matches: dict[str, int] = {}
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        for _ in range(rounds):
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            started = time.perf_counter()
            page.goto(index_html.resolve().as_uri(), wait_until="commit")
            page.wait_for_selector("#grid li.work")
            wall_first_grid.append(time.perf_counter() - started)
            page.wait_for_function(
                "window.louvreCatalogue.timings.indexLoaded"
                " && window.louvreCatalogue.timings.firstGrid",
                timeout=600_000,
            )
            timings = page.evaluate("window.louvreCatalogue.timings")
            first_grid.append(timings["firstGrid"] / 1000)
            index_loaded.append(timings["indexLoaded"] / 1000)
            for query in queries:
                started = time.perf_counter()
                page.fill("#search", query)
                page.wait_for_function(
                    "q => document.getElementById('count').dataset.query === q", arg=query
                )
                searches[query].append(time.perf_counter() - started)
                matches[query] = int(page.get_attribute("#count", "data-matches") or 0)
            page.fill("#search", "")
            page.close()
        chromium.close()

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    return {
        "rounds": rounds,
        "first_grid_seconds": median(first_grid),
        "first_grid_wall_seconds": median(wall_first_grid),
        "index_loaded_seconds": median(index_loaded),
        "searches": {q: {"seconds": median(searches[q]), "matches": matches[q]} for q in queries},
    }


def disk_usage(path: Path) -> dict[str, float]:
    def size(root: Path) -> int:
        return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())

    return {
        "data_mb": round(size(path / "data") / 1e6, 1),
        "index_mb": round(sum(p.stat().st_size for p in (path / "data").glob("index-*")) / 1e6, 1),
        "thumbs_mb": round(size(path / "thumbs") / 1e6, 1),
    }


def queries_for(store: Path) -> list[str]:
    """A common title word, a creator's name, an inventory number (the last record's), a
    narrowing of the first, and a word no work has."""
    from louvre_scraper.records.fields import inventory_number

    last = max((store / "records").glob("*.json"))
    number = inventory_number(json.loads(last.read_bytes()))
    return ["portrait", "portrait d", "vigée", number, "zzzzqx"]


def report(results: dict[str, Any]) -> str:
    cold, warm, rate = results["build"], results["rerun"], results["thumbnails"]
    page = results["browser"]
    lines = [
        "| records | images stored | build | peak RSS | thumbnails/s | rerun |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {cold['works']:,} | {cold['thumbnails_made']:,} of {cold['images']:,}"
        f" | {cold['seconds']:,.0f} s | {cold['peak_rss_mb']:,.0f} MB | {rate['per_second']:,.0f}"
        f" | {warm['seconds']:,.0f} s |",
        "",
        "| in Chromium | seconds |",
        "| --- | ---: |",
        f"| first grid | {page['first_grid_seconds']:.2f} |",
        f"| whole search index in | {page['index_loaded_seconds']:.2f} |",
    ]
    for query, answer in page["searches"].items():
        lines.append(
            f"| search “{query}” ({answer['matches']:,} matches) | {answer['seconds']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Bench scrapy catalogue", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument(
        "--with-images",
        type=int,
        default=5_000,
        help="records whose images are in the store (thumbnails are slow)",
    )
    parser.add_argument(
        "--thumbnail-sample",
        type=int,
        default=1_000,
        help="images thumbnailed apart, for thumbnails/s",
    )
    parser.add_argument("--rounds", type=int, default=3, help="page loads in Chromium")
    parser.add_argument("--work", type=Path, default=Path("/tmp/louvre-bench-catalogue"))
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    store = args.work / f"store-{args.records}-{args.with_images}"
    if not (store / ".complete").exists():
        shutil.rmtree(store, ignore_errors=True)
        made = build_store(store, args.records, with_images=args.with_images)
        (store / ".complete").write_text(json.dumps(made.__dict__, default=str))
    dest = args.work / f"catalogue-{args.records}-{args.with_images}"
    shutil.rmtree(dest, ignore_errors=True)
    logs = args.work / "logs"
    log("building the catalogue…")
    results: dict[str, Any] = {
        "records": args.records,
        "with_images": args.with_images,
        "cpus": os.cpu_count(),
        "build": build(store, dest, logs, "cold", args.timeout),
    }
    log(results["build"]["summary"])
    results["rerun"] = build(store, dest, logs, "warm", args.timeout)
    log(results["rerun"]["summary"])
    results["disk"] = disk_usage(dest)
    sample_dest = args.work / "thumbnail-sample"
    shutil.rmtree(sample_dest, ignore_errors=True)
    results["thumbnails"] = thumbnail_rate(store, sample_dest, args.thumbnail_sample)
    shutil.rmtree(sample_dest, ignore_errors=True)
    log("in Chromium…")
    results["browser"] = browser(dest / "index.html", queries_for(store), args.rounds)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    print(report(results))
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
