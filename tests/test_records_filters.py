"""The -a collection= / type= filters (louvre_scraper/records/filters.py) on real records."""

from __future__ import annotations

from louvre_scraper.bodies.records import parse_record
from louvre_scraper.records.filters import FilterTally, matches
from tests.test_records_fields import REAL_FILES, real


def test_the_type_filter_matches_the_denomination_of_real_records() -> None:
    flacon = real("cl010001416")  # objectType ""
    assert matches(flacon, None, "FLACON")
    assert matches(flacon, "BYZANCE", "flacon")
    assert not matches(flacon, "égyptiennes", "flacon")
    assert not matches(flacon, None, "painting")


def test_the_type_filter_matches_object_type_and_the_index_facet() -> None:
    record = {"arkId": "cl020000001", "objectType": "dessin"}
    assert matches(record, None, "dess")
    faceted = {"arkId": "cl010000001", "index": {"objectType": [{"value": "peinture"}]}}
    assert matches(faceted, None, "peint") and not matches(faceted, None, "dessin")


def test_a_tally_tells_the_values_it_saw() -> None:
    tally = FilterTally({"type": "painting"})
    kept = [tally.check(parse_record(f.read_bytes())) for f in REAL_FILES]
    assert not any(kept) and tally.kept == 0
    assert {v for v, n in tally.common("type", 4)} == {
        "lampe",
        "monnaie",
        "papyrus (fragment)",
        "tablette",
    }
    assert len(tally.common("type")) == 8  # every denomination of the twelve, up to 10
