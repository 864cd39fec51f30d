"""Benchmark louvre_scraper against the origin's ``parallel``+``wget`` one-liner and aria2c.

One command (``.venv/bin/python bench/run.py --help`` for the flags)::

    .venv/bin/pip install -q -r requirements-bench.txt && .venv/bin/python bench/run.py

It installs what is missing with apt-get (nginx-light, parallel, aria2, wget, time), generates
two synthetic corpora of real zip archives, serves them from a private nginx on loopback ports
(its own config, ``daemon off;``, no access log, ``worker_processes 1`` unless
``--nginx-workers``), then runs every tool on every corpus for several interleaved rounds, each
into a fresh empty directory, checks what each one stored and prints the medians as a table.
Results also go to ``bench/results-<UTC date-time>.json`` (``--json``). ``--memory`` adds the
memory runs, ``--profile`` a py-spy profile of one scrapy crawl of the small corpus.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import grp
import io
import json
import os
import platform
import pwd
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
DOWNLOAD_DIR = "en/artwork/image/download"
ROBOTS_TXT = "User-agent: *\nDisallow: /search/export\n"
ZIP_DATE = (2021, 3, 1, 0, 0, 0)
KIB = 1024
MIB = 1024 * 1024
ONELINER = "parallel+wget"
TOOLS = (ONELINER, "aria2c", "scrapy", "scrapy-shards")
# executable -> Debian package that provides it
APT_PACKAGES = {
    "nginx": "nginx-light",
    "parallel": "parallel",
    "aria2c": "aria2",
    "wget": "wget",
    "time": "time",
}
TOOL_NEEDS = {ONELINER: ("parallel", "wget"), "aria2c": ("aria2c",)}
NGINX_TEMP_MODULES = ("proxy", "fastcgi", "uwsgi", "scgi")


class BenchError(RuntimeError):
    """A problem that ends the benchmark with one clear line."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Tools: find them, install what is missing
# --------------------------------------------------------------------------------------------


def find_exe(name: str) -> str | None:
    if name == "time":  # the shell keyword is no use: we need GNU time's -f/-o
        return "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin"
    return shutil.which(name, path=path)


def apt_install(packages: Sequence[str]) -> None:
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise BenchError(
                f"missing {' '.join(packages)} and not root: "
                f"run `sudo apt-get install {' '.join(packages)}`"
            )
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        [*prefix, "apt-get", "update", "-qq"],
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    )
    for command in steps:
        log("$ " + " ".join(command))
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BenchError(f"`{' '.join(command)}` failed: {error}") from error
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise BenchError(f"`{' '.join(command)}` exited {done.returncode}: " + " | ".join(tail))


def ensure_tools(names: Sequence[str], install: bool) -> dict[str, str]:
    missing = [name for name in names if find_exe(name) is None]
    if missing and install:
        apt_install(sorted({APT_PACKAGES[name] for name in missing}))
    found = {name: find_exe(name) for name in names}
    still = [name for name, path in found.items() if path is None]
    if still:
        packages = " ".join(sorted({APT_PACKAGES[name] for name in still}))
        how = "" if install else " (--no-install given)"
        raise BenchError(f"missing {', '.join(still)}{how}: apt-get install {packages}")
    exes = {name: path for name, path in found.items() if path is not None}
    if "parallel" in exes:
        version = tool_version([exes["parallel"], "--version"])
        if "GNU parallel" not in version:
            raise BenchError(
                f"{exes['parallel']} is not GNU parallel (moreutils?): apt-get install parallel"
            )
    return exes


