"""The collection's two editions: what each record is in each (``Version``), how edition 2 differs
from edition 1 (``generate``, into ``Editions``), and what a change of edition amounts to
(``EditionChanges``)."""

from __future__ import annotations

import bisect
import datetime
import functools
import random
from array import array
from dataclasses import dataclass, field

from fakesite.images import AGO_TOP, IMAGE_PATH_RE, FakeImage, ImageParts, ImageUrls, make_image

EDITIONS = (1, 2)
EDITION_PATH = "/__edition__"
IMAGE_COUNT_WEIGHTS = (1, 5, 4, 2)  # 0..3 images a record: ~1.6 each, 8 % none (real: 1.8, 6 %)
FIRST_DATE = datetime.date(2021, 3, 1)
LAST_DATE = datetime.date(2024, 12, 31)
EDITION2_FIRST = datetime.date(2025, 1, 6)
EDITION2_LAST = datetime.date(2025, 10, 31)
PRINTS = 2 * 10**7  # an ark's code (``ark_code``) from here on is a cl02 one


@dataclass(frozen=True)
class Version:
    """What changes between editions for one record: its date and its images."""

    modified: str
    images: tuple[FakeImage, ...]


@dataclass(frozen=True)
class EditionChanges:
    """What an edition changed against another one (see ``FakeCollection.changes``)."""

    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    images_added: list[str] = field(default_factory=list)
    images_removed: list[str] = field(default_factory=list)
    images_replaced: dict[str, str] = field(default_factory=dict)


def ark_code(ark: str) -> int | None:
    """``cl01``/``cl02`` and seven digits as one int, in the arks' own order; else None."""
    if len(ark) != 11 or ark[:4] not in ("cl01", "cl02") or not ark[4:].isdigit():
        return None
    return int(ark[3]) * 10**7 + int(ark[4:])


def ark_of(code: int) -> str:
    """The ark of an ``ark_code``."""
    return f"cl0{code // 10**7}{code % 10**7:07d}"


def _date(rng: random.Random, first: datetime.date, last: datetime.date) -> int:
    return rng.randint(first.toordinal(), last.toordinal())


class Editions:
    """Both editions of a collection, kept small: a few arrays of ints, from which each
    record's ``Version`` is made when it is asked for (a collection of the real size, 506,207
    records and ~900,000 images, is some 30 MB so, not a million objects).

    Record ``r`` (0 ≤ r < ``len(codes)``, in the order ``generate`` draws them: edition 1's,
    then those edition 2 adds) has per edition a date (a day's ordinal; 0: not listed) and a
    slice of ``ids``, the ids of its images in order; image ``i`` is ``parts[i]``.
    """

    def __init__(self, n: int) -> None:
        self.n = n  # edition 1's records are 0 … n - 1
        self.codes = array("l")  # record → ark_code
        self.dates = {e: array("l") for e in EDITIONS}
        self.starts = {e: array("l") for e in EDITIONS}
        self.counts = {e: array("B") for e in EDITIONS}
        self.ids = array("l")
        self.numbers, self.bits = array("l"), array("B")
        self.kinds, self.copyrights = array("b"), array("B")
        self.groups: dict[int, int] = {}  # AGO number → record
        self.stable: list[int] = []  # ark_codes the same in both editions, edition 1's order
        self.sorted: dict[int, array[int]] = {}  # edition → its ark_codes, sorted
        self._by_code = array("l")  # ark_codes sorted
        self._record_of = array("l")  # … and their records

    # -- filled by generate

    def _image(self, record: int, parts: ImageParts) -> int:
        number, bits, kind, copyright = parts
        self.numbers.append(number)
        self.bits.append(bits)
        self.kinds.append(kind)
        self.copyrights.append(copyright)
        if self.codes[record] >= PRINTS:
            self.groups[number] = record
        return len(self.numbers) - 1

    def _set(self, e: int, record: int, date: int, images: list[int]) -> None:
        self.dates[e][record] = date
        self.starts[e][record] = len(self.ids)
        self.counts[e][record] = len(images)
        self.ids.extend(images)

    def _seal(self) -> None:
        for e in EDITIONS:
            listed = (c for c, d in zip(self.codes, self.dates[e], strict=True) if d)
            self.sorted[e] = array("l", sorted(listed))
        order = sorted(range(len(self.codes)), key=self.codes.__getitem__)
        self._by_code = array("l", (self.codes[r] for r in order))
        self._record_of = array("l", order)

    # -- asked

    def record(self, ark: str) -> int | None:
        """The record of an ark, or None."""
        code = ark_code(ark)
        return None if code is None else self.record_at(code)

    def record_at(self, code: int) -> int | None:
        """The record of an ``ark_code``, or None."""
        i = bisect.bisect_left(self._by_code, code)
        found = i < len(self._by_code) and self._by_code[i] == code
        return self._record_of[i] if found else None

    def image_ids(self, record: int, e: int) -> array[int]:
        start = self.starts[e][record]
        return self.ids[start : start + self.counts[e][record]]

    def images(self, record: int, e: int) -> tuple[FakeImage, ...]:
        ark = ark_of(self.codes[record])
        return tuple(
            make_image(ark, p, self.parts(i)) for p, i in enumerate(self.image_ids(record, e))
        )

    def parts(self, i: int) -> ImageParts:
        return self.numbers[i], self.bits[i], self.kinds[i], self.copyrights[i]

    def date(self, ark: str, e: int) -> str | None:
        """The ark's date in edition ``e``, or None where it is not listed."""
        record = self.record(ark)
        day = self.dates[e][record] if record is not None else 0
        return datetime.date.fromordinal(day).isoformat() if day else None

    def version(self, ark: str, e: int) -> Version | None:
        """The ark's record in edition ``e``, or None where it is not listed."""
        date = self.date(ark, e)
        record = self.record(ark)
        return None if date is None or record is None else Version(date, self.images(record, e))

    def image_owner(self, path: str) -> str | None:
        """The ark whose image or thumbnail (in either edition) ``path`` is, or None."""
        match = IMAGE_PATH_RE.fullmatch(path)
        if match is None:
            return None
        if match[1] is not None:
            number = int(match[1])
            record = self.record(ark_of(10**7 + number)) if number < 10**7 else None
        else:
            record = self.groups.get(int(match[2]))
        if record is None:
            return None
        for e in EDITIONS:
            if any(path in (i.path, i.thumbnail) for i in self.images(record, e)):
                return ark_of(self.codes[record])
        return None


