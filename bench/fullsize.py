"""``python -m bench.fullsize``: the collection crawl against the fake Louvre at the real size
(issue 24): 506,207 records, listed as the real site lists them (robots.txt → an index of 26
sub-sitemaps of ~10 MB each, every record twice, under ``/ark:/…`` and ``/en/ark:/…``, with
hreflang alternates, no ``<lastmod>``).

Shard 1/25 by default (``--shard K/N``; ``--whole`` for the whole collection). Five crawls
over one store, the fake server on one port throughout (the records hold absolute URLs, so a
second server on another port would change every record):

1. ``first``: a fresh store, against a site with ``--gzip --validators``, compression asked;
2. ``rerun-validators-gzip``: the same again (conditional requests, 304s);
3. ``rerun-validators-plain``: the same with ``COMPRESSION_ENABLED=False``;
4. ``rerun-gzip``: a site with ``--gzip`` only (no validators: every record is sent again);
5. ``rerun-plain``: that site with ``COMPRESSION_ENABLED=False``.

Each crawl runs as a long crawl is run, with its own ``JOBDIR`` (a job folder per crawl: a rerun
is a new job; ``--no-jobdir`` for none). Each crawl's wall time, peak RSS (the crawl's process,
sampled), and from the server's request log: its requests and bytes by kind, the walk time (from
the first request to the end of the last sitemap's answer), records/s and images/s (each over
the span of its own requests). The server draws its collection when it starts (each record's
ark, dates and images' numbers, kept in arrays; records, images and sitemaps are made on
request): its start-up is reported too; ``--server-only`` reports only that, and the server's
RSS. Not a test: numbers for docs/speed.md, printed and, with ``--json FILE``, written.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.measure import PAGE_SIZE
from fakesite.harness import ROOT, crawl_command, start_fake_louvre

WHOLE_COLLECTION = 506_207  # unique arks of the May 2024 pull
PER_SITEMAP = 19_470  # 26 sub-sitemaps, as the real index lists
BASELINE_WALK_SECONDS = (14, 17)  # issue 24: the walk of the 26 sub-sitemaps, landed main then

# (name, server options, crawl settings): in order, over one store.
RUNS: tuple[tuple[str, tuple[str, ...], dict[str, str]], ...] = (
    ("first", ("--gzip", "--validators"), {}),
    ("rerun-validators-gzip", ("--gzip", "--validators"), {}),
    ("rerun-validators-plain", ("--gzip", "--validators"), {"COMPRESSION_ENABLED": "False"}),
    ("rerun-gzip", ("--gzip",), {}),
    ("rerun-plain", ("--gzip",), {"COMPRESSION_ENABLED": "False"}),
)


def by_kind(requests: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Requests and bytes sent, per request kind (``robots``, ``sitemap``, ``record``…)."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for request in requests:
        counts[request["kind"]]["requests"] += 1
        counts[request["kind"]]["bytes"] += request["bytes"] or 0
        counts[request["kind"]][f"status_{request['status']}"] += 1
    return {kind: dict(c) for kind, c in sorted(counts.items())}


def walk_seconds(requests: list[dict[str, Any]]) -> float | None:
    """From the run's first request to the end of its last sitemap answer (None: no sitemap)."""
    ends = [r["end"] for r in requests if r["kind"] == "sitemap"]
    if not ends:
        return None
    return round(max(ends) - min(r["start"] for r in requests), 2)


def per_second(requests: list[dict[str, Any]], kind: str) -> float | None:
    """Answers of ``kind`` a second over the span of those requests (None: fewer than 2)."""
    chosen = [r for r in requests if r["kind"] == kind]
    if len(chosen) < 2:
        return None
    span = max(r["end"] for r in chosen) - min(r["start"] for r in chosen)
    return round(len(chosen) / span, 1) if span > 0 else None


def sitemaps_fetched_twice(requests: list[dict[str, Any]]) -> list[str]:
    """Sitemap paths GET more than once in the run (issue 24: each once)."""
    seen = collections.Counter(
        r["path"] for r in requests if r["kind"] == "sitemap" and r["method"] == "GET"
    )
    return sorted(path for path, n in seen.items() if n > 1)


