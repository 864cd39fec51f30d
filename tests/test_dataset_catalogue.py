"""The catalogue's build (louvre_scraper/dataset/catalogue.py), on feed rows and a store made here.

``scrapy catalogue`` over a real crawl, and the page in a browser: tests/test_commands_catalogue.py.
"""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from louvre_scraper.dataset import catalogue
from louvre_scraper.dataset.catalogue import (
    CatalogueOptions,
    build_catalogue,
    creator_names,
    display_date,
    index_columns,
    index_entry,
    store_url,
)
from louvre_scraper.dataset.thumbnails import Outcome


def row(ark, *, collection="Peintures", images=(), **fields):
    return {
        "arkId": ark,
        "url": f"https://collections.louvre.fr/ark:/53355/{ark}",
        "title": f"Title of {ark}",
        "creators": [{"name": "Jean Fouquet", "role": "peintre", "qualifier": "", "wikidata": ""}],
        "displayDateCreated": "",
        "startYear": 1450,
        "endYear": 1455,
        "collection": collection,
        "inventoryNumber": f"INV {ark[-3:]}",
        "images": [
            {
                "url": f"https://collections.louvre.fr/media/{ark}/{n}.jpg",
                "path": path,
                "copyright": f"© photo {n}",
                "position": n,
            }
            for n, path in enumerate(images)
        ],
        "path": f"records/{ark}.json",
        **fields,
    }


def store_with(tmp_path, arks_images):
    store = tmp_path / "store"
    for ark, count in arks_images.items():
        for n in range(count):
            path = store / f"images/{ark}/{n}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (400 + 10 * n, 300), (n * 40, 80, 120)).save(path)
    return store


def image_paths(ark, count):
    return [f"images/{ark}/{n}.jpg" for n in range(count)]


def site_meta(index_html):
    text = index_html.read_text()
    return json.loads(re.search(r"\{meta: (\{.*\})\};</script>", text)[1])


def data_call(path):
    """The function a data file calls and what it hands over."""
    match = re.fullmatch(r"louvreCatalogue\.(\w+)\((\d+),(.*)\);\n", path.read_text(), re.S)
    return match[1], int(match[2]), json.loads(match[3])


def test_current_creators_with_their_qualifier_former_ones_left_out():
    work = {
        "creators": [
            {"name": "Jean Fouquet", "qualifier": "Attribué à"},
            {"name": "France", "qualifier": "École de"},
            {"label": "Someone", "attributionLevel": "Ancienne Attribution"},
            "A plain label",
        ]
    }
    assert creator_names(work) == "Attribué à Jean Fouquet; École de France; A plain label"
    assert creator_names({"creators": []}) == creator_names({}) == ""


def test_the_date_shown_is_the_museums_own_else_the_years():
    assert display_date({"displayDateCreated": "Date de création/fabrication : 1567"}) == "1567"
    assert display_date({"displayDateCreated": "vers 1450", "startYear": 1440}) == "vers 1450"
    assert display_date({"startYear": -300, "endYear": -250}) == "-300/-250"
    assert display_date({"startYear": 1450, "endYear": 1450}) == "1450"
    assert display_date({"startYear": None, "endYear": None}) == ""


def test_the_index_holds_a_column_a_field_and_a_line_a_work():
    work = row("cl010000001", title="Two\tlines\nof title", images=["images/cl010000001/0.jpg"])
    entry = index_entry(work, 3, "images/cl010000001/0.jpg")
    assert entry == (
        "cl010000001",
        "Two lines of title",
        "Jean Fouquet",
        "1450/1455",
        "INV 001",
        "3",
        "images/cl010000001/0.jpg",
        "1",
        "",  # the row has no rights estimate
    )
    other = index_entry(row("cl010000002", creators=[], inventoryNumber=""), 0, "")
    assert index_columns([entry, other]) == [
        "cl010000001\ncl010000002",
        "Two lines of title\nTitle of cl010000002",
        "Jean Fouquet\n",
        "1450/1455\n1450/1455",
        "INV 001\n",
        "3\n0",
        "images/cl010000001/0.jpg\n",
        "1\n0",
        "\n",
    ]


def test_the_store_is_reached_by_a_relative_url(tmp_path):
    assert store_url(tmp_path / "mirror", tmp_path / "catalogue") == "../mirror/"
    assert store_url(tmp_path / "my mirror", tmp_path / "a/b") == "../../my%20mirror/"


