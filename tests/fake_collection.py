"""The museum's documented route, for the fake Louvre server (``tests.fake_louvre``).

``python -m tests.fake_louvre --records 40`` serves, next to the zip route, what every tool since
2024 reads on collections.louvre.fr (see /work/shared/reference/louvre-site.md): records as JSON,
their images, and the sitemaps that enumerate them. Everything is deterministic from ``--seed``
and the options below, and every answer can be computed in-process with ``FakeCollection``.

Routes (``{base}`` is the server's URL; all off, 404, with ``--records 0`` except robots.txt):

- ``/robots.txt``: ``User-agent: *`` / ``Disallow: /search/export``; with records on, also a
  "Bloque les IA" block that disallows images to GPTBot, CCBot, ClaudeBot and Google-Extended,
  and ``Sitemap: {base}/sitemap.xml`` (unless ``--no-sitemap-line``).
- ``/sitemap.xml``: a sitemap index of ``{base}/media/sitemap/sitemap{i}.xml``.
- ``/media/sitemap/sitemap{i}.xml``: ``--per-sitemap`` records, each listed twice
  (``{base}/ark:/53355/{ark}`` and ``{base}/en/ark:/53355/{ark}``) with hreflang fr/en
  alternates and ``<lastmod>`` = the record's modified date (unless ``--no-lastmod``).
- ``/ark:/53355/{ark}.json`` and ``/en/ark:/53355/{ark}.json``: the record (same bytes on both),
  ``application/json``; 404 for missing, withdrawn and unknown arks. Record pages without
  ``.json`` are not served (404).
- ``/media/cache/large/…_OG.JPG`` (cl01 records), ``/media/cache/original/…_PE.jpg`` (cl02,
  prints and drawings) and their ``/media/cache/small/…`` thumbnails; ``.png`` for some.
- ``/__edition__?n=2`` (admin, not logged): switch the served edition (1 or 2) while running;
  without ``n``, tell the current one. Answers ``{"edition": n, "records": listed}``.

Options: ``--records N`` (0: off), ``--per-sitemap K`` (10), ``--image-size BYTES`` (3000),
``--no-sitemap-line``, ``--no-lastmod``, ``--edition 1|2`` (starting edition),
``--missing-records K`` (listed, JSON 404), ``--gone-images K`` (urlImage 404 for good),
``--record-fault KIND:N`` and ``--image-fault KIND:N`` (repeatable; the first ``--fault-times``
GETs of N chosen records/images, per URL path, fail with KIND: 429 (Retry-After from
``--retry-after``), 503 (Retry-After only with ``--retry-after-503``), truncate (Content-Length
sent, half the body, connection closed), short (no Content-Length, ``Connection: close``, half
the body), html200 (a 200 HTML "Server error" page)), ``--sitemap-fault KIND`` (same kinds, one
chosen sub-sitemap).

Edition 2 against edition 1: about 1 record in 5 modified (a later date; an image replaced by a
new one at a new URL, and/or an image added), 1 in 20 withdrawn (not listed, JSON 404) and as
many new arks added (collections under 5 records are the same in both). Missing records, gone
images and faulted records/images are all chosen among the records that are the same in both
editions.

Records carry the documented top-level properties with French text; about 1 in 10 spells its
date key ``'modified '`` (trailing space). Images: 0 to 3 a record, about 15% PNG, the others
JPEG; full images are ``--image-size`` bytes, thumbnails a fifth of that (at least 128).

Python API (``edition=None`` means the starting edition; ``base`` is the server URL, e.g.
``server.url``, as record JSON holds absolute URLs; image keys are URL paths):
``FakeCollection(config)`` or ``FakeCollection.from_args([...])``; ``arks``, ``served_arks``,
``modified``, ``modified_key``, ``record``, ``record_bytes``, ``record_images``, ``images``,
``thumbnails``, ``image_bytes``, ``changes``, ``missing_records``, ``gone_images``,
``record_faults``, ``image_faults``, ``sitemap_fault``, ``fault_for``, ``robots_txt``,
``sitemap_paths``, ``sitemap_arks``, ``sitemap_index_bytes``, ``sitemap_bytes`` and ``respond``.
Module functions: ``image_bytes(path, size)``, ``encode_record``, ``record_paths(ark)`` and
``request_kind(path)`` (the log's ``kind``).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import math
import random
import re
import struct
import urllib.parse
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

EDITIONS = (1, 2)
EDITION_PATH = "/__edition__"
COLLECTION_FAULT_KINDS = ("429", "503", "truncate", "short", "html200")
ARK_PREFIX = "/ark:/53355/"
RECORD_RE = re.compile(r"(?:/en)?/ark:/53355/(cl\d{9})\.json")
SITEMAP_RE = re.compile(r"/media/sitemap/sitemap(\d+)\.xml")
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
HTML_TYPE = "text/html; charset=utf-8"
JPEG_TYPE = "image/jpeg"
PNG_TYPE = "image/png"
NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><head><title>Not Found</title></head><body>Not Found</body></html>"
)
SERVER_ERROR_PAGE = (
    b'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Erreur | Louvre</title>'
    b'</head>\n<body><main class="error-page"><h1>Server error. Continue to search the Louvre '
    b'collections</h1><p><a href="/">Collections du Louvre</a></p></main></body></html>\n'
)
AI_BOTS = ("GPTBot", "CCBot", "ClaudeBot", "Google-Extended")
AI_DISALLOWED = ("/*.jpg$", "/*.JPG$", "/*.jpeg$", "/*.png$", "/*.webp$")
FIRST_DATE = datetime.date(2021, 3, 1)
LAST_DATE = datetime.date(2024, 12, 31)
EDITION2_FIRST = datetime.date(2025, 1, 6)
EDITION2_LAST = datetime.date(2025, 10, 31)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_IMAGE_SIZE = 128
AGO_TOP = 1_000_000  # AGO numbers have six digits

# The documented top-level properties, in documentation order. The reference says "45" but
# names these 44; no 45th is invented here.
PROPERTIES = (
    "url",
    "arkId",
    "modified",
    "title",
    "titleComplement",
    "denominationTitle",
    "displayDateCreated",
    "dateCreated",
    "creator",
    "currentLocation",
    "room",
    "isMuseesNationauxRecuperation",
    "objectNumber",
    "collection",
    "printsDrawingsEntity",
    "printsDrawingsCollection",
    "objectType",
    "originalObject",
    "printState",
    "description",
    "inscriptions",
    "namesAndTitles",
    "onomastics",
    "dimension",
    "materialsAndTechniques",
    "shape",
    "placeOfCreation",
    "dateOfDiscovery",
    "placeOfDiscovery",
    "provenance",
    "historicalContext",
    "objectHistory",
    "jabachInventory",
    "napoleonInventory",
    "previousOwner",
    "acquisitionDetails",
    "ownedBy",
    "heldBy",
    "longTermLoanTo",
    "index",
    "bibliography",
    "exhibition",
    "relatedWork",
    "image",
)
LIST_PROPERTIES = frozenset({"previousOwner", "relatedWork", "exhibition", "bibliography"})

COPYRIGHTS = (
    "© GrandPalaisRmn (musée du Louvre) / Michel Urtado",
    "© GrandPalaisRmn (musée du Louvre) / Tony Querrec",
    "© GrandPalaisRmn (musée du Louvre) / Franck Raux",
    "© Musée du Louvre, Dist. GrandPalaisRmn / Hervé Lewandowski",
    "© 2019 Musée du Louvre / Christophe Chavan",
)
MODES = ("achat", "don", "legs", "saisie révolutionnaire", "dation", "ancien fonds royal")
PLACES = ("Paris", "Lyon", "Rome", "Anvers", "Venise", "Besançon")


@dataclass(frozen=True)
class Department:
    """Text pools for one curatorial department."""

    collection: str
    object_types: tuple[str, ...]
    titles: tuple[str, ...]
    materials: tuple[str, ...]
    number_prefixes: tuple[str, ...]
    creators: tuple[tuple[str, str, int, int], ...]  # label, role, birth, death
    location: tuple[str, str]  # currentLocation, room
    years: tuple[int, int] = (1500, 1880)
    periods: tuple[tuple[str, int, int], ...] = ()  # named periods instead of creators' years


PAINTINGS = Department(
    "Département des Peintures",
    ("peinture",),
    (
        "Portrait d'une femme âgée",
        "Paysage avec un pêcheur",
        "La Vierge à l'Enfant entourée d'anges",
        "Nature morte à la pipe",
        "L'Été",
        "Vue de la côte près de Naples",
        "Saint Jérôme pénitent",
        "Le Déjeuner",
    ),
    ("huile sur toile", "huile sur bois", "détrempe sur bois"),
    ("INV", "RF", "MI"),
    (
        ("Chardin, Jean Siméon", "peintre", 1699, 1779),
        ("Poussin, Nicolas", "peintre", 1594, 1665),
        ("Vigée Le Brun, Élisabeth Louise", "peintre", 1755, 1842),
        ("Corot, Jean-Baptiste Camille", "peintre", 1796, 1875),
        ("Fragonard, Jean-Honoré", "peintre", 1732, 1806),
    ),
    ("Aile Denon, Niveau 1, Salle 710 - Salle Mollien", "710"),
)
DRAWINGS = Department(
    "Département des Arts graphiques",
    ("dessin", "estampe"),
    (
        "Étude de draperie",
        "Tête de jeune fille de profil",
        "Feuille d'études : mains et visage",
        "Vue du château de Versailles",
        "Paysage à la cascade",
        "Projet de façade pour un hôtel particulier",
    ),
    (
        "pierre noire, rehauts de craie blanche sur papier beige",
        "plume et encre brune, lavis brun",
        "sanguine",
        "eau-forte et burin",
    ),
    ("INV", "RF"),
    (
        ("Watteau, Antoine", "dessinateur", 1684, 1721),
        ("Ingres, Jean-Auguste-Dominique", "dessinateur", 1780, 1867),
        ("Boucher, François", "dessinateur", 1703, 1770),
        ("Degas, Edgar", "dessinateur", 1834, 1917),
    ),
    ("Non exposé", ""),
)
EGYPT = Department(
    "Département des Antiquités égyptiennes",
    ("statuette", "vase", "amulette", "stèle"),
    (
        "statuette du dieu Osiris",
        "vase à onguent",
        "amulette en forme d'œil oudjat",
        "stèle du prêtre Nakhtâ",
        "statuette de la déesse Isis allaitant",
    ),
    ("bronze", "faïence égyptienne", "calcaire peint", "albâtre (calcite)"),
    ("E", "N", "AF"),
    (),
    ("Aile Sully, Niveau 1, Salle 640", "640"),
    periods=(
        ("Moyen Empire", -2033, -1710),
        ("Nouvel Empire", -1550, -1069),
        ("Basse Époque", -664, -332),
    ),
)
SCULPTURES = Department(
    "Département des Sculptures",
    ("statue", "buste", "relief"),
    (
        "Buste de Voltaire",
        "Psyché abandonnée",
        "Nymphe à la coquille",
        "Saint Michel terrassant le démon",
        "Mercure rattachant ses talonnières",
    ),
    ("marbre", "terre cuite", "bronze", "plâtre"),
    ("RF", "MR", "LP"),
    (
        ("Houdon, Jean-Antoine", "sculpteur", 1741, 1828),
        ("Pajou, Augustin", "sculpteur", 1730, 1809),
        ("Coysevox, Antoine", "sculpteur", 1640, 1720),
        ("Pigalle, Jean-Baptiste", "sculpteur", 1714, 1785),
    ),
    ("Aile Richelieu, Niveau -1, Salle 105 - Cour Marly", "105"),
)
SERIES01 = (PAINTINGS, EGYPT, SCULPTURES)


@dataclass(frozen=True)
class CollectionConfig:
    """The documented route's options, as parsed from the command line."""

    records: int = 0
    seed: int = 0
    per_sitemap: int = 10
    image_size: int = 3000
    sitemap_line: bool = True
    lastmod: bool = True
    edition: int = 1
    missing_records: int = 0
    gone_images: int = 0
    record_faults: tuple[tuple[str, int], ...] = ()
    image_faults: tuple[tuple[str, int], ...] = ()
    sitemap_fault: str | None = None


