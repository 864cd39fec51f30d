"""What one collection crawl changed in the store, as a JSON Lines file in the store itself.

``changes/{UTC start}.jsonl`` (:func:`~louvre_scraper.store.layout.changes_path`), one per
run, written by the store's one owner (the pipeline) at the close of the run, atomically (the
one writer locally, one PUT on S3), when it changed anything: one line per record ``added``,
``modified`` (its ``.json`` changed, byte for byte) or ``withdrawn`` (no sitemap lists it any
more), and per image ``added``, ``replaced`` (another image at the same place of its record)
or ``gone`` (its record no longer lists it, or was withdrawn); each with the ark, the stored
path (``old_path`` too for a replaced image whose file changed name) and the URL when known::

    {"kind": "record", "change": "modified", "ark": "cl010001416",
     "path": "records/cl010001416.json", "url": "…"}
    {"kind": "image", "change": "replaced", "ark": "cl010001416",
     "path": "images/cl010001416/0.jpg", "old_path": "images/cl010001416/0.png", "url": "…"}

(one line each in the file).

Lines in the order the run met the changes; a change said once per run. Downstream copies (a
database, a dataset on a hub) apply them instead of diffing the whole store; ``scrapy export
--since DATE|RUN`` reads them back (:func:`changed_since`). Plain data, no I/O.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

CHANGES_DIR = "changes"
RECORD, IMAGE = "record", "image"
ADDED, MODIFIED, WITHDRAWN, REPLACED, GONE = "added", "modified", "withdrawn", "replaced", "gone"
RUN_FORMAT = "%Y%m%dT%H%M%SZ"  # a run's name: its UTC start, ISO 8601's basic format
RUN_RE = re.compile(r"\d{8}T\d{6}Z")


def run_name(started: datetime.datetime) -> str:
    """``20261201T224819Z``: the run started then (UTC), as its change file is named."""
    return started.astimezone(datetime.timezone.utc).strftime(RUN_FORMAT)


def is_change_log(path: str) -> bool:
    """Whether *path* (in the store) is a run's change log: ``changes/{run}….jsonl``."""
    folder, _, name = path.rpartition("/")
    return folder == CHANGES_DIR and name.endswith(".jsonl") and RUN_RE.match(name) is not None


def run_start(name: str) -> datetime.datetime | None:
    """When the run *name* started (the stem of its change file, a shard's suffix allowed);
    None if it is not a run's name."""
    match = RUN_RE.match(name)
    if match is None:
        return None
    return datetime.datetime.strptime(match[0], RUN_FORMAT).replace(tzinfo=datetime.timezone.utc)


@dataclass
class ChangeLog:
    """This run's changes, gathered as they happen."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    _said: set[tuple[str, str, str]] = field(default_factory=set)
    # Records whose .json is being fetched: the SHA-256 of the stored one (None: none stored).
    _expected: dict[str, str | None] = field(default_factory=dict)

    def expect_record(self, ark: str, stored: bytes | None) -> None:
        """The ``.json`` of *ark* is asked again; *stored*: the one in the store (None: none)."""
        self._expected[ark] = hashlib.sha256(stored).hexdigest() if stored is not None else None

    def record_stored(self, ark: str, path: str, url: str | None, body: bytes) -> None:
        """The ``.json`` of *ark* is in the store: ``added`` (none was), ``modified`` (its bytes
        differ from the stored one's), or no change."""
        if ark not in self._expected:
            return  # not asked through expect_record: nothing known to compare with
        before = self._expected.pop(ark)
        if before is None:
            self.record(ADDED, ark, path, url)
        elif before != hashlib.sha256(body).hexdigest():
            self.record(MODIFIED, ark, path, url)

    def _add(self, kind: str, change: str, ark: str, path: str, **more: Any) -> None:
        if (kind, change, path) in self._said:
            return
        self._said.add((kind, change, path))
        line = {"kind": kind, "change": change, "ark": ark, "path": path}
        line.update({k: v for k, v in more.items() if v is not None})
        self.lines.append(line)

    def record(self, change: str, ark: str, path: str, url: str | None = None) -> None:
        self._add(RECORD, change, ark, path, url=url)

    def image(
        self,
        change: str,
        ark: str,
        path: str,
        url: str | None = None,
        old_path: str | None = None,
    ) -> None:
        self._add(IMAGE, change, ark, path, url=url, old_path=old_path)

    def count(self, kind: str, change: str) -> int:
        return sum(1 for line in self.lines if line["kind"] == kind and line["change"] == change)

    def summary(self) -> str:
        """``3 records added, 2 modified, 1 withdrawn; 5 images added, 1 replaced, 2 gone``."""
        records = ", ".join(
            f"{self.count(RECORD, change)} {change}" for change in (ADDED, MODIFIED, WITHDRAWN)
        )
        images = ", ".join(
            f"{self.count(IMAGE, change)} {change}" for change in (ADDED, REPLACED, GONE)
        )
        return f"records {records}; images {images}"

    def to_bytes(self) -> bytes:
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines).encode()


def parse_lines(body: bytes) -> list[dict[str, Any]]:
    """The lines of a change file (a line that is not a change is skipped)."""
    out = []
    for text in body.decode("utf-8", "replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("ark"), str):
            out.append(line)
    return out


def since_start(value: str) -> datetime.datetime | None:
    """``--since``: a run's name (``20261201T224819Z``: that run and the later ones), a date
    (``2026-12-01``: from its midnight UTC) or an ISO date and time; None if it is none."""
    value = value.strip()
    if RUN_RE.fullmatch(value):
        return run_start(value)
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def changed_since(files: dict[str, bytes], since: datetime.datetime) -> dict[str, str]:
    """``{ark: its last change}`` over the change files (``{name: bytes}``, named by their
    run) of the runs that started at *since* or later, in the runs' order: ``withdrawn`` when
    the last thing that happened to the record was its withdrawal."""
    last: dict[str, str] = {}
    for name in sorted(files):
        started = run_start(name.rsplit("/", 1)[-1])
        if started is None or started < since:
            continue
        for line in parse_lines(files[name]):
            ark = line["ark"]
            if line.get("kind") == RECORD and line.get("change") == WITHDRAWN:
                last[ark] = WITHDRAWN
            else:
                last[ark] = str(line.get("change"))
    return last
