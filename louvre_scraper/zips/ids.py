"""The ID space: a lazy, optionally sharded range of artwork IDs.

Plain functions and value objects, no Twisted. A ``range`` is never materialised, so a
range of a million IDs costs the same memory as one of ten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from louvre_scraper.contract import Shard
from louvre_scraper.errors import BadInput


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
    shard: Shard = field(default_factory=Shard)

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
