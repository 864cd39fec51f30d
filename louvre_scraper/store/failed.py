"""The failed list: what a run could not get, in a file *beside* a local store, never in it.

The failed IDs (zip route) or URLs (collection route) go to ``LOUVRE_FAILED_IDS_FILE``, by
default a file beside a local store (``downloads.failed-ids.txt`` or ``downloads.failed.txt``
next to ``downloads/``, one per shard): the store holds what was downloaded and nothing else.
The file is rewritten at the end of every run, and removed when a run leaves no failure; the
next run tries those again anyway, since they are not in the store. If it cannot be written (a
full disk), the summary says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.layout import beside_store

if TYPE_CHECKING:
    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.contract import Shard


def failed_ids_path(config: LouvreConfig, shard: Shard, stem: str = "failed-ids") -> Path | None:
    if config.failed_ids_file:
        return Path(config.failed_ids_file).absolute()
    return beside_store(config, stem, shard)


@dataclass(frozen=True)
class FailedList:
    """Where the failed list went (None: nowhere to put it), or why it could not be written."""

    path: Path | None = None
    error: str | None = None


def write_failed_list(
    config: LouvreConfig, shard: Shard, stem: str, failed: list[Any]
) -> FailedList:
    """Rewrite the failed list with *failed* (removed when there is none)."""
    path = failed_ids_path(config, shard, stem)
    try:
        if path is not None and failed:
            write_atomically(path, "".join(f"{i}\n" for i in failed).encode())
        elif path is not None:
            path.unlink(missing_ok=True)
    except OSError as error:
        return FailedList(path, error.strerror or str(error))
    return FailedList(path)
