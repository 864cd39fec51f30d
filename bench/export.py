"""``python -m bench.export``: ``scrapy export`` of a synthetic mirror to Parquet, side by side
with what users do today (``pandas.json_normalize`` over the same files, then ``to_parquet``).

The mirror is :mod:`bench.synthetic`'s (the fake collection's real-shaped records, built from
the real ones in ``../shared/reference/real-records/``), with every image stored (hard links
to a few real JPEGs and PNGs). Both runs read the same files, one after the other, each under
GNU time with its process tree's RSS sampled (bench/measure.py).
Targets (issue 17): at least pandas' records/s, peak RSS under 300 MB, under 5 minutes.

``--webdataset`` (issue 25) also exports the same store as WebDataset tar shards (``scrapy
export --format webdataset``), measured the same way, beside Parquet. The shards hold every
stored image's bytes (a tar is no hard link): at 500,000 records, store the images of a few
thousand records only (``--with-images``), or the output alone would fill the disk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import MIB, ROOT, BenchError, log
from bench.measure import Measure, run_measured
from bench.synthetic import build_store
from bench.tools import find_exe

TARGET_RSS = 300 * MIB
TARGET_WALL = 300.0


def synthetic_store(store: Path, records: int, with_images: int | None = None) -> int:
    """:mod:`bench.synthetic`'s store of *records* records, the images of the first
    *with_images* stored (None: every one; reused when this module made one of that size
    before); the number of images."""
    with_images = records if with_images is None else with_images
    done = store.with_name(f"{store.name}.done")
    key = f"records={records} with_images={with_images} "
    if done.is_file() and done.read_text().startswith(key):
        log(f"reusing the synthetic store in {store}")
        return int(done.read_text().split("images=")[-1])
    shutil.rmtree(store, ignore_errors=True)
    made = build_store(store, records, with_images=with_images)
    done.write_text(f"{key}images={made.images}")
    return made.images


def pandas_baseline(store: Path, out: Path) -> None:
    """What users do today: every record loaded, ``json_normalize``, ``to_parquet``."""
    import pandas as pd
    import pyarrow as pa

    records = [json.loads(p.read_bytes()) for p in sorted((store / "records").glob("*.json"))]
    frame = pd.json_normalize(records)
    try:
        frame.to_parquet(out)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        # Mixed shapes in a column (an int here, "" there): what users do next, as text.
        for column in frame.columns[frame.dtypes == "object"]:
            frame[column] = frame[column].map(
                lambda v: (
                    v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                )
            )
        frame.to_parquet(out)
    print(f"pandas: {len(frame)} rows, {len(frame.columns)} columns")


def measured(label: str, command: list[str], workdir: Path, timeout: float) -> Measure:
    time_exe = find_exe("time")
    if time_exe is None:
        raise BenchError("GNU time is missing: apt-get install time")
    log(f"running {label}: {' '.join(command)}")
    result = run_measured(
        [command],
        cwd=ROOT,
        timeout=timeout,
        logs=workdir / "logs",
        label=label,
        time_exe=time_exe,
        interval=0.5,  # the sampler reads all of /proc: more often costs the runs CPU
    )
    if result.timed_out or result.returncodes != [0]:
        tail = Path(result.logs[0]).read_text(errors="replace")[-2000:]
        raise BenchError(f"{label} failed ({result.returncodes}): {tail}")
    return result


def rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def figures(records: int, run: Measure) -> dict[str, Any]:
    return {
        "wall_s": round(run.wall, 1),
        "records_per_s": round(records / run.wall),
        "peak_rss_mb": round(run.peak_tree_rss / MIB),
        "cpu_s": round(run.cpu, 1),
    }


def report(
    records: int,
    images: int,
    ours: Measure,
    pandas: Measure | None,
    webdataset: Measure | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "records": records,
        "images": images,
        "scrapy_export": figures(records, ours),
    }
    if webdataset is not None:
        result["webdataset_export"] = {
            **figures(records, webdataset),
            "images_per_s": round(images / webdataset.wall),
        }
    targets = {
        "peak_rss_under_300_mb": ours.peak_tree_rss < TARGET_RSS,
        "under_5_minutes": ours.wall < TARGET_WALL,
    }
    if pandas is not None:
        result["pandas_json_normalize"] = figures(records, pandas)
        result["ratio_records_per_s"] = round(pandas.wall / ours.wall, 2)
        targets["at_least_pandas_records_per_s"] = ours.wall <= pandas.wall
    result["targets"] = targets
    return result


def markdown(result: dict[str, Any]) -> str:
    to = " and WebDataset shards" if "webdataset_export" in result else ""
    lines = [
        f"{result['records']:,} records, {result['images']:,} images, to Parquet{to}:",
        "",
        "| | records/s | wall | peak RSS | CPU |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, name in (
        ("scrapy_export", "`scrapy export`"),
        ("webdataset_export", "`scrapy export --format webdataset`"),
        ("pandas_json_normalize", "`pandas.json_normalize` + `to_parquet`"),
    ):
        if key in result:
            run = result[key]
            lines.append(
                f"| {name} | {run['records_per_s']:,} | {run['wall_s']} s"
                f" | {run['peak_rss_mb']} MB | {run['cpu_s']} s |"
            )
    lines.append("")
    if "ratio_records_per_s" in result:
        lines.append(f"Records/s: {result['ratio_records_per_s']} times pandas'.")
    met = ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in result["targets"].items())
    lines.append(f"Targets: {met}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--records", type=int, default=500_000, help="(default: 500000)")
    parser.add_argument("--workdir", type=Path, help="(default: a temp dir, deleted after)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir (and its store)")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--no-pandas",
        action="store_true",
        help="scrapy export alone (pandas holds every record at once: ~25 KB of RAM each)",
    )
    parser.add_argument(
        "--webdataset",
        action="store_true",
        help="also export the store as WebDataset shards, measured beside Parquet",
    )
    parser.add_argument(
        "--with-images",
        type=int,
        metavar="N",
        help="store the images of the first N records only (default: every record's)",
    )
    parser.add_argument(
        "--pandas-baseline", nargs=2, metavar=("STORE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.pandas_baseline:
        pandas_baseline(Path(args.pandas_baseline[0]), Path(args.pandas_baseline[1]))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        store = workdir / "store"
        log(f"writing a synthetic store of {args.records} records in {store}")
        images = synthetic_store(store, args.records, args.with_images)
        ours_out, pandas_out = workdir / "scrapy.parquet", workdir / "pandas.parquet"
        ours = measured(
            "scrapy-export",
            [
                sys.executable,
                "-m",
                "scrapy",
                "export",
                str(ours_out),
                "-s",
                f"FILES_STORE={store}",
                "-s",
                "LOGSTATS_INTERVAL=30",
            ],
            workdir,
            args.timeout,
        )
        if rows(ours_out) != args.records:
            raise BenchError(f"scrapy export wrote {rows(ours_out)} rows, not {args.records}")
        webdataset = None
        if args.webdataset:
            shards = workdir / "webdataset"
            command = [sys.executable, "-m", "scrapy", "export", "--format", "webdataset"]
            settings = ["-s", f"FILES_STORE={store}", "-s", "LOGSTATS_INTERVAL=30"]
            webdataset = measured(
                "scrapy-export-webdataset",
                [*command, str(shards), *settings],
                workdir,
                args.timeout,
            )
            samples = json.loads((shards / "_stats.json").read_text())["samples"]
            if samples != images:
                raise BenchError(f"the shards hold {samples} samples, not {images} images")
            shutil.rmtree(shards, ignore_errors=True)  # its bytes: the images' again
        pandas = None
        if not args.no_pandas:
            baseline = ["--pandas-baseline", str(store), str(pandas_out)]
            command = [sys.executable, "-m", "bench.export", *baseline]
            pandas = measured("pandas", command, workdir, args.timeout)
            if rows(pandas_out) != args.records:
                raise BenchError(f"pandas wrote {rows(pandas_out)} rows, not {args.records}")
        result = report(args.records, images, ours, pandas, webdataset)
        result["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        result["cpus"] = os.cpu_count()
        print(markdown(result))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
    except BenchError as error:
        log(f"error: {error}")
        return 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
