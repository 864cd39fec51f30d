"""bench.measure: the process tree and GNU time's figures."""

from __future__ import annotations

import os
from pathlib import Path

from bench.measure import descendants, parse_time_file, process_table


def test_descendants_walk_the_whole_tree_below_the_roots_only() -> None:
    table = {1: (0, 0), 10: (1, 5), 11: (10, 5), 12: (11, 5), 20: (1, 5), 30: (99, 5)}
    assert sorted(descendants([10], table)) == [11, 12]
    assert sorted(descendants([1], table)) == [10, 11, 12, 20]
    assert descendants([30], table) == []


def test_the_process_table_holds_this_process_with_its_parent() -> None:
    table = process_table()
    assert table[os.getpid()][0] == os.getppid()
    assert table[os.getpid()][1] > 0


def test_gnu_time_output_gives_bytes_and_cpu_seconds(tmp_path: Path) -> None:
    path = tmp_path / "run.time"
    path.write_text("Command exited with non-zero status 3\n2048 1.25 0.50\n")
    assert parse_time_file(path) == (2048 * 1024, 1.75)
    assert parse_time_file(tmp_path / "absent") == (0, 0.0)
