"""The crawl's choices, remembered by the store: the filters (``collection``, ``type``,
``rights``) and ``images=`` a collection crawl ran with, so that ``scrapy export``, ``verify``
and ``catalogue`` follow them without the user repeating them.

One small JSON object per crawl, ``state/choices/all.json`` (or a shard's own,
``state/choices/shard-K-of-N.json``), written by the mirror at the start of the crawl; the
latest crawl's choices replace its file's. Read back, the files agree (one :class:`Choices`)
or they do not (:func:`merge` says so in one line, and nothing is followed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from louvre_scraper.contract import Shard

CHOICES_DIR = "state/choices"  # beside the records' state, never the store's payload
FILTERS = ("collection", "type", "rights")
IMAGES = ("all", "first", "none")


@dataclass(frozen=True)
class Choices:
    """What a crawl chose: its filters in use (name → value) and ``images=``."""

    filters: dict[str, str] = field(default_factory=dict)
    images: str = "all"

    def told(self) -> str:
        """``collection=peintures, images=first`` (``every record, images=all``: none)."""
        chosen = [f"{name}={value}" for name, value in self.filters.items()]
        return ", ".join(chosen or ["every record"]) + f", images={self.images}"

    @property
    def chooses(self) -> bool:
        """Whether the crawl left anything out on purpose."""
        return bool(self.filters) or self.images != "all"


def choices_path(shard: Shard) -> str:
    """The file of a crawl's choices: a shard's own, since shards may choose apart."""
    name = f"shard-{shard.index}-of-{shard.count}" if shard.count > 1 else "all"
    return f"{CHOICES_DIR}/{name}.json"


def choices_bytes(choices: Choices) -> bytes:
    return json.dumps({**choices.filters, "images": choices.images}, sort_keys=True).encode()


def parse_choices(body: bytes) -> Choices | None:
    """The choices in *body*, or None when it is not such a file (read as data, not trusted)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("images", "all") not in IMAGES:
        return None
    filters = {
        name: data[name] for name in FILTERS if isinstance(data.get(name), str) and data[name]
    }
    return Choices(filters, data.get("images", "all"))


def is_choices_file(path: str) -> bool:
    return re.fullmatch(rf"{CHOICES_DIR}/(all|shard-\d+-of-\d+)\.json", path) is not None


def merge(found: dict[str, Choices]) -> tuple[Choices | None, str | None]:
    """The store's choices from its files (path → choices): the one they agree on, or None
    and the line that says how they differ (None and no line: the store has none)."""
    distinct = set(map(choices_bytes, found.values()))
    if len(distinct) == 1:
        return next(iter(found.values())), None
    if not distinct:
        return None, None
    told = "; ".join(f"{path.rsplit('/', 1)[-1][:-5]}: {c.told()}" for path, c in found.items())
    return None, (
        f"the store's crawls chose differently ({told}): following none of them, every"
        " record in the store is read"
    )
