"""What a run stored, against the corpus, and the stats a crawl logged."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

from bench.corpora import CollectionCorpus, Corpus
from bench.tools import IMG2DATASET, ONELINER, SYNCED_PEERS

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
    expected_empty = corpus.ids - len(present) if SYNCED_PEERS.get(tool, tool) == ONELINER else 0
    return verdict(check, expected_empty)


def same_bytes(path: Path, source: Path) -> bool:
    return path.stat().st_size == source.stat().st_size and path.read_bytes() == source.read_bytes()


def check_collection_store(out: Path, corpus: CollectionCorpus, tool: str) -> StoreCheck:
    """``scrapy crawl collection``: exactly every record and image at its store path, byte for
    byte; aria2c: the images at the same paths; img2dataset: its own layout (see below).
    ``valid_bytes`` counts image bytes only."""
    if tool == IMG2DATASET:
        return check_img2dataset(out, corpus)
    expected = corpus.expected(records=tool.startswith("scrapy"))
    check = StoreCheck()
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(out).as_posix()
        source = expected.get(relative)
        if source is None:
            check.stray += 1
        elif same_bytes(path, source):
            check.valid += 1
            if relative.startswith("images/"):
                check.valid_bytes += path.stat().st_size
        else:
            check.bogus += 1
    check.missing = len(expected) - check.valid
    return verdict(check, 0)


def check_img2dataset(out: Path, corpus: CollectionCorpus) -> StoreCheck:
    """img2dataset's ``files`` output: ``{shard}/{key}.json`` per URL (its ``url`` and
    ``status``) next to ``{shard}/{key}.jpg`` (the bytes as served, whatever the format);
    parquet and ``*_stats.json`` files are its reports, not stray."""
    check = StoreCheck()
    wanted = {corpus.base_url + path: corpus.served(path) for path in corpus.images}
    found: set[str] = set()
    for meta in out.glob("*/*.json"):
        sample = json.loads(meta.read_text())
        if not isinstance(sample, dict) or "url" not in sample:
            continue
        if sample.get("status") != "success":
            continue
        image = meta.with_suffix(".jpg")
        source = wanted.get(sample["url"])
        if source is None or not image.exists():
            check.stray += 1
        elif same_bytes(image, source):
            check.valid += 1
            check.valid_bytes += image.stat().st_size
            found.add(sample["url"])
        else:
            check.bogus += 1
    check.missing = len(set(wanted) - found)
    return verdict(check, 0)


def verdict(check: StoreCheck, expected_empty: int) -> StoreCheck:
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
    keep = (
        "louvre/",
        "collection/",
        "downloader/response_count",
        "downloader/response_status_count/",
    )
    stats: dict[str, Any] = {
        key: value for key, value in sorted(total.items()) if key.startswith(keep)
    }
    stats["finish_reason"] = ",".join(reasons)
    stats["elapsed_time_seconds"] = elapsed
    for key in ("log_count/ERROR", "log_count/CRITICAL", "retry/count"):
        if total.get(key):
            stats[key] = total[key]
    return stats