def tool_version(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"? ({error})"
    text = (done.stdout + done.stderr).strip()
    return text.splitlines()[0] if text else "?"


# --------------------------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------------------------


def zip_bytes(artwork_id: int, size: int) -> bytes:
    """A real zip of exactly *size* bytes: one stored member of random (incompressible) bytes."""
    info = zipfile.ZipInfo(f"image_{artwork_id}.jpg", date_time=ZIP_DATE)

    def build(payload: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(info, payload)
        return buffer.getvalue()

    overhead = len(build(b""))
    if size <= overhead:
        raise BenchError(f"zip size {size} is below the archive overhead {overhead}")
    data = build(os.urandom(size - overhead))
    assert len(data) == size, (len(data), size)
    return data


@dataclass
class Corpus:
    name: str
    ids: int
    density: float
    size: int
    root: Path
    present: list[int] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def present_bytes(self) -> int:
        return len(self.present) * self.size

    def file(self, artwork_id: int) -> Path:
        return self.root / DOWNLOAD_DIR / str(artwork_id) / "0"

    def url(self, artwork_id: int) -> str:
        return f"{self.base_url}/{DOWNLOAD_DIR}/{artwork_id}/0"

    def describe(self) -> dict[str, Any]:
        return {
            "ids": self.ids,
            "density": self.density,
            "present": len(self.present),
            "zip_bytes": self.size,
        }


def build_corpus(
    name: str, *, ids: int, density: float, size: int, root: Path, seed: int
) -> Corpus:
    rng = random.Random(f"{seed}:{name}")
    corpus = Corpus(name, ids, density, size, root)
    corpus.present = [i for i in range(1, ids + 1) if rng.random() < density]
    started = time.monotonic()
    for artwork_id in corpus.present:
        target = corpus.file(artwork_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zip_bytes(artwork_id, size))
    (root / "robots.txt").write_text(ROBOTS_TXT)
    log(
        f"corpus {name}: {len(corpus.present)} of {ids} IDs present, {size:,} B each, "
        f"{corpus.present_bytes / MIB:,.0f} MiB, made in {time.monotonic() - started:.1f}s"
    )
    return corpus


# --------------------------------------------------------------------------------------------
# nginx
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_config(directory: Path, corpora: Sequence[Corpus], workers: str, version: str) -> str:
    user = ""
    if os.geteuid() == 0:  # the master runs as root: keep the workers as root too, not nobody
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temp = directory / "temp"
    temp_paths = [f"client_body_temp_path {temp}/client_body;"]
    for module in NGINX_TEMP_MODULES:
        if f"--without-http_{module}_module" not in version:
            temp_paths.append(f"{module}_temp_path {temp}/{module};")
    temp_block = "\n    ".join(temp_paths)
    servers = "\n".join(
        f"""
    server {{
        listen 127.0.0.1:{corpus.port} backlog=4096;
        root {corpus.root};
        location = /robots.txt {{ default_type text/plain; }}
        location /{DOWNLOAD_DIR}/ {{ default_type application/zip; }}
        location / {{ return 404; }}
    }}"""
        for corpus in corpora
    )
    return f"""# bench/run.py: a private nginx, no system config
daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile 16384;
{user}
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    log_not_found off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types {{ }}
    default_type application/octet-stream;
    {temp_block}
{servers}
}}
"""


class Nginx:
    """A private ``nginx -c conf -e log`` process serving every corpus, one port per corpus."""

    def __init__(self, binary: str, directory: Path, corpora: Sequence[Corpus], workers: str):
        self.binary = binary
        self.directory = directory
        self.corpora = corpora
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.version = tool_version([binary, "-v"])

    def start(self) -> None:
        configure = subprocess.run(
            [self.binary, "-V"], capture_output=True, text=True, timeout=30
        ).stderr
        (self.directory / "temp").mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):
            for corpus in self.corpora:
                corpus.port = free_port()
            conf = self.directory / "nginx.conf"
            conf.write_text(nginx_config(self.directory, self.corpora, self.workers, configure))
            error_log = self.directory / "error.log"
            with (self.directory / "nginx.out").open("ab") as out:
                self.process = subprocess.Popen(
                    [self.binary, "-p", str(self.directory), "-c", str(conf), "-e", str(error_log)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_ready():
                log(
                    f"nginx ({self.workers} worker(s)) on "
                    + ", ".join(f"{c.name}={c.base_url}" for c in self.corpora)
                )
                return
            self.stop()
        tail = ""
        for name in ("nginx.out", "error.log"):
            path = self.directory / name
            if path.exists():
                tail += " | ".join(path.read_text(errors="replace").strip().splitlines()[-3:])
        raise BenchError(f"nginx did not start: {tail}")

    def _wait_ready(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                for corpus in self.corpora:
                    with urllib.request.urlopen(f"{corpus.base_url}/robots.txt", timeout=2) as r:
                        if r.read().decode() != ROBOTS_TXT:
                            return False
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
                continue
            return self._self_test()
        return False

    def _self_test(self) -> bool:
        corpus = self.corpora[0]
        absent = next((i for i in range(1, corpus.ids + 2) if i not in set(corpus.present)), None)
        try:
            if corpus.present:
                with urllib.request.urlopen(corpus.url(corpus.present[0]), timeout=5) as answer:
                    if answer.headers.get_content_type() != "application/zip":
                        raise BenchError(f"nginx serves zips as {answer.headers['Content-Type']}")
            if absent is not None:
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(corpus.url(absent), timeout=5).close()
                    raise BenchError(f"nginx did not answer 404 for absent ID {absent}")
        except (urllib.error.URLError, OSError):
            return False
        return True

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # fast shutdown, master and workers
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


# --------------------------------------------------------------------------------------------
# Running a measured command (or several at once)
# --------------------------------------------------------------------------------------------


@dataclass
class Measure:
    wall: float  # seconds, first start to last exit
    peak_tree_rss: int  # bytes: peak of the summed RSS of every process of the run (sampled)
    max_proc_rss: int  # bytes: GNU time's maximum RSS (the largest single process, exact)
    cpu: float  # user + system seconds of every process of the run (GNU time)
    returncodes: list[int]
    timed_out: bool
    logs: list[str]


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, RSS bytes) of every process, one read of /proc/PID/stat each.

    Cheaper than psutil (which costs ~25 ms per sample of a 200-process tree here): the
    sampler runs beside the tools it measures, on the same two cores.
    """
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[0] is field 3 of proc(5), the state: ppid is field 4, rss (pages) field 24
        if fields[0] == b"Z":  # a zombie holds no memory, and counts as gone
            continue
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
    return table


def descendants(roots: Sequence[int], table: dict[int, tuple[int, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: list[int] = []
    todo = [child for root in roots for child in children.get(root, ())]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


class TreeSampler(threading.Thread):
    """Poll the summed RSS of the descendants of some ``time`` wrappers (not the wrappers)."""

    def __init__(self, roots: Sequence[int], interval: float):
        super().__init__(daemon=True)
        self.roots = list(roots)
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.sample()
            if self._stop_event.wait(self.interval):
                return

    def sample(self) -> None:
        table = process_table()
        total = sum(table[pid][1] for pid in descendants(self.roots, table))
        self.peak = max(self.peak, total)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


RUNNING: set[int] = set()  # wrapper pids (= process group ids) still running


def kill_tree(pid: int) -> None:
    """TERM, then KILL, a wrapper's process group and each of its descendants, by pid."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = [pid, *descendants([pid], process_table())]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        for each in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(each, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            table = process_table()
            if not any(p in table for p in pids):
                return
            time.sleep(0.1)


def parse_time_file(path: Path) -> tuple[int, float]:
    """Max RSS in bytes and CPU seconds from ``/usr/bin/time -f '%M %U %S' -o path``."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = path.read_text().strip().splitlines()[-1].split()
        return int(fields[0]) * KIB, float(fields[1]) + float(fields[2])
    return 0, 0.0


def run_measured(
    commands: Sequence[Sequence[str]],
    *,
    cwd: Path,
    timeout: float,
    logs: Path,
    label: str,
    time_exe: str,
    interval: float,
    env: dict[str, str] | None = None,
) -> Measure:
    """Start *commands* at once (each under GNU time), wait for all of them, measure."""
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    time_files = [logs / f"{label}.{k}.time" for k in range(len(commands))]
    log_files = [logs / f"{label}.{k}.log" for k in range(len(commands))]
    started = time.perf_counter()
    try:
        for command, time_file, log_file in zip(commands, time_files, log_files, strict=True):
            with log_file.open("wb") as out:
                process = subprocess.Popen(
                    [time_exe, "-f", "%M %U %S", "-o", str(time_file), *command],
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            processes.append(process)
            RUNNING.add(process.pid)
        sampler = TreeSampler([p.pid for p in processes], interval)
        sampler.start()
        timed_out = False
        deadline = started + timeout
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.perf_counter()))
            except subprocess.TimeoutExpired:
                timed_out = True
                break
        wall = time.perf_counter() - started
        sampler.stop()
    finally:
        for process in processes:
            if process.poll() is None:
                kill_tree(process.pid)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
            RUNNING.discard(process.pid)
    rss_cpu = [parse_time_file(path) for path in time_files]
    max_proc_rss = max(rss for rss, _ in rss_cpu)
    return Measure(
        wall=wall,
        # the tree holds at least its largest process (a run shorter than one sampling
        # interval may not be sampled at all)
        peak_tree_rss=max(sampler.peak, max_proc_rss),
        max_proc_rss=max_proc_rss,
        cpu=sum(cpu for _, cpu in rss_cpu),
        returncodes=[p.returncode if p.returncode is not None else -9 for p in processes],
        timed_out=timed_out,
        logs=[str(path) for path in log_files],
    )


# --------------------------------------------------------------------------------------------
# The tools
# --------------------------------------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    exes: dict[str, str]
    workdir: Path
    project: Path
    scrapy: list[str]

    def measure(
        self, commands: Sequence[Sequence[str]], label: str, cwd: Path | None = None
    ) -> Measure:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["PATH"] = f"{Path(self.scrapy[0]).parent}:{env.get('PATH', '')}"
        return run_measured(
            commands,
            cwd=cwd or self.project,
            timeout=self.args.timeout,
            logs=self.workdir / "logs",
            label=label,
            time_exe=self.exes["time"],
            interval=self.args.sample_interval,
            env=env,
        )

    def scrapy_command(
        self, corpus: Corpus, out: Path, end: int, concurrency: int, extra: Sequence[str] = ()
    ) -> list[str]:
        return [
            *self.scrapy,
            "crawl",
            "louvre",
            "-a",
            f"end={end}",
            "-s",
            f"LOUVRE_BASE_URL={corpus.base_url}",
            "-s",
            f"FILES_STORE={out}",
            "-s",
            f"CONCURRENT_REQUESTS={concurrency}",
            "-s",
            f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
            "-s",
            "LOG_LEVEL=INFO",
            *[arg for setting in self.args.scrapy_set for arg in ("-s", setting)],
            *extra,
        ]


def run_oneliner(ctx: Context, corpus: Corpus, out: Path, label: str) -> Measure:
    # The origin's command, verbatim but for the URL and --will-cite (silences the citation
    # notice; it changes nothing else).
    url = f"{corpus.base_url}/{DOWNLOAD_DIR}/{{}}/0"
    jobs = ctx.args.concurrency
    script = f"seq {corpus.ids} | parallel --will-cite -j{jobs} wget -q {url} -O {{}}.zip"
    return ctx.measure([["bash", "-c", script]], label, cwd=out)


def run_aria2c(ctx: Context, corpus: Corpus, out: Path, label: str) -> Measure:
    listing = ctx.workdir / f"{label}.aria2-input"
    listing.write_text(
        "".join(f"{corpus.url(i)}\n  out={i}.zip\n" for i in range(1, corpus.ids + 1))
    )
    jobs = ctx.args.concurrency
    command = [
        ctx.exes["aria2c"],
        "-i",
        str(listing),
        "-d",
        str(out),
        f"-j{jobs}",
        "-x1",  # = --max-connection-per-server=1: one connection per download
        "--auto-file-renaming=false",
        "--allow-overwrite=true",
        "--file-allocation=none",
        "--console-log-level=warn",
        "--summary-interval=0",
        "--download-result=hide",
        "--quiet=true",
    ]
    try:
        return ctx.measure([command], label)
    finally:
        listing.unlink(missing_ok=True)


def run_scrapy(ctx: Context, corpus: Corpus, out: Path, label: str) -> Measure:
    command = ctx.scrapy_command(corpus, out, corpus.ids, ctx.args.concurrency)
    return ctx.measure([command], label)


def run_scrapy_variant(ctx: Context, corpus: Corpus, out: Path, label: str, name: str) -> Measure:
    extra = [arg for setting in ctx.args.variant[name] for arg in ("-s", setting)]
    command = ctx.scrapy_command(corpus, out, corpus.ids, ctx.args.concurrency, extra)
    return ctx.measure([command], label)


def run_scrapy_shards(ctx: Context, corpus: Corpus, out: Path, label: str) -> Measure:
    shards = ctx.args.shards
    per_shard = max(1, ctx.args.concurrency // shards)
    commands = [
        ctx.scrapy_command(corpus, out, corpus.ids, per_shard, ("-a", f"shard={k}/{shards}"))
        for k in range(shards)
    ]
    return ctx.measure(commands, label)


RUNNERS: dict[str, Callable[[Context, Corpus, Path, str], Measure]] = {
    ONELINER: run_oneliner,
    "aria2c": run_aria2c,
    "scrapy": run_scrapy,
    "scrapy-shards": run_scrapy_shards,
}


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

ZIP_NAME = re.compile(r"^(\d+)\.zip$")


@dataclass
class StoreCheck:
    valid: int = 0  # {id}.zip byte-identical to the corpus' zip
    valid_bytes: int = 0
    empty: int = 0  # {id}.zip of 0 bytes (what wget -O leaves for a 404)
    bogus: int = 0  # any other {id}.zip (wrong bytes, an ID that has no zip, ...)
    stray: int = 0  # files that are not {id}.zip (partials, control files, ...)
    missing: int = 0  # present IDs with no valid zip
    ok: bool = False
    note: str = ""


def check_store(out: Path, corpus: Corpus, tool: str) -> StoreCheck:
    check = StoreCheck()
    present = set(corpus.present)
    found: set[int] = set()
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        match = ZIP_NAME.match(path.name)
        if path.parent != out or not match:
            check.stray += 1
            continue
        artwork_id = int(match[1])
        size = path.stat().st_size
        if size == 0:
            check.empty += 1
        elif (
            artwork_id in present
            and size == corpus.size
            and path.read_bytes() == corpus.file(artwork_id).read_bytes()
        ):
            check.valid += 1
            check.valid_bytes += size
            found.add(artwork_id)
        else:
            check.bogus += 1
    check.missing = len(present - found)
    expected_empty = corpus.ids - len(present) if tool == ONELINER else 0
    check.ok = (
        check.missing == 0
        and check.bogus == 0
        and check.stray == 0
        and check.empty == expected_empty
    )
    if not check.ok:
        check.note = (
            f"missing {check.missing}, bogus {check.bogus}, stray {check.stray}, "
            f"empty {check.empty} (expected {expected_empty})"
        )
    return check


STAT_RE = re.compile(r"'([\w/.-]+)': (\d+(?:\.\d+)?|'[^']*')")


def scrapy_stats(log_paths: Sequence[str]) -> dict[str, Any]:
    """The numeric stats of every crawl log, summed (``finish_reason`` kept as text)."""
    total: Counter[str] = Counter()
    reasons: list[str] = []
    elapsed = 0.0
    for path in log_paths:
        text = Path(path).read_text(errors="replace")
        start = text.rfind("Dumping Scrapy stats:")
        if start < 0:
            reasons.append("no stats (crashed?)")
            continue
        for key, value in STAT_RE.findall(text[start : text.find("}", start)]):
            if key == "elapsed_time_seconds":  # start to finish of the crawl, no startup
                elapsed = max(elapsed, float(value))
            elif value.startswith("'"):
                if key == "finish_reason":
                    reasons.append(value.strip("'"))
            elif value.isdigit():
                total[key] += int(value)
    keep = ("louvre/", "downloader/response_count", "downloader/response_status_count/")
    stats: dict[str, Any] = {
        key: value for key, value in sorted(total.items()) if key.startswith(keep)
    }
    stats["finish_reason"] = ",".join(reasons)
    stats["elapsed_time_seconds"] = elapsed
    for key in ("log_count/ERROR", "log_count/CRITICAL", "retry/count"):
        if total.get(key):
            stats[key] = total[key]
    return stats


# --------------------------------------------------------------------------------------------
# Throughput rounds, memory runs, profile
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    corpus: str
    round: int
    wall: float
    ids_per_s: float
    mib_per_s: float
    peak_tree_rss: int
    max_proc_rss: int
    cpu: float
    returncodes: list[int]
    timed_out: bool
    check: StoreCheck
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def startup(self) -> float:
        """Seconds of the wall time outside Scrapy's own crawl clock (imports, set-up)."""
        elapsed = self.stats.get("elapsed_time_seconds") or 0.0
        return self.wall - elapsed if elapsed else 0.0


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def settle(path: Path) -> None:
    """Remove a run's output and flush dirty pages, so the next run starts on a quiet disk."""
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


def throughput(ctx: Context, corpora: Sequence[Corpus]) -> list[Run]:
    runs: list[Run] = []
    tools = list(ctx.args.tools) + [f"scrapy[{name}]" for name in ctx.args.variant]
    for rnd in range(ctx.args.rounds):
        order = tools[rnd % len(tools) :] + tools[: rnd % len(tools)]  # rotate: no fixed order
        for corpus in corpora:
            for tool in order:
                label = f"{tool}-{corpus.name}-r{rnd}"
                out = fresh_dir(ctx.workdir / "out" / label)
                if tool in RUNNERS:
                    measure = RUNNERS[tool](ctx, corpus, out, label)
                else:  # scrapy[NAME]
                    measure = run_scrapy_variant(ctx, corpus, out, label, tool[7:-1])
                check = check_store(out, corpus, tool)
                stats = scrapy_stats(measure.logs) if tool.startswith("scrapy") else {}
                run = Run(
                    tool=tool,
                    corpus=corpus.name,
                    round=rnd,
                    wall=measure.wall,
                    # a run cut short by --timeout counts as zero throughput
                    ids_per_s=0.0 if measure.timed_out else corpus.ids / measure.wall,
                    mib_per_s=0.0 if measure.timed_out else check.valid_bytes / MIB / measure.wall,
                    peak_tree_rss=measure.peak_tree_rss,
                    max_proc_rss=measure.max_proc_rss,
                    cpu=measure.cpu,
                    returncodes=measure.returncodes,
                    timed_out=measure.timed_out,
                    check=check,
                    stats=stats,
                )
                runs.append(run)
                log(
                    f"{label:32} {measure.wall:7.2f}s {run.ids_per_s:8.0f} IDs/s "
                    f"{run.mib_per_s:7.1f} MiB/s peak {measure.peak_tree_rss / MIB:6.0f} MiB "
                    f"cpu {measure.cpu:6.1f}s rc {measure.returncodes}"
                    + (" TIMEOUT" if measure.timed_out else "")
                    + ("" if check.ok else f" CHECK FAILED: {check.note}")
                )
                settle(out)
    return runs


@dataclass
class Summary:
    tool: str
    corpus: str
    rounds: int
    wall: float
    ids_per_s: float
    mib_per_s: float
    peak_tree_rss: int
    max_proc_rss: int
    cpu: float
    startup: float
    checks_ok: int
    check_notes: list[str]
    ratio: dict[str, float | None] = field(default_factory=dict)


def summarise(runs: Sequence[Run]) -> list[Summary]:
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.corpus, run.tool), []).append(run)
    summaries: list[Summary] = []
    for (corpus, tool), group in groups.items():
        summaries.append(
            Summary(
                tool=tool,
                corpus=corpus,
                rounds=len(group),
                wall=statistics.median(r.wall for r in group),
                ids_per_s=statistics.median(r.ids_per_s for r in group),
                mib_per_s=statistics.median(r.mib_per_s for r in group),
                peak_tree_rss=int(statistics.median(r.peak_tree_rss for r in group)),
                max_proc_rss=int(statistics.median(r.max_proc_rss for r in group)),
                cpu=statistics.median(r.cpu for r in group),
                startup=statistics.median(r.startup for r in group),
                checks_ok=sum(r.check.ok and not r.timed_out for r in group),
                check_notes=sorted({r.check.note for r in group if r.check.note}),
            )
        )
    for summary in summaries:
        base = next(
            (s for s in summaries if s.corpus == summary.corpus and s.tool == ONELINER), None
        )
        for key in ("ids_per_s", "mib_per_s", "peak_tree_rss"):
            mine, theirs = getattr(summary, key), getattr(base, key, 0) if base else 0
            summary.ratio[key] = mine / theirs if theirs else None
    order = {tool: k for k, tool in enumerate(TOOLS)}
    summaries.sort(key=lambda s: (s.corpus != "small", order.get(s.tool, 99)))
    return summaries


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def print_table(summaries: Sequence[Summary], corpora: dict[str, Corpus]) -> None:
    header = (
        f"{'tool':18} {'corpus':6} {'IDs/s':>8} {'(x)':>7} {'MiB/s':>8} {'(x)':>7} "
        f"{'peak RSS':>9} {'(x)':>7} {'max proc':>9} {'CPU s':>7} {'wall s':>7} {'start s':>7} "
        f"{'stored':>9}"
    )
    print("\n" + header)
    print("-" * len(header))
    for s in summaries:
        corpus = corpora[s.corpus]
        stored = f"{s.checks_ok}/{s.rounds} ok"
        print(
            f"{s.tool:18} {s.corpus:6} {s.ids_per_s:8.0f} {ratio(s.ratio['ids_per_s']):>7} "
            f"{s.mib_per_s:8.1f} {ratio(s.ratio['mib_per_s']):>7} "
            f"{s.peak_tree_rss / MIB:8.0f}M {ratio(s.ratio['peak_tree_rss']):>7} "
            f"{s.max_proc_rss / MIB:8.0f}M {s.cpu:7.1f} {s.wall:7.2f} "
            f"{f'{s.startup:.1f}' if s.startup else '-':>7} {stored:>9}"
        )
        for note in s.check_notes:
            print(f"{'':26}! {note} (corpus has {len(corpus.present)} zips)")
    print(
        "medians over rounds; (x) = ratio to parallel+wget on the same corpus; peak RSS = peak of"
        " the summed RSS of the run's processes, sampled; max proc = GNU time's max RSS of the"
        " largest single process; CPU = user+sys of all processes; start s = wall time before"
        " and after Scrapy's own crawl clock (imports, set-up, shut-down); MiB = 2^20 bytes"
    )


@dataclass
class MemoryRun:
    name: str
    round: int
    wall: float
    max_proc_rss: int
    peak_tree_rss: int
    cpu: float
    responses: int
    finish_reason: str
    returncodes: list[int]
    timed_out: bool


def memory(ctx: Context, small: Corpus, large: Corpus | None) -> list[MemoryRun]:
    pages = ctx.args.memory_pages
    plans: list[tuple[str, Corpus, int, list[str]]] = [
        (f"range {end:,}", small, end, ["-s", f"CLOSESPIDER_PAGECOUNT={pages}"])
        for end in ctx.args.memory_ranges
    ]
    if large is not None:
        plans.append((f"large zips c={ctx.args.concurrency}", large, large.ids, []))
    runs: list[MemoryRun] = []
    for rnd in range(ctx.args.rounds):
        for name, corpus, end, extra in plans:
            label = f"memory-{name.replace(' ', '').replace(',', '')}-r{rnd}"
            out = fresh_dir(ctx.workdir / "out" / label)
            command = ctx.scrapy_command(corpus, out, end, ctx.args.concurrency, extra)
            measure = ctx.measure([command], label)
            stats = scrapy_stats(measure.logs)
            run = MemoryRun(
                name=name,
                round=rnd,
                wall=measure.wall,
                max_proc_rss=measure.max_proc_rss,
                peak_tree_rss=measure.peak_tree_rss,
                cpu=measure.cpu,
                responses=int(stats.get("downloader/response_count", 0)),
                finish_reason=str(stats.get("finish_reason", "")),
                returncodes=measure.returncodes,
                timed_out=measure.timed_out,
            )
            runs.append(run)
            log(
                f"{label:32} {measure.wall:7.2f}s max RSS {run.max_proc_rss / MIB:6.1f} MiB, "
                f"{run.responses} responses, cpu {run.cpu:.1f}s, {run.finish_reason}, "
                f"rc {measure.returncodes}" + (" TIMEOUT" if measure.timed_out else "")
            )
            settle(out)
    return runs


def print_memory(runs: Sequence[MemoryRun]) -> dict[str, dict[str, Any]]:
    names = list(dict.fromkeys(run.name for run in runs))
    medians: dict[str, dict[str, Any]] = {}
    print(f"\n{'memory run':24} {'max RSS':>9} {'tree peak':>10} {'responses':>10} {'wall s':>7}")
    for name in names:
        group = [run for run in runs if run.name == name]
        medians[name] = {
            "max_proc_rss": int(statistics.median(r.max_proc_rss for r in group)),
            "peak_tree_rss": int(statistics.median(r.peak_tree_rss for r in group)),
            "responses": int(statistics.median(r.responses for r in group)),
            "wall": statistics.median(r.wall for r in group),
            "finish_reasons": sorted({r.finish_reason for r in group}),
        }
        m = medians[name]
        print(
            f"{name:24} {m['max_proc_rss'] / MIB:8.1f}M {m['peak_tree_rss'] / MIB:9.1f}M "
            f"{m['responses']:10} {m['wall']:7.2f}  {','.join(m['finish_reasons'])}"
        )
    return medians


def profile(ctx: Context, corpus: Corpus) -> dict[str, Any]:
    py_spy = ctx.args.py_spy or shutil.which("py-spy", path=str(Path(ctx.scrapy[0]).parent))
    if not py_spy:
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    raw = Path(tempfile.gettempdir()) / f"louvre-profile-{stamp}.txt"
    out = fresh_dir(ctx.workdir / "out" / "profile")
    command = [
        py_spy,
        "record",
        "--format",
        "raw",
        "--rate",
        str(ctx.args.profile_rate),
        "--threads",
        *(["--nonblocking"] if ctx.args.profile_nonblocking else []),
        "--output",
        str(raw),
        "--",
        *ctx.scrapy_command(corpus, out, corpus.ids, ctx.args.concurrency),
    ]
    measure = ctx.measure([command], "profile")
    check = check_store(out, corpus, "scrapy")
    settle(out)
    if not raw.exists():
        log_tail = Path(measure.logs[0]).read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError("py-spy wrote no profile: " + " | ".join(log_tail))
    summary = summarise_profile(raw.read_text(errors="replace"), ctx.args.profile_top)
    summary.update(corpus=corpus.name, raw_file=str(raw), wall=measure.wall, store_ok=check.ok)
    print_profile(summary)
    return summary


FRAME_RE = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*)(?::(?P<line>\d+))?\)$")
# Leaf frames that are a thread waiting, not working: py-spy's idle detection lets some through
# (an executor thread woken for the GIL counts as running while it waits in the queue).
IDLE_LEAVES = frozenset(
    {
        "_worker (concurrent/futures/thread.py)",
        "Condition.wait (threading.py)",
        "Event.wait (threading.py)",
        "Thread.join (threading.py)",
        "Thread._wait_for_tstate_lock (threading.py)",
        "EpollSelector.select (selectors.py)",
        "_PollLikeSelector.select (selectors.py)",
        "BaseSelector.select (selectors.py)",
    }
)
# Frames every sample of a thread goes through: left out of "by total time".
PLUMBING = frozenset(
    {
        "<module> (scrapy)",
        "execute (scrapy/cmdline.py)",
        "_run_print_help (scrapy/cmdline.py)",
        "_run_command (scrapy/cmdline.py)",
        "Command.run (scrapy/commands/crawl.py)",
        "AsyncCrawlerProcess.start (scrapy/crawler.py)",
        "AsyncCrawlerProcess._start_twisted (scrapy/crawler.py)",
        "AsyncioSelectorReactor.run (twisted/internet/asyncioreactor.py)",
        "BaseEventLoop.run_forever (asyncio/base_events.py)",
        "BaseEventLoop._run_once (asyncio/base_events.py)",
        "Handle._run (asyncio/events.py)",
        "Thread._bootstrap (threading.py)",
        "Thread._bootstrap_inner (threading.py)",
        "Thread.run (threading.py)",
        "callWithLogger (twisted/python/log.py)",
        "callWithContext (twisted/python/log.py)",
        "ThreadedContextTracker.callWithContext (twisted/python/context.py)",
        "ContextTracker.callWithContext (twisted/python/context.py)",
        "_WorkItem.run (concurrent/futures/thread.py)",
        "ThreadWorker.__init__.<locals>.work (twisted/_threads/_threadworker.py)",
    }
)


