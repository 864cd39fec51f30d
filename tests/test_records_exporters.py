"""The flat CSV feed: one plain row per item, images and creators readable, nothing dropped."""

from __future__ import annotations

import csv
import io
import logging

from louvre_scraper.items import ArtworkRecord, ArtworkZip
from louvre_scraper.records.exporters import (
    TRANSIENT_FIELDS,
    FlatCsvItemExporter,
    creator_text,
    flat_row,
)
from louvre_scraper.records.fields import ImageRef, feed_row, image_row

RECORD = {
    "arkId": "cl010001416",
    "url": "https://collections.louvre.fr/ark:/53355/cl010001416",
    "modified ": "2025-11-16",
    "title": "flacon",
    "creator": [
        {"label": "Italie", "linkType": "École de", "attributionLevel": "Attribution actuelle"},
        {"label": "Pignoni, Simone", "linkType": "Attribué à", "wikidata": "Q963528"},
        {"label": "Biscaino, Bartolommeo", "attributionLevel": "Ancienne Attribution"},
    ],
}
SHOWN = ImageRef("https://x/a.JPG", 0, "© 2023 GrandPalaisRmn / B. Touchard", "profil")
FAILED = ImageRef("https://x/b.JPG", 1, "© 2011 Musée du Louvre / T. Ollivier", "détail")


def record_item() -> ArtworkRecord:
    item = ArtworkRecord(
        feed_row(
            RECORD,
            path="records/cl010001416.json",
            status="downloaded",
            images=[
                image_row(SHOWN, path="images/cl010001416/0.jpg", size=10, status="downloaded"),
                image_row(FAILED, status="failed"),
            ],
        )
    )
    item["body"] = b"{}"  # what the pipeline removes; a feed never shows it
    return item


def export(*items: object) -> str:
    out = io.BytesIO()
    exporter = FlatCsvItemExporter(out)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue().decode()


def test_images_are_three_columns_in_the_same_order() -> None:
    row = flat_row(record_item())
    assert row["images"] == "images/cl010001416/0.jpg | "  # the failed one is not stored
    assert row["imageUrls"] == "https://x/a.JPG | https://x/b.JPG"
    assert row["imageCopyrights"] == (
        "© 2023 GrandPalaisRmn / B. Touchard | © 2011 Musée du Louvre / T. Ollivier"
    )
    assert "body" not in row


def test_creators_read_as_text() -> None:
    assert flat_row(record_item())["creators"] == (
        "Italie (École de) | Pignoni, Simone (Attribué à; Q963528)"
    )
    assert creator_text({"name": "X", "role": "peintre", "qualifier": "", "wikidata": ""}) == (
        "X (peintre)"
    )


def test_a_csv_feed_has_every_field_and_no_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        text = export(record_item(), record_item())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    declared = [name for name in ArtworkRecord.fields if name not in TRANSIENT_FIELDS]
    at = declared.index("images") + 1
    assert list(rows[0]) == [*declared[:at], "imageUrls", "imageCopyrights", *declared[at:]]
    assert rows[0]["startYear"] == "" and rows[0]["onDisplay"] == ""  # None: empty
    assert not caplog.records  # no "CSVExporter dropped fields"


def test_a_zip_row_keeps_its_declared_columns() -> None:
    item = ArtworkZip(id=121146, url="https://x/121146/0", path="121146.zip", size=3)
    rows = list(csv.DictReader(io.StringIO(export(item))))
    assert rows == [
        {
            "id": "121146",
            "url": "https://x/121146/0",
            "path": "121146.zip",
            "checksum": "",
            "size": "3",
            "status": "",
        }
    ]