@dataclass(frozen=True)
class FakeImage:
    """One entry of a record's ``image`` list; paths are relative to the server's base URL."""

    path: str
    thumbnail: str
    copyright: str
    type: str
    position: int

    @property
    def png(self) -> bool:
        """Tell whether the image (and its thumbnail) is a PNG rather than a JPEG."""
        return self.path.endswith(".png")

    def entry(self, base: str) -> dict[str, Any]:
        """The JSON object for this image, with absolute URLs on ``base``."""
        return {
            "urlImage": base + self.path,
            "urlThumbnail": base + self.thumbnail,
            "copyright": self.copyright,
            "type": self.type,
            "position": self.position,
        }


@dataclass(frozen=True)
class Version:
    """What changes between editions for one record: its date and its images."""

    modified: str
    images: tuple[FakeImage, ...]


@dataclass(frozen=True)
class EditionChanges:
    """What an edition changed against another one (see ``FakeCollection.changes``)."""

    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    images_added: list[str] = field(default_factory=list)
    images_removed: list[str] = field(default_factory=list)
    images_replaced: dict[str, str] = field(default_factory=dict)


# -- Image bytes ------------------------------------------------------------------------------


def is_thumbnail(path: str) -> bool:
    """Tell whether an image path is a thumbnail (``/media/cache/small/…``)."""
    return path.startswith("/media/cache/small/")