def summary(
    requests: list[dict[str, Any]], seconds: float, peak_rss: int, cpu: float = 0.0
) -> dict[str, Any]:
    """One crawl's figures from the server's request log, its wall time, peak RSS and CPU."""
    kinds = by_kind(requests)
    records = kinds.get("record", {}).get("requests", 0)
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "cpu_s_per_1000_records": round(cpu * 1000 / records, 2) if records else None,
        "requests_per_s": round(len(requests) / seconds, 1) if seconds else None,
        "walk_seconds": walk_seconds(requests),
        "records_per_s": per_second(requests, "record"),
        "images_per_s": per_second(requests, "image"),
        "peak_rss_mb": round(peak_rss / 2**20),
        "requests": sum(c["requests"] for c in kinds.values()),
        "mb": round(sum(c["bytes"] for c in kinds.values()) / 1e6, 2),
        "sitemaps_fetched_twice": sitemaps_fetched_twice(requests),
        "kinds": kinds,
    }


def markdown_table(runs: dict[str, dict[str, Any]]) -> str:
    """docs/speed.md's table: a row per crawl."""
    rows = [
        "| crawl | wall s | CPU s / 1,000 records | walk s | records/s | requests/s | images/s"
        " | peak RSS MB | requests | MB sent | records 200 / 304 | images |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for name, run in runs.items():
        record = run["kinds"].get("record", {})
        image = run["kinds"].get("image", {})
        cells = [
            name,
            run["seconds"],
            run.get("cpu_s_per_1000_records") or "-",
            run["walk_seconds"],
            run["records_per_s"] or "-",
            run.get("requests_per_s") or "-",
            run["images_per_s"] or "-",
            run["peak_rss_mb"],
            f"{run['requests']:,}",
            f"{run['mb']:,}",
            f"{record.get('status_200', 0):,} / {record.get('status_304', 0):,}",
            f"{image.get('requests', 0):,}",
        ]
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(rows)


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_crawl(
    store: Path, url: str, settings: dict[str, str], args: list[str]
) -> tuple[float, int, float]:
    """Run one ``scrapy crawl collection``: its wall time, peak RSS (sampled), CPU seconds."""
    settings = {"LOUVRE_BASE_URL": url, "LOGSTATS_INTERVAL": "0", **settings}
    command = [*crawl_command(store, "collection", settings), *args]
    started, cpu = time.monotonic(), _children_cpu()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _rss(process.pid))
            time.sleep(0.25)
        seconds = time.monotonic() - started
        cpu = _children_cpu() - cpu  # the crawl's alone: the server is reaped outside it
        if process.returncode != 0:
            log.seek(0)
            tail = log.read()[-3000:].decode(errors="replace")
            sys.exit(f"the crawl ended {process.returncode}:\n{tail}")
    return seconds, peak, cpu


