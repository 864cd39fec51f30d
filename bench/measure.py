"""Run commands under GNU time and measure their process tree: wall, peak RSS, CPU."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

from bench import KIB


@dataclass
class Measure:
    wall: float  # seconds, first start to last exit
    peak_tree_rss: int  # bytes: peak of the summed RSS of every process of the run (sampled)
    max_proc_rss: int  # bytes: GNU time's maximum RSS (the largest single process, exact)
    cpu: float  # user + system seconds of every process of the run (GNU time)
    returncodes: list[int]
    timed_out: bool
    logs: list[str]


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, RSS bytes) of every process, one read of /proc/PID/stat each.

    Cheaper than psutil (which costs ~25 ms per sample of a 200-process tree here): the
    sampler runs beside the tools it measures, on the same two cores.
    """
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[0] is field 3 of proc(5), the state: ppid is field 4, rss (pages) field 24
        if fields[0] == b"Z":  # a zombie holds no memory, and counts as gone
            continue
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
    return table


def descendants(roots: Sequence[int], table: dict[int, tuple[int, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: list[int] = []
    todo = [child for root in roots for child in children.get(root, ())]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


class TreeSampler(threading.Thread):
    """Poll the summed RSS of the descendants of some ``time`` wrappers (not the wrappers)."""

    def __init__(self, roots: Sequence[int], interval: float):
        super().__init__(daemon=True)
        self.roots = list(roots)
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.sample()
            if self._stop_event.wait(self.interval):
                return

    def sample(self) -> None:
        table = process_table()
        total = sum(table[pid][1] for pid in descendants(self.roots, table))
        self.peak = max(self.peak, total)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


RUNNING: set[int] = set()  # wrapper pids (= process group ids) still running


def kill_tree(pid: int) -> None:
    """TERM, then KILL, a wrapper's process group and each of its descendants, by pid."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = [pid, *descendants([pid], process_table())]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        for each in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(each, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            table = process_table()
            if not any(p in table for p in pids):
                return
            time.sleep(0.1)


def parse_time_file(path: Path) -> tuple[int, float]:
    """Max RSS in bytes and CPU seconds from ``/usr/bin/time -f '%M %U %S' -o path``."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = path.read_text().strip().splitlines()[-1].split()
        return int(fields[0]) * KIB, float(fields[1]) + float(fields[2])
    return 0, 0.0


def run_measured(
    commands: Sequence[Sequence[str]],
    *,
    cwd: Path,
    timeout: float,
    logs: Path,
    label: str,
    time_exe: str,
    interval: float,
    env: dict[str, str] | None = None,
) -> Measure:
    """Start *commands* at once (each under GNU time), wait for all of them, measure."""
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    time_files = [logs / f"{label}.{k}.time" for k in range(len(commands))]
    log_files = [logs / f"{label}.{k}.log" for k in range(len(commands))]
    started = time.perf_counter()
    try:
        for command, time_file, log_file in zip(commands, time_files, log_files, strict=True):
            with log_file.open("wb") as out:
                process = subprocess.Popen(
                    [time_exe, "-f", "%M %U %S", "-o", str(time_file), *command],
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            processes.append(process)
            RUNNING.add(process.pid)
        sampler = TreeSampler([p.pid for p in processes], interval)
        sampler.start()
        timed_out = False
        deadline = started + timeout
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.perf_counter()))
            except subprocess.TimeoutExpired:
                timed_out = True
                break
        wall = time.perf_counter() - started
        sampler.stop()
    finally:
        for process in processes:
            if process.poll() is None:
                kill_tree(process.pid)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
            RUNNING.discard(process.pid)
    rss_cpu = [parse_time_file(path) for path in time_files]
    max_proc_rss = max(rss for rss, _ in rss_cpu)
    return Measure(
        wall=wall,
        # the tree holds at least its largest process (a run shorter than one sampling
        # interval may not be sampled at all)
        peak_tree_rss=max(sampler.peak, max_proc_rss),
        max_proc_rss=max_proc_rss,
        cpu=sum(cpu for _, cpu in rss_cpu),
        returncodes=[p.returncode if p.returncode is not None else -9 for p in processes],
        timed_out=timed_out,
        logs=[str(path) for path in log_files],
    )