def frame_key(frame: str) -> tuple[str, str]:
    """(``func (file)``, file) of a py-spy frame ``func (file:line)``; file is sys.path-relative."""
    match = FRAME_RE.match(frame)
    if not match:
        return frame, "?"
    return f"{match['func']} ({match['file']})", match["file"]


def module_of(path: str) -> str:
    if path.startswith("<frozen"):
        return "importlib (stdlib, startup)"
    top = path.split("/", maxsplit=1)[0].removesuffix(".py")
    return f"{top} (stdlib)" if top in sys.stdlib_module_names else top


THREAD_RE = re.compile(r"^thread \((\d+)\)(?:: (.*))?$")


def thread_names(lines: Sequence[str]) -> dict[str, str]:
    """Thread id -> name, from the samples that carry one (py-spy misses some names)."""
    names: dict[str, str] = {}
    for line in lines:
        match = THREAD_RE.match(line.split(";", 1)[0])
        if match and match[2]:
            names[match[1]] = match[2]
    return names


def thread_of(frames: Sequence[str], names: dict[str, str]) -> str:
    match = next((m for f in frames if (m := THREAD_RE.match(f))), None)
    name = (match[2] or names.get(match[1], f"thread {match[1]}")) if match else "?"
    if name.startswith("asyncio_"):
        return "asyncio executor threads (run_in_thread)"
    if name.startswith("PoolThread-twisted"):
        return "twisted thread pool (deferToThread)"
    return name


