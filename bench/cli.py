"""The command line: flags, and what they ask to run."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

from bench.corpora import COLLECTION
from bench.tools import COLLECTION_TOOLS, IMG2DATASET, TOOL_NEEDS, TOOLS

CORPORA = ("small", "large", COLLECTION)


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
        description="Benchmark louvre_scraper against parallel+wget, aria2c and img2dataset on a"
        " local nginx.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds per tool and corpus")
    p.add_argument(
        "--tools", type=csv_choice(TOOLS), default=list(TOOLS), help="on the zip corpora"
    )
    p.add_argument(
        "--collection-tools",
        type=csv_choice(COLLECTION_TOOLS),
        default=list(COLLECTION_TOOLS),
        help="on the collection corpus",
    )
    p.add_argument(
        "--corpora", type=csv_choice(CORPORA), default=list(CORPORA), help="comma-separated"
    )
    p.add_argument("--small-ids", type=int, default=5000, help="IDs 1..N")
    p.add_argument("--small-density", type=float, default=0.6, help="share of IDs with a zip")
    p.add_argument("--small-kib", type=int, default=4, help="size of each small zip")
    p.add_argument("--large-ids", type=int, default=300, help="IDs 1..N")
    p.add_argument("--large-density", type=float, default=0.75, help="share of IDs with a zip")
    p.add_argument("--large-mib", type=float, default=4, help="size of each large zip")
    p.add_argument("--collection-records", type=int, default=2000, help="records listed")
    p.add_argument("--collection-per-sitemap", type=int, default=500, help="records a sitemap")
    p.add_argument("--collection-image-kib", type=int, default=128, help="size of each image")
    p.add_argument(
        "--img2dataset",
        default=None,
        help="img2dataset binary; none: .venv-img2dataset/bin/img2dataset, then PATH",
    )
    p.add_argument("--concurrency", type=int, default=100, help="connections per tool")
    p.add_argument("--shards", type=int, default=cpus, help="processes of scrapy-shards")
    p.add_argument("--memory", action="store_true", help="also run the memory runs")
    p.add_argument("--memory-only", action="store_true", help="only the memory runs")
    p.add_argument(
        "--memory-ranges", type=csv_ints, default=[10_000, 1_000_000], help="end=N of each run"
    )
    p.add_argument(
        "--memory-variants", action="store_true", help="also run the memory runs per --variant"
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
    p.add_argument(
        "--profile-variants",
        action="store_true",
        help="also profile each --variant (e.g. the reactorless mode)",
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
        "--variant-shards",
        action="store_true",
        help="also run each --variant as scrapy-shards[NAME] (one process per shard)",
    )
    p.add_argument(
        "--profile-corpus",
        choices=CORPORA,
        default="small",
        help="what --profile crawls",
    )
    p.add_argument("--rev", default=None, help="benchmark this git revision (git archive)")
    p.add_argument(
        "--project",
        type=Path,
        default=None,
        help="benchmark the project in this directory (e.g. an edited copy) instead",
    )
    p.add_argument("--nginx-workers", default="1", help="nginx worker_processes (or auto)")
    p.add_argument("--timeout", type=float, default=900, help="seconds allowed per run")
    p.add_argument("--sample-interval", type=float, default=0.2, help="RSS polling, seconds")
    p.add_argument("--seed", type=int, default=1, help="which IDs hold a zip")
    p.add_argument("--workdir", type=Path, default=None, help="default: a new temp dir")
    p.add_argument("--keep", action="store_true", help="keep the work dir (corpora, logs)")
    p.add_argument(
        "--json", type=Path, default=None, help="default bench/results/results-<date>.json"
    )
    p.add_argument("--no-json", action="store_true")
    p.add_argument("--no-install", action="store_true", help="never apt-get install")
    args = p.parse_args(argv)
    args.variant = dict(args.variant)
    if args.rounds < 1 or args.concurrency < 1 or args.shards < 1:
        p.error("--rounds, --concurrency and --shards must be at least 1")
    return args


@dataclass
class Plan:
    throughput: bool
    memory: bool
    profile: bool
    corpora: set[str]
    tools_needed: list[str]
    img2dataset: bool = False


def make_plan(args: argparse.Namespace) -> Plan:
    do_throughput = not (args.memory_only or args.profile_only)
    do_memory = (args.memory or args.memory_only) and not args.profile_only
    do_profile = (args.profile or args.profile_only) and not args.memory_only
    needs = ["nginx", "time"]
    corpora = set(args.corpora) if do_throughput else set()
    img2dataset = False
    if do_throughput:
        tools = list(args.tools) if corpora - {COLLECTION} else []
        if COLLECTION in corpora:
            tools += args.collection_tools
            img2dataset = IMG2DATASET in args.collection_tools
        for tool in dict.fromkeys(tools):
            needs += TOOL_NEEDS.get(tool, ())
    if do_memory:
        corpora.add("small")
    if do_profile:
        corpora.add(args.profile_corpus)
    if do_memory and "large" in args.corpora:
        corpora.add("large")
    return Plan(do_throughput, do_memory, do_profile, corpora, needs, img2dataset)
