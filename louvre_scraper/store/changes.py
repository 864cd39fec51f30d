"""What one collection crawl changed in the store: ``changes/{UTC start}.jsonl``, plain data.

One JSON line per change, in the order met, each said once per run: a record ``added``,
``modified`` or ``withdrawn``, an image ``added``, ``replaced`` or ``gone``, with the ark, the
stored path (``old_path`` for a replaced image that changed name) and the URL when known.
The mirror writes the log at the run's close, atomically, when anything changed; ``scrapy
export --since`` reads it back (:func:`changed_since`). With ``JOBDIR`` each change is also
journaled as it is met (:mod:`louvre_scraper.store.journal`): one that comes with a write as an
*intent* (path and SHA-256 of the bytes about to be written) before the write and *done* after
it, so the next run can write a killed run's log exactly (:func:`read_journal`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

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


Key = tuple[str, str, str]  # (kind, change, path): a change is said once
Intent = tuple[dict[str, Any], str]  # a line, and the SHA-256 of the bytes it waits for


def key_of(line: dict[str, Any]) -> Key:
    return (str(line.get("kind")), str(line.get("change")), str(line.get("path")))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ChangeLog:
    """This run's changes, gathered as they happen.

    *journal*: where each change goes as it is met (the mirror's journal in JOBDIR), as
    ``{"line": …}``, ``{"intent": …, "on": path, "sha256": …}`` and ``{"done": path}``."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    journal: Callable[[dict[str, Any]], None] | None = None
    _said: set[Key] = field(default_factory=set)
    # Records whose .json is being fetched: the SHA-256 of the stored one (None: none stored).
    _expected: dict[str, str | None] = field(default_factory=dict)
    # Changes waiting for a write in the store: {path: [(line, sha256 of the bytes)]}.
    _pending: dict[str, list[Intent]] = field(default_factory=dict)

    def expect_record(self, ark: str, stored: bytes | None) -> None:
        """The ``.json`` of *ark* is asked again; *stored*: the one in the store (None: none)."""
        self._expected[ark] = sha256_of(stored) if stored is not None else None

    def storing_record(self, ark: str, path: str, url: str | None, body: bytes) -> bool:
        """The ``.json`` of *ark* is about to be stored: ``added`` (none was), ``modified``
        (its bytes differ from the stored one's), or no change, said once it is
        (:meth:`stored`). False when the store already holds these very bytes (the write
        would change nothing); True otherwise, or when nothing is known to compare with."""
        if ark not in self._expected:
            return True  # not asked through expect_record: nothing known to compare with
        before, digest = self._expected.pop(ark), sha256_of(body)
        if before is None:
            self.intend(self._line(RECORD, ADDED, ark, path, url=url), path, digest)
        elif before != digest:
            self.intend(self._line(RECORD, MODIFIED, ark, path, url=url), path, digest)
        return before != digest

    def record_stored(self, ark: str, path: str, url: str | None, body: bytes) -> None:
        """The ``.json`` of *ark* is in the store (:meth:`storing_record`, then :meth:`stored`)."""
        self.storing_record(ark, path, url, body)
        self.stored(path)

    @staticmethod
    def _line(kind: str, change: str, ark: str, path: str, **more: Any) -> dict[str, Any]:
        line = {"kind": kind, "change": change, "ark": ark, "path": path}
        line.update({k: v for k, v in more.items() if v is not None})
        return line

    def say(self, line: dict[str, Any]) -> None:
        """A change that happened: in the log, once."""
        key = key_of(line)
        if key in self._said:
            return
        self._said.add(key)
        self.lines.append(line)
        if self.journal is not None:
            self.journal({"line": line})

    def intend(self, line: dict[str, Any], on: str, sha256: str) -> None:
        """A change that happens when *on* is written with the bytes of *sha256*: said then
        (:meth:`stored`), journaled before the write."""
        if key_of(line) in self._said:
            return
        self._pending.setdefault(on, []).append((line, sha256))
        if self.journal is not None:
            self.journal({"intent": line, "on": on, "sha256": sha256})

    def stored(self, path: str) -> None:
        """*path* is written in the store: the changes waiting for it happened."""
        intents = self._pending.pop(path, None)
        if not intents:
            return
        for line, _ in intents:
            key = key_of(line)
            if key not in self._said:
                self._said.add(key)
                self.lines.append(line)
        if self.journal is not None:  # after: the journal may be rewritten from lines, pending
            self.journal({"done": path})

    def open_intents(self) -> dict[str, list[Intent]]:
        """The changes still waiting for their write: ``{path: [(line, sha256)]}``."""
        return {path: list(intents) for path, intents in self._pending.items()}

    def take_as_said(self, lines: list[dict[str, Any]]) -> None:
        """Changes an earlier run of the job logged: not said again."""
        self._said.update(key_of(line) for line in lines)

    def _add(self, kind: str, change: str, ark: str, path: str, **more: Any) -> None:
        self.say(self._line(kind, change, ark, path, **more))

    def record(self, change: str, ark: str, path: str, url: str | None = None) -> None:
        self._add(RECORD, change, ark, path, url=url)

    def image(
        self,
        change: str,
        ark: str,
        path: str,
        url: str | None = None,
        old_path: str | None = None,
        *,
        on: tuple[str, str] | None = None,
    ) -> None:
        """An image's change; *on*: ``(path, sha256)`` of the write it waits for (None: it
        happened)."""
        line = self._line(IMAGE, change, ark, path, url=url, old_path=old_path)
        if on is None:
            self.say(line)
        else:
            self.intend(line, *on)

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
        return lines_bytes(self.lines)


def lines_bytes(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


# -- the journal in JOBDIR ------------------------------------------------------------------


@dataclass
class JournalRun:
    """One run of the job, as its journal tells it: where its log goes in the store, the
    listing it walked (its fingerprint), its changes said, those waiting for a write, and
    whether its log is in the store."""

    log: str
    job: str | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, list[Intent]] = field(default_factory=dict)
    written: bool = False

    def confirm(self, path: str, digest: str | None) -> None:
        """The store holds the bytes of *digest* at *path* (None: nothing): the intents on
        it that waited for those bytes happened, the others did not."""
        done = [line for line, sha256 in self.pending.pop(path, []) if sha256 == digest]
        self.lines = once(self.lines + done)

    def events(self) -> list[dict[str, Any]]:
        """The run in its shortest journal form (its intents settled)."""
        out: list[dict[str, Any]] = [{"run": self.log}]
        if self.job is not None:
            out.append({"job": self.job})
        out += [{"line": line} for line in self.lines]
        for path, intents in self.pending.items():
            out += [{"intent": line, "on": path, "sha256": sha} for line, sha in intents]
        if self.written:
            out.append({"written": self.log})
        return out


def journal_bytes(events: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events).encode()


def read_journal(body: bytes) -> list[JournalRun]:
    """The runs a journal tells, in order (a run named twice is one run: the later one took
    its log on). A line that is not whole (the last one, cut by a kill) is skipped."""
    runs: dict[str, JournalRun] = {}
    run: JournalRun | None = None
    for text in body.decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(text)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        if isinstance(log := event.get("run"), str):
            run = runs.setdefault(log, JournalRun(log))
            run.written = False
        elif run is not None:
            _take(run, event)
    for each in runs.values():  # a change said once, whatever the journal repeats
        each.lines = once(each.lines)
    return list(runs.values())


def _take(run: JournalRun, event: dict[str, Any]) -> None:
    """One journal line of *run*."""
    if isinstance(job := event.get("job"), str):
        run.job = job
    elif isinstance(line := event.get("line"), dict):
        run.lines.append(line)
    elif isinstance(line := event.get("intent"), dict):
        on, sha256 = event.get("on"), event.get("sha256")
        if isinstance(on, str) and isinstance(sha256, str):
            run.pending.setdefault(on, []).append((line, sha256))
    elif isinstance(path := event.get("done"), str):
        run.lines += [line for line, _ in run.pending.pop(path, [])]
    elif event.get("written") == run.log:
        run.written = True


def once(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """*lines* with each change once (its first line), in their order."""
    seen: set[Key] = set()
    out = []
    for line in lines:
        if (key := key_of(line)) not in seen:
            seen.add(key)
            out.append(line)
    return out


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
