"""Medians, ratios, the tables (plain and Markdown for docs/speed.md) and the targets."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bench.runs import AnyCorpus, MemoryRun, Run

from bench import MIB
from bench.corpora import COLLECTION
from bench.tools import (
    ARIA2C_SYNCED,
    COLLECTION_TOOLS,
    IMG2DATASET,
    ONELINER,
    ONELINER_SYNCED,
    TOOLS,
)

RATES = ("ids_per_s", "mib_per_s", "images_per_s", "records_per_s")


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
    records_per_s: float = 0.0
    images_per_s: float = 0.0
    ratio: dict[str, float | None] = field(default_factory=dict)  # to the corpus' baseline
    vs_aria2c: dict[str, float | None] = field(default_factory=dict)


def baseline(corpus: str) -> str:
    """What the other tools are compared to: the one-liner on zips, img2dataset on images."""
    return IMG2DATASET if corpus == COLLECTION else ONELINER


def tool_order(tool: str) -> tuple[int, str]:
    """Tools first in their tuple's order, then each variant after the tool it varies."""
    base, _, variant = tool.partition("[")
    order = list(TOOLS) + [t for t in COLLECTION_TOOLS if t not in TOOLS]
    rank = order.index(base) if base in order else len(order)
    return rank, variant


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
                records_per_s=statistics.median(r.records_per_s for r in group),
                images_per_s=statistics.median(r.images_per_s for r in group),
            )
        )

    def find(corpus: str, tool: str) -> Summary | None:
        return next((s for s in summaries if s.corpus == corpus and s.tool == tool), None)

    for summary in summaries:
        base = find(summary.corpus, baseline(summary.corpus))
        aria2c = find(summary.corpus, "aria2c")
        for key in (*RATES, "peak_tree_rss"):
            summary.ratio[key] = share(getattr(summary, key), base and getattr(base, key))
            summary.vs_aria2c[key] = share(getattr(summary, key), aria2c and getattr(aria2c, key))
    corpus_order = {"small": 0, "large": 1, COLLECTION: 2}
    summaries.sort(key=lambda s: (corpus_order.get(s.corpus, 9), s.corpus, tool_order(s.tool)))
    return summaries


def share(mine: float, theirs: float | None) -> float | None:
    return mine / theirs if theirs else None


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def print_table(summaries: Sequence[Summary], corpora: dict[str, AnyCorpus]) -> None:
    zips = [s for s in summaries if s.corpus != COLLECTION]
    collection = [s for s in summaries if s.corpus == COLLECTION]
    if zips:
        header = (
            f"{'tool':28} {'corpus':6} {'IDs/s':>8} {'(x)':>7} {'(xa)':>7} {'MiB/s':>8} "
            f"{'(x)':>7} {'(xa)':>7} {'peak RSS':>9} {'max proc':>9} {'CPU s':>7} {'wall s':>7} "
            f"{'start s':>7} {'stored':>9}"
        )
        print("\n" + header)
        print("-" * len(header))
        for s in zips:
            print(
                f"{s.tool:28} {s.corpus:6} {s.ids_per_s:8.0f} {ratio(s.ratio['ids_per_s']):>7} "
                f"{ratio(s.vs_aria2c['ids_per_s']):>7} {s.mib_per_s:8.1f} "
                f"{ratio(s.ratio['mib_per_s']):>7} {ratio(s.vs_aria2c['mib_per_s']):>7} " + tail(s)
            )
            notes(s)
        print(
            "medians over rounds; (x) = ratio to parallel+wget on the same corpus, (xa) to"
            " aria2c; peak RSS = peak of the summed RSS of the run's processes, sampled; max proc"
            " = GNU time's max RSS of the largest single process; CPU = user+sys of all"
            " processes; start s = wall time before and after Scrapy's own crawl clock"
            " (imports, set-up, shut-down); MiB = 2^20 bytes"
        )
    if collection:
        corpus = corpora.get(COLLECTION)
        what = "" if corpus is None else f" ({describe(corpus, COLLECTION)})"
        header = (
            f"{'tool':28} {'rec/s':>7} {'img/s':>7} {'(x)':>7} {'(xa)':>7} {'MiB/s':>8} "
            f"{'(x)':>7} {'(xa)':>7} {'peak RSS':>9} {'max proc':>9} {'CPU s':>7} {'wall s':>7} "
            f"{'start s':>7} {'stored':>9}"
        )
        print(f"\ncollection corpus{what}")
        print(header)
        print("-" * len(header))
        for s in collection:
            records = f"{s.records_per_s:7.0f}" if s.records_per_s else f"{'-':>7}"
            print(
                f"{s.tool:28} {records} {s.images_per_s:7.0f} "
                f"{ratio(s.ratio['images_per_s']):>7} {ratio(s.vs_aria2c['images_per_s']):>7} "
                f"{s.mib_per_s:8.1f} {ratio(s.ratio['mib_per_s']):>7} "
                f"{ratio(s.vs_aria2c['mib_per_s']):>7} " + tail(s)
            )
            notes(s)
        print(
            "rec/s = records (JSON) per second, scrapy only; img/s = the corpus' images per second;"
            " MiB/s = image bytes stored right per second; (x) = ratio to img2dataset, (xa) to"
            " aria2c; scrapy also reads robots.txt, the sitemaps and every record's JSON"
        )