def summarise_profile(text: str, top: int) -> dict[str, Any]:
    """Self and total shares per function and module of the busy samples of py-spy's raw output."""
    self_f: Counter[str] = Counter()
    total_f: Counter[str] = Counter()
    self_m: Counter[str] = Counter()
    total_m: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    samples = idle = 0
    lines = text.splitlines()
    names = thread_names(lines)
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        all_frames = stack.split(";")
        frames = [f for f in all_frames if not f.startswith(("process ", "thread ("))]
        if not frames:
            continue
        keys = [frame_key(frame) for frame in frames]
        if keys[-1][0] in IDLE_LEAVES:
            idle += count
            continue
        samples += count
        threads[thread_of(all_frames, names)] += count
        self_f[keys[-1][0]] += count
        self_m[module_of(keys[-1][1])] += count
        for func in {func for func, _ in keys} - PLUMBING:
            total_f[func] += count
        for module in {module_of(path) for _, path in keys}:
            total_m[module] += count

    def table(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(key, 100 * value / max(1, samples)) for key, value in counter.most_common(n)]

    return {
        "busy_samples": samples,
        "idle_samples_dropped": idle,
        "threads": table(threads, 10),
        "self_functions": table(self_f, top),
        "total_functions": table(total_f, top),
        "self_modules": table(self_m, top),
        "total_modules": table(total_m, top),
    }


