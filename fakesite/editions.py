"""The collection's two editions: what each record is in each (``Version``), how edition 2 differs
from edition 1 (``generate``), and what a change of edition amounts to (``EditionChanges``)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from fakesite.images import AGO_TOP, FakeImage, ImageUrls, ago_group

EDITIONS = (1, 2)
EDITION_PATH = "/__edition__"
IMAGE_COUNT_WEIGHTS = (1, 5, 4, 2)  # 0..3 images a record: ~1.6 each, 8 % none (real: 1.8, 6 %)
FIRST_DATE = datetime.date(2021, 3, 1)
LAST_DATE = datetime.date(2024, 12, 31)
EDITION2_FIRST = datetime.date(2025, 1, 6)
EDITION2_LAST = datetime.date(2025, 10, 31)


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


def _date(rng: random.Random, first: datetime.date, last: datetime.date) -> str:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal())).isoformat()


def generate(n: int, seed: int) -> tuple[dict[int, dict[str, Version]], list[str]]:
    """Both editions of a collection of ``n`` records: per edition, ark → its ``Version``; and
    the arks that are the same in both (in edition 1's order), among which faults are chosen."""
    rng = random.Random(f"collection:{seed}:{n}")
    versions: dict[int, dict[str, Version]] = {e: {} for e in EDITIONS}
    changing = n >= 5  # smaller collections are the same in both editions
    n_modified = max(1, round(n / 5)) if changing else 0
    n_withdrawn = n_added = max(1, round(n / 20)) if changing else 0
    arks: list[str] = []
    seen: set[str] = set()
    while len(arks) < n + n_added:
        ark = f"cl{'02' if rng.random() < 0.2 else '01'}{rng.randrange(1, 3_000_000):07d}"
        if ark not in seen:
            seen.add(ark)
            arks.append(ark)
    first, added = arks[:n], arks[n:]
    images = ImageUrls(rng)
    v1 = versions[1]
    for ark in first:
        count = rng.choices((0, 1, 2, 3), weights=IMAGE_COUNT_WEIGHTS)[0]
        group = images.number(AGO_TOP) if ark.startswith("cl02") else None
        v1[ark] = Version(
            _date(rng, FIRST_DATE, LAST_DATE),
            tuple(images.make(ark, p, group) for p in range(count)),
        )
    withdrawn = set(rng.sample(first, n_withdrawn))
    remaining = [a for a in first if a not in withdrawn]
    modified = set(rng.sample(remaining, n_modified))
    v2 = versions[2]
    for ark in remaining:
        old = v1[ark]
        if ark not in modified:
            v2[ark] = old
            continue
        kept = list(old.images)
        change = rng.choice(("replace", "add", "both")) if kept else "add"
        if change in ("replace", "both"):
            p = rng.randrange(len(kept))
            kept[p] = images.make(ark, p)
        if change in ("add", "both"):
            groups = [g for g in map(ago_group, old.images) if g is not None]
            kept.append(images.make(ark, len(kept), groups[0] if groups else None))
        v2[ark] = Version(_date(rng, EDITION2_FIRST, EDITION2_LAST), tuple(kept))
    for ark in added:
        count = rng.choices((0, 1, 2, 3), weights=IMAGE_COUNT_WEIGHTS)[0]
        group = images.number(AGO_TOP) if ark.startswith("cl02") else None
        v2[ark] = Version(
            _date(rng, EDITION2_FIRST, EDITION2_LAST),
            tuple(images.make(ark, p, group) for p in range(count)),
        )
    return versions, [a for a in remaining if a not in modified]
