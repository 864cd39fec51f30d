"""``python -m bench.hostile``: a crawl's memory and time against a hostile site (issue 19).

Runs ``scrapy crawl collection`` against ``fakesite.hostile`` (local files, other hosts,
redirects, extension tricks, an endless body, a lying Content-Length, a chunked body over the
limit, gzip bombs, and a flood of endless images, more than ``CONCURRENT_REQUESTS``), in each
Scrapy mode and for a few values of ``LOUVRE_MAX_BYTES_IN_FLIGHT``, under GNU time with the
process tree sampled (:func:`bench.measure.run_measured`). Reports the crawl's peak RSS and
wall time, the median of ``--rounds``. Not a test: ``tests/test_crawl_hostile.py`` only checks the
default stays under 512 MB; these are the numbers behind the default.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import MIB
from bench.measure import run_measured
from bench.tools import find_exe
from fakesite.harness import ROOT, crawl_command, start_fake_louvre

SERVER = ("--records", "10", "--per-sitemap", "5", "--retry-after", "0")
MODES = {"reactor": {}, "reactorless": {"TWISTED_REACTOR_ENABLED": "False"}}
BUDGETS_MIB = (64, 128, 256)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    time_exe = find_exe("time")
    if time_exe is None:
        sys.exit("GNU time is missing: apt-get install time")
    server = start_fake_louvre(*SERVER, module="fakesite.hostile")
    results: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="louvre-hostile-") as tmp:
            for mode, extra in MODES.items():
                for budget in BUDGETS_MIB:
                    peaks, walls = [], []
                    for k in range(args.rounds):
                        store = Path(tmp) / f"{mode}-{budget}-{k}"
                        settings = {
                            "LOUVRE_BASE_URL": server.url,
                            "LOGSTATS_INTERVAL": "0",
                            "LOUVRE_MAX_BYTES_IN_FLIGHT": str(budget * MIB),
                            **extra,
                        }
                        measure = run_measured(
                            [crawl_command(store, "collection", settings)],
                            cwd=ROOT,
                            timeout=600,
                            logs=Path(tmp) / "logs",
                            label=f"{mode}-{budget}-{k}",
                            time_exe=time_exe,
                            interval=0.05,
                        )
                        if measure.returncodes != [3]:  # the hostile site's failures
                            sys.exit(f"{mode}, {budget} MiB: exit {measure.returncodes}")
                        peaks.append(measure.peak_tree_rss)
                        walls.append(measure.wall)
                    row = {
                        "mode": mode,
                        "budget_mib": budget,
                        "peak_rss_mib": round(statistics.median(peaks) / MIB),
                        "max_peak_rss_mib": round(max(peaks) / MIB),
                        "wall_s": round(statistics.median(walls), 1),
                    }
                    results.append(row)
                    print(json.dumps(row), flush=True)
    finally:
        server.stop()
    if args.json:
        args.json.write_text(json.dumps({"rounds": args.rounds, "runs": results}, indent=2))


if __name__ == "__main__":
    main()
