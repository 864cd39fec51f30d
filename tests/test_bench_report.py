"""bench.report: medians, ratios, the README's Markdown and the targets."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bench import MIB
from bench.checks import StoreCheck
from bench.corpora import CollectionCorpus, Corpus
from bench.report import from_results, label, markdown, summarise, targets
from bench.runs import Run


def run(
    tool: str, corpus: str, rnd: int, *, ids: float = 0.0, mib: float = 0.0, img: float = 0.0
) -> Run:
    return Run(
        tool=tool,
        corpus=corpus,
        round=rnd,
        wall=1.0,
        ids_per_s=ids,
        mib_per_s=mib,
        peak_tree_rss=100 * MIB,
        max_proc_rss=90 * MIB,
        cpu=2.0,
        returncodes=[0],
        timed_out=False,
        check=StoreCheck(ok=True),
        images_per_s=img,
        records_per_s=img / 2 if tool.startswith("scrapy") else 0.0,
    )


RUNS = [
    run("parallel+wget", "small", 0, ids=100),
    run("aria2c", "small", 0, ids=400),
    *(run("scrapy", "small", k, ids=v) for k, v in enumerate([200, 330, 300])),
    run("scrapy[r]", "small", 0, ids=310),
    run("scrapy-shards", "small", 0, ids=450),
    run("parallel+wget", "large", 0, mib=100),
    run("aria2c", "large", 0, mib=200),
    run("scrapy", "large", 0, mib=110),
    run("scrapy-shards", "large", 0, mib=150),
    run("img2dataset", "collection", 0, img=100, mib=10),
    run("aria2c", "collection", 0, img=400, mib=40),
    run("scrapy-shards", "collection", 0, img=150, mib=15),
]


def test_medians_and_ratios_to_the_baseline_and_to_aria2c() -> None:
    summaries = summarise(RUNS)
    scrapy = next(s for s in summaries if s.tool == "scrapy" and s.corpus == "small")
    assert (scrapy.rounds, scrapy.ids_per_s, scrapy.checks_ok) == (3, 300, 3)
    assert scrapy.ratio["ids_per_s"] == 3.0
    assert scrapy.vs_aria2c["ids_per_s"] == 0.75
    shards = next(s for s in summaries if s.tool == "scrapy-shards" and s.corpus == "collection")
    assert shards.ratio["images_per_s"] == 1.5  # to img2dataset
    assert shards.vs_aria2c["images_per_s"] == 0.375
    order = [(s.corpus, s.tool) for s in summaries][:5]
    assert order == [
        ("small", "parallel+wget"),
        ("small", "aria2c"),
        ("small", "scrapy"),
        ("small", "scrapy[r]"),
        ("small", "scrapy-shards"),
    ]


def test_targets_say_pass_or_fail_with_the_ratio() -> None:
    lines = targets(summarise(RUNS), {})
    assert "  [PASS] scrapy IDs/s >= 0.75x aria2c (small): 300.0 vs 300.0 needed (0.75x)" in lines
    assert any(line.startswith("  [PASS] scrapy MiB/s >= one-liner (large)") for line in lines)
    assert any(line.startswith("  [PASS] scrapy-shards IDs/s >= aria2c") for line in lines)
    assert any(line.startswith("  [FAIL] scrapy-shards MiB/s >= aria2c") for line in lines)
    assert any(line.startswith("  [PASS] scrapy-shards images/s >= img2dataset") for line in lines)
    assert any(line.startswith("  [PASS] scrapy[r] IDs/s") for line in lines)
    assert "  [ n/a ] scrapy-shards[r] IDs/s >= aria2c (small)" in lines
    memory = {
        "range 10,000": {"max_proc_rss": 100 * MIB},
        "range 1,000,000": {"max_proc_rss": 130 * MIB},
    }
    assert targets([], memory)[-1].startswith("  [FAIL] peak RSS range 1,000,000 <= 1.2x")


def test_the_markdown_tables_name_tools_corpora_and_ratios(tmp_path: Path) -> None:
    small = Corpus("small", ids=5000, density=0.6, size=4096, root=tmp_path, present=[1] * 3000)
    large = Corpus("large", ids=300, density=0.75, size=4 * MIB, root=tmp_path)
    collection = CollectionCorpus("collection", 2000, 500, 128 * 1024, root=tmp_path, port=1)
    corpora = {"small": small, "large": large, "collection": collection}
    text = markdown(summarise(RUNS), corpora)
    assert (
        "| scrapy, 1 process | small: 5,000 IDs \u00d7 4 KiB, 60% present | 300 | 3.00 | 0.75 |"
        in text
    )
    assert "| scrapy, 1 process, r | small" in text
    assert "large: 300 IDs \u00d7 4 MiB, 75% present" in text
    assert "Collection route (0 records in 0 sitemaps, 0 images \u00d7 128 KiB):" in text
    assert "| scrapy, 1 shard per core | 75 | 150 | 1.50 | 0.38 | 15.0 | 1.50 | 0.38 |" in text
    assert "| img2dataset | - | 100 | 1.00 | 0.25 |" in text


def test_labels_read_as_words() -> None:
    assert label("scrapy-shards[reactorless]") == "scrapy, 1 shard per core, reactorless"
    assert label("parallel+wget") == "one-liner (parallel + wget)"


def test_memory_targets_hold_for_each_mode_on_its_own() -> None:
    memory = {
        "range 10,000": {"max_proc_rss": 100 * MIB},
        "range 1,000,000": {"max_proc_rss": 110 * MIB},
        "range 10,000 [r]": {"max_proc_rss": 90 * MIB},
        "range 1,000,000 [r]": {"max_proc_rss": 120 * MIB},
    }
    lines = targets([], memory)
    assert lines[0].startswith("  [PASS] peak RSS range 1,000,000 <= 1.2x range 10,000:")
    assert lines[1].startswith("  [FAIL] peak RSS range 1,000,000 [r] <= 1.2x range 10,000 [r]:")


def test_the_tables_come_back_from_a_results_json(tmp_path: Path) -> None:
    summaries = summarise(RUNS)
    small = Corpus("small", ids=5000, density=0.6, size=4096, root=tmp_path)
    results = {
        "medians": [asdict(s) for s in summaries],
        "corpora": {"small": small.describe()},
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    again, corpora = from_results(json.loads(path.read_text()))
    assert markdown(again, corpora) == markdown(summaries, {"small": small})
