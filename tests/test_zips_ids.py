from __future__ import annotations

import tracemalloc

import pytest

from louvre_scraper.contract import Shard
from louvre_scraper.errors import BadInput
from louvre_scraper.zips.ids import IdRange, parse_id


def test_range_is_inclusive_and_ascending() -> None:
    assert list(IdRange.from_arguments("3", "7").ids()) == [3, 4, 5, 6, 7]


def test_defaults() -> None:
    assert IdRange.from_arguments() == IdRange(1, None, Shard(0, 1))
    assert IdRange.from_arguments(end="auto").end is None


def test_a_million_ids_are_not_materialised() -> None:
    tracemalloc.start()
    ids = IdRange.from_arguments("1", "1000000").ids()
    total = sum(1 for _ in ids)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == 1_000_000
    assert len(ids) == 1_000_000
    assert peak < 100_000


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_cover_the_range_exactly_once(count: int) -> None:
    seen = []
    for index in range(count):
        ids = list(IdRange.from_arguments("5", "104", f"{index}/{count}").ids())
        assert all(i % count == index for i in ids)
        seen += ids
    assert sorted(seen) == list(range(5, 105))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("start", "x", "bad argument start='x': not an integer"),
        ("start", "0", "bad argument start='0': IDs start at 1"),
        ("end", "-5", "bad argument end='-5': IDs start at 1"),
        ("end", "1.5", "bad argument end='1.5': not an integer"),
    ],
)
def test_bad_ids(name: str, value: str, message: str) -> None:
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_id(name, value)


def test_end_below_start() -> None:
    with pytest.raises(BadInput, match="end='3': below start=10"):
        IdRange.from_arguments("10", "3")


@pytest.mark.parametrize("text", ["3/3", "1/0", "a/b", "2", "-1/3", "1/2/3"])
def test_bad_shards(text: str) -> None:
    with pytest.raises(BadInput, match=f"shard='{text}'"):
        Shard.parse(text)
