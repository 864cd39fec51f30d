"""A py-spy profile of one crawl, summed by function, module and thread."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

from bench import BenchError
from bench.checks import check_collection_store, check_store
from bench.corpora import CollectionCorpus
from bench.runs import AnyCorpus, Context, end_of, fresh_dir, settle


def profiles(ctx: Context, corpus: AnyCorpus) -> dict[str, dict[str, Any]]:
    """Profile ``scrapy``, and each ``--variant`` too with ``--profile-variants``."""
    found = {"scrapy": profile(ctx, corpus, "scrapy", [])}
    if ctx.args.profile_variants:
        for name, settings in ctx.args.variant.items():
            extra = [arg for setting in settings for arg in ("-s", setting)]
            found[f"scrapy[{name}]"] = profile(ctx, corpus, f"scrapy[{name}]", extra)
    return found


def profile(ctx: Context, corpus: AnyCorpus, tool: str, extra: Sequence[str]) -> dict[str, Any]:
    py_spy = ctx.args.py_spy or shutil.which("py-spy", path=str(Path(ctx.scrapy[0]).parent))
    if not py_spy:
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^\w.-]+", "-", tool).strip("-")
    raw = Path(tempfile.gettempdir()) / f"louvre-profile-{stamp}-{slug}.txt"
    out = fresh_dir(ctx.workdir / "out" / f"profile-{slug}")
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
        *ctx.scrapy_command(corpus, out, end_of(corpus), ctx.args.concurrency, extra),
    ]
    measure = ctx.measure([command], f"profile-{slug}")
    if isinstance(corpus, CollectionCorpus):
        check = check_collection_store(out, corpus, "scrapy")
    else:
        check = check_store(out, corpus, "scrapy")
    settle(out)
    if not raw.exists():
        log_tail = Path(measure.logs[0]).read_text(errors="replace").strip().splitlines()[-5:]
        raise BenchError("py-spy wrote no profile: " + " | ".join(log_tail))
    summary = summarise_profile(raw.read_text(errors="replace"), ctx.args.profile_top)
    summary.update(
        tool=tool,
        corpus=corpus.name,
        raw_file=str(raw),
        wall=measure.wall,
        cpu=measure.cpu,
        store_ok=check.ok,
    )
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
        "BaseEventLoop.run_until_complete (asyncio/base_events.py)",
        "Runner.run (asyncio/runners.py)",
        "run (asyncio/runners.py)",
        "AsyncCrawlerProcess._start_asyncio (scrapy/crawler.py)",
        "AsyncCrawlerProcess._run_loop (scrapy/crawler.py)",
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


# The parts of a crawl worth naming, by the frames they run in: a sample counts for a part when
# any frame of its stack matches (so the shares overlap, like "total time").
COMPONENTS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "Twisted (reactor, Deferreds, HTTP/1.1 client)": r"\(twisted/",
        "aiohttp (and yarl, multidict)": r"\((?:aiohttp|yarl|multidict)/",
        "signals (pydispatch, send_catch_log)": r"\(pydispatch/|send_catch_log",
        "logging (records built, then dropped below LOG_LEVEL)": r"\(logging/",
        "stats collector": r"scrapy/statscollectors\.py",
        "scheduler and its queues": r"scrapy/core/scheduler\.py|\(queuelib/|scrapy/[ps]queues\.py",
        "downloader middlewares": r"DownloaderMiddlewareManager\._process_(?:request|response)",
        "spider middlewares": r"SpiderMiddlewareManager|scrapy/spidermiddlewares/",
        "Request, Response and Headers objects": r"scrapy/http/(?:request|response|headers)",
        "louvre_scraper (this project)": r"\(louvre_scraper/",
        "file writes (write_atomically)": r"write_atomically",
        "zip checks (zipfile)": r"\(zipfile\.py",
        "imports (start-up)": r"_find_and_load",
    }.items()
}


def summarise_profile(text: str, top: int) -> dict[str, Any]:
    """Self and total shares per function and module of the busy samples of py-spy's raw output."""
    self_f: Counter[str] = Counter()
    total_f: Counter[str] = Counter()
    self_m: Counter[str] = Counter()
    total_m: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    components: Counter[str] = Counter()
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
        for name, pattern in COMPONENTS.items():
            if pattern.search(stack):
                components[name] += count

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
        "components": [(name, 100 * components[name] / max(1, samples)) for name in COMPONENTS],
    }


def print_profile(summary: dict[str, Any]) -> None:
    print(
        f"\npy-spy profile of one {summary.get('tool', 'scrapy')} crawl ({summary['corpus']}"
        " corpus, wall "
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
        ("components", "parts of the crawl (a sample counts for each part on its stack)"),
    ):
        print(f"\n  {title}:")
        for name, share in summary[key]:
            print(f"    {share:5.1f}%  {name}")
