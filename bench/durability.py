"""What the one atomic writer's durability costs per file (issue 22): 1,000 small files
written by :func:`louvre_scraper.store.atomic.write_atomically` (file fsync + directory fsync
around the rename) against the same write and rename without them.

``.venv/bin/python -m bench.durability [DIR]`` (DIR: on the disk a store would be on; a
temporary folder in the current one by default).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from louvre_scraper.store import atomic

FILES = 1_000
SIZE = 4096


def rename_only(target: Path, data: bytes) -> None:
    partial = atomic.partial_name(target)
    with partial.open("wb") as f:
        f.write(data)
    os.replace(partial, target)


def per_file_ms(base: Path, write: object, rounds: int = 3) -> float:
    data = os.urandom(SIZE)
    best = float("inf")
    for number in range(rounds):
        folder = base / f"{getattr(write, '__name__', 'w')}-{number}"
        folder.mkdir(parents=True)
        started = time.perf_counter()
        for i in range(FILES):
            write(folder / f"{i}.bin", data)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best * 1000 / FILES


def main(argv: list[str]) -> None:
    base = Path(tempfile.mkdtemp(prefix=".durability-", dir=argv[0] if argv else "."))
    try:
        plain = per_file_ms(base, rename_only)
        durable = per_file_ms(base, atomic.write_atomically)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"write + rename:                 {plain:.3f} ms per file ({FILES} x {SIZE} B)")
    print(f"write + fsync + rename + fsync: {durable:.3f} ms per file")


if __name__ == "__main__":
    main(sys.argv[1:])
