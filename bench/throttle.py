"""``python -m bench.throttle``: how fast the collection crawl goes at the polite defaults
(Scrapy's AutoThrottle, on by default), against a fast local site and against slower ones.

For each answer latency of the fake site (``--latency``: every answer of the documented route
waits that long) and each AutoThrottle variant (off, and on with each target concurrency),
crawls ``--records`` records with their images into a fresh store and reports the wall time,
records and requests per second, and the most requests the site saw at once (from its log).
Not a test: the numbers behind the defaults in ``settings.py`` and ``docs/speed.md``, printed
and, with ``--json FILE``, written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fakesite.harness import crawl, start_fake_louvre


def one_run(records: int, latency: float, settings: dict[str, str]) -> dict[str, Any]:
    server = start_fake_louvre(
        "--records", str(records), "--per-sitemap", "500", "--latency", str(latency)
    )
    try:
        with tempfile.TemporaryDirectory(prefix="louvre-throttle-") as tmp:
            started = time.monotonic()
            done = crawl(
                Path(tmp) / "store",
                settings={"LOUVRE_BASE_URL": server.url, "LOGSTATS_INTERVAL": "0", **settings},
                spider="collection",
                timeout=7200,
            )
            seconds = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"the crawl ended {done.returncode}:\n{done.stderr[-3000:]}")
        log = server.log()
    finally:
        server.stop()
    requests = len(log["requests"])
    return {
        "latency": latency,
        "settings": settings,
        "seconds": round(seconds, 1),
        "records_per_s": round(records / seconds, 1),
        "requests_per_s": round(requests / seconds, 1),
        "max_in_flight": log["max_in_flight"],
    }


def variants(targets: list[float]) -> list[dict[str, str]]:
    off = {"AUTOTHROTTLE_ENABLED": "False"}
    # Explicitly on: the tests' harness turns AutoThrottle off unless asked.
    on = (
        {"AUTOTHROTTLE_ENABLED": "True", "AUTOTHROTTLE_TARGET_CONCURRENCY": str(t)} for t in targets
    )
    return [off, *on]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.throttle", description=__doc__)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--latency", type=float, action="append", help="seconds (0, 0.1, 0.5)")
    parser.add_argument("--target", type=float, action="append", help="target concurrencies")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    for latency in args.latency or [0.0, 0.1, 0.5]:
        for settings in variants(args.target or [4, 8, 16]):
            result = one_run(args.records, latency, settings)
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