@functools.lru_cache(maxsize=8192)
def image_bytes(path: str, size: int = 3000) -> bytes:
    """Deterministic bytes for the image at ``path`` (a path or a full URL).

    A ``.png`` path gives a PNG (signature, IHDR, one IDAT of random bytes, IEND, good CRCs);
    anything else a JPEG (SOI, a JFIF APP0 segment, a payload free of ``FF`` bytes, EOI).
    Full images are ``size`` bytes long; thumbnails ``max(128, size // 5)``.
    """
    path = urllib.parse.urlsplit(path).path or path
    total = max(MIN_IMAGE_SIZE, size // 5 if is_thumbnail(path) else size)
    rng = random.Random(f"image:{path}")
    if path.lower().endswith(".png"):
        return _png(rng, total)
    return _jpeg(rng, total)


def _jpeg(rng: random.Random, total: int) -> bytes:
    app0 = b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"
    head = b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
    payload = rng.randbytes(total - len(head) - 2).replace(b"\xff", b"\xfe")
    return head + payload + b"\xff\xd9"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(rng: random.Random, total: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", rng.randint(64, 1500), rng.randint(64, 1500), 8, 2, 0, 0, 0)
    head = PNG_SIGNATURE + _png_chunk(b"IHDR", ihdr)
    idat_size = total - len(head) - 12 - 12
    return head + _png_chunk(b"IDAT", rng.randbytes(idat_size)) + _png_chunk(b"IEND", b"")


# -- Records ----------------------------------------------------------------------------------


def _date(rng: random.Random, first: datetime.date, last: datetime.date) -> str:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal())).isoformat()


