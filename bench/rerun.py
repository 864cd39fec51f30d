"""``python -m bench.rerun``: what a rerun of the collection costs when the sitemaps carry no
``<lastmod>`` (the site's, as far as the evidence goes).

Crawls the fake Louvre in its default, real-shaped mode (records built from the real ones,
sitemaps without dates) into a fresh store, then once more over the same store, and reports
each run's requests and bytes by kind from the server's request log, and its wall time; then
scales the rerun to the whole collection (506,207 records in May 2024). ``--server-arg``
passes options to the fake server (``--gzip``: text gzip-encoded; ``--validators``: records
with ETag and Last-Modified, 304 to conditional requests), ``--setting NAME=VALUE`` to both
crawls (``COMPRESSION_ENABLED=False``). Not a test: numbers for docs/speed.md, printed and, with
``--json FILE``, written.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from fakesite.harness import FakeLouvre, crawl, start_fake_louvre

WHOLE_COLLECTION = 506_207  # unique arks of the May 2024 pull


def by_kind(log: dict[str, Any]) -> dict[str, dict[str, int]]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for request in log["requests"]:
        counts[request["kind"]]["requests"] += 1
        counts[request["kind"]]["bytes"] += request["bytes"] or 0
    return {kind: dict(c) for kind, c in sorted(counts.items())}


def run(server: FakeLouvre, store: Path, settings: dict[str, str] | None = None) -> dict[str, Any]:
    urllib.request.urlopen(f"{server.url}/__reset__").close()
    started = time.monotonic()
    done = crawl(
        store,
        settings={"LOUVRE_BASE_URL": server.url, "LOGSTATS_INTERVAL": "0", **(settings or {})},
        spider="collection",
        timeout=7200,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"the crawl ended {done.returncode}:\n{done.stderr[-3000:]}")
    return {"seconds": round(seconds, 1), "kinds": by_kind(server.log())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rerun", description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--per-sitemap", type=int, default=500)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--server-arg", action="append", default=[], help="e.g. --gzip")
    parser.add_argument("--setting", action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args(argv)
    settings = dict(pair.split("=", 1) for pair in args.setting)
    server = start_fake_louvre(
        "--records", str(args.records), "--per-sitemap", str(args.per_sitemap), *args.server_arg
    )
    try:
        with tempfile.TemporaryDirectory(prefix="louvre-rerun-") as tmp:
            store = Path(tmp) / "store"
            first, rerun = run(server, store, settings), run(server, store, settings)
    finally:
        server.stop()
    kinds = rerun["kinds"]
    records = kinds.get("record", {"requests": 0, "bytes": 0})
    images = kinds.get("image", {"requests": 0, "bytes": 0})
    scale = WHOLE_COLLECTION / args.records
    results = {
        "records": args.records,
        "server_args": args.server_arg,
        "settings": settings,
        "first": first,
        "rerun": rerun,
        "whole_collection": {
            "records": WHOLE_COLLECTION,
            "record_requests": round(records["requests"] * scale),
            "record_gb": round(records["bytes"] * scale / 1e9, 2),
            "image_requests": round(images["requests"] * scale),
            "hours_at_this_rate": round(rerun["seconds"] * scale / 3600, 2),
        },
    }
    for name in ("first", "rerun"):
        line = ", ".join(
            f"{kind} {c['requests']} ({c['bytes'] / 1e6:.1f} MB)"
            for kind, c in results[name]["kinds"].items()
        )
        print(f"{name}: {results[name]['seconds']}s; {line}")
    print(f"scaled to {WHOLE_COLLECTION:,} records: {json.dumps(results['whole_collection'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
