"""The stored files of records no longer listed (louvre_scraper/store/obsolete.py)."""

from __future__ import annotations

from louvre_scraper.collection.arks import ArkListing
from louvre_scraper.contract import Shard
from louvre_scraper.store.layout import STATE_TEMPLATE
from louvre_scraper.store.obsolete import withdrawn_paths

TEMPLATES = ["records/{ark}.json", "images/{ark}/{position}{ext}"]


def listing(*arks: str, shard: Shard | None = None) -> ArkListing:
    out = ArkListing(shard or Shard())
    for ark in arks:
        out.add(f"https://collections.louvre.fr/ark:/53355/{ark}")
    return out


def test_withdrawn_are_the_stored_files_of_arks_no_longer_listed() -> None:
    paths = [
        "records/cl010000001.json",
        "records/cl010000002.json",
        "images/cl010000002/0.jpg",
        "images/cl010000001/0.jpg",
        "notes.txt",
    ]
    assert withdrawn_paths(paths, TEMPLATES, listing("cl010000001").withdrawn) == [
        "records/cl010000002.json",
        "images/cl010000002/0.jpg",
    ]


def test_a_withdrawn_records_state_goes_with_it() -> None:
    paths = [
        "images/cl010000002/0.jpg",
        "records/cl010000001.json",
        "records/cl010000002.json",
        "state/cl010000001.json",
        "state/cl010000002.json",
        "state/cl010000003.json",  # its record already pruned by an earlier version
    ]
    found = withdrawn_paths(paths, [*TEMPLATES, STATE_TEMPLATE], listing("cl010000001").withdrawn)
    assert found == [
        "images/cl010000002/0.jpg",
        "records/cl010000002.json",
        "state/cl010000002.json",
        "state/cl010000003.json",
    ]


def test_each_shard_tells_only_its_own_withdrawn_records() -> None:
    paths = ["records/cl010000002.json", "records/cl010000003.json"]
    shard0 = listing("cl010000004", shard=Shard(0, 2))
    assert withdrawn_paths(paths, TEMPLATES, shard0.withdrawn) == ["records/cl010000002.json"]
