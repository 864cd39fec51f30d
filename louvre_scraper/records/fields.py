"""What a feed row takes from a record's ``.json`` as the museum serves it.

The documented properties are read tolerantly (every real record spells ``'modified '`` with a
trailing space; any property may be absent, ``""``, ``[]`` or of an unexpected shape); the record
itself is stored as served, so what a row leaves out (former attributions, bibliography, …) is
still in the store. :func:`feed_row` is the one mapping from a record to a feed row: the
``collection`` spider and ``scrapy export`` both call it. Plain functions, no Twisted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from louvre_scraper.bodies.records import prop
from louvre_scraper.records.rights import DEFAULT_YEARS, estimate
from louvre_scraper.records.values import (
    CURRENT_ATTRIBUTION,
    SEPARATOR,
    _dicts,
    _text,
    _year,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

MAIN_NUMBER = "Numéro principal"  # objectNumber[].type of the inventory number
DENOMINATION = "Dénomination"  # denominationTitle[].type naming what the object is
NOT_ON_DISPLAY = "non exposé"  # currentLocation of what is in storage


def _lines(value: Any) -> str:
    """A text of several lines (``"Matériau : verre\\r\\nTechnique : soufflage"``) on one."""
    if not isinstance(value, str):
        return _text(value)
    return SEPARATOR.join(t for t in map(_text, value.splitlines()) if t)


def creators(record: dict[str, Any]) -> list[dict[str, str]]:
    """The current attributions, schools included, in the record's order: each with its
    ``name`` (``label``), ``role`` (``creatorRole``), ``qualifier`` (``linkType``: "École de",
    "Attribué à", …) and ``wikidata`` id. Former ones ("Ancienne Attribution", "Inventorié
    Comme") are left out; the same attribution listed twice is given once."""
    out: list[dict[str, str]] = []
    for creator in _dicts(prop(record, "creator")):
        level = _text(creator.get("attributionLevel")).casefold()
        name = _text(creator.get("label"))
        if not name or level not in ("", CURRENT_ATTRIBUTION):
            continue
        entry = {
            "name": name,
            "role": _text(creator.get("creatorRole")),
            "qualifier": _text(creator.get("linkType")),
            "wikidata": _text(creator.get("wikidata")),
        }
        if entry not in out:
            out.append(entry)
    return out


def years(record: dict[str, Any]) -> tuple[int | None, int | None]:
    """The lowest ``startYear`` and the highest ``endYear`` over ``dateCreated`` (negative: BC).

    An empty ``endYear`` ("vers 350") is unknown: then the highest end is unknown too (None),
    never taken to be the start.
    """
    starts: list[int] = []
    ends: list[int | None] = []
    for date in _dicts(prop(record, "dateCreated")):
        start, end = _year(date.get("startYear")), _year(date.get("endYear"))
        if start is None and end is None:
            continue
        if start is not None:
            starts.append(start)
        ends.append(end)
    highest = None if not ends or None in ends else max(e for e in ends if e is not None)
    return (min(starts) if starts else None), highest


def inventory_number(record: dict[str, Any]) -> str:
    numbers = _dicts(prop(record, "objectNumber"))
    main = [n for n in numbers if _text(n.get("type")) == MAIN_NUMBER] or numbers
    return _text(main[0].get("value")) if main else ""


def denomination(record: dict[str, Any]) -> str:
    """What the object is (``denominationTitle`` of type "Dénomination"): "flacon"."""
    return SEPARATOR.join(
        t
        for t in (
            _text(d.get("value"))
            for d in _dicts(prop(record, "denominationTitle"))
            if _text(d.get("type")) == DENOMINATION
        )
        if t
    )


def dimensions(record: dict[str, Any]) -> str:
    """Each dimension with its label, as the museum's page shows them:
    ``"Hauteur : 4,3 cm ; Diamètre : 2,7 cm"`` (``displayDimension`` alone has no label)."""
    out = []
    for dimension in _dicts(prop(record, "dimension")):
        label = _text(dimension.get("type"))
        shown = _text(dimension.get("displayDimension"))
        if not shown:
            shown = " ".join(
                t for t in map(_text, (dimension.get("value"), dimension.get("unit"))) if t
            )
        if not shown:
            continue
        if label and not shown.casefold().startswith(label.casefold()):
            shown = f"{label} : {shown}"
        out.append(shown)
    return SEPARATOR.join(out)


def on_display(record: dict[str, Any]) -> bool | None:
    """Shown somewhere (``currentLocation`` is not "non exposé"); None when the record does
    not say. A loan (``"Vif (France), Musée Champollion"``) is on display, elsewhere."""
    where = _text(prop(record, "currentLocation"))
    if not where:
        return True if _text(prop(record, "room")) else None
    return where.casefold() != NOT_ON_DISPLAY


def index_values(record: dict[str, Any], facet: str) -> list[str]:
    """The values of one ``index`` facet (``{"objectType": [{"value": …}]}``; or ``[]``)."""
    index = prop(record, "index")
    if not isinstance(index, dict):
        return []
    values = index.get(facet)
    if not isinstance(values, list):
        values = [values]
    return [t for t in map(_text, values) if t]


@dataclass(frozen=True)
class ImageRef:
    """One entry of a record's ``image`` list: the full-size image, never the thumbnail."""

    url: str
    position: int
    copyright: str
    type: str = ""  # "", "profil", "détail", "Environnement", …


def images(record: dict[str, Any]) -> list[ImageRef]:
    """The record's full-size images (``urlImage``), by position; entries without one skipped."""
    refs = []
    for index, entry in enumerate(_dicts(prop(record, "image"))):
        url = _text(entry.get("urlImage"))
        if not url:
            continue
        position = _year(entry.get("position"))
        refs.append(
            ImageRef(
                url,
                index if position is None else position,
                _text(entry.get("copyright")),
                _text(entry.get("type")),
            )
        )
    return sorted(refs, key=lambda ref: ref.position)


def image_row(
    ref: ImageRef,
    *,
    path: str | None = None,
    size: int | None = None,
    checksum: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """One image of a feed row. *path* is None unless the file is in the store."""
    return {
        "url": ref.url,
        "path": path,
        "size": size,
        "checksum": checksum,
        "copyright": ref.copyright,
        "position": ref.position,
        "type": ref.type,
        "status": status,
    }


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What a feed row takes from the record itself, by the museum's names where it has one."""
    start, end = years(record)
    return {
        "arkId": _text(prop(record, "arkId")),
        "url": _text(prop(record, "url")),
        "modified": _text(prop(record, "modified")),
        "title": _text(prop(record, "title")),
        "creators": creators(record),
        "displayDateCreated": _text(prop(record, "displayDateCreated")),
        "startYear": start,
        "endYear": end,
        "collection": _text(prop(record, "collection")),
        "objectType": _text(prop(record, "objectType")),
        "denomination": denomination(record),
        "inventoryNumber": inventory_number(record),
        "dimensions": dimensions(record),
        "materials": _lines(prop(record, "materialsAndTechniques")),
        "currentLocation": _text(prop(record, "currentLocation")),
        "room": _text(prop(record, "room")),
        "onDisplay": on_display(record),
    }


def rights_fields(
    record: dict[str, Any], *, year: int | None = None, rights_years: int = DEFAULT_YEARS
) -> dict[str, str]:
    """The rights estimate of the work (:func:`~louvre_scraper.records.rights.estimate`) in
    *year* (None: this year, UTC), as the feed's ``rights`` and ``rightsReason``."""
    if year is None:
        year = datetime.datetime.now(datetime.timezone.utc).year
    rights = estimate(record, year, rights_years)
    return {"rights": rights.rights, "rightsReason": rights.reason}


def feed_row(
    record: dict[str, Any],
    *,
    path: str,
    status: str,
    images: Iterable[dict[str, Any]] = (),
    rights_years: int = DEFAULT_YEARS,
) -> dict[str, Any]:
    """The feed row of a record: its fields, the rights estimate of its work (a term of
    *rights_years*, ``LOUVRE_RIGHTS_YEARS``), where its ``.json`` is in the store (*path*),
    what became of it (*status*) and its images (:func:`image_row` each)."""
    return {
        **record_fields(record),
        **rights_fields(record, rights_years=rights_years),
        "images": list(images),
        "path": path,
        "status": status,
    }