def test_a_build_writes_the_page_the_index_the_works_and_the_thumbnails(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "WORKS_CHUNK", 2)
    monkeypatch.setattr(catalogue, "INDEX_CHUNK", 3)
    arks = {f"cl01000000{n}": n % 3 for n in range(5)}  # 0, 1 or 2 images each
    store = store_with(tmp_path, arks)
    rows = [
        row(ark, collection=["Peintures", "Sculptures"][n % 2], images=image_paths(ark, count))
        for n, (ark, count) in enumerate(arks.items())
    ]
    rows[4]["images"].append({"url": "https://…/gone.jpg", "path": None, "copyright": ""})
    dest = tmp_path / "catalogue"
    counts, index_html = build_catalogue(rows, CatalogueOptions(store, dest, 64, workers=2))

    assert index_html == dest / "index.html"
    assert (counts.works, counts.images) == (5, 5)
    assert counts.thumbnails == {Outcome.MADE: 4, Outcome.MISSING: 1}
    meta = site_meta(index_html)
    assert meta["works"] == 5
    assert meta["departments"] == ["Peintures", "Sculptures"]
    assert meta["departmentCounts"] == [3, 2]
    assert meta["store"] == "../store/"
    assert meta["thumbs"] == "thumbs/64/"
    assert len(meta["index"]) == 2 and len(meta["details"]) == 3
    columns = [[] for _ in range(9)]
    for n, name in enumerate(meta["index"]):
        assert data_call(dest / name)[:2] == ("index", n)
        for column, text in zip(columns, data_call(dest / name)[2], strict=True):
            column.extend(text.split("\n"))
    assert columns[0] == list(arks)
    assert columns[5] == ["0", "1", "0", "1", "0"]  # Peintures, Sculptures
    assert columns[6] == [
        "",
        "images/cl010000001/0.jpg",
        "images/cl010000002/0.jpg",
        "",
        "images/cl010000004/0.jpg",
    ]
    works = [data_call(dest / name) for name in meta["details"]]
    assert [(kind, n) for kind, n, _ in works] == [("works", 0), ("works", 1), ("works", 2)]
    assert [w for _, _, chunk in works for w in chunk] == rows  # every field, as given
    for ark, count in arks.items():
        for path in image_paths(ark, count):
            with Image.open(dest / f"thumbs/64/{path}.jpg") as thumb:
                assert max(thumb.size) == 64
    # Every file named by the page is there; nothing else in data/, no temporary file left.
    named = {*meta["index"], *meta["details"]}
    scripts = re.findall(r'(?:src|href)="(data/[^"]+)"', index_html.read_text())
    assert len(scripts) == 2
    assert {p.relative_to(dest).as_posix() for p in (dest / "data").iterdir()} == {
        *named,
        *scripts,
    }
    assert not [p for p in dest.rglob("*") if p.name.endswith(".part")]


def test_a_rerun_over_a_grown_store_makes_only_the_new_thumbnails(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "WORKS_CHUNK", 2)
    arks = {"cl010000001": 1, "cl010000002": 2, "cl010000003": 1}
    store = store_with(tmp_path, arks)
    rows = [row(ark, images=image_paths(ark, count)) for ark, count in arks.items()]
    options = CatalogueOptions(store, tmp_path / "catalogue", 64)
    build_catalogue(rows, options)
    first = {p: p.stat().st_mtime_ns for p in options.dest.rglob("*") if p.is_file()}

    store_with(tmp_path, {"cl010000004": 1})
    grown = [*rows, row("cl010000004", images=image_paths("cl010000004", 1))]
    counts, index_html = build_catalogue(grown, options)

    assert counts.thumbnails == {Outcome.CURRENT: 4, Outcome.MADE: 1}
    after = {p: p.stat().st_mtime_ns for p in options.dest.rglob("*") if p.is_file()}
    kept = {p for p in first if p in after and after[p] == first[p]}
    # The thumbnails and the first (full) works file are untouched; the last one is new.
    assert {p.name for p in kept if "thumbs" in p.parts} == {"0.jpg.jpg", "1.jpg.jpg"}
    assert len([p for p in kept if "thumbs" in p.parts]) == 4
    meta = site_meta(index_html)
    assert options.dest / meta["details"][0] in kept
    assert options.dest / meta["details"][1] not in first
    assert meta["works"] == 4


def test_another_thumb_size_makes_a_new_set_and_drops_the_old(tmp_path):
    store = store_with(tmp_path, {"cl010000001": 1})
    rows = [row("cl010000001", images=image_paths("cl010000001", 1))]
    dest = tmp_path / "catalogue"
    build_catalogue(rows, CatalogueOptions(store, dest, 64))
    counts, _ = build_catalogue(rows, CatalogueOptions(store, dest, 32))
    assert counts.thumbnails == {Outcome.MADE: 1}
    assert [p.name for p in (dest / "thumbs").iterdir()] == ["32"]


def test_an_unreadable_image_has_no_thumbnail_and_the_grid_shows_none(tmp_path):
    store = store_with(tmp_path, {"cl010000001": 1})
    (store / "images/cl010000001/0.jpg").write_bytes(b"<html>Server error</html>")
    rows = [row("cl010000001", images=image_paths("cl010000001", 1))]
    counts, index_html = build_catalogue(rows, CatalogueOptions(store, tmp_path / "c", 64))
    assert counts.thumbnails == {Outcome.UNREADABLE: 1}
    name = site_meta(index_html)["index"][0]
    assert data_call(index_html.parent / name)[2][6] == ""


def test_a_build_that_stops_half_way_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "WORKS_CHUNK", 1)
    arks = {f"cl01000000{n}": 1 for n in range(4)}
    store = store_with(tmp_path, arks)
    rows = [row(ark, images=image_paths(ark, 1)) for ark in arks]
    options = CatalogueOptions(store, tmp_path / "catalogue", 64)
    _, index_html = build_catalogue(rows[:2], options)
    page = index_html.read_bytes()

    def stopping():
        yield from rows[2:]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_catalogue(_chain(rows[:2], stopping()), options)
    assert index_html.read_bytes() == page  # the page of the first build, untouched
    meta = site_meta(index_html)
    for name in [*meta["index"], *meta["details"]]:
        assert (options.dest / name).is_file()  # and every file it names
    assert not [p for p in options.dest.rglob("*") if p.name.endswith(".part")]


def _chain(first, rest):
    yield from first
    yield from rest
