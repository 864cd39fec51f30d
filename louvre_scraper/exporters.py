"""CSV feeds as a user expects them: one flat row per item, no column that is always empty.

Scrapy's ``CsvItemExporter`` writes a column per declared field, the transient ``body`` too,
and a list of dicts (a record's ``images``) as its Python repr. This one leaves out the
fields that never reach a feed, joins lists with `` | `` (titles and creators hold commas),
and writes a record's images as their paths in the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exporters import CsvItemExporter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy import Field

TRANSIENT_FIELDS = frozenset({"body"})  # spider to pipeline only
JOIN = " | "


class FlatCsvItemExporter(CsvItemExporter):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("join_multivalued", JOIN)
        super().__init__(*args, **kwargs)

    def _write_headers_and_set_fields_to_export(self, item: Any) -> None:
        if not self.fields_to_export:
            names = ItemAdapter(item).field_names()
            self.fields_to_export = [n for n in names if n not in TRANSIENT_FIELDS]
            self._autodetected_fields = True
        super()._write_headers_and_set_fields_to_export(item)

    def serialize_field(self, field: Mapping[str, Any] | Field, name: str, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            value = [str(v.get("path") or v.get("url") or "") for v in value]
        return super().serialize_field(field, name, value)
