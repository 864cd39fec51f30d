"""The runs: each tool on each corpus for interleaved rounds, and the memory runs."""

from __future__ import annotations

import argparse
import functools
import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

from bench import MIB, log
from bench.checks import StoreCheck, check_collection_store, check_store, scrapy_stats
from bench.corpora import COLLECTION, DOWNLOAD_DIR, CollectionCorpus, Corpus
from bench.measure import Measure, run_measured
from bench.tools import ARIA2C_SYNCED, IMG2DATASET, ONELINER, ONELINER_SYNCED

AnyCorpus = Corpus | CollectionCorpus

# What every scrapy run of the bench sets, as a user tuning for speed against a fast site of
# their own would (docs/speed.md says so beside every table): 100 connections like the other
# tools (CONCURRENT_REQUESTS, in scrapy_command), and AutoThrottle off. The project's default
# is polite to the museum: AutoThrottle aims at 8 requests in flight and starts at 0.25 s
# between requests; against this loopback nginx that pacing, not the code, set the zip
# route's pace (py-spy: the event loop idle between requests while the delay fell; 20 bodies
# in flight instead of 100), as it should against the museum. The defaults' own rows:
# --variant 'polite:AUTOTHROTTLE_ENABLED=True' (a variant's -s come after these and win).
SPEED_SETTINGS = ("AUTOTHROTTLE_ENABLED=False",)


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
        # NO_ALBUMENTATIONS_UPDATE: img2dataset's albumentations would look for a new version
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_ALBUMENTATIONS_UPDATE": "1"}
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
        self, corpus: AnyCorpus, out: Path, end: int, concurrency: int, extra: Sequence[str] = ()
    ) -> list[str]:
        """``scrapy crawl louvre -a end=END`` on a zip corpus, ``scrapy crawl collection`` on
        the collection, with the corpus' URL, the store, the concurrency and *extra*."""
        spider = ["collection"] if corpus.kind == COLLECTION else ["louvre", "-a", f"end={end}"]
        return [
            *self.scrapy,
            "crawl",
            *spider,
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
            "-s",
            "LOUVRE_STATS_ON_CONSOLE=True",  # scrapy_stats reads Scrapy's stats dump
            *[arg for setting in SPEED_SETTINGS for arg in ("-s", setting)],
            *[arg for setting in self.args.scrapy_set for arg in ("-s", setting)],
            *extra,
        ]


def run_oneliner(
    ctx: Context, corpus: Corpus, out: Path, label: str, *, synced: bool = False
) -> Measure:
    # The origin's command, verbatim but for the URL and --will-cite (silences the citation
    # notice; it changes nothing else).
    url = f"{corpus.base_url}/{DOWNLOAD_DIR}/{{}}/0"
    jobs = ctx.args.concurrency
    script = f"seq {corpus.ids} | parallel --will-cite -j{jobs} wget -q {url} -O {{}}.zip"
    return ctx.measure([then_sync(["bash", "-c", script], out, synced)], label, cwd=out)


def then_sync(command: list[str], out: Path, synced: bool) -> list[str]:
    """*command*, followed (when *synced*) by ``sync -f OUT``: the one measure then ends when
    the files are on the disk, as the project's (fsync-ed) files are when it ends."""
    if not synced:
        return command
    return ["bash", "-c", f"{shlex.join(command)} && sync -f {shlex.quote(str(out))}"]


def aria2_input(corpus: AnyCorpus) -> str:
    """aria2c's ``-i`` file: every zip URL (``out={id}.zip``), or every image URL of the
    collection (``out=`` the path ``scrapy crawl collection`` stores it at)."""
    if isinstance(corpus, CollectionCorpus):
        return "".join(
            f"{corpus.base_url}{path}\n  out={store}\n" for path, store in corpus.images.items()
        )
    return "".join(f"{corpus.url(i)}\n  out={i}.zip\n" for i in range(1, corpus.ids + 1))


def run_aria2c(
    ctx: Context, corpus: AnyCorpus, out: Path, label: str, *, synced: bool = False
) -> Measure:
    listing = ctx.workdir / f"{label}.aria2-input"
    listing.write_text(aria2_input(corpus))
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
        return ctx.measure([then_sync(command, out, synced)], label)
    finally:
        listing.unlink(missing_ok=True)