def _status_kb(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` field in kB (``VmRSS``, ``VmHWM``: the peak), 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def server_start(sizes: tuple[str, ...], wanted: tuple[str, ...], cwd: Path = ROOT) -> dict:
    """Start the fake server alone: seconds until it serves, its RSS then and its peak so
    far, and its RSS and peak once it has served the index, a sub-sitemap, a record and an
    image (each made on request)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "fakesite", *sizes, *wanted], cwd=cwd, stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    seconds = time.monotonic() - started
    try:
        figures = {
            "start_seconds": round(seconds, 1),
            "rss_mb": round(_status_kb(process.pid, "VmRSS") / 1024),
            "peak_rss_mb": round(_status_kb(process.pid, "VmHWM") / 1024),
        }
        robots = urllib.request.urlopen(f"{url}/robots.txt", timeout=600).read()
        assert robots.startswith(b"Sitemap: "), robots[:80]
        sitemap = urllib.request.urlopen(f"{url}/media/sitemap/sitemap0.xml", timeout=600).read()
        ark = sitemap.split(b"/ark:/53355/", 1)[1][:11].decode()
        record = _get_json(f"{url}/ark:/53355/{ark}.json")
        images = [i["urlImage"] for i in record["image"]]
        for image in images[:1]:
            urllib.request.urlopen(image, timeout=600).read()
        figures.update(
            served_rss_mb=round(_status_kb(process.pid, "VmRSS") / 1024),
            served_peak_rss_mb=round(_status_kb(process.pid, "VmHWM") / 1024),
        )
    finally:
        process.terminate()
        process.wait()
    return figures


class _PeakRss:
    """The peak RSS of a running process, sampled every 0.25 s in a thread."""

    def __init__(self, process: subprocess.Popen[Any]) -> None:
        self.process, self.peak = process, 0
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self.process.poll() is None:
            self.peak = max(self.peak, _rss(self.process.pid))
            time.sleep(0.25)

    def join(self) -> int:
        self._thread.join()
        return self.peak


def walk_figures(requests: list[dict[str, Any]], done: float, peak: int) -> dict[str, Any]:
    """One walk's figures: the server's walk (first request → last sitemap answered), the
    client's (first request → the walker says it is done: the last sitemap parsed too), the
    sitemaps' requests and bytes, and the walker's peak RSS."""
    sitemaps = [r for r in requests if r["kind"] in ("robots", "sitemap")]
    first = min(r["start"] for r in requests)
    return {
        "walk_seconds": walk_seconds(requests),
        "done_seconds": round(done - first, 2),
        "sitemap_requests": len(sitemaps),
        "sitemap_mb": round(sum(r["bytes"] or 0 for r in sitemaps) / 1e6, 2),
        "sitemaps_fetched_twice": sitemaps_fetched_twice(requests),
        "peak_rss_mb": round(peak / 2**20),
    }


def plain_walk(url: str) -> dict[str, Any]:
    """Scrapy's own SitemapSpider over the site's sitemaps (``bench.plainwalk``)."""
    urllib.request.urlopen(f"{url}/__reset__").close()
    command = [sys.executable, "-m", "bench.plainwalk", f"{url}/robots.txt"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = _PeakRss(process)
    out, _ = process.communicate()
    said = re.search(r"walk done at ([\d.]+)", out)
    if process.returncode != 0 or said is None:
        sys.exit(f"the plain walk ended {process.returncode}: {out[-2000:]}")
    requests = _get_json(f"{url}/__log__")["requests"]
    return walk_figures(requests, float(said[1]), peak.join())


def project_walk(store: Path, url: str, settings: dict[str, str], args: list[str]) -> dict:
    """``scrapy crawl collection``'s walk: the crawl is stopped (SIGINT) as soon as its log
    says the sitemaps are read, before its records."""
    urllib.request.urlopen(f"{url}/__reset__").close()
    settings = {"LOUVRE_BASE_URL": url, "LOGSTATS_INTERVAL": "0", "LOG_LEVEL": "INFO", **settings}
    command = [*crawl_command(store, "collection", settings), *args]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    peak, done = _PeakRss(process), None
    for line in process.stderr:
        if done is None and "Sitemaps read:" in line:
            done = time.time()
            process.send_signal(signal.SIGINT)
    process.wait()
    if done is None:
        sys.exit(f"the crawl ended {process.returncode} before it had read the sitemaps")
    requests = _get_json(f"{url}/__log__")["requests"]
    walk = [r for r in requests if r["start"] <= done]
    return walk_figures(walk, done, peak.join())


def walks(url: str, store: Path, settings: dict[str, str], args: list[str], rounds: int) -> dict:
    """``rounds`` times the plain walk then the project's, side by side against one server;
    each's median and the ratio of the project's to the plain one's (in each round, and of
    the medians): the machine's load weighs on both alike."""
    results: dict[str, Any] = {"plain": [], "project": []}
    for i in range(rounds):
        for name, walk in (
            ("plain", lambda: plain_walk(url)),
            ("project", lambda: project_walk(store, url, settings, args)),
        ):
            figures = walk()
            figures["load"] = os.getloadavg()[0]
            results[name].append(figures)
            print(f"walk {i + 1}/{rounds} {name}: {json.dumps(figures)}", flush=True)
    for measure in ("walk_seconds", "done_seconds"):
        plain = [w[measure] for w in results["plain"]]
        ours = [w[measure] for w in results["project"]]
        results[f"median_{measure}"] = {
            "plain": statistics.median(plain),
            "project": statistics.median(ours),
            "ratio_of_medians": round(statistics.median(ours) / statistics.median(plain), 2),
            "median_ratio": round(
                statistics.median(o / p for o, p in zip(ours, plain, strict=True)), 2
            ),
        }
    return results


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=600) as answer:
        return json.loads(answer.read())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fullsize", description=__doc__)
    parser.add_argument("--records", type=int, default=WHOLE_COLLECTION)
    parser.add_argument("--per-sitemap", type=int, default=PER_SITEMAP)
    parser.add_argument("--shard", default="1/25", help="K/N (default 1/25)")
    parser.add_argument("--whole", action="store_true", help="the whole collection, no shard")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--setting", action="append", default=[], help="NAME=VALUE, every crawl")
    parser.add_argument("--first-only", action="store_true", help="no reruns")
    parser.add_argument("--no-jobdir", action="store_true", help="crawls without a JOBDIR")
    parser.add_argument("--runs", help="comma-separated crawl names, in order (default: all five)")
    parser.add_argument(
        "--server-only",
        action="store_true",
        help="no crawl: the fake server's start-up time and RSS at this size",
    )
    parser.add_argument(
        "--walk",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="no crawl of the records: ROUNDS times the plain walk of the sitemaps (Scrapy's "
        "SitemapSpider) and the project's, side by side",
    )
    args = parser.parse_args(argv)
    sizes = ("--records", str(args.records), "--per-sitemap", str(args.per_sitemap))
    if args.server_only:
        figures = server_start(sizes, RUNS[0][1])
        print(json.dumps(figures))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        return
    common = dict(pair.split("=", 1) for pair in args.setting)
    crawl_args = [] if args.whole else ["-a", f"shard={args.shard}"]
    runs = RUNS[:1] if args.first_only else RUNS
    if args.runs:
        runs = tuple(run for name in args.runs.split(",") for run in RUNS if run[0] == name)
    if args.walk:
        server = start_fake_louvre(*sizes, *RUNS[0][1])
        try:
            with tempfile.TemporaryDirectory(prefix="louvre-walk-") as tmp:
                found = walks(server.url, Path(tmp) / "store", common, crawl_args, args.walk)
        finally:
            server.stop()
        found.update(shard=None if args.whole else args.shard, settings=common)
        print(json.dumps({k: v for k, v in found.items() if k.startswith("median")}))
        if args.json:
            args.json.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
        return
    results: dict[str, Any] = {
        "records": args.records,
        "per_sitemap": args.per_sitemap,
        "shard": None if args.whole else args.shard,
        "settings": common,
        "jobdir": not args.no_jobdir,
        "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()},
        "server_start_seconds": {},
        "runs": {},
    }
    port, server, server_args = "0", None, None
    with tempfile.TemporaryDirectory(prefix="louvre-fullsize-") as tmp:
        store = Path(tmp) / "store"
        try:
            for name, wanted, settings in runs:
                if wanted != server_args:
                    if server is not None:
                        server.stop()
                    started = time.monotonic()
                    server = start_fake_louvre(*sizes, "--port", port, *wanted)
                    results["server_start_seconds"][" ".join(wanted)] = round(
                        time.monotonic() - started, 1
                    )
                    port, server_args = server.url.rsplit(":", 1)[1], wanted
                assert server is not None
                urllib.request.urlopen(f"{server.url}/__reset__").close()
                job = {} if args.no_jobdir else {"JOBDIR": str(Path(tmp) / f"job-{name}")}
                seconds, peak, cpu = run_crawl(
                    store, server.url, {**common, **job, **settings}, crawl_args
                )
                requests = _get_json(f"{server.url}/__log__")["requests"]
                results["runs"][name] = run = summary(requests, seconds, peak, cpu)
                print(
                    f"{name}: {run['seconds']}s, CPU {run['cpu_seconds']}s"
                    f" ({run['cpu_s_per_1000_records']} s / 1,000 records),"
                    f" walk {run['walk_seconds']}s, "
                    f"{run['records_per_s']} records/s, {run['images_per_s']} images/s, "
                    f"peak RSS {run['peak_rss_mb']} MB, {run['requests']} requests, "
                    f"{run['mb']} MB",
                    flush=True,
                )
        finally:
            if server is not None:
                server.stop()
    results["table"] = markdown_table(results["runs"])
    print(results["table"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