def print_profile(summary: dict[str, Any]) -> None:
    print(
        f"\npy-spy profile of one scrapy crawl ({summary['corpus']} corpus, wall "
        f"{summary['wall']:.1f}s under "
        f"py-spy): {summary['busy_samples']} busy samples ({summary['idle_samples_dropped']} "
        f"samples of waiting threads left out); % of busy samples; raw stacks in "
        f"{summary['raw_file']}"
    )
    for key, title in (
        ("threads", "by thread"),
        ("self_functions", "functions by self time"),
        ("total_functions", "functions by total time (event loop and thread plumbing left out)"),
        ("self_modules", "modules by self time"),
        ("total_modules", "modules by total time"),
    ):
        print(f"\n  {title}:")
        for name, share in summary[key]:
            print(f"    {share:5.1f}%  {name}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def targets(summaries: Sequence[Summary], mem: dict[str, dict[str, Any]]) -> list[str]:
    def get(tool: str, corpus: str, key: str) -> float | None:
        found = next((s for s in summaries if s.tool == tool and s.corpus == corpus), None)
        return getattr(found, key) if found else None

    def line(name: str, mine: float | None, goal: float | None, factor: float = 1.0) -> str:
        if mine is None or goal is None:
            return f"  [ n/a ] {name}"
        verdict = "PASS" if mine >= goal * factor else "FAIL"
        return f"  [{verdict}] {name}: {mine:,.1f} vs {goal * factor:,.1f} needed"

    lines = [
        line(
            "scrapy IDs/s >= 3x one-liner (small)",
            get("scrapy", "small", "ids_per_s"),
            get(ONELINER, "small", "ids_per_s"),
            3,
        ),
        line(
            "scrapy MiB/s >= one-liner (large)",
            get("scrapy", "large", "mib_per_s"),
            get(ONELINER, "large", "mib_per_s"),
        ),
        line(
            "shards IDs/s >= aria2c (small)",
            get("scrapy-shards", "small", "ids_per_s"),
            get("aria2c", "small", "ids_per_s"),
        ),
        line(
            "shards MiB/s >= aria2c (large)",
            get("scrapy-shards", "large", "mib_per_s"),
            get("aria2c", "large", "mib_per_s"),
        ),
    ]
    ranges = [name for name in mem if name.startswith("range ")]
    if len(ranges) >= 2:
        low, high = mem[ranges[0]]["max_proc_rss"], mem[ranges[-1]]["max_proc_rss"]
        verdict = "PASS" if high <= 1.2 * low else "FAIL"
        lines.append(
            f"  [{verdict}] peak RSS {ranges[-1]} <= 1.2x {ranges[0]}: "
            f"{high / MIB:.1f} MiB vs {1.2 * low / MIB:.1f} MiB allowed ({high / low:.2f}x)"
        )
    return lines


def git_state(rev: str | None) -> dict[str, Any]:
    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30
            )
            return done.stdout.strip()
        return ""

    if rev:
        return {"code": f"git archive {rev}", "commit": git("rev-parse", rev)}
    return {
        "code": f"work tree {ROOT}",
        "head": git("rev-parse", "HEAD"),
        "changes_since_head": git(
            "status", "--porcelain", "--", "louvre_scraper", "scrapy.cfg"
        ).splitlines(),
    }


