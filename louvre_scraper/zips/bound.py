"""Find the highest artwork ID: a galloping search, then a bisection. Pure logic, no Twisted.

The search is a generator: it yields the IDs it wants to know about and is sent back
``{id: has_zip}`` for them; it returns the highest ID known to hold a zip (``None`` if it
found none). The caller decides how to ask (HEAD requests in the spider, a set in tests).

Why it is built this way:

* IDs are sparse, so a probe point is a *window* of ``window`` consecutive IDs, alive if any
  of them holds a zip. A window is asked a few IDs at a time and stops at the first zip, so
  alive windows are cheap and only dead ones cost the whole window.
* Galloping: points at ``start + window * (2**k - 1)``. It stops after *two* dead points in a
  row: a gap would have to be as long as everything below it to stop it early.
* Bisection between the last alive point and the first dead one, only down to ``precision``:
  the crawl walks on past the bound until ``LOUVRE_TAIL_MISSES`` consecutive IDs are missing,
  so narrowing further would pay probes for IDs the crawl asks anyway. With ``precision`` at
  most the tail length, the crawl always gets past the first dead point.
* Gaps: a probe point that lands in a gap makes the bound fall at the gap's start. The crawl's
  tail walk then crosses any gap shorter than ``LOUVRE_TAIL_MISSES``; a longer gap would stop
  any walk, which is why that setting's default is generous.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping

CHUNK = 4  # IDs of a window asked at once: early exit on alive windows, little latency


Search = Generator[list[int], Mapping[int, bool], int | None]


def _probe_window(
    point: int, window: int, seen: dict[int, bool]
) -> Generator[list[int], Mapping[int, bool], int | None]:
    """Ask ``point .. point+window-1`` a chunk at a time; return the highest zip or None."""
    ids = list(range(point, point + window))
    best: int | None = None
    for offset in range(0, window, CHUNK):
        chunk = [i for i in ids[offset : offset + CHUNK] if i not in seen]
        if chunk:
            answers = yield chunk
            seen.update({i: bool(answers.get(i, False)) for i in chunk})
        present = [i for i in ids[offset : offset + CHUNK] if seen.get(i)]
        if present:
            best = max(present)
            break
    return best


def find_upper_bound(start: int, window: int, precision: int) -> Search:
    """The generator described in the module docstring."""
    if start < 1 or window < 1 or precision < 1:
        raise ValueError("start, window and precision must be positive")
    seen: dict[int, bool] = {}
    highest: int | None = None

    def note(found: int | None) -> None:
        nonlocal highest
        if found is not None and (highest is None or found > highest):
            highest = found

    # Gallop until two dead points in a row.
    alive_point: int | None = None
    dead_point: int | None = None
    step = 0
    dead_streak = 0
    while dead_streak < 2:
        point = start + window * (2**step - 1)
        found = yield from _probe_window(point, window, seen)
        note(found)
        if found is None:
            dead_streak += 1
            if dead_streak == 1:
                dead_point = point
        else:
            dead_streak = 0
            alive_point = point
        step += 1
    if alive_point is None:
        return highest
    assert dead_point is not None and dead_point > alive_point

    # Bisect between the last alive point and the first dead one above it.
    low, high = alive_point, dead_point
    while high - low > max(precision, window):
        middle = (low + high) // 2
        found = yield from _probe_window(middle, window, seen)
        note(found)
        if found is None:
            high = middle
        else:
            low = middle
    return highest


def run_search(search: Search, has_zip: Mapping[int, bool] | set[int]) -> tuple[int | None, int]:
    """Drive *search* against a known answer set; return (bound, IDs asked). For tests."""
    asked = 0
    try:
        ids = next(search)
        while True:
            asked += len(ids)
            ids = search.send({i: i in has_zip for i in ids})
    except StopIteration as stop:
        return stop.value, asked