def _roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _metres(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def department_of(ark: str, seed: int = 0) -> Department:
    """The department an ark belongs to (cl02: Arts graphiques)."""
    if ark.startswith("cl02"):
        return DRAWINGS
    return random.Random(f"department:{seed}:{ark}").choice(SERIES01)


def _fields(ark: str, seed: int) -> dict[str, Any]:
    """The edition-independent properties of a record, in French."""
    dept = department_of(ark, seed)
    rng = random.Random(f"record:{seed}:{ark}")
    title = rng.choice(dept.titles)
    object_type = rng.choice(dept.object_types)
    material = rng.choice(dept.materials)
    creators: list[dict[str, Any]] = []
    if dept.periods:
        period, start, end = rng.choice(dept.periods)
        text, imprecision, period_label = period, "", period
    else:
        label, role, born, died = rng.choice(dept.creators)
        start = rng.randint(born + 18, died - 1)
        end = start + rng.choice((0, 0, 1, 5))
        imprecision = rng.choice(("", "", "vers"))
        text = f"{imprecision} {start}".strip() if end == start else f"{start} - {end}"
        period_label = f"{_roman(start // 100 + 1)}e siècle"
        creators.append(
            {
                "label": label,
                "attributionLevel": rng.choice(("", "", "Attribué à")),
                "linkType": "Auteur",
                "creatorRole": role,
                "authenticationType": "",
                "doubt": "",
                "wikidata": f"Q{rng.randint(10_000, 9_999_999)}",
                "dates": [
                    {"type": "naissance", "startYear": born, "place": rng.choice(PLACES)},
                    {"type": "mort", "startYear": died, "place": rng.choice(PLACES)},
                ],
            }
        )
    height, width = rng.randint(5, 250) / 100, rng.randint(5, 250) / 100
    mode, acquired = rng.choice(MODES), rng.randint(1793, 2020)
    number = f"{rng.choice(dept.number_prefixes)} {rng.randint(100, 45_000)}"
    location, room = dept.location if rng.random() < 0.7 else ("Non exposé", "")
    values: dict[str, Any] = {name: [] if name in LIST_PROPERTIES else "" for name in PROPERTIES}
    values.update(
        arkId=ark,
        title=title,
        titleComplement=rng.choice(("", "", "dit « La Belle Jardinière »", "esquisse")),
        denominationTitle=[{"type": "Dénomination", "value": object_type}],
        displayDateCreated=text,
        dateCreated=[
            {
                "startYear": start,
                "endYear": end,
                "imprecision": imprecision,
                "text": text,
                "type": "Date de création/fabrication",
                "doubt": "",
            }
        ],
        creator=creators,
        currentLocation=location,
        room=room,
        isMuseesNationauxRecuperation=False,
        objectNumber=[{"type": "Numéro principal", "value": number}],
        collection=dept.collection,
        objectType=object_type,
        description=(
            f"{title} ; reçu par l'État en {acquired} ({mode}). Présenté à la « Grande "
            f"Galerie » après sa restauration : allègement du vernis, reprise des lacunes."
        ),
        dimension=[
            {
                "type": kind,
                "unit": "m",
                "value": _metres(value),
                "displayDimension": f"{kind} : {_metres(value)} m",
            }
            for kind, value in (("Hauteur", height), ("Largeur", width))
        ],
        materialsAndTechniques=material,
        placeOfCreation=rng.choice(("", "France", "Italie", "Égypte")),
        acquisitionDetails=[
            {"mode": mode, "dates": [{"startYear": acquired, "value": f"{acquired}"}]}
        ],
        ownedBy="État français",
        heldBy="Musée du Louvre",
        index={
            "Period": [period_label],
            "Materials": [material.split(",")[0]],
            "Mode d'acquisition": [mode],
            "Category": [object_type],
        },
    )
    if dept is DRAWINGS:
        values.update(
            printsDrawingsEntity="Cabinet des dessins",
            printsDrawingsCollection=rng.choice(
                ("Collection des dessins", "Collection Rothschild")
            ),
            inscriptions=rng.choice(("", "Annoté à la plume : « à mon ami Bertin »")),
        )
    return values


# -- The collection ---------------------------------------------------------------------------


class _Images:
    """Hands out image URLs that are unique across both editions."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[int] = set()

    def number(self, top: int) -> int:
        while True:
            n = self.rng.randrange(1, top)
            if n not in self.used:
                self.used.add(n)
                return n

    def make(self, ark: str, position: int, group: int | None = None) -> FakeImage:
        """A new image for ``ark``; ``group`` reuses a prints-and-drawings AGO number."""
        rng = self.rng
        png = rng.random() < 0.15
        if ark.startswith("cl02"):
            digits = f"{group if group is not None else self.number(AGO_TOP):06d}"
            folder = f"{digits[0:2]}/{digits[2:4]}/{digits[4:6]}/00"
            name = f"{folder}/AGO{digits}-{position:03d}_PE.{'png' if png else 'jpg'}"
            path, thumbnail = f"/media/cache/original/{name}", f"/media/cache/small/{name}"
        else:
            tail = (
                f"{rng.randint(1, 40):010d}/{rng.randint(0, 20):010d}/"
                f"{self.number(10_000_000):010d}_OG.{'png' if png else 'JPG'}"
            )
            path, thumbnail = f"/media/cache/large/{tail}", f"/media/cache/small/{tail}"
        kind = "Image principale" if position == 0 else "Autre vue"
        return FakeImage(path, thumbnail, rng.choice(COPYRIGHTS), kind, position)


def ago_group(image: FakeImage) -> int | None:
    """The AGO number of a prints-and-drawings image, else ``None``."""
    match = re.search(r"/AGO(\d{6})-", image.path)
    return int(match[1]) if match else None


class FakeCollection:
    """The documented route's data, both editions, computed once from a ``CollectionConfig``.

    Arks, dates and images depend only on ``records`` and ``seed``; which records and images
    are missing, gone or faulted depends on the fault options too (and on ``seed``).
    """

    def __init__(self, config: CollectionConfig | None = None) -> None:
        self.config = config = config or CollectionConfig()
        if config.edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}")
        if config.per_sitemap < 1:
            raise ValueError("per_sitemap must be at least 1")
        self._versions: dict[int, dict[str, Version]] = {e: {} for e in EDITIONS}
        self._keys: dict[str, str] = {}
        self._generate()
        self._choose_faults()

    @classmethod
    def from_args(cls, argv: list[str]) -> FakeCollection:
        """Build from ``tests.fake_louvre`` command-line options."""
        from tests.fake_louvre import parse_args

        return cls(parse_args(argv).documented)

    @property
    def enabled(self) -> bool:
        """Tell whether the documented route is on (``records > 0``)."""
        return self.config.records > 0

    # -- generation

    def _generate(self) -> None:
        n = self.config.records
        rng = random.Random(f"collection:{self.config.seed}:{n}")
        changing = n >= 5  # smaller collections are the same in both editions
        n_modified = max(1, round(n / 5)) if changing else 0
        n_withdrawn = n_added = max(1, round(n / 20)) if changing else 0
        arks: list[str] = []
        seen: set[str] = set()
        while len(arks) < n + n_added:
            ark = f"cl{'02' if rng.random() < 0.2 else '01'}{rng.randrange(1, 3_000_000):07d}"
            if ark not in seen:
                seen.add(ark)
                arks.append(ark)
        first, added = arks[:n], arks[n:]
        images = _Images(rng)
        v1 = self._versions[1]
        for ark in first:
            count = rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 1))[0]
            group = images.number(AGO_TOP) if ark.startswith("cl02") else None
            v1[ark] = Version(
                _date(rng, FIRST_DATE, LAST_DATE),
                tuple(images.make(ark, p, group) for p in range(count)),
            )
            self._keys[ark] = "modified " if rng.random() < 0.1 else "modified"
        withdrawn = set(rng.sample(first, n_withdrawn))
        remaining = [a for a in first if a not in withdrawn]
        modified = set(rng.sample(remaining, n_modified))
        v2 = self._versions[2]
        for ark in remaining:
            old = v1[ark]
            if ark not in modified:
                v2[ark] = old
                continue
            kept = list(old.images)
            change = rng.choice(("replace", "add", "both")) if kept else "add"
            if change in ("replace", "both"):
                p = rng.randrange(len(kept))
                kept[p] = images.make(ark, p)
            if change in ("add", "both"):
                groups = [g for g in map(ago_group, old.images) if g is not None]
                kept.append(images.make(ark, len(kept), groups[0] if groups else None))
            v2[ark] = Version(_date(rng, EDITION2_FIRST, EDITION2_LAST), tuple(kept))
        for ark in added:
            count = rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 1))[0]
            group = images.number(AGO_TOP) if ark.startswith("cl02") else None
            v2[ark] = Version(
                _date(rng, EDITION2_FIRST, EDITION2_LAST),
                tuple(images.make(ark, p, group) for p in range(count)),
            )
            self._keys[ark] = "modified " if rng.random() < 0.1 else "modified"
        self._stable = [a for a in remaining if a not in modified]
        self._sorted = {e: sorted(versions) for e, versions in self._versions.items()}

    def _choose_faults(self) -> None:
        cfg = self.config
        rng = random.Random(f"faults:{cfg.seed}")
        records = list(self._stable)
        rng.shuffle(records)
        wanted = cfg.missing_records + sum(n for _, n in cfg.record_faults)
        if wanted > len(records):
            raise ValueError(f"{wanted} missing/faulted records asked, {len(records)} available")
        self._missing = sorted(records[: cfg.missing_records])
        self._missing_set = frozenset(self._missing)
        taken = cfg.missing_records
        self._record_faults: dict[str, str] = {}
        for kind, n in cfg.record_faults:
            self._record_faults.update((ark, kind) for ark in records[taken : taken + n])
            taken += n
        pool = [i.path for a in sorted(records[taken:]) for i in self._versions[1][a].images]
        rng.shuffle(pool)
        wanted = cfg.gone_images + sum(n for _, n in cfg.image_faults)
        if wanted > len(pool):
            raise ValueError(f"{wanted} gone/faulted images asked, {len(pool)} available")
        self._gone = sorted(pool[: cfg.gone_images])
        taken = cfg.gone_images
        self._image_faults: dict[str, str] = {}
        for kind, n in cfg.image_faults:
            self._image_faults.update((path, kind) for path in pool[taken : taken + n])
            taken += n
        self._sitemap_fault: tuple[str, str] | None = None
        if cfg.sitemap_fault and self.enabled:
            count = min(len(self.sitemap_paths(e)) for e in EDITIONS)
            self._sitemap_fault = (self.sitemap_paths(1)[rng.randrange(count)], cfg.sitemap_fault)
        self._faults = {
            **{p: k for a, k in self._record_faults.items() for p in record_paths(a)},
            **self._image_faults,
        }
        if self._sitemap_fault:
            self._faults[self._sitemap_fault[0]] = self._sitemap_fault[1]

    # -- what an edition holds

    def _edition(self, edition: int | None) -> int:
        edition = self.config.edition if edition is None else edition
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
        return edition

    def arks(self, edition: int | None = None) -> list[str]:
        """Arks listed in the edition's sitemaps, in sitemap order (sorted; missing included)."""
        return list(self._sorted[self._edition(edition)]) if self.enabled else []

    def served_arks(self, edition: int | None = None) -> list[str]:
        """Listed arks whose JSON answers 200 (``arks`` minus ``missing_records``)."""
        return [a for a in self.arks(edition) if a not in self._missing_set]

    def modified(self, ark: str, edition: int | None = None) -> str | None:
        """The record's ``modified`` date in the edition (also for missing ones), or ``None``."""
        version = self._versions[self._edition(edition)].get(ark)
        return version.modified if version and self.enabled else None

    def modified_key(self, ark: str) -> str:
        """``"modified"``, or ``"modified "`` (trailing space) for about 1 record in 10."""
        return self._keys[ark]

    def record(self, ark: str, base: str, edition: int | None = None) -> dict[str, Any] | None:
        """The record as served with ``base`` as the server URL, or ``None`` when it is 404."""
        version = self._versions[self._edition(edition)].get(ark)
        if version is None or not self.enabled or ark in self._missing_set:
            return None
        values = _fields(ark, self.config.seed)
        values.update(
            url=f"{base}{ARK_PREFIX}{ark}",
            modified=version.modified,
            image=[image.entry(base) for image in version.images],
        )
        key = self._keys[ark]
        return {key if name == "modified" else name: values[name] for name in PROPERTIES}

    def record_bytes(self, ark: str, base: str, edition: int | None = None) -> bytes | None:
        """The exact JSON body served for the ark (UTF-8, not ASCII-escaped), or ``None``."""
        record = self.record(ark, base, edition)
        return None if record is None else encode_record(record)

    def record_images(self, ark: str, edition: int | None = None) -> list[FakeImage]:
        """The record's images in the edition, as in its JSON (gone ones included)."""
        version = self._versions[self._edition(edition)].get(ark)
        return list(version.images) if version and self.enabled else []

    def _served_images(self, edition: int | None) -> list[FakeImage]:
        return [i for a in self.served_arks(edition) for i in self.record_images(a, edition)]

    def images(self, edition: int | None = None) -> dict[str, bytes]:
        """Every ``urlImage`` path of a served record that answers 200 → its bytes."""
        gone = set(self._gone)
        return {
            i.path: self.image_bytes(i.path)
            for i in self._served_images(edition)
            if i.path not in gone
        }

    def thumbnails(self, edition: int | None = None) -> dict[str, bytes]:
        """Every ``urlThumbnail`` path of a served record (all answer 200) → its bytes."""
        return {i.thumbnail: self.image_bytes(i.thumbnail) for i in self._served_images(edition)}

    def image_bytes(self, path: str) -> bytes:
        """The bytes of any image or thumbnail path (or URL), served or not."""
        return image_bytes(path, self.config.image_size)

    def changes(self, old: int = 1, new: int = 2) -> EditionChanges:
        """What ``new`` changed against ``old``: arks added, withdrawn, modified (listed in
        both, date or images differ); urlImage paths of served records added or removed, and
        ``images_replaced`` {old path: new path} for the same ark and position."""
        before, after = self._versions[old], self._versions[new]
        if not self.enabled:
            return EditionChanges()
        both = sorted(set(before) & set(after))
        replaced = {
            a.path: b.path
            for ark in both
            for a, b in zip(before[ark].images, after[ark].images, strict=False)
            if a.path != b.path
        }
        old_paths = {i.path for i in self._served_images(old)}
        new_paths = {i.path for i in self._served_images(new)}
        return EditionChanges(
            added=sorted(set(after) - set(before)),
            withdrawn=sorted(set(before) - set(after)),
            modified=[a for a in both if before[a] != after[a]],
            images_added=sorted(new_paths - old_paths),
            images_removed=sorted(old_paths - new_paths),
            images_replaced=replaced,
        )

    # -- special cases

    def missing_records(self) -> list[str]:
        """Arks listed in both editions' sitemaps whose JSON answers 404."""
        return list(self._missing)

    def gone_images(self) -> list[str]:
        """urlImage paths (in served JSON, both editions) that answer 404 for good."""
        return list(self._gone)

    def record_faults(self) -> dict[str, str]:
        """Faulted ark → fault kind (both its ``.json`` paths, each counted on its own)."""
        return dict(self._record_faults)

    def image_faults(self) -> dict[str, str]:
        """Faulted urlImage path → fault kind."""
        return dict(self._image_faults)

    def sitemap_fault(self) -> tuple[str, str] | None:
        """(sub-sitemap path, kind) hit by ``--sitemap-fault``, or ``None``."""
        return self._sitemap_fault

    def fault_for(self, path: str) -> str | None:
        """The fault kind configured for a URL path (before counting GETs), or ``None``."""
        return self._faults.get(urllib.parse.unquote(path))

    # -- enumeration

    def robots_txt(self, base: str) -> bytes:
        """The robots.txt body."""
        text = "User-agent: *\nDisallow: /search/export\n"
        if self.enabled:
            text += "\n# Bloque les IA\n"
            text += "".join(f"User-agent: {bot}\n" for bot in AI_BOTS)
            text += "".join(f"Disallow: {rule}\n" for rule in AI_DISALLOWED)
            if self.config.sitemap_line:
                text += f"\nSitemap: {base}/sitemap.xml\n"
        return text.encode()

    def sitemap_paths(self, edition: int | None = None) -> list[str]:
        """Paths of the edition's sub-sitemaps, in index order."""
        count = math.ceil(len(self._sorted[self._edition(edition)]) / self.config.per_sitemap)
        count = count if self.enabled else 0
        return [f"/media/sitemap/sitemap{i}.xml" for i in range(count)]

    def sitemap_arks(self, i: int, edition: int | None = None) -> list[str]:
        """Arks listed by sub-sitemap ``i``."""
        per = self.config.per_sitemap
        arks = self._sorted[self._edition(edition)] if self.enabled else []
        return arks[i * per : (i + 1) * per]

    def sitemap_index_bytes(self, base: str, edition: int | None = None) -> bytes:
        """The ``/sitemap.xml`` body: one ``<sitemap>`` per sub-sitemap (with the latest
        lastmod of its records unless ``--no-lastmod``)."""
        lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">']
        for i, path in enumerate(self.sitemap_paths(edition)):
            dates = [self.modified(a, edition) or "" for a in self.sitemap_arks(i, edition)]
            lastmod = f"<lastmod>{max(dates)}</lastmod>" if self.config.lastmod else ""
            lines.append(f"<sitemap><loc>{base}{path}</loc>{lastmod}</sitemap>")
        lines.append("</sitemapindex>\n")
        return "\n".join(lines).encode()

    def sitemap_bytes(self, i: int, base: str, edition: int | None = None) -> bytes | None:
        """Sub-sitemap ``i``'s body, or ``None`` when it does not exist (404)."""
        arks = self.sitemap_arks(i, edition) if i >= 0 else []
        if not arks:
            return None
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">',
        ]
        for ark in arks:
            fr, en = f"{base}{ARK_PREFIX}{ark}", f"{base}/en{ARK_PREFIX}{ark}"
            lastmod = (
                f"<lastmod>{self.modified(ark, edition)}</lastmod>" if self.config.lastmod else ""
            )
            alternates = (
                f'<xhtml:link rel="alternate" hreflang="fr" href="{fr}"/>'
                f'<xhtml:link rel="alternate" hreflang="en" href="{en}"/>'
            )
            lines.extend(f"<url><loc>{loc}</loc>{lastmod}{alternates}</url>" for loc in (fr, en))
        lines.append("</urlset>\n")
        return "\n".join(lines).encode()

    # -- serving

    def respond(self, path: str, base: str, edition: int | None = None) -> Answer | None:
        """The fault-free answer to a GET of ``path``, or ``None`` if it is not this route's.

        ``/robots.txt`` is answered even with the route off; everything else is ``None`` then.
        """
        path = urllib.parse.unquote(path)
        if path == "/robots.txt":
            return Answer(200, "text/plain; charset=utf-8", self.robots_txt(base))
        kind = request_kind(path)
        if not self.enabled or kind not in ("sitemap", "record", "image", "thumbnail"):
            return None
        body: bytes | None = None
        ctype = HTML_TYPE
        if path == "/sitemap.xml":
            body, ctype = self.sitemap_index_bytes(base, edition), XML_TYPE
        elif match := SITEMAP_RE.fullmatch(path):
            body, ctype = self.sitemap_bytes(int(match[1]), base, edition), XML_TYPE
        elif match := RECORD_RE.fullmatch(path):
            body, ctype = self.record_bytes(match[1], base, edition), JSON_TYPE
        elif path in self._served_paths[self._edition(edition)]:
            body = self.image_bytes(path)
        if body is None:
            return Answer(404, HTML_TYPE, NOT_FOUND_PAGE)
        if kind in ("image", "thumbnail"):
            ctype = PNG_TYPE if path.endswith(".png") else JPEG_TYPE
        return Answer(200, ctype, body)

    @functools.cached_property
    def _served_paths(self) -> dict[int, frozenset[str]]:
        """Per edition, every image and thumbnail path that answers 200."""
        gone = frozenset(self._gone)
        return {
            e: frozenset(p for i in self._served_images(e) for p in (i.path, i.thumbnail)) - gone
            for e in EDITIONS
        }


