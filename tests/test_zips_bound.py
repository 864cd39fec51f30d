from __future__ import annotations

import math
import random

import pytest

from louvre_scraper.zips.bound import find_upper_bound, run_search

WINDOW = 16
TAIL = 1000


def search(present: set[int], start: int = 1, window: int = WINDOW, precision: int = TAIL // 2):
    return run_search(find_upper_bound(start, window, precision), present)


def dense(upto: int, density: float = 0.6, seed: int = 0) -> set[int]:
    rng = random.Random(seed)
    return {i for i in range(1, upto + 1) if rng.random() < density}


def crawl_reaches(present: set[int], bound: int | None, start: int = 1) -> int:
    """Where the crawl's tail walk stops after probing *bound*: the highest zip it finds."""
    highest = bound if bound is not None else start - 1
    i = max(start, highest + 1)
    while i - highest <= TAIL:
        if i in present:
            highest = i
        i += 1
    return highest


def test_nothing_at_all() -> None:
    bound, asked = search(set())
    assert bound is None
    assert asked == 2 * WINDOW


def test_a_single_id() -> None:
    assert search({1})[0] == 1
    assert search({7})[0] == 7


def test_a_single_id_beyond_the_first_window_is_left_to_the_tail_walk() -> None:
    bound, _ = search({40})
    assert bound is None or bound == 40
    assert crawl_reaches({40}, bound) == 40


@pytest.mark.parametrize("top", [2**10, 2**12, 2**16])
def test_bound_at_an_exact_power_of_two(top: int) -> None:
    present = set(range(1, top + 1))
    bound, _ = search(present)
    assert bound is not None
    assert top - TAIL // 2 - WINDOW <= bound <= top
    assert crawl_reaches(present, bound) == top


def test_a_gap_longer_than_the_window_does_not_cut_the_collection() -> None:
    present = {i for i in dense(3000) if not 1000 <= i <= 1600}
    bound, _ = search(present)
    assert bound is not None and bound > 1600
    assert crawl_reaches(present, bound) == max(present)


def test_a_gap_under_a_gallop_point_is_crossed_by_the_tail_walk() -> None:
    # 16 * (2**7 - 1) + 1 = 2033 is a gallop point; the gap swallows it.
    present = {i for i in dense(3000) if not 1900 <= i <= 2500}
    bound, _ = search(present)
    assert crawl_reaches(present, bound) == max(present)


def test_a_sparse_tail_is_found_by_the_tail_walk() -> None:
    present = dense(3000) | {3100, 3350, 3800}
    bound, _ = search(present)
    assert bound is not None and bound <= 3800
    assert crawl_reaches(present, bound) == 3800


def test_a_window_straddling_the_bound() -> None:
    # The last zip is the first ID of a window; the rest of that window is empty.
    top = 1 + WINDOW * (2**6 - 1)
    present = set(range(1, top + 1))
    bound, _ = search(present)
    assert bound == top


def test_a_start_above_one() -> None:
    present = set(range(500, 2001))
    bound, _ = search(present, start=500)
    assert crawl_reaches(present, bound, start=500) == 2000


def test_the_louvre_size_costs_few_probes() -> None:
    present = dense(400_000, seed=1)
    bound, asked = search(present)
    assert bound is not None and bound >= 400_000 - TAIL
    assert asked <= 2 * WINDOW * math.log2(400_000)


def test_the_louvre_size_sparse_costs_few_probes() -> None:
    present = dense(400_000, density=0.05, seed=2)
    bound, asked = search(present)
    assert crawl_reaches(present, bound) == max(present)
    assert asked <= 2 * WINDOW * math.log2(400_000)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="positive"):
        next(find_upper_bound(0, 16, 100))
