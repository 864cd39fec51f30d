"""The museum's documented route, for the fake Louvre server (``tests.fake_louvre``).

``python -m tests.fake_louvre --records 40`` serves, next to the zip route, what every tool since
2024 reads on collections.louvre.fr (see /work/shared/reference/louvre-site.md): records as JSON,
their images, and the sitemaps that enumerate them. Everything is deterministic from ``--seed``
and the options below, and every answer can be computed in-process with ``FakeCollection``.

Routes (``{base}`` is the server's URL; all off, 404, with ``--records 0`` except robots.txt):

- ``/robots.txt``: ``User-agent: *`` / ``Disallow: /search/export``; with records on, first
  ``Sitemap: {base}/sitemap.xml`` (unless ``--no-sitemap-line``), then a dozen "Bloque les IA"
  groups, one per AI crawler (GPTBot, CCBot, ClaudeBot, …), each disallowing ``/*.jpg$``,
  ``/*.jpeg$``, ``/*.png$``, ``/*.webp$`` (lower case only, as the site has it).
- ``/sitemap.xml``: a sitemap index of ``{base}/media/sitemap/sitemap{i}.xml``.
- ``/media/sitemap/sitemap{i}.xml``: ``--per-sitemap`` records, each listed twice
  (``{base}/ark:/53355/{ark}`` and ``{base}/en/ark:/53355/{ark}``) with hreflang fr/en
  alternates; the first also lists a few pages that are not records. No ``<lastmod>``, as on
  the site; with ``--lastmod``, each record's modified date.
- ``/ark:/53355/{ark}.json`` and ``/en/ark:/53355/{ark}.json``: the record (same bytes on both),
  ``application/json``; 404 for missing, withdrawn and unknown arks. Record pages without
  ``.json`` are not served (404).
- ``/media/cache/large/0000000021/{ark number}/…_OG.JPG`` (cl01 records; 1 in 10 under
  ``/media/cache/original/``), ``/media/cache/original/…/AGO…_PE.jpg`` (cl02, prints and
  drawings) and their ``/media/cache/small/…`` thumbnails; ``.png`` for some.
- ``/__edition__?n=2`` (admin, not logged): switch the served edition (1 or 2) while running;
  without ``n``, tell the current one. Answers ``{"edition": n, "records": listed}``.

Options: ``--records N`` (0: off), ``--per-sitemap K`` (10), ``--image-size BYTES`` (3000),
``--no-sitemap-line``, ``--lastmod``, ``--edition 1|2`` (starting edition),
``--missing-records K`` (listed, JSON 404), ``--gone-images K`` (urlImage 404 for good),
``--record-fault KIND:N`` and ``--image-fault KIND:N`` (repeatable; the first ``--fault-times``
GETs of N chosen records/images, per URL path, fail with KIND: 429 (Retry-After from
``--retry-after``), 503 (Retry-After only with ``--retry-after-503``), truncate (Content-Length
sent, half the body, connection closed), short (no Content-Length, ``Connection: close``, half
the body), html200 (a 200 HTML "Server error" page)), ``--sitemap-fault KIND`` (same kinds, one
chosen sub-sitemap), ``--gzip`` (robots.txt, sitemaps and records sent with
``Content-Encoding: gzip`` to a client whose ``Accept-Encoding`` has gzip; images never).

Edition 2 against edition 1: about 1 record in 5 modified (a later date; an image replaced by a
new one at a new URL, and/or an image added), 1 in 20 withdrawn (not listed, JSON 404) and as
many new arks added (collections under 5 records are the same in both). Missing records, gone
images and faulted records/images are all chosen among the records that are the same in both
editions.

Records are the real ones of ``tests/real_records/`` (a copy of ``../shared``'s) used as
templates and varied (see ``_fields``): the 44 documented properties, the key
``'modified '`` with its trailing space in every record, the real shapes of ``creator``
(current and former attributions, schools, from ``fragments.json``), ``dimension`` (no label in
``displayDimension``), ``dateCreated`` (empty ``endYear``, duplicates, prints' ``text`` null),
``index`` and ``objectNumber``; ``objectType`` empty but for drawings, paintings carrying an
``index`` objectType facet instead. The JSON is ASCII-escaped as the site sends it
(``\\u00e9``, ``\\/``, ``\\u0027``). Images: 0 to 3 a record, about 10 % PNG, the others JPEG,
all decodable pictures showing the record's title; full images are padded to between
``--image-size`` and twice that many bytes, thumbnails a fifth of that (at least 128).

Python API (``edition=None`` means the starting edition; ``base`` is the server URL, e.g.
``server.url``, as record JSON holds absolute URLs; image keys are URL paths):
``FakeCollection(config)`` or ``FakeCollection.from_args([...])``; ``arks``, ``served_arks``,
``modified``, ``modified_key``, ``record``, ``record_bytes``, ``record_images``, ``images``,
``thumbnails``, ``image_bytes``, ``changes``, ``missing_records``, ``gone_images``,
``record_faults``, ``image_faults``, ``sitemap_fault``, ``fault_for``, ``robots_txt``,
``sitemap_paths``, ``sitemap_arks``, ``sitemap_index_bytes``, ``sitemap_bytes`` and ``respond``.
Module functions: ``image_bytes(path, size, title)``, ``encode_record``, ``record_paths(ark)`` and
``request_kind(path)`` (the log's ``kind``).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import functools
import gzip
import io
import json
import math
import posixpath
import random
import re
import struct
import unicodedata
import urllib.parse
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

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
# robots.txt's "Bloque les IA" groups: a dozen named AI crawlers, each its own group.
AI_BOTS = (
    "GPTBot",
    "ChatGPT-User",
    "OAI-SearchBot",
    "CCBot",
    "ClaudeBot",
    "anthropic-ai",
    "Google-Extended",
    "PerplexityBot",
    "Bytespider",
    "Amazonbot",
    "Applebot-Extended",
    "meta-externalagent",
)
AI_DISALLOWED = ("/*.jpg$", "/*.jpeg$", "/*.png$", "/*.webp$")  # lower case only, as served
# Pages a real sub-sitemap lists besides the records.
OTHER_PAGES = ("/", "/en", "/page/cgu", "/en/page/documentationJSON", "/en/recherche")
IMAGE_COUNT_WEIGHTS = (1, 5, 4, 2)  # 0..3 images a record: ~1.6 each, 8 % none (real: 1.8, 6 %)
MODIFIED_KEY = "modified "  # with its trailing space, in every real record
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

COPYRIGHTS = (  # as real records and fragments give them
    "© 2023 GrandPalaisRmn (musée du Louvre) / Benoît Touchard",
    "© 2011 Musée du Louvre / Thierry Ollivier",
    "© Musée du Louvre, Dist. GrandPalaisRmn / Christian Larrieu",
    "© 2009 Musée du Louvre, Dist. GrandPalaisRmn / Georges Poncet",
    "© 2020 Musée du Louvre, Dist. GrandPalaisRmn / Raphaël Chipault",
    "Musée du Louvre, dist. RMN-Grand Palais - Photo S. Nagy",
)
# image[].type: mostly "", else one of these (real records and fragments).
IMAGE_TYPES = (
    "profil",
    "trois quarts",
    "détail",
    "Environnement",
    "face, recto, avers, avant",
    "dos, verso, revers, arrière",
)
SCHOOLS = ("Italie", "France", "Pays-Bas", "Espagne", "Flandres")
CREATION = "Date de création/fabrication"  # dateCreated[].type, and displayDateCreated's prefix
# A verbatim copy of ../shared/reference/real-records/ (tests/real_records/README.md): the fake
# server, and the README's demo, must work in a clone with nothing beside it.
REAL_RECORDS = Path(__file__).resolve().parent / "real_records"


@dataclass(frozen=True)
class Department:
    """What a department's records take instead of their real template's values.

    The antiquities departments are the real records themselves (``ANTIQUITIES``: every
    value from the template); paintings, sculptures and drawings replace the title,
    denomination, type, creators, dates and place.
    """

    collection: str
    titles: tuple[str, ...] = ()
    denomination: str = ""  # denominationTitle "Dénomination"
    object_types: tuple[str, ...] = ("",)  # objectType: "" in every real record of 2025
    type_facet: str = ""  # index "objectType" facet, which some records carry instead
    materials: tuple[str, ...] = ()
    number_prefixes: tuple[str, ...] = ()
    # label, role, wikidata, birth, death, place
    creators: tuple[tuple[str, str, str, int, int, str], ...] = ()
    location: tuple[str, str] = ("non exposé", "")  # currentLocation, room when shown
    prints: bool = False  # prints and drawings: no ``imprecision``, ``text`` null


ANTIQUITIES = Department("")  # the real records, varied
PAINTINGS = Department(
    "Département des Peintures",
    (
        "Portrait d'une femme âgée",
        "Paysage avec un pêcheur",
        "La Vierge à l'Enfant entourée d'anges",
        "Nature morte à la pipe",
        "Vue de la côte près de Naples",
        "Saint Jérôme pénitent",
    ),
    "tableau",
    type_facet="peinture",
    materials=("huile sur toile", "huile sur bois", "détrempe sur bois"),
    number_prefixes=("INV", "RF", "MI"),
    creators=(
        ("Bellini, Giovanni", "peintre", "Q17169", 1435, 1516, "Venise"),
        ("Poussin, Nicolas", "peintre", "Q7226", 1594, 1665, "Les Andelys"),
        ("Chardin, Jean Siméon", "peintre", "Q212607", 1699, 1779, "Paris"),
        ("Pignoni, Simone", "peintre", "Q963528", 1611, 1698, "Florence"),
        ("Vigée Le Brun, Élisabeth Louise", "peintre", "", 1755, 1842, "Paris"),
    ),
    location=("Denon, [PEINT] Salle 710 - Salle Mollien", "Salle 710, Aile Denon, Niveau 1"),
)
SCULPTURES = Department(
    "Département des Sculptures du Moyen Age, de la Renaissance et des temps modernes",
    ("Buste de Voltaire", "Psyché abandonnée", "Nymphe à la coquille", "Mercure"),
    "statue",
    materials=("Matériau : marbre", "Matériau : terre cuite", "Matériau : bronze"),
    number_prefixes=("RF", "MR", "LP"),
    creators=(
        ("Houdon, Jean-Antoine", "sculpteur", "Q295640", 1741, 1828, "Versailles"),
        ("Pajou, Augustin", "sculpteur", "", 1730, 1809, "Paris"),
        ("Coysevox, Antoine", "sculpteur", "Q453012", 1640, 1720, "Lyon"),
    ),
    location=("Richelieu, [SCULPT] Salle 105 - Cour Marly", "Salle 105, Aile Richelieu, Niveau -1"),
)
DRAWINGS = Department(
    "Département des Arts graphiques",
    ("Étude de draperie", "Tête de jeune fille de profil", "Paysage à la cascade"),
    "dessin",
    object_types=("dessin", "estampe"),
    materials=("pierre noire, rehauts de craie blanche", "plume et encre brune, lavis brun"),
    number_prefixes=("INV", "RF"),
    creators=(
        ("Watteau, Antoine", "dessinateur", "Q183221", 1684, 1721, "Valenciennes"),
        ("Boucher, François", "dessinateur", "Q193490", 1703, 1770, "Paris"),
        ("Degas, Edgar", "dessinateur", "", 1834, 1917, "Paris"),
    ),
    prints=True,
)
SERIES01 = (ANTIQUITIES, ANTIQUITIES, ANTIQUITIES, PAINTINGS, SCULPTURES)


@dataclass(frozen=True)
class CollectionConfig:
    """The documented route's options, as parsed from the command line."""

    records: int = 0
    seed: int = 0
    per_sitemap: int = 10
    image_size: int = 3000
    sitemap_line: bool = True
    lastmod: bool = False  # real sitemaps show no <lastmod>
    edition: int = 1
    missing_records: int = 0
    gone_images: int = 0
    record_faults: tuple[tuple[str, int], ...] = ()
    image_faults: tuple[tuple[str, int], ...] = ()
    sitemap_fault: str | None = None
    breaks: tuple[tuple[str, int], ...] = ()  # --break KIND[:N], see BREAKS
    gzip: bool = False  # --gzip: robots.txt, sitemaps and records gzip-encoded when accepted


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