def resolve_rev(rev: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode != 0:
        raise BenchError(f"--rev {rev}: {done.stderr.strip()}")
    return done.stdout.strip()


def snapshot(rev: str, into: Path) -> Path:
    """Export *rev* of the repository into *into* (a stable copy while others edit)."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, timeout=120, check=False
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {rev}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=120)
    return into


def variant_spec(text: str) -> tuple[str, list[str]]:
    name, sep, settings = text.partition(":")
    if not sep or not name.strip() or not re.fullmatch(r"[\w.-]+", name.strip()):
        raise argparse.ArgumentTypeError(f"expected NAME:SETTING=VALUE;..., got {text!r}")
    pairs = [part.strip() for part in settings.split(";") if part.strip()]
    bad = [pair for pair in pairs if "=" not in pair]
    if bad:
        raise argparse.ArgumentTypeError(f"expected SETTING=VALUE, got {bad}")
    return name.strip(), pairs


def csv_ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def csv_choice(choices: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        picked = [part.strip() for part in text.split(",") if part.strip()]
        bad = [part for part in picked if part not in choices]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {bad}; choose from {','.join(choices)}")
        return picked

    return parse


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    cpus = os.cpu_count() or 1
    p = argparse.ArgumentParser(
        description="Benchmark louvre_scraper against parallel+wget and aria2c on a local nginx.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds per tool and corpus")
    p.add_argument("--tools", type=csv_choice(TOOLS), default=list(TOOLS), help="comma-separated")
    p.add_argument(
        "--corpora",
        type=csv_choice(("small", "large")),
        default=["small", "large"],
        help="comma-separated",
    )
    p.add_argument("--small-ids", type=int, default=5000, help="IDs 1..N")
    p.add_argument("--small-density", type=float, default=0.6, help="share of IDs with a zip")
    p.add_argument("--small-kib", type=int, default=4, help="size of each small zip")
    p.add_argument("--large-ids", type=int, default=300, help="IDs 1..N")
    p.add_argument("--large-density", type=float, default=0.75, help="share of IDs with a zip")
    p.add_argument("--large-mib", type=float, default=4, help="size of each large zip")
    p.add_argument("--concurrency", type=int, default=100, help="connections per tool")
    p.add_argument("--shards", type=int, default=cpus, help="processes of scrapy-shards")
    p.add_argument("--memory", action="store_true", help="also run the memory runs")
    p.add_argument("--memory-only", action="store_true", help="only the memory runs")
    p.add_argument(
        "--memory-ranges", type=csv_ints, default=[10_000, 1_000_000], help="end=N of each run"
    )
    p.add_argument("--memory-pages", type=int, default=20_000, help="CLOSESPIDER_PAGECOUNT")
    p.add_argument("--profile", action="store_true", help="also profile scrapy with py-spy")
    p.add_argument("--profile-only", action="store_true", help="only the py-spy profile")
    p.add_argument("--profile-rate", type=int, default=100, help="py-spy samples per second")
    p.add_argument(
        "--profile-nonblocking",
        action="store_true",
        help="py-spy --nonblocking: less slow-down, but some stacks come out torn",
    )
    p.add_argument("--profile-top", type=int, default=15, help="rows per profile table")
    p.add_argument("--py-spy", default=None, help="py-spy binary; none: the one next to scrapy")
    p.add_argument("--scrapy", default=None, help="scrapy binary; none: .venv/bin/scrapy")
    p.add_argument(
        "--scrapy-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra -s for every scrapy run (repeatable), to try a setting without editing code",
    )
    p.add_argument(
        "--variant",
        action="append",
        type=variant_spec,
        default=[],
        metavar="NAME:NAME=VALUE;NAME=VALUE",
        help="also run single-process scrapy as tool scrapy[NAME] with these -s settings"
        " (repeatable)",
    )
    p.add_argument(
        "--profile-corpus",
        choices=("small", "large"),
        default="small",
        help="what --profile crawls",
    )
    p.add_argument("--rev", default=None, help="benchmark this git revision (git archive)")
    p.add_argument("--nginx-workers", default="1", help="nginx worker_processes (or auto)")
    p.add_argument("--timeout", type=float, default=900, help="seconds allowed per run")
    p.add_argument("--sample-interval", type=float, default=0.2, help="RSS polling, seconds")
    p.add_argument("--seed", type=int, default=1, help="which IDs hold a zip")
    p.add_argument("--workdir", type=Path, default=None, help="default: a new temp dir")
    p.add_argument("--keep", action="store_true", help="keep the work dir (corpora, logs)")
    p.add_argument("--json", type=Path, default=None, help="default bench/results-<date>.json")
    p.add_argument("--no-json", action="store_true")
    p.add_argument("--no-install", action="store_true", help="never apt-get install")
    args = p.parse_args(argv)
    args.variant = dict(args.variant)
    if args.rounds < 1 or args.concurrency < 1 or args.shards < 1:
        p.error("--rounds, --concurrency and --shards must be at least 1")
    return args


def find_scrapy(args: argparse.Namespace) -> list[str]:
    candidates = [args.scrapy] if args.scrapy else [str(ROOT / ".venv/bin/scrapy")]
    candidates.append(str(Path(sys.executable).parent / "scrapy"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return [candidate]
    found = shutil.which("scrapy")
    if found:
        return [found]
    raise BenchError("scrapy not found: python3 -m venv .venv && .venv/bin/pip install -r ...")


def make_corpora(args: argparse.Namespace, wanted: set[str], workdir: Path) -> dict[str, Corpus]:
    corpora: dict[str, Corpus] = {}
    if "small" in wanted:
        corpora["small"] = build_corpus(
            "small",
            ids=args.small_ids,
            density=args.small_density,
            size=args.small_kib * KIB,
            root=workdir / "www-small",
            seed=args.seed,
        )
    if "large" in wanted:
        corpora["large"] = build_corpus(
            "large",
            ids=args.large_ids,
            density=args.large_density,
            size=int(args.large_mib * MIB),
            root=workdir / "www-large",
            seed=args.seed,
        )
    return corpora


@dataclass
class Plan:
    throughput: bool
    memory: bool
    profile: bool
    corpora: set[str]
    tools_needed: list[str]


def make_plan(args: argparse.Namespace) -> Plan:
    do_throughput = not (args.memory_only or args.profile_only)
    do_memory = (args.memory or args.memory_only) and not args.profile_only
    do_profile = (args.profile or args.profile_only) and not args.memory_only
    needs = ["nginx", "time"]
    corpora = set(args.corpora) if do_throughput else set()
    if do_throughput:
        for tool in args.tools:
            needs += TOOL_NEEDS.get(tool, ())
    if do_memory:
        corpora.add("small")
    if do_profile:
        corpora.add(args.profile_corpus)
    if do_memory and "large" in args.corpora:
        corpora.add("large")
    return Plan(do_throughput, do_memory, do_profile, corpora, needs)


def bench(ctx: Context, plan: Plan, results: dict[str, Any]) -> None:
    """Make the corpora, serve them, run what the plan says; nginx is always stopped."""
    args = ctx.args
    corpora = make_corpora(args, plan.corpora, ctx.workdir)
    nginx = Nginx(
        ctx.exes["nginx"], ctx.workdir / "nginx", list(corpora.values()), args.nginx_workers
    )
    try:
        nginx.start()
        results["environment"] = environment(ctx, nginx)
        results["corpora"] = {name: c.describe() for name, c in corpora.items()}
        summaries: list[Summary] = []
        if plan.throughput:
            runs = throughput(ctx, [corpora[name] for name in args.corpora])
            summaries = summarise(runs)
            results["runs"] = [{**asdict(run), "startup": run.startup} for run in runs]
            results["medians"] = [asdict(s) for s in summaries]
        memory_runs: list[MemoryRun] = []
        if plan.memory:
            memory_runs = memory(ctx, corpora["small"], corpora.get("large"))
            results["memory_runs"] = [asdict(run) for run in memory_runs]
        if plan.profile:
            results["profile"] = profile(ctx, corpora[args.profile_corpus])
    finally:
        nginx.stop()
    if summaries:
        print_table(summaries, corpora)
    mem = print_memory(memory_runs) if memory_runs else {}
    if mem:
        results["memory"] = mem
    if summaries or mem:
        results["targets"] = targets(summaries, mem)
        print("\ntargets (the machine is shared and noisy: medians of few rounds):")
        print("\n".join(results["targets"]))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    exes = ensure_tools(plan.tools_needed, install=not args.no_install)
    scrapy = find_scrapy(args)
    owned_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="louvre-bench-")) if owned_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    results: dict[str, Any] = {"started": started.isoformat(timespec="seconds")}
    try:
        if args.rev:  # pin the commit now: others may commit while the bench runs
            args.rev = resolve_rev(args.rev)
            log(f"benchmarking commit {args.rev} (git archive)")
        project = snapshot(args.rev, workdir / "project") if args.rev else ROOT
        bench(Context(args, exes, workdir, project, scrapy), plan, results)
    finally:
        for pid in list(RUNNING):
            kill_tree(pid)
        if owned_workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"work dir kept: {workdir}")
    results["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if not args.no_json:
        path = args.json or ROOT / "bench" / f"results-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"results written to {path}")
    return 0


def environment(ctx: Context, nginx: Nginx) -> dict[str, Any]:
    versions = {"nginx": nginx.version}
    for name in ("parallel", "aria2c", "wget"):
        if name in ctx.exes:
            versions[name] = tool_version([ctx.exes[name], "--version"])
    versions["scrapy"] = tool_version([*ctx.scrapy, "version"])
    return {
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "git": git_state(ctx.args.rev),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(ctx.args).items()},
    }


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
    except KeyboardInterrupt:
        sys.exit("bench: interrupted (nginx stopped, runs killed, temp dirs removed)")
