"""Ark identifiers of the Louvre's records, and the compact listing a sitemap walk builds.

A record is ``/ark:/53355/cl{series:2}{number:7}``, listed in the sitemaps several times (under
``/ark:/…`` and ``/en/ark:/…``, with hreflang alternates). :class:`ArkListing` keeps each ark
once, in a few bytes, and tells "seen" by one bit per possible number. Plain data structures,
no Twisted.
"""

from __future__ import annotations

import bisect
import datetime
import re
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from louvre_scraper.bodies.records import prop
from louvre_scraper.store.layout import ARK_NAME_RE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from louvre_scraper.contract import Shard

NAAN = "53355"  # the Louvre's Name Assigning Authority Number
ARK_RE = re.compile(r"/ark:/(?P<naan>\d+)/(?P<ark>cl(?P<number>\d{9}))(?:\.json)?/?$")
SERIES_SIZE = 10_000_000  # seven digits after the two-digit series
# An image's position names its file ("{position}.jpg", "-{k}" after a collision): a file name
# holds 255 bytes at most, so a position of more digits than this cannot name one.
MAX_POSITION_CHARS = 200


def ark_in(url: str) -> str | None:
    """The Louvre ark a record URL names (``cl010062370``), or None for any other URL."""
    match = ARK_RE.search(url)
    if match is None or match["naan"] != NAAN:
        return None
    return match["ark"]


def names_refused(record: dict[str, Any]) -> str | None:
    """Why a record cannot be stored under the names it gives (its ``arkId``, its images'
    ``position``), in a few words; None when every name is one the store can hold. Called
    before anything of the record is planned, so a hostile name never reaches a path."""
    ark = prop(record, "arkId")
    if not isinstance(ark, str) or not ARK_NAME_RE.fullmatch(ark):
        shown = repr(ark)[:60]
        return f"its arkId {shown} is not an ark (cl and nine digits)"
    entries = prop(record, "image")
    for entry in entries if isinstance(entries, list) else ():
        position = entry.get("position") if isinstance(entry, dict) else None
        if position is not None and len(str(position).strip()) > MAX_POSITION_CHARS:
            digits = len(str(position).strip())
            return f"an image position of {digits} characters is too long for a file name"
    return None


def ark_number(ark: str) -> int:
    """The ark's nine digits as a number: what shards split on (``cl010062370`` → 10062370)."""
    return int(ark[2:])


def ark_of(number: int) -> str:
    return f"cl{number:09d}"


def parse_lastmod(text: str | None) -> int:
    """A sitemap ``<lastmod>`` (W3C datetime) as a proleptic ordinal day; 0 when absent or bad."""
    if not text:
        return 0
    try:
        return datetime.date.fromisoformat(text.strip()[:10]).toordinal()
    except ValueError:
        return 0


def day_of(ordinal: int) -> str:
    return datetime.date.fromordinal(ordinal).isoformat() if ordinal else ""


class ArkSet:
    """A set of ark numbers as one bit each, a 1.25 MB bitmap per two-digit series seen."""

    def __init__(self) -> None:
        self._series: dict[int, bytearray] = {}
        self._len = 0

    def add(self, number: int) -> bool:
        """Add *number*; True if it was not there yet."""
        series, offset = divmod(number, SERIES_SIZE)
        bits = self._series.get(series)
        if bits is None:
            bits = self._series[series] = bytearray(SERIES_SIZE // 8)
        byte, mask = offset >> 3, 1 << (offset & 7)
        if bits[byte] & mask:
            return False
        bits[byte] |= mask
        self._len += 1
        return True

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        series, offset = divmod(number, SERIES_SIZE)
        bits = self._series.get(series)
        return bits is not None and bool(bits[offset >> 3] & (1 << (offset & 7)))

    def __len__(self) -> int:
        return self._len


@dataclass(frozen=True)
class Listed:
    ark: str
    lastmod: int  # ordinal day, 0 when the sitemap gives none


class ArkListing:
    """The arks a sitemap walk found for one shard, each once; :meth:`sort` puts them in ark
    order, so that a position in the listing means the same ark whatever order the
    sitemaps answered in (a resumed job relies on it)."""

    def __init__(self, shard: Shard) -> None:
        self.shard = shard
        self.seen = ArkSet()  # every ark listed, this shard's or not
        self._numbers = array("I")
        self._lastmods = array("I")

    def add(self, url: str, lastmod: str | None = None) -> bool:
        """Take one sitemap ``<loc>``; True if it is a new ark of this shard."""
        ark = ark_in(url)
        if ark is None:  # not a record's URL (or one under another NAAN): ignored
            return False
        number = ark_number(ark)
        if not self.seen.add(number) or number % self.shard.count != self.shard.index:
            return False
        self._numbers.append(number)
        self._lastmods.append(parse_lastmod(lastmod))
        return True

    def add_number(self, number: int, lastmod: int) -> bool:
        """Take an ark by its number, with its lastmod as an ordinal day (a saved walk's)."""
        if not self.seen.add(number) or number % self.shard.count != self.shard.index:
            return False
        self._numbers.append(number)
        self._lastmods.append(lastmod)
        return True

    def since(self, start: int) -> tuple[bytes, bytes]:
        """The arks taken since the listing held *start* (numbers, lastmods), to save."""
        return self._numbers[start:].tobytes(), self._lastmods[start:].tobytes()

    def take_saved(self, numbers: bytes, lastmods: bytes) -> None:
        """Take again the arks :meth:`since` gave."""
        for number, lastmod in zip(array("I", numbers), array("I", lastmods), strict=True):
            self.add_number(number, lastmod)

    def __len__(self) -> int:
        return len(self._numbers)

    def __getitem__(self, index: int) -> Listed:
        return Listed(ark_of(self._numbers[index]), self._lastmods[index])

    def __iter__(self) -> Iterator[Listed]:
        return (self[i] for i in range(len(self)))

    def __contains__(self, ark: object) -> bool:
        return isinstance(ark, str) and ark_number(ark) in self.seen

    def withdrawn(self, ark: str) -> bool:
        """Whether a stored record of this listing's shard is listed by no sitemap any more."""
        number = ark_number(ark)
        return number % self.shard.count == self.shard.index and ark not in self

    def sort(self) -> None:
        """Order the listing by ark number (each ark keeps its lastmod)."""
        pairs = sorted(zip(self._numbers, self._lastmods, strict=True))
        self._numbers = array("I", (number for number, _ in pairs))
        self._lastmods = array("I", (lastmod for _, lastmod in pairs))

    def index(self, ark: str) -> int | None:
        """The position of *ark* in the sorted listing, or None if it is not listed."""
        match = ARK_RE.search(f"/ark:/{NAAN}/{ark}")
        if match is None:
            return None
        number = ark_number(ark)
        index = bisect.bisect_left(self._numbers, number)
        if index < len(self._numbers) and self._numbers[index] == number:
            return index
        return None