@functools.lru_cache(maxsize=2)  # a server's options are checked before it builds its own
def generate(n: int, seed: int) -> Editions:
    """Both editions of a collection of ``n`` records, drawn from ``seed``; ``stable``: the
    arks that are the same in both (in edition 1's order), among which faults are chosen."""
    rng = random.Random(f"collection:{seed}:{n}")
    out = Editions(n)
    changing = n >= 5  # smaller collections are the same in both editions
    n_modified = max(1, round(n / 5)) if changing else 0
    n_withdrawn = n_added = max(1, round(n / 20)) if changing else 0
    codes, seen = out.codes, set()
    while len(codes) < n + n_added:
        code = (2 if rng.random() < 0.2 else 1) * 10**7 + rng.randrange(1, 3_000_000)
        if code not in seen:
            seen.add(code)
            codes.append(code)
    del seen
    total = len(codes)
    for e in EDITIONS:
        out.dates[e], out.starts[e] = array("l", [0]) * total, array("l", [0]) * total
        out.counts[e] = array("B", bytes(total))
    images = ImageUrls(rng)

    def new(record: int, date: tuple[datetime.date, datetime.date], e: int) -> None:
        count = rng.choices((0, 1, 2, 3), weights=IMAGE_COUNT_WEIGHTS)[0]
        prints = codes[record] >= PRINTS
        group = images.number(AGO_TOP) if prints else None
        if group is not None:
            out.groups[group] = record
        day = _date(rng, *date)
        ids = [out._image(record, images.draw(prints, group)) for _ in range(count)]
        out._set(e, record, day, ids)

    for record in range(n):
        new(record, (FIRST_DATE, LAST_DATE), 1)
    first = range(n)
    withdrawn = set(rng.sample(first, n_withdrawn))
    remaining = [r for r in first if r not in withdrawn]
    modified = set(rng.sample(remaining, n_modified))
    for record in remaining:
        kept = list(out.image_ids(record, 1))
        if record not in modified:
            out.dates[2][record] = out.dates[1][record]
            out.starts[2][record] = out.starts[1][record]
            out.counts[2][record] = out.counts[1][record]
            continue
        prints = codes[record] >= PRINTS
        change = rng.choice(("replace", "add", "both")) if kept else "add"
        if change in ("replace", "both"):
            p = rng.randrange(len(kept))
            kept[p] = out._image(record, images.draw(prints))
        if change in ("add", "both"):
            # the old images' AGO number (all of a print's share one), if it has any
            group = out.numbers[out.image_ids(record, 1)[0]] if prints and kept else None
            kept.append(out._image(record, images.draw(prints, group)))
        out._set(2, record, _date(rng, EDITION2_FIRST, EDITION2_LAST), kept)
    for record in range(n, total):
        new(record, (EDITION2_FIRST, EDITION2_LAST), 2)
    out.stable = [codes[r] for r in remaining if r not in modified]
    out._seal()
    return out
