"""The change log's journal in ``JOBDIR``: one line per change as it is met, so that a run
killed at any instant loses no change (what it holds: :mod:`louvre_scraper.store.changes`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.changes import journal_bytes

if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO

JOURNAL_FILE = "changes.jsonl"  # in JOBDIR


class ChangeJournal:
    """The mirror's journal of changes in ``JOBDIR`` (:mod:`louvre_scraper.store.changes`),
    its one writer: rewritten whole and atomically (:meth:`rewrite`), then appended one whole
    line per :meth:`append`, each one ``write`` flushed at once, so that a kill leaves at most a
    cut last line (which the next run's reading skips and its rewrite drops). Not fsynced: a
    process killed loses nothing the kernel has; a power cut may lose the last lines, as the
    queue's last pushes (``extensions.jobstate.SQLiteQueue``).

    :attr:`size` (what the last rewrite wrote) and :attr:`appended` (the bytes appended since)
    let its owner compact it (rewrite it in its shortest form) as the run goes."""

    def __init__(self, jobdir: Path):
        self.path = jobdir / JOURNAL_FILE
        self._file: BinaryIO | None = None
        self.size = 0
        self.appended = 0

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def rewrite(self, events: list[dict[str, Any]]) -> None:
        self.close()
        data = journal_bytes(events)
        write_atomically(self.path, data)
        self.size, self.appended = len(data), 0

    def append(self, event: dict[str, Any]) -> None:
        if self._file is None:
            self._file = self.path.open("ab", buffering=0)  # each line one write(2)
        line = (json.dumps(event, ensure_ascii=False) + "\n").encode()
        self._file.write(line)
        self.appended += len(line)

    def outgrown(self, floor: int) -> bool:
        """Whether the lines appended since the last rewrite outweigh half what it wrote (and
        *floor*): compacting then keeps the journal within 1.5 times its shortest form plus
        *floor*, and costs, over a run, a constant share of what is appended."""
        return self.appended > max(floor, self.size // 2)

    def delete(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
