"""CSV feeds as a user expects them: one flat row per item, every column a plain value.

Scrapy's ``CsvItemExporter`` writes a column per declared field, the transient ``body`` too,
and a list of dicts (a record's ``creators`` and ``images``) as its Python repr; and with the
columns taken from the first item it warns of "dropped fields". This one writes each item as
:func:`flat_row`: lists joined with `` | `` (titles and creators hold commas), each creator as
readable text, and a record's images as three columns in the same order — their paths in the
store (empty for an image not stored), their URLs and their copyrights. The image sizes,
checksums, types and statuses are in the JSON Lines feed, not in the CSV.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exporters import CsvItemExporter

TRANSIENT_FIELDS = frozenset({"body", "plan"})  # spider to the mirror only
JOIN = " | "
IMAGE_COLUMNS = {"images": "path", "imageUrls": "url", "imageCopyrights": "copyright"}


def creator_text(creator: Any) -> str:
    """``"Pignoni, Simone (Attribué à; peintre; Q963528)"``: the name, then what is known."""
    if not isinstance(creator, dict):
        return "" if creator is None else str(creator)
    known = [creator.get(key) or "" for key in ("qualifier", "role", "wikidata")]
    details = "; ".join(k for k in known if k)
    return f"{creator.get('name') or ''} ({details})" if details else str(creator.get("name") or "")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return JOIN.join(str(_cell(v)) for v in value)
    return value


def flat_row(item: Any) -> dict[str, Any]:
    """An item as one CSV row, its fields in declared order (a dict's: in its own)."""
    adapter = ItemAdapter(item)
    row: dict[str, Any] = {}
    for name in adapter.field_names():
        if name in TRANSIENT_FIELDS:
            continue
        value = adapter.get(name)
        if name == "images" and isinstance(value, list):
            entries = [v if isinstance(v, dict) else {"path": v} for v in value]
            for column, key in IMAGE_COLUMNS.items():
                row[column] = JOIN.join(str(e.get(key) or "") for e in entries)
        elif name == "creators" and isinstance(value, list):
            row[name] = JOIN.join(map(creator_text, value))
        else:
            row[name] = _cell(value)
    return row


class FlatCsvItemExporter(CsvItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(flat_row(item))
