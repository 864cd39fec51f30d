"""A long walk tells that it is moving: a heartbeat every so many entries.

A walk of a large store (its listing at start, the look for withdrawn records) moves no
counter of the crawl for minutes; the stall watchdog would take it for a wedge. The walk calls
*beat* with the number of entries walked since the last beat, every :data:`EVERY` entries and
once at its end (the pipeline counts them in a stat the watchdog watches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    Beat = Callable[[int], None]

EVERY = 1000  # entries between two beats

_T = TypeVar("_T")


def beating(items: Iterable[_T], beat: Beat | None, every: int = EVERY) -> Iterator[_T]:
    """*items*, calling ``beat(n)`` after each *every* of them and once for the rest."""
    if beat is None:
        yield from items
        return
    count = 0
    for item in items:
        yield item
        count += 1
        if count == every:
            beat(count)
            count = 0
    if count:
        beat(count)
