"""A record's ``.json`` as the museum serves it: is it whole, and what a feed item takes from it.

The documented properties are read tolerantly (a 2024 bulk pull saw ``'modified '`` with a
trailing space; any property may be absent, empty or of an unexpected shape); the record
itself is stored as served, so nothing is lost by what the item leaves out.
Plain functions, no Twisted: they are tested on bytes and dicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from louvre_scraper.verdict import RETRYABLE_STATUSES, Verdict, by_status

if TYPE_CHECKING:
    from collections.abc import Collection

MAIN_NUMBER = "Numéro principal"  # objectNumber[].type of the inventory number


def parse_record(body: bytes) -> dict[str, Any] | None:
    """The record as a dict, or None if *body* is not a record (an HTML error page, ...)."""
    if body.lstrip()[:1] != b"{":
        return None
    try:
        record = json.loads(body)
    except ValueError:
        return None
    if not isinstance(record, dict) or not (prop(record, "arkId") or prop(record, "url")):
        return None
    return record


def classify_record(
    status: int,
    content_type: str,
    body: bytes,
    missing_statuses: Collection[int],
    retry_statuses: Collection[int] = RETRYABLE_STATUSES,
) -> Verdict:
    """A record is whole when it parses; a 2xx that does not (HTML with 200) is retried."""
    if 200 <= status < 300:
        return Verdict.WHOLE if parse_record(body) is not None else Verdict.RETRY
    return by_status(status, missing_statuses, retry_statuses)


def prop(record: dict[str, Any], name: str) -> Any:
    """A top-level property, tolerating stray spaces in its key."""
    if name in record:
        return record[name]
    for key, value in record.items():
        if isinstance(key, str) and key.strip() == name:
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return _text(value.get("value") or value.get("label") or value.get("text"))
    return str(value)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _year(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def creators(record: dict[str, Any]) -> list[str]:
    return [t for t in (_text(c.get("label")) for c in _dicts(prop(record, "creator"))) if t]


def years(record: dict[str, Any]) -> tuple[int | None, int | None]:
    """``startYear`` and ``endYear`` of the first creation date that has them."""
    for date in _dicts(prop(record, "dateCreated")):
        start, end = _year(date.get("startYear")), _year(date.get("endYear"))
        if start is not None or end is not None:
            return start, end if end is not None else start
    return None, None


def inventory_number(record: dict[str, Any]) -> str:
    numbers = _dicts(prop(record, "objectNumber"))
    main = [n for n in numbers if _text(n.get("type")) == MAIN_NUMBER] or numbers
    return _text(main[0].get("value")) if main else ""


def dimensions(record: dict[str, Any]) -> list[str]:
    out = []
    for dimension in _dicts(prop(record, "dimension")):
        shown = _text(dimension.get("displayDimension"))
        if not shown:
            parts = (dimension.get("type"), dimension.get("value"), dimension.get("unit"))
            shown = " ".join(t for t in map(_text, parts) if t)
        if shown:
            out.append(shown)
    return out


def location(record: dict[str, Any]) -> str:
    where, room = _text(prop(record, "currentLocation")), _text(prop(record, "room"))
    return f"{where}, {room}" if where and room else where or room


@dataclass(frozen=True)
class ImageRef:
    """One entry of a record's ``image`` list: the full-size image, never the thumbnail."""

    url: str
    position: int
    copyright: str


def images(record: dict[str, Any]) -> list[ImageRef]:
    """The record's full-size images (``urlImage``), by position; entries without one skipped."""
    refs = []
    for index, entry in enumerate(_dicts(prop(record, "image"))):
        url = _text(entry.get("urlImage"))
        if not url:
            continue
        position = _year(entry.get("position"))
        refs.append(
            ImageRef(url, index if position is None else position, _text(entry.get("copyright")))
        )
    return sorted(refs, key=lambda ref: ref.position)


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What a feed item carries of a record (everything else stays in the stored ``.json``)."""
    start, end = years(record)
    return {
        "arkId": _text(prop(record, "arkId")),
        "url": _text(prop(record, "url")),
        "modified": _text(prop(record, "modified")),
        "title": _text(prop(record, "title")),
        "creators": creators(record),
        "startYear": start,
        "endYear": end,
        "collection": _text(prop(record, "collection")),
        "objectType": _text(prop(record, "objectType")),
        "inventoryNumber": inventory_number(record),
        "dimensions": dimensions(record),
        "materials": _text(prop(record, "materialsAndTechniques")),
        "location": location(record),
    }


def matches(record: dict[str, Any], collection: str | None, object_type: str | None) -> bool:
    """The ``-a collection=`` / ``-a type=`` filters: case-insensitive substrings."""
    for wanted, name in ((collection, "collection"), (object_type, "objectType")):
        if wanted and wanted.casefold() not in _text(prop(record, name)).casefold():
            return False
    return True
