"""The records: the museum's real ones (``real_records/``, a copy of ``../shared``'s) as templates,
varied by department, and serialized as the site sends them (``encode_record``)."""

from __future__ import annotations

import copy
import functools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARK_PREFIX = "/ark:/53355/"
RECORD_RE = re.compile(r"(?:/en)?/ark:/53355/(cl\d{9})\.json")
MODIFIED_KEY = "modified "  # with its trailing space, in every real record

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

SCHOOLS = ("Italie", "France", "Pays-Bas", "Espagne", "Flandres")
CREATION = "Date de création/fabrication"  # dateCreated[].type, and displayDateCreated's prefix
# A verbatim copy of ../shared/reference/real-records/ (real_records/README.md): the fake
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


@functools.cache
def real_records() -> tuple[dict[str, Any], ...]:
    """The real records (the templates, ``real_records/``), parsed."""
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


def encode_record(record: dict[str, Any]) -> bytes:
    """Serialize a record exactly as the server does: ASCII-only, as the site sends it
    (``"D\\u00e9partement"``, ``https:\\/\\/…``, ``d\\u0027apr\\u00e8s``)."""
    text = json.dumps(record, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").replace("'", "\\u0027").encode("ascii")


def record_paths(ark: str) -> tuple[str, str]:
    """The two paths of a record's JSON: ``/ark:/53355/{ark}.json`` and the ``/en`` one."""
    return f"{ARK_PREFIX}{ark}.json", f"/en{ARK_PREFIX}{ark}.json"