# Pixel sizes of full images (thumbnails are a quarter): small enough to make fast, varied
# enough to look like photographs of different objects.
IMAGE_PIXELS = ((480, 360), (360, 480), (400, 400), (560, 320), (320, 440), (520, 390))


def is_thumbnail(path: str) -> bool:
    """Tell whether an image path is a thumbnail (``/media/cache/small/…``)."""
    return path.startswith("/media/cache/small/")


@functools.lru_cache(maxsize=32)
def _background(width: int, height: int) -> Image.Image:
    """A gradient, made once per size (Pillow's own, so fast)."""
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (across, down, Image.new("L", (width, height), 96)))


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


@functools.lru_cache(maxsize=8192)
def image_bytes(path: str, size: int = 3000, title: str = "") -> bytes:
    """Deterministic, decodable bytes for the image at ``path`` (a path or a full URL).

    A picture a person can look at: a gradient, a few shapes, ``title`` (else the file name)
    and the file name written on it; a PNG for a ``.png`` path, else a JPEG. Its pixel size
    is one of ``IMAGE_PIXELS`` (a quarter for thumbnails), and its bytes are padded (a JPEG
    comment, a PNG ``tEXt`` chunk) to at least ``size`` to ``2 * size`` bytes (a fifth of
    that for thumbnails), so a bench can ask for large files without drawing large pictures.
    """
    path = urllib.parse.urlsplit(path).path or path
    rng = random.Random(f"image:{path}")
    thumbnail = is_thumbnail(path)
    width, height = rng.choice(IMAGE_PIXELS)
    if thumbnail:
        width, height = width // 4, height // 4
    picture = _background(width, height).copy()
    draw = ImageDraw.Draw(picture)
    for _ in range(3):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randint(width // 10, width // 3)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=colour, outline=(0, 0, 0))
    name = posixpath.basename(path)
    if not thumbnail:
        # Pillow's built-in font has no accents: "Portrait d'une femme agee".
        text = unicodedata.normalize("NFKD", title or name).encode("ascii", "ignore").decode()
        draw.text((12, 12), text, fill=(255, 255, 255), font=_font(20))
        draw.text((12, height - 24), name, fill=(0, 0, 0), font=_font(12))
    png = path.lower().endswith(".png")
    out = io.BytesIO()
    picture.save(out, "PNG" if png else "JPEG", quality=85)
    target = max(MIN_IMAGE_SIZE, size // 5 if thumbnail else size)
    target = rng.randint(target, 2 * target)
    return _pad_png(out.getvalue(), target) if png else _pad_jpeg(out.getvalue(), target)


def _filler(n: int) -> bytes:
    return (b"collections.louvre.fr fake image " * (n // 33 + 1))[:n]


def _pad_jpeg(data: bytes, target: int) -> bytes:
    """*data* with COM segments after its SOI, up to *target* bytes if it is smaller."""
    segments = []
    missing = target - len(data)
    while missing > 4:
        payload = min(missing - 4, 65533)
        segments.append(b"\xff\xfe" + struct.pack(">H", payload + 2) + _filler(payload))
        missing -= payload + 4
    return data[:2] + b"".join(segments) + data[2:]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _pad_png(data: bytes, target: int) -> bytes:
    """*data* with a ``tEXt`` chunk after IHDR, up to *target* bytes if it is smaller."""
    missing = target - len(data) - 12 - len(b"Comment\x00")
    if missing <= 0:
        return data
    ihdr_end = len(PNG_SIGNATURE) + 25
    chunk = _png_chunk(b"tEXt", b"Comment\x00" + _filler(missing))
    return data[:ihdr_end] + chunk + data[ihdr_end:]


# -- Records ----------------------------------------------------------------------------------


def _date(rng: random.Random, first: datetime.date, last: datetime.date) -> str:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal())).isoformat()


@functools.cache
def real_records() -> tuple[dict[str, Any], ...]:
    """The real records (the templates, ``tests/real_records/``), parsed."""
    return tuple(json.loads(p.read_bytes()) for p in sorted(REAL_RECORDS.glob("cl*.json")))


@functools.cache
def real_creator_arrays() -> tuple[list[dict[str, Any]], ...]:
    """The real ``creator`` arrays quoted in ``fragments.json`` (current, former, schools)."""
    fragments = json.loads((REAL_RECORDS / "fragments.json").read_bytes())
    return tuple(fragments["creator_arrays_2021"])


def department_of(ark: str, seed: int = 0) -> Department:
    """The department an ark belongs to (cl02: Arts graphiques)."""
    if ark.startswith("cl02"):
        return DRAWINGS
    return random.Random(f"department:{seed}:{ark}").choice(SERIES01)


def _decimal(value: float) -> str:
    """``4,3`` as the museum writes a measure (comma decimal, no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _dimensions(rng: random.Random, dimensions: Any) -> Any:
    """The template's dimensions (same types, units, quirks), with other values."""
    if not isinstance(dimensions, list):
        return dimensions
    out = []
    for dimension in dimensions:
        value = float(str(dimension.get("value") or "1").replace(",", ".") or 1)
        new = _decimal(value * rng.uniform(0.6, 1.6))
        gap = "\r\n " if "\r\n" in str(dimension.get("displayDimension")) else " "
        out.append(
            {**dimension, "value": new, "displayDimension": f"{new}{gap}{dimension['unit']}"}
        )
    return out


def _numbers(rng: random.Random, numbers: Any) -> Any:
    """The template's inventory numbers (same types, same prefixes), with other digits."""
    if not isinstance(numbers, list):
        return numbers
    return [
        {**n, "value": re.sub(r"\d+", lambda m: str(rng.randint(1, 40_000)), n["value"], count=1)}
        for n in numbers
    ]


def _life(creator: tuple[str, str, str, int, int, str], rng: random.Random) -> list[dict[str, str]]:
    _, _, _, born, died, place = creator
    birth = f"vers {born}" if rng.random() < 0.3 else str(born)
    return [
        {"date": str(died), "place": place, "type": "date de mort"},
        {"date": birth, "place": place, "type": "date de naissance"},
    ]


def _creators(rng: random.Random, dept: Department) -> list[dict[str, Any]]:
    """A real ``creator`` array (current and former attributions, schools) with this
    department's artists; or the plain case: one current attribution."""
    shapes = real_creator_arrays()
    if rng.random() < 0.5:
        chosen = rng.choice(dept.creators)
        label, role, wikidata = chosen[:3]
        return [
            {
                "creatorRole": role,
                "attributedYear": "",
                "attributedBy": "",
                "doubt": "",
                "linkType": "",
                "dates": _life(chosen, rng),
                "label": label,
                "authenticationType": "",
                "attributionLevel": "Attribution actuelle",
                "wikidata": wikidata,
            }
        ]
    artists: dict[str, tuple[str, str, str, int, int, str]] = {}
    out = []
    for entry in copy.deepcopy(rng.choice(shapes)):
        if "dates" not in entry:  # a school: "Italie", "École de"
            entry["label"] = rng.choice(SCHOOLS)
        else:
            if entry["label"] not in artists:
                artists[entry["label"]] = rng.choice(dept.creators)
            artist = artists[entry["label"]]
            entry.update(label=artist[0], wikidata=artist[2], dates=_life(artist, rng))
        out.append(entry)
    return out


def _creation(rng: random.Random, dept: Department) -> tuple[list[dict[str, Any]], str]:
    """``dateCreated`` and ``displayDateCreated`` for an artist's work."""
    artist = rng.choice(dept.creators)
    start = rng.randint(artist[3] + 18, artist[4] - 1)
    imprecision = rng.choice(("", "", "vers"))
    end: int | str = "" if imprecision else start + rng.choice((0, 0, 2, 5))
    text = f"vers {start}" if imprecision else (f"{start}" if end == start else f"{start} - {end}")
    entry: dict[str, Any] = {"startYear": start, "endYear": end}
    if dept.prints:  # prints and drawings: no imprecision, text null
        entry.update(text=None, type=CREATION, doubt="")
    else:
        entry.update(imprecision=imprecision, text=text, type=CREATION, doubt="")
    dates = [entry, dict(entry)] if rng.random() < 0.15 else [entry]  # sometimes listed twice
    shown = rng.choice((f"{CREATION} : {text}", text, text, ""))
    return dates, shown


def _fields(ark: str, seed: int) -> dict[str, Any]:
    """The edition-independent properties of a record: a real record as a template, varied."""
    dept = department_of(ark, seed)
    rng = random.Random(f"record:{seed}:{ark}")
    template = rng.choice(real_records())
    values = {key.strip(): value for key, value in copy.deepcopy(template).items()}
    values.update(
        arkId=ark,
        objectNumber=_numbers(rng, values["objectNumber"]),
        dimension=_dimensions(rng, values["dimension"]),
    )
    if dept is ANTIQUITIES:
        if rng.random() < 0.1:
            values["index"] = []  # as some real records have it
        return values
    title = rng.choice(dept.titles)
    dates, shown = _creation(rng, dept)
    where, room = dept.location if rng.random() < 0.6 else ("non exposé", "")
    number = f"{rng.choice(dept.number_prefixes)} {rng.randint(100, 45_000)}"
    names = [{"type": "Dénomination", "value": dept.denomination}]
    size = rng.uniform(20, 250)
    values.update(
        dimension=[
            {
                **values["dimension"][0],
                "type": kind,
                "value": _decimal(value),
                "displayDimension": f"{_decimal(value)} cm",
                "unit": "cm",
                "tri": tri,
            }
            for tri, (kind, value) in enumerate(
                (("Hauteur", size), ("Largeur", size * rng.uniform(0.5, 1.5))), 1
            )
        ],
        title=title,
        titleComplement=rng.choice(("", "", "dit « La Belle Jardinière »", "esquisse")),
        denominationTitle=[{"type": "Titre", "value": title}, *names]
        if rng.random() < 0.5
        else names,
        displayDateCreated=shown,
        dateCreated=dates,
        creator=_creators(rng, dept),
        currentLocation=where,
        room=room,
        objectNumber=[{"value": number, "type": "Numéro principal"}],
        collection=dept.collection,
        heldBy=f"Musée du Louvre, {dept.collection}",
        objectType=rng.choice(dept.object_types),
        materialsAndTechniques=rng.choice(dept.materials),
        index={
            "Name": [{"value": dept.denomination}],
            "Materials": [{"value": values["materialsAndTechniques"].split(",")[0]}],
            **({"objectType": [{"value": dept.type_facet}]} if dept.type_facet else {}),
        },
    )
    if dept.prints:
        values.update(
            printsDrawingsEntity="Cabinet des dessins",
            printsDrawingsCollection=rng.choice(("Collection des dessins", "Rothschild")),
        )
    return values


@functools.lru_cache(maxsize=4096)
def record_title(ark: str, seed: int = 0) -> str:
    """The record's title, which its images show."""
    return str(_fields(ark, seed)["title"])


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
        """A new image for ``ark``, at a real-shaped URL; ``group`` reuses a prints-and-
        drawings AGO number."""
        rng = self.rng
        png = rng.random() < 0.1
        if ark.startswith("cl02"):
            digits = f"{group if group is not None else self.number(AGO_TOP):06d}"
            folder = f"{digits[0:2]}/{digits[2:4]}/{digits[4:6]}/00"
            name = f"{folder}/AGO{digits}-{position:03d}_PE.{'png' if png else 'jpg'}"
            path, thumbnail = f"/media/cache/original/{name}", f"/media/cache/small/{name}"
        else:
            # /media/cache/large/0000000021/{ark number, 10 digits}/{image number}_OG.JPG;
            # ordinary records also use /media/cache/original/ (55 of 2,116 real images).
            tail = (
                f"0000000021/{int(ark[4:]):010d}/"
                f"{self.number(10_000_000):010d}_OG.{'png' if png else 'JPG'}"
            )
            cache = "original" if rng.random() < 0.1 else "large"
            path, thumbnail = f"/media/cache/{cache}/{tail}", f"/media/cache/small/{tail}"
        kind = rng.choice(IMAGE_TYPES) if rng.random() < 0.3 else ""
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
        self._image_arks: dict[str, str] = {}  # image and thumbnail path → ark
        self._generate()
        self._choose_faults()
        self._breaks = Breaks(self, dict(config.breaks))

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
            count = rng.choices((0, 1, 2, 3), weights=IMAGE_COUNT_WEIGHTS)[0]
            group = images.number(AGO_TOP) if ark.startswith("cl02") else None
            v1[ark] = Version(
                _date(rng, FIRST_DATE, LAST_DATE),
                tuple(images.make(ark, p, group) for p in range(count)),
            )
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
            count = rng.choices((0, 1, 2, 3), weights=IMAGE_COUNT_WEIGHTS)[0]
            group = images.number(AGO_TOP) if ark.startswith("cl02") else None
            v2[ark] = Version(
                _date(rng, EDITION2_FIRST, EDITION2_LAST),
                tuple(images.make(ark, p, group) for p in range(count)),
            )
        self._stable = [a for a in remaining if a not in modified]
        self._sorted = {e: sorted(versions) for e, versions in self._versions.items()}
        for versions in self._versions.values():
            for ark, version in versions.items():
                for image in version.images:
                    self._image_arks[image.path] = self._image_arks[image.thumbnail] = ark

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
        """``"modified "``, with its trailing space, as in every real record."""
        return MODIFIED_KEY

    def record(self, ark: str, base: str, edition: int | None = None) -> dict[str, Any] | None:
        """The record as served with ``base`` as the server URL, or ``None`` when it is 404."""
        version = self._versions[self._edition(edition)].get(ark)
        if version is None or not self.enabled or ark in self._missing_set:
            return None
        values = _fields(ark, self.config.seed)
        values.update(
            url=f"{base}{ARK_PREFIX}{ark}",
            modified=version.modified,
            image=[image.entry(base) for image in version.images]
            + (ODD_IMAGE_ENTRIES if ark in self._breaks.odd_arks else []),
        )
        key = MODIFIED_KEY
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

    def image_bytes(self, path: str, *, cached: bool = True) -> bytes:
        """The bytes of any image or thumbnail path (or URL), served or not; an image of a
        record shows the record's title. ``cached=False``: made afresh, not kept."""
        ark = self._image_arks.get(urllib.parse.urlsplit(path).path or path)
        title = record_title(ark, self.config.seed) if ark else ""
        make = image_bytes if cached else image_bytes.__wrapped__
        return make(path, self.config.image_size, title)

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
        if not self.enabled:
            return text.encode()
        if self.config.sitemap_line:
            text = f"Sitemap: {base}/sitemap.xml\n\n{text}"
        for bot in AI_BOTS:  # each its own group, as the site has them
            text += f"\n# Bloque les IA\nUser-agent: {bot}\n"
            text += "".join(f"Disallow: {rule}\n" for rule in AI_DISALLOWED)
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
        lastmod of its records with ``--lastmod``)."""
        lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">']
        for i, path in enumerate(self.sitemap_paths(edition)):
            dates = [self.modified(a, edition) or "" for a in self.sitemap_arks(i, edition)]
            lastmod = f"<lastmod>{max(dates)}</lastmod>" if self.config.lastmod else ""
            lines.append(f"<sitemap><loc>{base}{path}</loc>{lastmod}</sitemap>")
        if "index-self" in self._breaks.kinds:  # an index listing itself, twice
            lines += [f"<sitemap><loc>{base}/sitemap.xml</loc></sitemap>"] * 2
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
        if i == 0:  # a few pages that are not records, as a real sub-sitemap lists
            lines.extend(f"<url><loc>{base}{page}</loc></url>" for page in OTHER_PAGES)
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
    """Serialize a record exactly as the server does: ASCII-only, as the site sends it
    (``"D\\u00e9partement"``, ``https:\\/\\/…``, ``d\\u0027apr\\u00e8s``)."""
    text = json.dumps(record, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").replace("'", "\\u0027").encode("ascii")


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
    group.add_argument(
        "--lastmod", action="store_true", help="<lastmod> in sitemaps (the real ones have none)"
    )
    group.add_argument("--edition", type=int, choices=EDITIONS, default=1)
    group.add_argument("--missing-records", type=int, default=0, metavar="K")
    group.add_argument("--gone-images", type=int, default=0, metavar="K")
    kinds = "|".join(COLLECTION_FAULT_KINDS)
    for name in ("--record-fault", "--image-fault"):
        group.add_argument(name, type=parse_count_fault, action="append", metavar=f"{{{kinds}}}:N")
    group.add_argument("--sitemap-fault", choices=COLLECTION_FAULT_KINDS, default=None)
    group.add_argument("--break", dest="breaks", type=parse_break, action="append", default=[])
    group.add_argument(
        "--gzip",
        action="store_true",
        help="robots.txt, sitemaps and records gzip-encoded for a client that accepts gzip",
    )


def config_from(ns: argparse.Namespace) -> CollectionConfig:
    """Build the ``CollectionConfig`` from parsed options."""
    return CollectionConfig(
        records=ns.records,
        seed=ns.seed,
        per_sitemap=ns.per_sitemap,
        image_size=ns.image_size,
        sitemap_line=not ns.no_sitemap_line,
        lastmod=ns.lastmod,
        edition=ns.edition,
        missing_records=ns.missing_records,
        gone_images=ns.gone_images,
        record_faults=tuple(ns.record_fault or ()),
        image_faults=tuple(ns.image_fault or ()),
        sitemap_fault=ns.sitemap_fault,
        breaks=tuple(ns.breaks),
        gzip=ns.gzip,
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


# -- Broken and hostile answers for the completeness tests (``--break KIND[:N]``) ----------------

# Sub-sitemap N answers, every time: a 200 HTML page; its first half (a well-formed answer:
# Content-Length matches); gzip with Content-Encoding: gzip; an entity bomb; bytes that are not
# UTF-8. ``index-self``: the index lists itself. ``refuse-images:N``: every image of N records
# answers 403. ``odd-images:N``: N records list extra images with odd urlImage values.
# ``record-bomb:N``: N records answer a gzip bomb (Content-Encoding: gzip, RECORD_BOMB_BYTES of
# spaces once inflated).
SITEMAP_BREAKS = ("sitemap-html", "sitemap-cut", "sitemap-gzip", "sitemap-bomb", "sitemap-utf8")
BREAKS = (*SITEMAP_BREAKS, "index-self", "refuse-images", "odd-images", "record-bomb")
RECORD_BOMB_BYTES = 64 * 1024 * 1024  # over LOUVRE_MAX_RECORD_BYTES's 4 MiB; ~64 KB gzipped
# What --gzip encodes: text (as the real site's server would).
GZIP_KINDS = frozenset({"robots", "sitemap", "record"})


@functools.cache
def record_bomb() -> bytes:
    return gzip.compress(b" " * RECORD_BOMB_BYTES, compresslevel=9, mtime=0)


ODD_IMAGE_ENTRIES: list[dict[str, Any]] = [
    {"urlImage": "/media/cache/large/odd_relative.jpg", "position": 90, "copyright": ""},
    {"urlImage": 12345, "position": 91, "copyright": ""},
    {"urlImage": ["http://x/a.jpg", "http://x/b.jpg"], "position": 92, "copyright": ""},
    {"urlImage": "http://[::1/bad.jpg", "position": 93, "copyright": ""},
]
ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 20}">'.encode()
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b"]>\n"
)


def parse_break(text: str) -> tuple[str, int]:
    kind, _, count = text.partition(":")
    if kind not in BREAKS or (count and not count.isdigit()):
        raise argparse.ArgumentTypeError(f"bad break {text!r}: KIND[:N], KIND one of {BREAKS}")
    return kind, int(count or 0)


class Breaks:
    """The ``--break`` switches of one FakeCollection."""

    def __init__(self, site: FakeCollection, breaks: dict[str, int]) -> None:
        self.kinds = breaks
        stable = sorted(site._stable)
        odd = breaks.get("odd-images", 0)
        self.odd_arks = frozenset(stable[:odd])
        refused = [a for a in reversed(stable) if site.record_images(a, 1)]
        refused = refused[: breaks.get("refuse-images", 0)]
        self.refused_arks = frozenset(refused)
        self.refused_images = frozenset(i.path for a in refused for i in site.record_images(a, 1))
        bombs = [a for a in stable if a not in self.odd_arks and a not in self.refused_arks]
        self.bomb_arks = frozenset(bombs[: breaks.get("record-bomb", 0)])

    def answer(self, path: str, answer: Answer) -> tuple[Any, ...] | None:
        """The broken answer for ``path``, or None."""
        path = urllib.parse.unquote(path)
        if path in self.refused_images:
            return 403, HTML_TYPE, b"<html><body>403 Forbidden</body></html>"
        record = RECORD_RE.fullmatch(path)
        if record and record[1] in self.bomb_arks:
            return 200, JSON_TYPE, record_bomb(), {"Content-Encoding": "gzip"}
        match = SITEMAP_RE.fullmatch(path)
        kind = next(
            (k for k in SITEMAP_BREAKS if match and self.kinds.get(k, -1) == int(match[1])), None
        )
        return None if kind is None else self._sitemap(kind, answer.body)

    @staticmethod
    def _sitemap(kind: str, body: bytes) -> tuple[Any, ...]:
        _, _, rest = body.partition(b"\n")
        broken = {
            "sitemap-html": lambda: (200, HTML_TYPE, SERVER_ERROR_PAGE),
            "sitemap-cut": lambda: (200, XML_TYPE, body[: len(body) // 2]),
            "sitemap-gzip": lambda: (
                200,
                XML_TYPE,
                gzip.compress(body),
                {"Content-Encoding": "gzip"},
            ),
            "sitemap-bomb": lambda: (
                200,
                XML_TYPE,
                ENTITY_BOMB + rest.replace(b"<loc>", b"<loc>&i;", 1),
            ),
            "sitemap-utf8": lambda: (200, XML_TYPE, body.replace(b"/ark:", b"/\xff\xfeark:", 1)),
        }
        return broken[kind]()


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
        headers: Any  # the request's

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
        broken = self.server.site._breaks.answer(path, answer)
        if broken is not None:
            self._send(*broken)
        elif kind in ("429", "503"):
            self._fault_status(kind)
        elif kind == "truncate":
            self._send(answer.status, answer.content_type, body, limit=len(body) // 2)
            self.close_connection = True
        elif kind == "short":
            self._send_unsized(answer.status, answer.content_type, body[: len(body) // 2])
        elif kind == "html200":
            self._send(200, HTML_TYPE, SERVER_ERROR_PAGE)
        else:
            self._send(answer.status, answer.content_type, *self._encoded(path, answer))
        return True

    def _encoded(self, path: str, answer: Answer) -> tuple[bytes, dict[str, str]]:
        """The body to send and its headers: gzip-encoded with ``--gzip`` for robots.txt, the
        sitemaps and the records, when the client accepts gzip; as it is otherwise."""
        accepts = self.headers.get("Accept-Encoding", "") or ""
        if (
            not self.server.site.config.gzip
            or answer.status != 200
            or request_kind(path) not in GZIP_KINDS
            or "gzip" not in accepts.lower()
        ):
            return answer.body, {}
        encoded = gzip.compress(answer.body, compresslevel=6, mtime=0)
        return encoded, {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}

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
