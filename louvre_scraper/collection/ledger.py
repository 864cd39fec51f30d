"""What became of each listed record in one job, across its JOBDIR resumes.

One byte per entry of the (sorted, hence run-independent)
:class:`~louvre_scraper.collection.arks.ArkListing`:
open (not handed out, or handed out with its fate unknown), stored, current, missing, failed.
A resumed job hands out again exactly the open and failed entries, and starts its counts from
the settled ones: whatever the instants it was stopped at, every listed record is asked until it
ends stored, current or missing, and the counts add up to the listing. Plain data, no Twisted.
"""

from __future__ import annotations

import enum
import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from louvre_scraper.collection.arks import ArkListing


class Outcome(enum.IntEnum):
    OPEN = 0  # fate unknown: handed out again by a resumed job
    STORED = 1  # its .json (and images) stored by this job
    CURRENT = 2  # the stored record was current
    MISSING = 3  # listed, but the record answers 404/410
    FAILED = 4  # failed for good in some run of the job: asked again by a resumed job


SETTLED = (Outcome.STORED, Outcome.CURRENT, Outcome.MISSING)


def listing_fingerprint(listing: ArkListing) -> str:
    """Tells two walks' listings apart: a saved ledger only fits the listing it was kept for."""
    digest = hashlib.sha256()
    for listed in listing:
        digest.update(f"{listed.ark}:{listed.lastmod}\n".encode())
    return digest.hexdigest()


class Ledger:
    def __init__(self, listing: ArkListing, outcomes: bytes | None = None) -> None:
        self.listing = listing
        self.outcomes = bytearray(outcomes or bytes(len(listing)))
        assert len(self.outcomes) == len(listing)

    def to_do(self) -> Iterator[int]:
        """Positions to hand out: every entry not settled, in listing order."""
        for index, outcome in enumerate(self.outcomes):
            if outcome not in SETTLED:
                yield index

    def settle(self, ark: str, outcome: Outcome) -> bool:
        """Note *ark*'s outcome; False if it was already known (or *ark* is not listed)."""
        index = self.listing.index(ark)
        if index is None or self.outcomes[index] != Outcome.OPEN:
            return False
        self.outcomes[index] = outcome
        return True

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.count(outcome)

    @property
    def open(self) -> int:
        """Entries whose fate this job does not know (failed ones are known)."""
        return self.count(Outcome.OPEN)

    def state(self, fingerprint: str) -> dict[str, Any]:
        return {"fingerprint": fingerprint, "outcomes": bytes(self.outcomes)}

    @classmethod
    def resume(cls, listing: ArkListing, fingerprint: str, saved: dict[str, Any] | None) -> Ledger:
        """The saved ledger if it was kept for this very listing; a fresh one otherwise."""
        if saved and saved.get("fingerprint") == fingerprint:
            outcomes = saved.get("outcomes")
            if isinstance(outcomes, bytes) and len(outcomes) == len(listing):
                ledger = cls(listing, outcomes)
                # A failed entry is asked again: its fate is open once more.
                for index, outcome in enumerate(ledger.outcomes):
                    if outcome == Outcome.FAILED:
                        ledger.outcomes[index] = Outcome.OPEN
                return ledger
        return cls(listing)
