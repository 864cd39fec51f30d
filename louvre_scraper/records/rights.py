"""An estimate of whether a *work* is in the public domain, from its record alone.

Not legal advice, and said so wherever the estimate appears (the feed's documentation, the
dataset card, the catalogue): the image's own credit (``copyright``) is the museum's photograph,
this is about the work shown. One pure function, :func:`estimate`:

- ``public-domain``: every current creator died more than *years* full years before
  *current_year* (died 1955, 70 years, in 2026: yes; died 1956: not yet); or the work has no
  named creator and was made that long ago.
- ``in-copyright``: a current creator died within that time, or was born too recently to have
  died that long ago, or (no date of death) made the work within that time: whoever made a work
  was alive when it was made; or an anonymous work was made within that time.
- ``unknown``: the record does not say enough.

Only the current attributions count (``attributionLevel`` "Attribution actuelle" or empty, as
``records.fields.creators``); schools (``linkType`` "École de": "École de
Bellini" names a manner, not who made it) and anonymous labels do not name a creator. Years are
read from the museum's texts conservatively, always the latest they allow: ``"vers 1430/1435"``
→ 1435, ``"XVIIe siècle"`` → 1700 (a century → its end), ``"IIe siècle av. J.-C."`` → -101,
``"après 1650"`` → nothing (it has no upper bound). Someone whose death date is missing is
taken to have lived at most :data:`MAX_LIFESPAN` years after their birth, or after the latest
year the work was made. The making is read surely for that rule: the earliest ``startYear`` of
every ``dateCreated`` entry, :data:`CIRCA_YEARS` earlier when it is "vers", and none when an
entry is doubtful (``doubt``), has no start, or another imprecision; a date of death, when
known, always decides (a bronze may be cast after its sculptor's death).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from louvre_scraper.bodies.records import prop
from louvre_scraper.records.values import CURRENT_ATTRIBUTION, _dicts, _text, _year

PUBLIC_DOMAIN = "public-domain"
IN_COPYRIGHT = "in-copyright"
UNKNOWN = "unknown"
VALUES = (PUBLIC_DOMAIN, IN_COPYRIGHT, UNKNOWN)
DEFAULT_YEARS = 70  # the EU's term (and LOUVRE_RIGHTS_YEARS' default): life + 70 years
MAX_LIFESPAN = 120  # years a person lives at most, after birth or after making a work
CIRCA_YEARS = 10  # how much earlier than its year a work dated "vers" may have been made
CIRCA = "vers"
DEATH = "date de mort"
BIRTH = "date de naissance"
SCHOOL = "école"  # linkType "École de": a school or a manner, not a creator
# Labels that stand for nobody in particular.
ANONYMOUS = ("anonyme", "anonymous", "inconnu", "artiste inconnu")

_NUMBER = re.compile(r"\d+")
_ROMAN_CENTURY = re.compile(r"\b([IVXL]+)(?:e|er|ème|è)\s+(siècle|millénaire)", re.IGNORECASE)
_ARABIC_CENTURY = re.compile(r"\b(\d{1,2})(?:e|er|ème|è)\s+(siècle|millénaire)", re.IGNORECASE)
_BC = re.compile(r"av(?:ant|\.)?\s*J\.?\s*-?\s*C\.?|\bBC\b|\bB\.C\.|\bBCE\b", re.IGNORECASE)
_AD = re.compile(r"apr(?:ès|\.)?\s*J\.?\s*-?\s*C\.?|\bAD\b|\bA\.D\.|\bCE\b", re.IGNORECASE)
_AFTER = re.compile(r"^\s*(?:après|apres|after|post)\b", re.IGNORECASE)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


@dataclass(frozen=True)
class Rights:
    rights: str  # one of VALUES
    reason: str  # in plain words: "Pignoni, Simone died 1698"


def _roman(text: str) -> int | None:
    total, previous = 0, 0
    for char in reversed(text.upper()):
        value = _ROMAN.get(char)
        if value is None:
            return None
        total += -value if value < previous else value
        previous = max(previous, value)
    return total or None


def latest_year(text: Any) -> int | None:
    """The latest year a museum's date text allows (negative: BC); None when it has none or no
    upper bound. ``1698`` → 1698, ``"vers 1430/1435"`` → 1435, ``"XVIIe siècle"`` → 1700,
    ``"Ier siècle av. J.-C."`` → -1, ``"-2500"`` → -2500, ``"après 1650"`` → None."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int):
        return text
    text = _text(text)
    if not text or _AFTER.match(text):
        return None
    bc = _BC.search(text)
    ad = _AD.search(text)
    # A number is BC when a BC marker follows it with no AD marker in between ("2500 - 2350
    # av. J.-C.": both); "-2500" is BC by its sign.
    bc_until = len(text) + 1  # every number is BC, unless an AD marker follows the BC one
    if bc and ad and ad.start() > bc.start():
        bc_until = bc.end()
    years: list[int] = []
    spans: list[tuple[int, int]] = []
    for pattern, read in ((_ROMAN_CENTURY, _roman), (_ARABIC_CENTURY, int)):
        for match in pattern.finditer(text):
            number = read(match[1])
            if not number:
                continue
            spans.append(match.span())
            size = 1000 if match[2].casefold().startswith("mill") else 100
            is_bc = bc is not None and match.start() < bc_until
            # The last year of the Nth century: 100·N AD, or -(100·(N-1) + 1) BC.
            years.append(-(size * (number - 1) + 1) if is_bc else size * number)
    for match in _NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        number = int(match[0])
        negative = (
            match.start() > 0
            and text[match.start() - 1] == "-"
            and (match.start() == 1 or not text[match.start() - 2].isdigit())
        )
        is_bc = negative or (bc is not None and match.start() < bc_until)
        years.append(-number if is_bc else number)
    return max(years) if years else None


