from __future__ import annotations

import pytest

from louvre_scraper.collection.arks import (
    MAX_POSITION_CHARS,
    ArkListing,
    ArkSet,
    ark_in,
    ark_number,
    day_of,
    names_refused,
    parse_lastmod,
)
from louvre_scraper.contract import Shard

BASE = "https://collections.louvre.fr"


def test_ark_in_record_urls_of_both_languages_and_json() -> None:
    assert ark_in(f"{BASE}/ark:/53355/cl010062370") == "cl010062370"
    assert ark_in(f"{BASE}/en/ark:/53355/cl020092590") == "cl020092590"
    assert ark_in(f"{BASE}/ark:/53355/cl010062370.json") == "cl010062370"


def test_ark_in_other_urls() -> None:
    assert ark_in(f"{BASE}/en/recherche?page=2") is None
    assert ark_in(f"{BASE}/ark:/12345/cl010062370") is None  # another NAAN
    assert ark_in(f"{BASE}/ark:/53355/cl01006237") is None  # eight digits


def test_ark_number_is_what_shards_split_on() -> None:
    assert ark_number("cl010062370") == 10062370
    assert ark_number("cl020000001") == 20000001


def test_lastmod_days() -> None:
    assert day_of(parse_lastmod("2024-05-01")) == "2024-05-01"
    assert day_of(parse_lastmod("2024-05-01T10:00:00+02:00")) == "2024-05-01"
    assert parse_lastmod(None) == parse_lastmod("") == parse_lastmod("yesterday") == 0


def test_ark_set_is_one_bit_per_number() -> None:
    arks = ArkSet()
    assert arks.add(10062370)
    assert not arks.add(10062370)
    assert arks.add(20062370)
    assert 10062370 in arks and 20062370 in arks and 10062371 not in arks
    assert len(arks) == 2


def test_listing_keeps_each_ark_once_in_first_listed_order() -> None:
    listing = ArkListing(Shard())
    for url in (
        f"{BASE}/ark:/53355/cl010000002",
        f"{BASE}/en/ark:/53355/cl010000002",
        f"{BASE}/ark:/53355/cl010000001",
        f"{BASE}/en/ark:/53355/cl010000001",
        f"{BASE}/en/page/cgu",
    ):
        listing.add(url, "2024-05-01")
    assert [entry.ark for entry in listing] == ["cl010000002", "cl010000001"]
    assert listing[0].lastmod == parse_lastmod("2024-05-01")
    assert "cl010000001" in listing and "cl010000003" not in listing


def test_shards_are_disjoint_and_complete() -> None:
    urls = [f"{BASE}/ark:/53355/cl01{n:07d}" for n in range(1, 200, 3)]
    listings = [ArkListing(Shard(k, 3)) for k in range(3)]
    for listing in listings:
        for url in urls:
            listing.add(url)
    arks = [entry.ark for listing in listings for entry in listing]
    assert sorted(arks) == sorted(u.rsplit("/", 1)[1] for u in urls)
    assert len(arks) == len(set(arks))
    # every shard still knows every listed ark (withdrawn records are told per shard)
    assert all(len(listing.seen) == len(urls) for listing in listings)


@pytest.mark.parametrize(
    ("ark_id", "refused"),
    [
        ("cl010000001", None),
        ("../../HOSTILE", "its arkId '../../HOSTILE' is not an ark (cl and nine digits)"),
        ("%2E%2E%2FHOSTILE", "its arkId '%2E%2E%2FHOSTILE' is not an ark (cl and nine digits)"),
        ("", "its arkId '' is not an ark (cl and nine digits)"),
        ("1 ; 2", "its arkId '1 ; 2' is not an ark (cl and nine digits)"),
        (None, "its arkId None is not an ark (cl and nine digits)"),
        ("cl01000000/", "its arkId 'cl01000000/' is not an ark (cl and nine digits)"),
    ],
)
def test_names_refused_arks(ark_id: object, refused: str | None) -> None:
    assert names_refused({"arkId": ark_id, "image": []}) == refused


def test_names_refused_positions() -> None:
    def record(position: object) -> dict:
        return {"arkId": "cl010000001", "image": [{"urlImage": "u", "position": position}]}

    assert names_refused(record(3)) is None
    assert names_refused(record(int("9" * MAX_POSITION_CHARS))) is None
    assert names_refused(record(int("9" * 300))) == (
        "an image position of 300 characters is too long for a file name"
    )
    assert names_refused(record("9" * 201)) is not None