def img2dataset_command(
    exe: str, listing: Path, out: Path, *, processes: int, threads: int, n: int
) -> list[str]:
    """img2dataset on a plain URL list, files out, as they are: ``--resize_mode no``, and
    ``--disable_all_reencoding`` because the corpus' images are random bytes between valid
    JPEG/PNG markers that no decoder accepts (it also spares img2dataset the decode)."""
    return [
        exe,
        "--url_list",
        str(listing),
        "--input_format",
        "txt",
        "--output_folder",
        str(out),
        "--output_format",
        "files",
        "--resize_mode",
        "no",
        "--disable_all_reencoding",
        "True",
        "--processes_count",
        str(processes),
        "--thread_count",
        str(threads),
        # one shard per process: img2dataset hands whole shards to its processes
        "--number_sample_per_shard",
        str(max(1, -(-n // processes))),
        "--timeout",
        "30",
        "--retries",
        "0",
        "--enable_wandb",
        "False",
    ]


def run_img2dataset(ctx: Context, corpus: AnyCorpus, out: Path, label: str) -> Measure:
    assert isinstance(corpus, CollectionCorpus)
    listing = ctx.workdir / f"{label}.urls.txt"
    urls = corpus.image_urls()
    listing.write_text("".join(f"{url}\n" for url in urls))
    shards = ctx.args.shards
    threads = max(1, ctx.args.concurrency // shards)
    command = img2dataset_command(
        ctx.exes[IMG2DATASET], listing, out, processes=shards, threads=threads, n=len(urls)
    )
    try:
        return ctx.measure([command], label)
    finally:
        listing.unlink(missing_ok=True)


def end_of(corpus: AnyCorpus) -> int:
    return corpus.ids if isinstance(corpus, Corpus) else 0


def run_scrapy(ctx: Context, corpus: AnyCorpus, out: Path, label: str) -> Measure:
    command = ctx.scrapy_command(corpus, out, end_of(corpus), ctx.args.concurrency)
    return ctx.measure([command], label)


def run_scrapy_variant(
    ctx: Context, corpus: AnyCorpus, out: Path, label: str, name: str
) -> Measure:
    extra = [arg for setting in ctx.args.variant[name] for arg in ("-s", setting)]
    command = ctx.scrapy_command(corpus, out, end_of(corpus), ctx.args.concurrency, extra)
    return ctx.measure([command], label)


def shard_commands(
    ctx: Context, corpus: AnyCorpus, out: Path, extra: Sequence[str] = ()
) -> list[list[str]]:
    shards = ctx.args.shards
    per_shard = max(1, ctx.args.concurrency // shards)
    return [
        ctx.scrapy_command(
            corpus, out, end_of(corpus), per_shard, ("-a", f"shard={k}/{shards}", *extra)
        )
        for k in range(shards)
    ]


def run_scrapy_shards(ctx: Context, corpus: AnyCorpus, out: Path, label: str) -> Measure:
    return ctx.measure(shard_commands(ctx, corpus, out), label)


def run_scrapy_variant_shards(
    ctx: Context, corpus: AnyCorpus, out: Path, label: str, name: str
) -> Measure:
    extra = [arg for setting in ctx.args.variant[name] for arg in ("-s", setting)]
    return ctx.measure(shard_commands(ctx, corpus, out, extra), label)


RUNNERS: dict[str, Callable[[Context, AnyCorpus, Path, str], Measure]] = {
    ONELINER: run_oneliner,
    "aria2c": run_aria2c,
    IMG2DATASET: run_img2dataset,
    "scrapy": run_scrapy,
    "scrapy-shards": run_scrapy_shards,
    ONELINER_SYNCED: functools.partial(run_oneliner, synced=True),
    ARIA2C_SYNCED: functools.partial(run_aria2c, synced=True),
}


def variant_of(tool: str) -> tuple[str, bool] | None:
    """``scrapy[NAME]`` -> (NAME, False), ``scrapy-shards[NAME]`` -> (NAME, True), else None."""
    for prefix, shards in (("scrapy[", False), ("scrapy-shards[", True)):
        if tool.startswith(prefix) and tool.endswith("]"):
            return tool[len(prefix) : -1], shards
    return None


def tools_for(corpus: AnyCorpus, args: argparse.Namespace) -> list[str]:
    """The tools run on *corpus*: its kind's tools, then a scrapy[NAME] (and, with
    ``--variant-shards``, a scrapy-shards[NAME]) per ``--variant``."""
    tools = list(args.collection_tools if corpus.kind == COLLECTION else args.tools)
    for name in args.variant:
        tools.append(f"scrapy[{name}]")
        if args.variant_shards:
            tools.append(f"scrapy-shards[{name}]")
    return tools


@dataclass
class Run:
    tool: str
    corpus: str
    round: int
    wall: float
    ids_per_s: float  # zip corpora: IDs asked per second
    mib_per_s: float  # zips, or images, stored right per second
    peak_tree_rss: int
    max_proc_rss: int
    cpu: float
    returncodes: list[int]
    timed_out: bool
    check: StoreCheck
    stats: dict[str, Any] = field(default_factory=dict)
    records_per_s: float = 0.0  # the collection: records stored per second (scrapy only)
    images_per_s: float = 0.0  # the collection: the corpus' images per second

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


def measure_tool(ctx: Context, tool: str, corpus: AnyCorpus, out: Path, label: str) -> Measure:
    if tool in RUNNERS:
        return RUNNERS[tool](ctx, corpus, out, label)
    variant = variant_of(tool)
    assert variant is not None, tool
    name, shards = variant
    runner = run_scrapy_variant_shards if shards else run_scrapy_variant
    return runner(ctx, corpus, out, label, name)


def make_run(tool: str, corpus: AnyCorpus, rnd: int, measure: Measure, check: StoreCheck) -> Run:
    """A run's figures; a run cut short by ``--timeout`` counts as zero throughput."""
    stats = scrapy_stats(measure.logs) if tool.startswith("scrapy") else {}
    wall = measure.wall
    done = 0.0 if measure.timed_out else 1.0
    run = Run(
        tool=tool,
        corpus=corpus.name,
        round=rnd,
        wall=wall,
        ids_per_s=done * end_of(corpus) / wall,
        mib_per_s=done * check.valid_bytes / MIB / wall,
        peak_tree_rss=measure.peak_tree_rss,
        max_proc_rss=measure.max_proc_rss,
        cpu=measure.cpu,
        returncodes=measure.returncodes,
        timed_out=measure.timed_out,
        check=check,
        stats=stats,
    )
    if isinstance(corpus, CollectionCorpus):
        run.images_per_s = done * len(corpus.images) / wall
        if tool.startswith("scrapy"):
            run.records_per_s = done * len(corpus.arks) / wall
    return run


def throughput(ctx: Context, corpora: Sequence[AnyCorpus]) -> list[Run]:
    runs: list[Run] = []
    for rnd in range(ctx.args.rounds):
        for corpus in corpora:
            tools = tools_for(corpus, ctx.args)
            order = tools[rnd % len(tools) :] + tools[: rnd % len(tools)]  # rotate each round
            for tool in order:
                label = f"{tool}-{corpus.name}-r{rnd}"
                out = fresh_dir(ctx.workdir / "out" / label)
                measure = measure_tool(ctx, tool, corpus, out, label)
                if isinstance(corpus, CollectionCorpus):
                    check = check_collection_store(out, corpus, tool)
                else:
                    check = check_store(out, corpus, tool)
                run = make_run(tool, corpus, rnd, measure, check)
                runs.append(run)
                rate = (
                    f"{run.images_per_s:8.0f} img/s"
                    if isinstance(corpus, CollectionCorpus)
                    else f"{run.ids_per_s:8.0f} IDs/s"
                )
                log(
                    f"{label:36} {measure.wall:7.2f}s {rate} "
                    f"{run.mib_per_s:7.1f} MiB/s peak {measure.peak_tree_rss / MIB:6.0f} MiB "
                    f"cpu {measure.cpu:6.1f}s rc {measure.returncodes}"
                    + (" TIMEOUT" if measure.timed_out else "")
                    + ("" if check.ok else f" CHECK FAILED: {check.note}")
                )
                settle(out)
    return runs


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


def memory_plans(
    args: argparse.Namespace, small: Corpus, large: Corpus | None
) -> list[tuple[str, Corpus, int, list[str]]]:
    """(name, corpus, end, extra arguments) of each memory run: the ranges, then the large
    zips; again for each ``--variant`` (named ``... [NAME]``) with ``--memory-variants``."""
    modes: list[tuple[str, list[str]]] = [("", [])]
    if args.memory_variants:
        for variant, settings in args.variant.items():
            extra = [arg for setting in settings for arg in ("-s", setting)]
            modes.append((f" [{variant}]", extra))
    plans: list[tuple[str, Corpus, int, list[str]]] = []
    for suffix, extra in modes:
        pages = ["-s", f"CLOSESPIDER_PAGECOUNT={args.memory_pages}"]
        plans += [
            (f"range {end:,}{suffix}", small, end, [*pages, *extra]) for end in args.memory_ranges
        ]
        if large is not None:
            plans.append((f"large zips c={args.concurrency}{suffix}", large, large.ids, extra))
    return plans


def memory(ctx: Context, small: Corpus, large: Corpus | None) -> list[MemoryRun]:
    plans = memory_plans(ctx.args, small, large)
    runs: list[MemoryRun] = []
    for rnd in range(ctx.args.rounds):
        for name, corpus, end, extra in plans:
            slug = re.sub(r"[^\w.=-]+", "", name)
            label = f"memory-{slug}-r{rnd}"
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
