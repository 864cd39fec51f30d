from __future__ import annotations

import json

import pytest

from louvre_scraper.records import (
    ImageRef,
    classify_record,
    images,
    matches,
    parse_record,
    record_fields,
)
from louvre_scraper.verdict import Verdict

MISSING = frozenset({404, 410})
RECORD = {
    "url": "https://collections.louvre.fr/ark:/53355/cl010062370",
    "arkId": "cl010062370",
    "modified ": "2024-05-01",
    "title": "La Joconde",
    "creator": [{"label": "Léonard de Vinci", "creatorRole": "Peintre"}, {"label": ""}],
    "dateCreated": [{"startYear": "", "endYear": ""}, {"startYear": 1503, "endYear": "1519"}],
    "collection": "Département des Peintures",
    "objectType": "peinture",
    "objectNumber": [
        {"type": "Autre numéro", "value": "MR 316"},
        {"type": "Numéro principal", "value": "INV 779"},
    ],
    "dimension": [{"type": "Hauteur", "unit": "m", "value": "0,77", "displayDimension": ""}],
    "materialsAndTechniques": "huile sur bois",
    "currentLocation": "Denon",
    "room": "Salle 711",
    "image": [
        {"urlImage": "https://x/media/1.jpg", "position": 1, "copyright": "© B"},
        {
            "urlImage": "https://x/media/0.JPG",
            "urlThumbnail": "https://x/s/0.jpg",
            "position": 0,
            "copyright": "© A",
        },
        {"urlImage": "", "position": 2},
    ],
}
BODY = json.dumps(RECORD, ensure_ascii=False).encode()


def test_fields_are_read_tolerantly() -> None:
    fields = record_fields(RECORD)
    assert fields["modified"] == "2024-05-01"  # the key had a trailing space
    assert fields["creators"] == ["Léonard de Vinci"]
    assert (fields["startYear"], fields["endYear"]) == (1503, 1519)
    assert fields["inventoryNumber"] == "INV 779"
    assert fields["dimensions"] == ["Hauteur 0,77 m"]
    assert fields["location"] == "Denon, Salle 711"
    assert fields["materials"] == "huile sur bois"


def test_an_empty_record_gives_empty_fields() -> None:
    fields = record_fields({"arkId": "cl010000001"})
    assert fields["title"] == "" and fields["creators"] == [] and fields["startYear"] is None


def test_images_are_the_full_size_ones_by_position() -> None:
    assert images(RECORD) == [
        ImageRef("https://x/media/0.JPG", 0, "© A"),
        ImageRef("https://x/media/1.jpg", 1, "© B"),
    ]


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (200, BODY, Verdict.WHOLE),
        (200, b"<!DOCTYPE html><html>Server error</html>", Verdict.RETRY),
        (200, BODY[:-10], Verdict.RETRY),
        (200, b"[1, 2]", Verdict.RETRY),
        (404, b"<html>Not Found</html>", Verdict.MISSING),
        (503, b"", Verdict.RETRY),
        (403, b"", Verdict.FAILED),
    ],
)
def test_a_record_is_judged_from_its_body(status: int, body: bytes, verdict: Verdict) -> None:
    assert classify_record(status, "application/json", body, MISSING) is verdict


def test_parse_record() -> None:
    assert parse_record(BODY) == RECORD
    assert parse_record(b'{"title": "no ark"}') is None


def test_filters_are_case_insensitive_substrings() -> None:
    assert matches(RECORD, "peintures", None)
    assert matches(RECORD, None, "PEINT")
    assert matches(RECORD, "Peintures", "peinture")
    assert not matches(RECORD, "sculptures", None)
    assert not matches(RECORD, None, "dessin")
