"""``python -m bench``: make the corpora, serve them, run, report, write the JSON."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

from bench import KIB, MIB, RESULTS, ROOT, BenchError, log
from bench.cli import Plan, make_plan, parse_args
from bench.corpora import COLLECTION, Corpus, build_collection_corpus, build_corpus
from bench.measure import RUNNING, kill_tree
from bench.nginx import Nginx, free_port
from bench.profile import profiles
from bench.report import Summary, markdown, print_memory, print_table, summarise, targets
from bench.runs import AnyCorpus, Context, MemoryRun, memory, throughput
from bench.tools import IMG2DATASET, ensure_tools, find_img2dataset, tool_version


def git_state(rev: str | None, project: Path | None = None) -> dict[str, Any]:
    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30
            )
            return done.stdout.strip()
        return ""

    if project is not None:
        return {"code": f"project directory {project}"}
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


def make_corpora(args: argparse.Namespace, wanted: set[str], workdir: Path) -> dict[str, AnyCorpus]:
    corpora: dict[str, AnyCorpus] = {}
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
    if COLLECTION in wanted:  # its JSON holds absolute URLs: the port is chosen first
        corpora[COLLECTION] = build_collection_corpus(
            COLLECTION,
            records=args.collection_records,
            per_sitemap=args.collection_per_sitemap,
            image_size=args.collection_image_kib * KIB,
            root=workdir / "www-collection",
            port=free_port(),
            seed=args.seed,
        )
    return corpora


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
            small, large = corpora["small"], corpora.get("large")
            assert isinstance(small, Corpus)
            assert large is None or isinstance(large, Corpus)
            memory_runs = memory(ctx, small, large)
            results["memory_runs"] = [asdict(run) for run in memory_runs]
        if plan.profile:
            results["profiles"] = profiles(ctx, corpora[args.profile_corpus])
    finally:
        nginx.stop()
    if "environment" in results:  # the machine is shared: how busy it was, beside the ratios
        results["environment"]["loadavg_at_end"] = os.getloadavg()
        start, end = results["environment"]["loadavg_at_start"], os.getloadavg()
        log(
            "load average (1, 5, 15 min) at the start "
            + ", ".join(f"{x:.2f}" for x in start)
            + "; at the end "
            + ", ".join(f"{x:.2f}" for x in end)
        )
    if summaries:
        print_table(summaries, corpora)
        results["markdown"] = markdown(summaries, corpora)
        print("\nthe same, as Markdown (README):\n")
        print(results["markdown"])
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
    if plan.img2dataset:
        exes[IMG2DATASET] = find_img2dataset(args.img2dataset)
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
        if args.project:
            project = args.project.resolve()
            log(f"benchmarking the project in {project}")
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
        path = args.json or RESULTS / f"results-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"results written to {path}")
    return 0


def environment(ctx: Context, nginx: Nginx) -> dict[str, Any]:
    versions = {"nginx": nginx.version}
    for name in ("parallel", "aria2c", "wget"):
        if name in ctx.exes:
            versions[name] = tool_version([ctx.exes[name], "--version"])
    versions["scrapy"] = tool_version([*ctx.scrapy, "version"])
    if IMG2DATASET in ctx.exes:
        python = Path(ctx.exes[IMG2DATASET]).parent / "python"
        script = "import importlib.metadata as m; print('img2dataset', m.version('img2dataset'))"
        versions[IMG2DATASET] = tool_version([str(python), "-c", script])
    return {
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "git": git_state(ctx.args.rev, ctx.args.project),
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
