"""The stall watchdog's sense of movement (louvre_scraper/extensions/watchdog.py), in plain
functions with the time given: only a real wedge stalls, not one long store operation (issue
23). Its end to end, a site that holds its connections: tests/test_crawl_crash.py."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from louvre_scraper.collection.arks import ArkListing
from louvre_scraper.config import LouvreConfig
from louvre_scraper.contract import STORE_WALKED_STAT, Shard
from louvre_scraper.extensions.watchdog import MOVING_STATS, Movement
from louvre_scraper.store.atomic import remove_partials
from louvre_scraper.store.local import LocalInventory
from louvre_scraper.store.obsolete import Obsolete
from louvre_scraper.utils.heartbeat import EVERY, beating

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def looks(movement: Movement, signatures: Iterator[tuple[Any, ...]], times: list[float]) -> float:
    """The time of the first look that finds the crawl stalled (inf: none)."""
    for now in times:
        if movement.stalled(next(signatures), now):
            return now
    return float("inf")


def still(value: tuple[Any, ...] = (1,)) -> Iterator[tuple[Any, ...]]:
    while True:
        yield value


def test_nothing_moving_stalls_after_stall_seconds() -> None:
    movement = Movement(stall_seconds=10, interval=1, moved_at=0)
    assert looks(movement, still(), [float(t) for t in range(1, 60)]) == 11  # moved at the 1st
    never = Movement(stall_seconds=0, interval=1, moved_at=0)
    assert looks(never, still(), [float(t) for t in range(1, 600)]) == float("inf")


def test_bytes_arriving_are_movement() -> None:
    movement = Movement(stall_seconds=10, interval=1, moved_at=0)
    assert looks(movement, still(), [float(t) for t in range(1, 9)]) == float("inf")
    movement.moved(8.5)  # a large image on a slow link: bytes_received, no stat yet
    assert looks(movement, still(), [float(t) for t in range(9, 60)]) == 19


def test_a_long_walk_that_beats_never_stalls(tmp_path: Path) -> None:
    # A walk of the store in a thread moves no other stat for minutes; its heartbeat does.
    stats: dict[str, Any] = {STORE_WALKED_STAT: 0}

    def beat(entries: int) -> None:
        stats[STORE_WALKED_STAT] += entries

    walk = beating(range(100 * EVERY), beat)
    movement = Movement(stall_seconds=10, interval=1, moved_at=0)

    def signatures() -> Iterator[tuple[Any, ...]]:
        while True:  # between two looks (a second), the walk gets 300 entries further
            for _ in zip(range(300), walk, strict=False):
                pass
            yield tuple(stats.get(key) for key in MOVING_STATS)

    times = [float(t) for t in range(1, 400)]
    stalled = looks(movement, signatures(), times)

    assert stats[STORE_WALKED_STAT] == 100 * EVERY
    assert stalled == 334 + 10  # the walk ended at 333.3 s; a wedge after it still stalls


def test_a_late_look_is_movement() -> None:
    # The event loop was held 30 s by one long operation (a large read on a slow disk); it
    # ended, for the watchdog looks again: no stall. Looks on time after it: a stall.
    movement = Movement(stall_seconds=10, interval=1, moved_at=0)
    times = [1.0, 2.0, 3.0, 33.0, *(33.0 + t for t in range(1, 30))]
    assert looks(movement, still(), times) == 43
    # Looks a little late (a busy machine) are on time still.
    busy = Movement(stall_seconds=10, interval=1, moved_at=0)
    assert looks(busy, still(), [1.5 * t for t in range(1, 30)]) == 12


def test_beating_tells_every_so_many_entries_and_the_rest() -> None:
    beats: list[int] = []
    assert list(beating(range(2500), beats.append, 1000)) == list(range(2500))
    assert beats == [1000, 1000, 500]
    assert list(beating(range(3), None)) == [0, 1, 2]


def test_the_store_walks_beat(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for ark in range(1100):
        folder = store / "images" / f"cl01{ark:07d}"
        folder.mkdir(parents=True)
        (folder / "0.jpg").write_bytes(b"")
    (store / "records").mkdir()
    (store / "records" / "cl010000001.json").write_bytes(b"{}")
    files = 1101
    listing = ArkListing(Shard())
    listing.add("https://collections.louvre.fr/ark:/53355/cl010000001")

    at_start: list[int] = []
    assert remove_partials(store, at_start.append) == 0
    withdrawn: list[int] = []
    obsolete = Obsolete()

    async def walk() -> int:
        return await obsolete.find_withdrawn(
            LocalInventory(store), LouvreConfig(), listing.withdrawn, withdrawn.append
        )

    assert asyncio.run(walk()) == 0  # no record withdrawn: only images of unlisted arks

    assert at_start == withdrawn == [EVERY, files - EVERY]
    assert obsolete.store_files == files
    assert len(obsolete.found) == files - 2  # every image but that of the listed record
