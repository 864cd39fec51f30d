"""The store's own state: what the crawl learnt of each record and its images (issue 23).

The records' ``.json`` stay byte for byte the site's; what the crawl knows beside them is kept
in the store too, so that it travels with the store (copied, synced to S3) and ``scrapy
verify`` can tell the same truth as the crawl that built it: one small JSON file per record,
``state/{ark}.json`` (:func:`~louvre_scraper.store.layout.state_path`), written by the store's
one owner, the mirror, after the record's ``.json``, atomically (the one writer locally, one
PUT on S3), read back by the next run and by the dataset commands.

Per record: its URL, when its ``.json`` was last fetched, and the validators the site sent
with it (``etag``, ``last_modified``: for conditional requests); per image, by its stem (the
file's name without extension: :func:`~louvre_scraper.bodies.images.image_stems`), its URL and
what became of it:

* ``stored``: ``path``, ``size``, ``sha256`` of its bytes, ``fetched`` (when);
* ``gone``: the site answers 404/410 for it (``gone_since``: when a run first saw it gone);
* ``left_out``: not fetched on purpose (``left_out``: the argument, e.g. ``images=first``);
* ``failed``: failed for good in the last run that asked (asked again by the next one).

Times are UTC, ISO 8601 to the second. Plain data and JSON, no Twisted, no I/O: the mirror
and :mod:`louvre_scraper.dataset.reader` read and write the bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

VERSION = 1

STORED = "stored"
GONE = "gone"
LEFT_OUT = "left_out"
FAILED = "failed"
IMAGE_STATUSES = (STORED, GONE, LEFT_OUT, FAILED)


def now() -> str:
    """The current time as the state keeps it."""
    return datetime.now(tz=timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class ImageState:
    url: str
    status: str  # one of IMAGE_STATUSES
    path: str | None = None  # stored: where, in the store
    size: int | None = None  # stored: bytes
    sha256: str | None = None  # stored: of its bytes
    fetched: str | None = None  # stored: when its bytes were fetched
    gone_since: str | None = None  # gone: when a run first saw it gone
    left_out: str | None = None  # left_out: the argument that left it out ("images=first")

    @classmethod
    def stored(cls, url: str, path: str, size: int, sha256: str | None, fetched: str) -> ImageState:
        return cls(url, STORED, path=path, size=size, sha256=sha256, fetched=fetched)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class RecordState:
    ark: str
    url: str | None = None  # the record's .json URL
    fetched: str | None = None  # when its .json was last fetched (None: not by this store's runs)
    etag: str | None = None  # the ETag the site sent with the .json
    last_modified: str | None = None  # the Last-Modified the site sent with the .json
    images: dict[str, ImageState] = field(default_factory=dict)  # by stem

    def image(self, stem: str) -> ImageState | None:
        return self.images.get(stem)

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {"version": VERSION, "ark": self.ark}
        for key in ("url", "fetched", "etag", "last_modified"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        body["images"] = {stem: image.to_json() for stem, image in sorted(self.images.items())}
        return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes | None, ark: str) -> RecordState | None:
        """The state kept for *ark*; None when there is none or it cannot be read (a state
        is rebuilt by the next run that stores the record: the store's files are the truth)."""
        if not data:
            return None
        try:
            body = json.loads(data)
            if not isinstance(body, dict) or body.get("ark") != ark:
                return None
            images = {
                str(stem): ImageState(**{k: v for k, v in entry.items() if k in _IMAGE_FIELDS})
                for stem, entry in (body.get("images") or {}).items()
            }
        except (ValueError, TypeError, AttributeError):
            return None
        if any(image.status not in IMAGE_STATUSES for image in images.values()):
            return None
        return cls(
            ark,
            url=body.get("url"),
            fetched=body.get("fetched"),
            etag=body.get("etag"),
            last_modified=body.get("last_modified"),
            images=images,
        )


_IMAGE_FIELDS = frozenset(ImageState.__dataclass_fields__)
