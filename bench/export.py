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

``--resize`` (issue 35) exports the store (every record's images stored, by default) in each
``--formats`` with ``--image-size``/``--resize-mode``/``--quality`` passed where the export
command has them, beside img2dataset resizing the same image files from a URL list served
by ``python -m http.server`` on loopback (``--processes_count`` and ``--thread_count`` at the
machine's cores), each run ``--repeats`` times, the median by wall time reported: records/s,
images/s, peak RSS and the share of the cores used (CPU seconds / (wall x cores)).
img2dataset comes from ``.venv-img2dataset/`` (bench/README.md) or ``--img2dataset PATH``.
``--long-side PX`` stores smaller images (640: a full-size store resized in minutes, not hours).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import MIB, ROOT, BenchError, log
from bench.measure import Measure, run_measured
from bench.synthetic import LONG_SIDE, build_store
from bench.tools import find_exe, find_img2dataset

if TYPE_CHECKING:
    from collections.abc import Sequence

TARGET_RSS = 300 * MIB
TARGET_WALL = 300.0
FULL_SIZE = 506_207  # the museum's collection, records (issue 35)
# --formats: the export's arguments for each, and whether it carries the images.
EXPORT_FORMATS: dict[str, tuple[list[str], bool]] = {
    "jsonl": (["--format", "jsonl"], False),
    "csv": (["--format", "csv"], False),
    "parquet": (["--format", "parquet"], False),
    "parquet-embed": (["--format", "parquet", "--embed-images"], True),
    "webdataset": (["--format", "webdataset"], True),
    "imagefolder": (["--format", "imagefolder"], True),
}
IMG2DATASET_MODES = {"keep-ratio": "keep_ratio", "center-crop": "center_crop", "border": "border"}


def synthetic_store(
    store: Path, records: int, with_images: int | None = None, long_side: int = LONG_SIDE
) -> int:
    """:mod:`bench.synthetic`'s store of *records* records, the images of the first
    *with_images* stored (None: every one), *long_side* px (reused when this module made one
    of that size before); the number of images."""
    with_images = records if with_images is None else with_images
    done = store.with_name(f"{store.name}.done")
    key = f"records={records} with_images={with_images} long_side={long_side} "
    if done.is_file() and done.read_text().startswith(key):
        log(f"reusing the synthetic store in {store}")
        return int(done.read_text().split("images=")[-1])
    shutil.rmtree(store, ignore_errors=True)
    made = build_store(store, records, with_images=with_images, long_side=long_side)
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


def measured(
    label: str,
    command: list[str],
    workdir: Path,
    timeout: float,
    env: dict[str, str] | None = None,
) -> Measure:
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
        env=env,
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


# --- --resize: each format resized, beside img2dataset --------------------------------------


def export_options(help_text: str) -> set[str]:
    """The long options ``scrapy export -h`` lists."""
    return set(re.findall(r"(?m)^  (--[a-z][a-z-]*)", help_text))


def resize_args(options: set[str], size: int, mode: str, quality: int) -> list[str]:
    """The resize options for the export, only those it has (an older command has none)."""
    wanted = [("--image-size", size), ("--resize-mode", mode), ("--quality", quality)]
    return [arg for name, value in wanted if name in options for arg in (name, str(value))]


def format_args(name: str, options: set[str]) -> list[str] | None:
    """The export's arguments for the format *name*; None when the command lacks them."""
    args = EXPORT_FORMATS[name][0]
    return args if all(a in options for a in args if a.startswith("--")) else None


def image_paths(store: Path) -> list[str]:
    """Every stored image, relative to *store*, sorted (what both sides resize)."""
    images = store / "images"
    return sorted(p.relative_to(store).as_posix() for p in images.rglob("*") if p.is_file())


def img2dataset_command(
    exe: str,
    listing: Path,
    out: Path,
    *,
    size: int,
    mode: str,
    quality: int,
    processes: int,
    threads: int,
    n: int,
) -> list[str]:
    """img2dataset resizing a URL list into files as the export does: never enlarged, JPEG
    at *quality*."""
    return [
        exe,
        *("--url_list", str(listing), "--input_format", "txt"),
        *("--output_folder", str(out), "--output_format", "files"),
        *("--image_size", str(size), "--resize_mode", IMG2DATASET_MODES[mode]),
        *("--resize_only_if_bigger", "True", "--encode_quality", str(quality)),
        *("--processes_count", str(processes), "--thread_count", str(threads)),
        # one shard per process: img2dataset hands whole shards to its processes
        *("--number_sample_per_shard", str(max(1, -(-n // processes)))),
        *("--timeout", "30", "--retries", "0", "--enable_wandb", "False"),
    ]


def img2dataset_successes(out: Path) -> int:
    """Images img2dataset wrote, from its per-shard ``*_stats.json``."""
    return sum(json.loads(p.read_text())["successes"] for p in out.glob("*_stats.json"))


def median_run(runs: Sequence[Measure]) -> Measure:
    """The run of median wall time (the lower middle of an even count)."""
    ordered = sorted(runs, key=lambda run: run.wall)
    return ordered[(len(ordered) - 1) // 2]


def resize_figures(records: int, images: int, runs: Sequence[Measure], cores: int) -> dict:
    run = median_run(runs)
    return {
        "runs": len(runs),
        "walls_s": [round(r.wall, 1) for r in runs],
        "wall_s": round(run.wall, 1),
        "records_per_s": round(records / run.wall) if records else None,
        "images_per_s": round(images / run.wall) if images else None,
        "peak_rss_mb": round(run.peak_tree_rss / MIB),
        "cpu_s": round(run.cpu, 1),
        "cpu_ms_per_image": round(1000 * run.cpu / images, 2) if images else None,
        "cores_share": round(run.cpu / (run.wall * cores), 2),
        "spread": round(statistics.pstdev(r.wall for r in runs) / run.wall, 3),
    }


def resize_markdown(result: dict[str, Any]) -> str:
    resize = result["resize"]
    lines = [
        f"{result['records']:,} records, {result['images']:,} images, resized"
        f" {resize['mode']} {resize['size']} px, quality {resize['quality']}"
        f" (median of {result['repeats']}, {result['cpus']} cores):",
        "",
        "| | records/s | images/s | wall | peak RSS | CPU | CPU/image | cores used |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, run in result["runs"].items():
        rate = f"{run['records_per_s']:,}" if run["records_per_s"] else "-"
        images = f"{run['images_per_s']:,}" if run["images_per_s"] else "-"
        per_image = run.get("cpu_ms_per_image")
        lines.append(
            f"| {name} | {rate} | {images} | {run['wall_s']} s | {run['peak_rss_mb']} MB"
            f" | {run['cpu_s']} s | {f'{per_image} ms' if per_image else '-'}"
            f" | {run['cores_share']:.0%} |"
        )
    if result.get("http_server_cpu_s"):
        served = ", ".join(f"{cpu} s" for cpu in result["http_server_cpu_s"])
        lines += ["", f"The local HTTP server's CPU during img2dataset's runs: {served}."]
    if result.get("skipped"):
        lines += ["", f"Not run: {'; '.join(result['skipped'])}."]
    if not result.get("resize_passed"):
        lines += ["", "The export command has no resize options: its images were copied."]
    return "\n".join(lines)


def process_cpu(stat: str) -> float:
    """User + system CPU seconds from the text of ``/proc/PID/stat``."""
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LocalServer:
    """``python -m http.server`` over *root* on a port-0 loopback socket, its URL read from
    its first line."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"port (\d+)", line)
        if found is None:
            self.close()
            raise BenchError(f"http.server did not say its port: {line!r}")
        self.url = f"http://127.0.0.1:{found.group(1)}/"

    def cpu(self) -> float:
        """The server's CPU seconds so far (user + system): img2dataset's fetches cost it
        this too, outside the run's measured process tree."""
        return process_cpu(Path(f"/proc/{self.process.pid}/stat").read_text())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def run_resize_bench(args: argparse.Namespace, workdir: Path, store: Path) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    paths = image_paths(store)
    help_text = subprocess.run(
        [sys.executable, "-m", "scrapy", "export", "-h"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    options = export_options(help_text)
    resizing = resize_args(options, args.image_size, args.resize_mode, args.quality)
    settings = ["-s", f"FILES_STORE={store}", "-s", "LOGSTATS_INTERVAL=30"]
    runs: dict[str, list[Measure]] = {}
    carried = {"img2dataset (files)": True}  # whether the run's output holds the images
    skipped: list[str] = []
    extra_results: dict[str, Any] = {}
    for name in args.formats:
        fmt = format_args(name, options)
        if fmt is None:
            skipped.append(
                f"{name} (the export command has no {' '.join(EXPORT_FORMATS[name][0])})"
            )
            continue
        extra = resizing if EXPORT_FORMATS[name][1] else []
        if args.processes and "--processes" in options:
            extra = [*extra, "--processes", str(args.processes)]
        one_file = name in ("jsonl", "csv", "parquet")
        dest = workdir / f"out-{name}" / (f"out.{name}" if one_file else "out")
        for n in range(args.repeats):
            shutil.rmtree(dest.parent, ignore_errors=True)
            dest.parent.mkdir(parents=True)
            command = [sys.executable, "-m", "scrapy", "export", str(dest), *fmt, *extra]
            run = measured(f"export-{name}-{n}", [*command, *settings], workdir, args.timeout)
            runs.setdefault(f"`scrapy export` {name}", []).append(run)
        carried[f"`scrapy export` {name}"] = EXPORT_FORMATS[name][1]
        shutil.rmtree(dest.parent, ignore_errors=True)  # the next format's disk
    if args.img2dataset != "none":
        exe = find_img2dataset(args.img2dataset)
        server = LocalServer(store)
        try:
            listing = workdir / "urls.txt"
            listing.write_text("".join(f"{server.url}{path}\n" for path in paths))
            out = workdir / "out-img2dataset"
            # albumentations (an img2dataset dependency) would look online for a new version
            quiet = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"}
            server_cpu: list[float] = []
            for n in range(args.repeats):
                shutil.rmtree(out, ignore_errors=True)
                command = img2dataset_command(
                    exe,
                    listing,
                    out,
                    size=args.image_size,
                    mode=args.resize_mode,
                    quality=args.quality,
                    processes=cores,
                    threads=args.threads,
                    n=len(paths),
                )
                before = server.cpu()
                run = measured(f"img2dataset-{n}", command, workdir, args.timeout, quiet)
                server_cpu.append(round(server.cpu() - before, 1))
                done = img2dataset_successes(out)
                if done != len(paths):
                    raise BenchError(f"img2dataset wrote {done} images, not {len(paths)}")
                runs.setdefault("img2dataset (files)", []).append(run)
            shutil.rmtree(out, ignore_errors=True)
            extra_results["http_server_cpu_s"] = server_cpu
        finally:
            server.close()
    return {
        "records": args.records,
        "images": len(paths),
        "long_side": args.long_side,
        "resize": {"size": args.image_size, "mode": args.resize_mode, "quality": args.quality},
        "resize_passed": bool(resizing),
        "export_args": resizing,
        "repeats": args.repeats,
        "cpus": cores,
        "img2dataset_threads": args.threads,
        "skipped": skipped,
        **extra_results,
        "runs": {
            name: resize_figures(
                0 if name.startswith("img2dataset") else args.records,
                len(paths) if carried[name] else 0,
                measures,
                cores,
            )
            for name, measures in runs.items()
        },
    }


def resize_main(args: argparse.Namespace, workdir: Path, store: Path) -> int:
    result = run_resize_bench(args, workdir, store)
    result["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    print(resize_markdown(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--records", type=int, help=f"(default: 500000; {FULL_SIZE} with --resize)")
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
        "--long-side",
        type=int,
        default=LONG_SIDE,
        metavar="PX",
        help=f"the stored images' long side (default: {LONG_SIDE}, the site's); smaller ones"
        " make resizing every image of a full-size store a matter of minutes",
    )
    resize = parser.add_argument_group("--resize: each format resized, beside img2dataset")
    resize.add_argument("--resize", action="store_true", help="run this bench instead")
    resize.add_argument("--image-size", type=int, default=256, help="(default: 256)")
    resize.add_argument("--resize-mode", choices=list(IMG2DATASET_MODES), default="keep-ratio")
    resize.add_argument("--quality", type=int, default=95, help="JPEG quality (default: 95)")
    resize.add_argument(
        "--formats",
        type=lambda text: [f for f in text.split(",") if f],
        default=list(EXPORT_FORMATS),
        help=f"comma-separated, of {', '.join(EXPORT_FORMATS)} (default: all)",
    )
    resize.add_argument("--repeats", type=int, default=3, help="runs of each (default: 3)")
    resize.add_argument(
        "--processes", type=int, help="the export's --processes (default: the command's)"
    )
    resize.add_argument(
        "--threads", type=int, default=16, help="img2dataset's --thread_count (default: 16)"
    )
    resize.add_argument(
        "--img2dataset",
        metavar="PATH",
        help="its binary (default: .venv-img2dataset/bin/img2dataset, then PATH); none: skip",
    )
    parser.add_argument(
        "--pandas-baseline", nargs=2, metavar=("STORE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.records is None:
        args.records = FULL_SIZE if args.resize else 500_000
    unknown = [f for f in args.formats if f not in EXPORT_FORMATS]
    if unknown:
        parser.error(f"unknown --formats {', '.join(unknown)}: of {', '.join(EXPORT_FORMATS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.pandas_baseline:
        pandas_baseline(Path(args.pandas_baseline[0]), Path(args.pandas_baseline[1]))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        store = workdir / "store"
        log(f"writing a synthetic store of {args.records} records in {store}")
        images = synthetic_store(store, args.records, args.with_images, args.long_side)
        if args.resize:
            return resize_main(args, workdir, store)
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