def tail(s: Summary) -> str:
    stored = f"{s.checks_ok}/{s.rounds} ok"
    start = f"{s.startup:.1f}" if s.startup else "-"
    return (
        f"{s.peak_tree_rss / MIB:8.0f}M {s.max_proc_rss / MIB:8.0f}M {s.cpu:7.1f} "
        f"{s.wall:7.2f} {start:>7} {stored:>9}"
    )


def notes(s: Summary) -> None:
    for note in s.check_notes:
        print(f"{'':30}! {note}")


LABELS = {
    ONELINER: "one-liner (parallel + wget)",
    "aria2c": "aria2c",
    IMG2DATASET: "img2dataset",
    "scrapy": "scrapy, 1 process",
    "scrapy-shards": "scrapy, 1 shard per core",
    ONELINER_SYNCED: "one-liner, then sync",
    ARIA2C_SYNCED: "aria2c, then sync",
}


def label(tool: str) -> str:
    """``scrapy-shards[reactorless]`` -> ``scrapy, 1 shard per core, reactorless``."""
    base, _, variant = tool.partition("[")
    name = LABELS.get(base, base)
    return f"{name}, {variant.rstrip(']')}" if variant else name


def markdown(
    summaries: Sequence[Summary], corpora: dict[str, AnyCorpus] | dict[str, dict[str, Any]]
) -> str:
    """The README's tables: zips (IDs/s, MiB/s) and the collection (records/s, images/s)."""

    def x(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    out: list[str] = []
    zips = [s for s in summaries if s.corpus != COLLECTION]
    if zips:
        out += [
            "| tool | corpus | IDs/s | \u00d7 one-liner | \u00d7 aria2c | MiB/s "
            "| \u00d7 one-liner | \u00d7 aria2c | peak RSS | CPU s | stored right |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in zips:
            out.append(
                f"| {label(s.tool)} | {describe(corpora.get(s.corpus), s.corpus)} "
                f"| {s.ids_per_s:,.0f} | {x(s.ratio['ids_per_s'])} | {x(s.vs_aria2c['ids_per_s'])} "
                f"| {s.mib_per_s:,.1f} | {x(s.ratio['mib_per_s'])} | {x(s.vs_aria2c['mib_per_s'])} "
                f"| {s.peak_tree_rss / MIB:,.0f} MiB | {s.cpu:.1f} | {s.checks_ok}/{s.rounds} |"
            )
    collection = [s for s in summaries if s.corpus == COLLECTION]
    if collection:
        if out:
            out.append("")
        out += [
            f"Collection route ({describe(corpora.get(COLLECTION), COLLECTION)}):",
            "",
            "| tool | records/s | images/s | \u00d7 img2dataset | \u00d7 aria2c | image MiB/s "
            "| \u00d7 img2dataset | \u00d7 aria2c | peak RSS | CPU s | stored right |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in collection:
            records = f"{s.records_per_s:,.0f}" if s.records_per_s else "-"
            out.append(
                f"| {label(s.tool)} | {records} | {s.images_per_s:,.0f} "
                f"| {x(s.ratio['images_per_s'])} | {x(s.vs_aria2c['images_per_s'])} "
                f"| {s.mib_per_s:,.1f} | {x(s.ratio['mib_per_s'])} | {x(s.vs_aria2c['mib_per_s'])} "
                f"| {s.peak_tree_rss / MIB:,.0f} MiB | {s.cpu:.1f} | {s.checks_ok}/{s.rounds} |"
            )
    return "\n".join(out) + "\n"


def describe(corpus: AnyCorpus | dict[str, Any] | None, name: str) -> str:
    """A corpus in words, from the corpus or its ``describe()`` dict (as in the JSON)."""
    if corpus is None:
        return name
    info = corpus if isinstance(corpus, dict) else corpus.describe()
    if "records" in info:
        return (
            f"{info['records']:,} records in {info['sitemaps']} sitemaps, {info['images']:,} "
            f"images \u00d7 {info['image_bytes'] // 1024:,} KiB"
        )
    size = info["zip_bytes"]
    unit = f"{size // MIB:,} MiB" if size >= MIB else f"{size // 1024:,} KiB"
    return f"{name}: {info['ids']:,} IDs \u00d7 {unit}, {info['density']:.0%} present"


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


def targets(summaries: Sequence[Summary], mem: dict[str, dict[str, Any]]) -> list[str]:
    """Issue 12's and issue 24's targets, for each mode: plain scrapy and every ``--variant``;
    and the same against the peers followed by ``sync`` (the project fsyncs what it stores)."""

    def get(tool: str, corpus: str, key: str) -> float | None:
        found = next((s for s in summaries if s.tool == tool and s.corpus == corpus), None)
        return getattr(found, key) if found else None

    def line(name: str, mine: float | None, goal: float | None, factor: float = 1.0) -> str:
        if mine is None or goal is None:
            return f"  [ n/a ] {name}"
        verdict = "PASS" if mine >= goal * factor else "FAIL"
        return (
            f"  [{verdict}] {name}: {mine:,.1f} vs {goal * factor:,.1f} needed ({mine / goal:.2f}x)"
        )

    variants = sorted({s.tool[s.tool.index("[") :] for s in summaries if "[" in s.tool}, key=str)
    lines: list[str] = []
    for variant in ["", *variants]:
        one, shards = f"scrapy{variant}", f"scrapy-shards{variant}"
        if not any(s.tool in (one, shards) for s in summaries):
            continue
        lines += [
            line(
                f"{one} IDs/s >= 0.75x aria2c (small)",
                get(one, "small", "ids_per_s"),
                get("aria2c", "small", "ids_per_s"),
                0.75,
            ),
            line(
                f"{one} MiB/s >= one-liner (large)",
                get(one, "large", "mib_per_s"),
                get(ONELINER, "large", "mib_per_s"),
            ),
            line(
                f"{one} MiB/s >= 0.75x one-liner (large; issue 24)",
                get(one, "large", "mib_per_s"),
                get(ONELINER, "large", "mib_per_s"),
                0.75,
            ),
            line(
                f"{one} MiB/s >= 0.75x one-liner then sync (large; both durable at the end)",
                get(one, "large", "mib_per_s"),
                get(ONELINER_SYNCED, "large", "mib_per_s"),
                0.75,
            ),
            line(
                f"{shards} IDs/s >= aria2c (small)",
                get(shards, "small", "ids_per_s"),
                get("aria2c", "small", "ids_per_s"),
            ),
            line(
                f"{shards} MiB/s >= aria2c (large)",
                get(shards, "large", "mib_per_s"),
                get("aria2c", "large", "mib_per_s"),
            ),
            line(
                f"{shards} MiB/s >= aria2c then sync (large; both durable at the end)",
                get(shards, "large", "mib_per_s"),
                get(ARIA2C_SYNCED, "large", "mib_per_s"),
            ),
            line(
                f"{shards} images/s >= img2dataset (collection)",
                get(shards, COLLECTION, "images_per_s"),
                get(IMG2DATASET, COLLECTION, "images_per_s"),
            ),
        ]
    modes: dict[str, list[str]] = {}  # "" or " [NAME]" -> its range runs, in order
    for name in mem:
        if name.startswith("range "):
            mode = name[name.index(" [") :] if " [" in name else ""
            modes.setdefault(mode, []).append(name)
    for ranges in modes.values():
        if len(ranges) >= 2:
            low, high = mem[ranges[0]]["max_proc_rss"], mem[ranges[-1]]["max_proc_rss"]
            verdict = "PASS" if high <= 1.2 * low else "FAIL"
            lines.append(
                f"  [{verdict}] peak RSS {ranges[-1]} <= 1.2x {ranges[0]}: "
                f"{high / MIB:.1f} MiB vs {1.2 * low / MIB:.1f} MiB allowed ({high / low:.2f}x)"
            )
    return lines


def from_results(results: dict[str, Any]) -> tuple[list[Summary], dict[str, dict[str, Any]]]:
    """The summaries and corpus descriptions of a results JSON."""
    fields = set(Summary.__dataclass_fields__)
    summaries = [
        Summary(**{k: v for k, v in median.items() if k in fields})
        for median in results.get("medians", [])
    ]
    return summaries, results.get("corpora", {})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.report RESULTS.json``: print the tables again."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    summaries, corpora = from_results(results)
    print(markdown(summaries, corpora), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
