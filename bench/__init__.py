"""The benchmark: louvre_scraper against the one-liner, aria2c and img2dataset on a local nginx.

Run it with ``.venv/bin/python -m bench`` (``--help`` for the flags); see bench/README.md.
Modules: ``tools`` (find and install the tools), ``corpora`` (what nginx serves), ``nginx``
(the private server), ``measure`` (a measured process tree), ``checks`` (what a run stored),
``runs`` (the rounds), ``report`` (medians, tables, targets), ``profile`` (py-spy), ``cli``
(flags) and ``__main__`` (all of it, in order).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where runs write their results unless --json says otherwise (ignored by git; the figures
# kept are in docs/speed.md, one baseline per measure in bench/baselines/).
RESULTS = ROOT / "bench" / "results"
KIB = 1024
MIB = 1024 * 1024


class BenchError(RuntimeError):
    """A problem that ends the benchmark with one clear line."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