@dataclass(frozen=True)
class Answer:
    """A fault-free answer: status, Content-Type and body."""

    status: int
    content_type: str
    body: bytes


def encode_record(record: dict[str, Any]) -> bytes:
    """Serialize a record exactly as the server does."""
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def record_paths(ark: str) -> tuple[str, str]:
    """The two paths of a record's JSON: ``/ark:/53355/{ark}.json`` and the ``/en`` one."""
    return f"{ARK_PREFIX}{ark}.json", f"/en{ARK_PREFIX}{ark}.json"


def request_kind(path: str) -> str:
    """The log's ``kind`` for a path of the documented route: robots, sitemap, record, image,
    thumbnail, or other (``fake_louvre`` says ``zip`` for its own paths first)."""
    path = urllib.parse.unquote(path.split("?", 1)[0])
    if path == "/robots.txt":
        return "robots"
    if path == "/sitemap.xml" or path.startswith("/media/sitemap/"):
        return "sitemap"
    if RECORD_RE.fullmatch(path):
        return "record"
    if is_thumbnail(path):
        return "thumbnail"
    if path.startswith("/media/cache/"):
        return "image"
    return "other"


# -- Command line -----------------------------------------------------------------------------


def parse_count_fault(text: str) -> tuple[str, int]:
    """Parse ``KIND:N`` (e.g. ``429:3``) into the fault kind and how many it hits."""
    kind, sep, count = text.partition(":")
    if not sep or kind not in COLLECTION_FAULT_KINDS or not count.strip().isdigit():
        kinds = ", ".join(COLLECTION_FAULT_KINDS)
        raise argparse.ArgumentTypeError(f"bad fault {text!r}: KIND:N with KIND one of {kinds}")
    return kind, int(count)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the documented route's options to ``tests.fake_louvre``'s parser."""
    group = parser.add_argument_group("documented route (records, images, sitemaps)")
    group.add_argument("--records", type=int, default=0, metavar="N", help="0: route off")
    group.add_argument("--per-sitemap", type=int, default=10, metavar="K")
    group.add_argument("--image-size", type=int, default=3000, metavar="BYTES")
    group.add_argument("--no-sitemap-line", action="store_true", help="no Sitemap: in robots")
    group.add_argument("--no-lastmod", action="store_true", help="no <lastmod> in sitemaps")
    group.add_argument("--edition", type=int, choices=EDITIONS, default=1)
    group.add_argument("--missing-records", type=int, default=0, metavar="K")
    group.add_argument("--gone-images", type=int, default=0, metavar="K")
    kinds = "|".join(COLLECTION_FAULT_KINDS)
    for name in ("--record-fault", "--image-fault"):
        group.add_argument(name, type=parse_count_fault, action="append", metavar=f"{{{kinds}}}:N")
    group.add_argument("--sitemap-fault", choices=COLLECTION_FAULT_KINDS, default=None)


def config_from(ns: argparse.Namespace) -> CollectionConfig:
    """Build the ``CollectionConfig`` from parsed options."""
    return CollectionConfig(
        records=ns.records,
        seed=ns.seed,
        per_sitemap=ns.per_sitemap,
        image_size=ns.image_size,
        sitemap_line=not ns.no_sitemap_line,
        lastmod=not ns.no_lastmod,
        edition=ns.edition,
        missing_records=ns.missing_records,
        gone_images=ns.gone_images,
        record_faults=tuple(ns.record_fault or ()),
        image_faults=tuple(ns.image_fault or ()),
        sitemap_fault=ns.sitemap_fault,
    )


def check(config: CollectionConfig) -> str | None:
    """Return why a config cannot be served, or ``None`` if it can."""
    if config.records < 0 or config.per_sitemap < 1 or config.image_size < MIN_IMAGE_SIZE:
        return f"need --records >= 0, --per-sitemap >= 1, --image-size >= {MIN_IMAGE_SIZE}"
    try:
        FakeCollection(config)
    except ValueError as exc:
        return str(exc)
    return None


# -- The handler's part -----------------------------------------------------------------------


class CollectionRoutes:
    """Mixin for ``tests.fake_louvre.Handler``: serves the documented route and its faults."""

    if TYPE_CHECKING:
        server: Any
        command: str
        path: str
        close_connection: bool
        _status: int
        _sent: int
        wfile: Any

        def send_response(self, code: int, message: str | None = None) -> None: ...
        def send_header(self, keyword: str, value: str) -> None: ...
        def end_headers(self) -> None: ...
        def _send(
            self,
            status: int,
            ctype: str,
            body: bytes,
            headers: dict[str, str] | None = None,
            limit: int | None = None,
        ) -> None: ...
        def _fault_status(self, kind: str) -> None: ...

    def _serve_documented(self, path: str) -> bool:
        """Answer ``path`` if it is robots.txt or the documented route's; else return False."""
        answer = self.server.site.respond(path, self.server.url, self.server.edition)
        if answer is None:
            return False
        kind = self._documented_fault(path) if self.command == "GET" else None
        body = answer.body
        if kind in ("429", "503"):
            self._fault_status(kind)
        elif kind == "truncate":
            self._send(answer.status, answer.content_type, body, limit=len(body) // 2)
            self.close_connection = True
        elif kind == "short":
            self._send_unsized(answer.status, answer.content_type, body[: len(body) // 2])
        elif kind == "html200":
            self._send(200, HTML_TYPE, SERVER_ERROR_PAGE)
        else:
            self._send(answer.status, answer.content_type, body)
        return True

    def _documented_fault(self, path: str) -> str | None:
        kind = self.server.site.fault_for(path)
        if kind is None:
            return None
        hits = self.server.request_log.count_get(urllib.parse.unquote(path))
        return kind if hits <= self.server.config.fault_times else None

    def _send_unsized(self, status: int, ctype: str, payload: bytes) -> None:
        """Send without Content-Length and close: the client cannot tell the body is short."""
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self._sent = len(payload)
        self.close_connection = True

    def _edition_admin(self) -> tuple[int, dict[str, Any]]:
        """``/__edition__?n=N``: switch editions; answer the status and the JSON payload."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "n" in query:
            value = query["n"][-1]
            if value not in {str(e) for e in EDITIONS}:
                return 400, {"error": f"n must be one of {list(EDITIONS)}"}
            self.server.edition = int(value)
        edition = self.server.edition
        return 200, {"edition": edition, "records": len(self.server.site.arks(edition))}
