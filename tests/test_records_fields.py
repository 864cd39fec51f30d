"""The feed's fields (records/fields.py) on the museum's real records (fakesite/real_records/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakesite.collection import CollectionConfig, FakeCollection
from fakesite.records import REAL_RECORDS as REAL
from louvre_scraper.bodies.records import classify_record, parse_record
from louvre_scraper.contract import Verdict
from louvre_scraper.items import ArtworkRecord
from louvre_scraper.records.exporters import TRANSIENT_FIELDS
from louvre_scraper.records.fields import ImageRef, feed_row, image_row, images, record_fields

REAL_FILES = sorted(REAL.glob("cl*.json"))
MISSING = frozenset({404, 410})
FRAGMENTS = json.loads((REAL / "fragments.json").read_text(encoding="utf-8"))


def real(ark: str) -> dict:
    record = parse_record((REAL / f"{ark}.json").read_bytes())
    assert record is not None
    return record


def with_creators(creator: list) -> dict:
    return {"arkId": "cl010000001", "creator": creator}


def test_the_real_records_are_here() -> None:
    assert len(REAL_FILES) == 12
    assert all(b"\\u00e9" in f.read_bytes() or b"\\/" in f.read_bytes() for f in REAL_FILES)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_every_real_record_gives_a_complete_row(path: Path) -> None:
    body = path.read_bytes()
    assert classify_record(200, "application/json", body, MISSING) is Verdict.WHOLE
    record = parse_record(body)
    assert record is not None
    row = feed_row(record, path=f"records/{path.stem}.json", status="downloaded")
    assert set(row) == set(ArtworkRecord.fields) - TRANSIENT_FIELDS
    assert row["arkId"] == path.stem
    assert row["url"] == f"https://collections.louvre.fr/ark:/53355/{path.stem}"
    assert len(row["modified"]) == 10  # from the key "modified " (with its space)
    assert row["title"] and row["collection"] and row["denomination"] and row["inventoryNumber"]
    assert row["dimensions"].startswith(("Hauteur : ", "Longueur : "))
    assert "\r" not in row["materials"] and "\n" not in row["materials"]
    assert row["materials"].startswith("Matériau : ")
    assert row["onDisplay"] in (True, False)
    assert row["creators"] == []  # antiquities: nobody is named
    assert [i["url"] for i in row["images"]] == []  # images come with the spider's paths
    assert len(images(record)) == len(record["image"])


def test_the_flacon_as_a_dataset_user_reads_it() -> None:
    fields = record_fields(real("cl010001416"))
    assert fields == {
        "arkId": "cl010001416",
        "url": "https://collections.louvre.fr/ark:/53355/cl010001416",
        "modified": fields["modified"],
        "title": "flacon",
        "creators": [],
        "displayDateCreated": (
            "Date de création/fabrication : époque islamique (attribution d'après style)"
            " (641 - 1952)"
        ),
        "startYear": 641,
        "endYear": 1952,
        "collection": fields["collection"],
        "objectType": "",
        "denomination": "flacon",
        "inventoryNumber": "E 24095",
        "dimensions": "Hauteur : 4,3 cm ; Diamètre : 2,7 cm",
        "materials": "Matériau : verre ; Technique : soufflage ; Couleur : incolore",
        "currentLocation": "non exposé",
        "room": "",
        "onDisplay": False,
    }
    assert images(real("cl010001416")) == [
        ImageRef(
            "https://collections.louvre.fr/media/cache/large/0000000021/0000001416/0001251629_OG.JPG",
            0,
            "© 2023 GrandPalaisRmn (musée du Louvre) / Benoît Touchard",
            "profil",
        )
    ]


def test_an_unknown_end_year_is_not_the_start() -> None:
    fields = record_fields(real("cl010000899"))  # "vers 350", endYear ""
    assert (fields["startYear"], fields["endYear"]) == (350, None)
    assert fields["displayDateCreated"].endswith("(vers 350)")


def test_years_span_every_creation_date_before_christ_too() -> None:
    assert record_fields(real("cl010146882"))[("startYear")] == -3100
    assert record_fields(real("cl010001418"))["endYear"] == 641  # the date is listed twice
    spans = {
        "dateCreated": [{"startYear": 1510, "endYear": 1520}, {"startYear": 1500, "endYear": 1505}]
    }
    fields = record_fields({"arkId": "cl010000001", **spans})
    assert (fields["startYear"], fields["endYear"]) == (1500, 1520)
    fields = record_fields(real("cl010001358"))  # no dateCreated, no displayDateCreated
    assert (fields["startYear"], fields["endYear"], fields["displayDateCreated"]) == (
        None,
        None,
        "",
    )


def test_a_record_shown_on_loan_or_in_a_room() -> None:
    loan = record_fields(real("cl010000738"))
    assert (loan["currentLocation"], loan["room"], loan["onDisplay"]) == (
        "Vif (France), Musée Champollion",
        "",
        True,
    )
    shown = record_fields(real("cl010001170"))
    assert shown["room"] == "Salle 335, Aile Aile Sully, Niveau 0" and shown["onDisplay"]
    assert record_fields({"arkId": "cl010000001"})["onDisplay"] is None


def test_dimensions_with_line_breaks_and_accessories() -> None:
    assert record_fields(real("cl010001078"))["dimensions"] == (
        "Hauteur : 3,5 cm ; Longueur : 8,3 cm ; Largeur : 6,8 cm"
    )
    assert record_fields(real("cl010001423"))["dimensions"].endswith(
        "Hauteur avec accessoire : 0,5 cm ; Diamètre avec accessoire : 4,2 cm"
    )
    no_display = {"dimension": [{"type": "Hauteur", "value": "0,77", "unit": "m"}]}
    assert record_fields(no_display)["dimensions"] == "Hauteur : 0,77 m"


def test_the_inventory_number_is_the_main_one_else_the_first() -> None:
    assert record_fields(real("cl010001418"))["inventoryNumber"] == "E 11865"
    assert record_fields(real("cl010001323"))["inventoryNumber"] == "TCL 6"  # no main number


def test_the_denomination_leaves_the_title_out() -> None:
    fields = record_fields(real("cl010001170"))  # a "Titre" and a "Dénomination"
    assert (fields["title"], fields["denomination"]) == (
        "Papyrus d'Abousir",
        "papyrus documentaire",
    )


def test_creators_are_the_current_attributions_with_their_qualifier() -> None:
    pignoni, bellini = FRAGMENTS["creator_arrays_2021"]
    assert record_fields(with_creators(bellini))["creators"] == [
        {"name": "Bellini, Giovanni", "role": "", "qualifier": "École de", "wikidata": "Q17169"},
        {"name": "Italie", "role": "", "qualifier": "École de", "wikidata": ""},
    ]
    assert record_fields(with_creators(pignoni))["creators"] == [
        {"name": "Italie", "role": "", "qualifier": "École de", "wikidata": ""},
        {"name": "Pignoni, Simone", "role": "", "qualifier": "Attribué à", "wikidata": "Q963528"},
    ]


def test_creators_without_a_level_are_current_and_odd_shapes_are_skipped() -> None:
    odd = [{"label": "Léonard de Vinci", "creatorRole": "peintre"}, {"label": ""}, "x", None]
    assert record_fields(with_creators(odd))["creators"] == [
        {"name": "Léonard de Vinci", "role": "peintre", "qualifier": "", "wikidata": ""}
    ]
    assert record_fields(with_creators("Léonard"))["creators"] == []


def test_image_types_and_positions_from_a_real_image_list() -> None:
    record = {"arkId": "cl010277627", "image": FRAGMENTS["image_array_cl010277627"]}
    refs = images(record)
    assert [(r.position, r.type) for r in refs] == [
        (0, "trois quarts"),
        (1, "détail"),
        (2, "détail"),
        (3, "détail"),
    ]
    assert image_row(refs[1]) == {
        "url": refs[1].url,
        "path": None,  # not in the store
        "size": None,
        "checksum": None,
        "copyright": "© 2011 Musée du Louvre / Thierry Ollivier",
        "position": 1,
        "type": "détail",
        "status": None,
    }


def test_images_are_the_full_size_ones_by_position() -> None:
    record = {
        "image": [
            {"urlImage": "https://x/media/1.jpg", "position": 1, "copyright": "© B"},
            {
                "urlImage": "https://x/media/0.JPG",
                "urlThumbnail": "https://x/s/0.jpg",
                "position": 0,
            },
            {"urlImage": "", "position": 2},
        ]
    }
    assert images(record) == [
        ImageRef("https://x/media/0.JPG", 0, ""),
        ImageRef("https://x/media/1.jpg", 1, "© B"),
    ]


def test_an_empty_record_gives_empty_fields() -> None:
    fields = record_fields({"arkId": "cl010000001", "index": [], "dimension": ""})
    assert fields["title"] == "" and fields["creators"] == [] and fields["startYear"] is None
    assert fields["dimensions"] == "" and fields["denomination"] == ""


def test_every_record_the_fake_server_varies_gives_a_complete_row() -> None:
    fake = FakeCollection(CollectionConfig(records=200))
    rows = []
    for ark in fake.served_arks():
        body = fake.record_bytes(ark, "https://collections.louvre.fr")
        assert body is not None and body.isascii()
        record = parse_record(body)
        assert record is not None
        rows.append(row := feed_row(record, path=f"records/{ark}.json", status="downloaded"))
        assert row["arkId"] == ark and len(row["modified"]) == 10
        assert row["title"] and row["denomination"] and row["inventoryNumber"]
        assert row["dimensions"].count(" : ") == len(record["dimension"])
        assert "\r" not in row["materials"] + row["dimensions"]
        assert all(set(c) == {"name", "role", "qualifier", "wikidata"} for c in row["creators"])
    # The shapes the real records hold all occur among the variations.
    assert any(r["endYear"] is None and r["startYear"] is not None for r in rows)
    assert any(r["startYear"] is not None and r["startYear"] < 0 for r in rows)
    assert any(len(r["creators"]) > 1 for r in rows) and any(not r["creators"] for r in rows)
    assert any(c["qualifier"] == "École de" for r in rows for c in r["creators"])
    assert {r["onDisplay"] for r in rows} == {True, False}
    assert any(r["objectType"] for r in rows) and any(not r["objectType"] for r in rows)


def readme_docs() -> str:
    root = Path(__file__).resolve().parents[1]
    return "\n".join(
        p.read_text(encoding="utf-8") for p in [root / "README.md", *root.glob("docs/*.md")]
    )


def test_the_readme_shows_a_real_records_feed_line_and_every_field() -> None:
    text = readme_docs()
    marker = text.index("<!-- feed example: cl010001416")
    block = text[marker:].split("```json\n", 1)[1].split("\n```", 1)[0]
    shown = json.loads(block)
    record = real("cl010001416")
    (ref,) = images(record)
    (image,) = shown["images"]
    assert shown == feed_row(
        record,
        path="records/cl010001416.json",
        status="downloaded",
        images=[
            image_row(
                ref,
                path="images/cl010001416/0.jpg",
                size=image["size"],
                checksum=image["checksum"],
                status="downloaded",
            )
        ],
    )
    # The field table names each field of the feed, and only those.
    table = text[text.index("| Field | From the record |") : marker]
    rows = [row for row in table.splitlines()[2:] if row.startswith("|")]
    named = {name for row in rows for name in row.split("|")[1].split("`")[1::2]}
    assert named == set(ArtworkRecord.fields) - TRANSIENT_FIELDS
