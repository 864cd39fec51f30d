from __future__ import annotations

from louvre_scraper.collection.arks import ArkListing
from louvre_scraper.collection.ledger import Ledger, Outcome, listing_fingerprint
from louvre_scraper.contract import Shard

BASE = "https://collections.louvre.fr/ark:/53355/"


def listing(*numbers: int) -> ArkListing:
    arks = ArkListing(Shard())
    for number in numbers:
        arks.add(f"{BASE}cl{number:09d}", "2024-05-01")
    arks.sort()
    return arks


def test_the_sorted_listing_does_not_depend_on_the_order_sitemaps_answer() -> None:
    one, other = listing(30, 10, 20), listing(20, 30, 10)
    assert [x.ark for x in one] == ["cl000000010", "cl000000020", "cl000000030"]
    assert listing_fingerprint(one) == listing_fingerprint(other)
    assert one.index("cl000000020") == 1
    assert one.index("cl000000021") is None
    assert one.index("nonsense") is None


def test_a_resumed_ledger_asks_again_what_is_open_or_failed() -> None:
    arks = listing(1, 2, 3, 4, 5)
    ledger = Ledger(arks)
    assert ledger.settle("cl000000001", Outcome.STORED)
    assert ledger.settle("cl000000002", Outcome.FAILED)
    assert ledger.settle("cl000000003", Outcome.MISSING)
    assert not ledger.settle("cl000000003", Outcome.STORED)  # known already
    assert not ledger.settle("cl000000099", Outcome.STORED)  # not listed
    saved = ledger.state(listing_fingerprint(arks))

    resumed = Ledger.resume(arks, listing_fingerprint(arks), saved)
    assert list(resumed.to_do()) == [1, 3, 4]  # failed, then never settled
    assert resumed.count(Outcome.STORED) == 1
    assert resumed.open == 3

    another = listing(1, 2, 3, 4, 6)
    fresh = Ledger.resume(another, listing_fingerprint(another), saved)
    assert list(fresh.to_do()) == [0, 1, 2, 3, 4]