def _dated(creator: dict[str, Any], kind: str) -> int | None:
    found = [
        latest_year(d.get("date"))
        for d in _dicts(creator.get("dates"))
        if _text(d.get("type")).casefold() == kind
    ]
    known = [year for year in found if year is not None]
    return max(known) if known else None


def named_creators(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The current attributions that name someone: no school, no former attribution, no
    "Anonyme"; each once, in the record's order (the raw entries, with their ``dates``)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for creator in _dicts(prop(record, "creator")):
        level = _text(creator.get("attributionLevel")).casefold()
        name = _text(creator.get("label"))
        if not name or level not in ("", CURRENT_ATTRIBUTION):
            continue
        if _text(creator.get("linkType")).casefold().startswith(SCHOOL):
            continue
        if name.casefold() in ANONYMOUS or name in seen:
            continue
        seen.add(name)
        out.append(creator)
    return out


def made_by(record: dict[str, Any]) -> tuple[int | None, int | None]:
    """The earliest and the latest year the work was made, read conservatively from
    ``dateCreated``: its ``endYear``, else the latest year of its text ("XVIIe siècle"); an
    entry with a start only ("vers 350") counts its start plus a century of doubt. None when
    the record does not say (the earliest: no ``startYear``)."""
    starts: list[int] = []
    ends: list[int] = []
    for date in _dicts(prop(record, "dateCreated")):
        start, end = _year(date.get("startYear")), _year(date.get("endYear"))
        if end is None:
            end = latest_year(date.get("text"))
        if end is None and start is not None:
            end = start + 100
        if start is not None:
            starts.append(start)
        if end is not None:
            ends.append(end)
    if not ends:
        return None, None
    return (min(starts) if starts else None), max(ends)


def made_surely_from(record: dict[str, Any]) -> int | None:
    """The year by which the work's making had surely begun, so its maker was alive: the
    earliest ``startYear`` of ``dateCreated`` ("vers 1975": :data:`CIRCA_YEARS` earlier); None
    when any entry is doubtful, has no start or another imprecision, or there is none."""
    starts: list[int] = []
    for date in _dicts(prop(record, "dateCreated")):
        start = _year(date.get("startYear"))
        imprecision = _text(date.get("imprecision")).casefold()
        circa = imprecision == CIRCA or _text(date.get("text")).casefold().startswith(CIRCA)
        if start is None or _text(date.get("doubt")) or imprecision not in ("", CIRCA):
            return None
        starts.append(start - CIRCA_YEARS if circa else start)
    return min(starts) if starts else None


def _decided(
    name: str, died: int | None, born: int | None, made_from: int | None, *, limit: int, years: int
) -> tuple[str, str] | None:
    """The verdict a date of death gives, else the one the making gives, else None."""
    if died is not None:
        verdict = PUBLIC_DOMAIN if died < limit else IN_COPYRIGHT
        within = "" if verdict == PUBLIC_DOMAIN else f", within {years} years"
        return verdict, f"{name} died {_shown(died)}{within}"
    if made_from is not None and made_from >= limit and (born is None or born < limit):
        return IN_COPYRIGHT, (
            f"{name} was alive when the work was made, {_shown(made_from)} or later, "
            f"within {years} years"
        )
    return None


def _creator(
    creator: dict[str, Any], limit: int, made: int | None, made_from: int | None, years: int
) -> tuple[str, str]:
    """One creator's own verdict and its words."""
    name = _text(creator.get("label"))
    died, born = _dated(creator, DEATH), _dated(creator, BIRTH)
    decided = _decided(name, died, born, made_from, limit=limit, years=years)
    if decided is not None:
        return decided
    if born is None:
        if made is not None and made + MAX_LIFESPAN < limit:
            return PUBLIC_DOMAIN, f"{name} made the work by {_shown(made)} (no date of death)"
        return UNKNOWN, f"{name}: no date of death or birth"
    if born >= limit:
        return IN_COPYRIGHT, f"{name} was born {_shown(born)}, within {years} years"
    if born + MAX_LIFESPAN < limit or (made is not None and made + MAX_LIFESPAN < limit):
        return PUBLIC_DOMAIN, f"{name} was born {_shown(born)} (no date of death)"
    return UNKNOWN, f"{name} was born {_shown(born)}, no date of death"


def _shown(year: int) -> str:
    return f"{-year} BC" if year < 0 else str(year)


def estimate(record: dict[str, Any], current_year: int, years: int = DEFAULT_YEARS) -> Rights:
    """Whether the work of *record* is in the public domain in *current_year*, under a term
    of *years* after its creators' deaths (or its making, when nobody is named)."""
    limit = current_year - years  # a death (or a making) before this year is long enough ago
    start, end = made_by(record)
    named = named_creators(record)
    if not named:
        if end is None:
            return Rights(UNKNOWN, "no named creator, and no date of creation")
        if end < limit:
            return Rights(PUBLIC_DOMAIN, f"no named creator; made by {_shown(end)}")
        if start is None:
            return Rights(UNKNOWN, f"no named creator; made by {_shown(end)}, perhaps later")
        if start < limit:
            return Rights(
                UNKNOWN, f"no named creator; made between {_shown(start)} and {_shown(end)}"
            )
        return Rights(IN_COPYRIGHT, f"no named creator; made {_shown(end)}, within {years} years")
    made_from = made_surely_from(record)
    verdicts = [_creator(creator, limit, end, made_from, years) for creator in named]
    for wanted in (IN_COPYRIGHT, UNKNOWN, PUBLIC_DOMAIN):
        said = [words for verdict, words in verdicts if verdict == wanted]
        if said:
            return Rights(wanted, "; ".join(said))
    raise AssertionError("a creator always has a verdict")
