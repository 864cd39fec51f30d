"""Writing a file so that it is, at any instant, either absent (or its previous version) or
whole: a temporary name beside the target, then a rename. Temporary files of killed runs are
found and removed by their name (``.{name}.{pid}.part``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

PARTIAL_SUFFIX = ".part"


_PARTIAL_RE = re.compile(r"^\..+\.(\d+)\.part$")  # .{name}.{pid}.part


# Errors that mean the store as a whole takes no more files, with what to do about them.


def partial_name(target: Path) -> Path:
    """The temporary name a file is written under before it is renamed to *target*."""
    return target.with_name(f".{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")


def write_atomically(target: Path, data: bytes) -> None:
    """Write *data* to *target* so that *target* is either absent or whole, at any instant."""
    partial = partial_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        descriptor = os.open(partial, flags, 0o644)
    except FileNotFoundError:  # first file of a directory: create it, once
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(partial, flags, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_partials(basedir: Path) -> int:
    """Delete temporary files left by killed runs (not those of live processes, e.g. shards)."""
    removed = 0
    for dirpath, _, filenames in os.walk(basedir):
        for name in filenames:
            match = _PARTIAL_RE.match(name)
            if match and not _pid_alive(int(match[1])):
                Path(dirpath, name).unlink(missing_ok=True)
                removed += 1
    return removed
