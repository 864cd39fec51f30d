"""The ID space: a lazy, optionally sharded range of artwork IDs.

Plain functions and value objects, no Twisted. A ``range`` is never materialised, so a
range of a million IDs costs the same memory as one of ten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from louvre_scraper.errors import BadInput

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``: the IDs with ``id % count == index``."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str | None) -> Shard:
        if text is None or text == "":
            return cls()
        match = _SHARD_RE.match(str(text))
        if not match:
            raise BadInput(f"bad argument shard={text!r}: expected K/N, e.g. shard=0/3")
        index, count = int(match[1]), int(match[2])
        if count < 1:
            raise BadInput(f"bad argument shard={text!r}: N must be at least 1")
        if index >= count:
            raise BadInput(f"bad argument shard={text!r}: K must be below N (0 <= K < N)")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def next_id(self, at_least: int) -> int:
        """This shard's first ID that is at least *at_least*."""
        return at_least + (self.index - at_least) % self.count

    def ids(self, first: int, last: int) -> range:
        """This shard's IDs in ``first..last`` (inclusive), ascending."""
        return range(self.next_id(first), last + 1, self.count)


def parse_id(name: str, value: object, default: int | None = None) -> int | None:
    """Parse a spider argument holding an ID (``None``/``""``/``auto`` give *default*)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadInput(f"bad argument {name}={value!r}: not an integer") from None
    if number < 1:
        raise BadInput(f"bad argument {name}={value!r}: IDs start at 1")
    return number


@dataclass(frozen=True)
class IdRange:
    """The IDs a run covers: ``start..end`` inclusive, ``end`` None until discovered."""

    start: int = 1
    end: int | None = None
    shard: Shard = Shard()

    @classmethod
    def from_arguments(
        cls, start: object = None, end: object = None, shard: object = None
    ) -> IdRange:
        first = parse_id("start", start, default=1)
        assert first is not None
        last = parse_id("end", end)
        if last is not None and last < first:
            raise BadInput(f"bad argument end={end!r}: below start={first}")
        return cls(first, last, Shard.parse(None if shard is None else str(shard)))

    def ids(self, end: int | None = None) -> range:
        """The shard's IDs from ``start`` to *end* (default: ``self.end``)."""
        last = self.end if end is None else end
        if last is None:
            raise ValueError("the upper bound is not known yet")
        return self.shard.ids(self.start, last)
