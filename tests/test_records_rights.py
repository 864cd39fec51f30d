"""The rights estimate (records/rights.py) on the real records and a hand-made dozen."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from fakesite.records import REAL_RECORDS as REAL
from louvre_scraper.config import LouvreConfig
from louvre_scraper.errors import BadInput
from louvre_scraper.records.rights import (
    IN_COPYRIGHT,
    PUBLIC_DOMAIN,
    UNKNOWN,
    VALUES,
    estimate,
    latest_year,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "real-records"
YEAR = 2026  # every expectation below is for this year and the default 70 years


def real(name: str) -> dict[str, Any]:
    return json.loads((REAL / f"{name}.json").read_text(encoding="utf-8"))


def fragments() -> list[list[dict[str, Any]]]:
    return json.loads((REAL / "fragments.json").read_text(encoding="utf-8"))["creator_arrays_2021"]


def creator(
    label: str, *dates: tuple[str, str], level: str = "Attribution actuelle", link: str = ""
):
    return {
        "label": label,
        "attributionLevel": level,
        "linkType": link,
        "creatorRole": "peintre",
        "dates": [{"date": date, "place": "", "type": kind} for kind, date in dates],
    }


def with_creators(template: str, creators: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    record = copy.deepcopy(real(template))
    record["creator"] = creators
    record.update(more)
    return record


DIED, BORN = "date de mort", "date de naissance"


def hand_made() -> dict[str, tuple[dict[str, Any], str, str]]:
    """name → (record, expected rights, expected reason), each checked by hand."""
    pignoni, bellini_school = fragments()
    return {
        # A real 2021 creator array: Pignoni current ("Attribué à"), Biscaino former, a school.
        "dead long ago": (
            with_creators("cl010001358", pignoni),
            PUBLIC_DOMAIN,
            "Pignoni, Simone died 1698",
        ),
        # Born "vers 1430/1435" read as 1435: no death date, but 1435 + 120 is long ago.
        "born vers 1430/1435, no death": (
            with_creators("cl010001358", [creator("Bellini, Giovanni", (BORN, "vers 1430/1435"))]),
            PUBLIC_DOMAIN,
            "Bellini, Giovanni was born 1435 (no date of death)",
        ),
        "living": (
            with_creators("cl010001358", [creator("Artiste, Vivant", (BORN, "1961"))]),
            IN_COPYRIGHT,
            "Artiste, Vivant was born 1961, within 70 years",
        ),
        "died 1980": (
            with_creators(
                "cl010001358",
                [creator("Mort, Récemment", (DIED, "1980"), (BORN, "1901")), pignoni[1]],
            ),
            IN_COPYRIGHT,
            "Mort, Récemment died 1980, within 70 years",
        ),
        "died 1955, the last year out": (
            with_creators("cl010001358", [creator("Limite, Juste", (DIED, "vers 1955"))]),
            PUBLIC_DOMAIN,
            "Limite, Juste died 1955",
        ),
        "died 1956, the first year in": (
            with_creators("cl010001358", [creator("Limite, Pas", (DIED, "1955/1956"))]),
            IN_COPYRIGHT,
            "Limite, Pas died 1956, within 70 years",
        ),
        # The real array of "École de Bellini" and "Italie" (schools) and Bissolo (former):
        # nobody named; this record says nothing of the date either.
        "school only": (
            with_creators("cl010001358", bellini_school),
            UNKNOWN,
            "no named creator, and no date of creation",
        ),
        "school only, dated": (
            with_creators("cl010000738", bellini_school),
            PUBLIC_DOMAIN,
            "no named creator; made by 641",
        ),
        "former attribution only": (
            with_creators("cl010001358", [pignoni[2]]),
            UNKNOWN,
            "no named creator, and no date of creation",
        ),
        "antiquity, BC years": (
            real("cl010001170"),
            PUBLIC_DOMAIN,
            "no named creator; made by 2350 BC",
        ),
        "antiquity, older BC years": (
            real("cl010146882"),
            PUBLIC_DOMAIN,
            "no named creator; made by 2600 BC",
        ),
        "vers 350, no end": (real("cl010000899"), PUBLIC_DOMAIN, "no named creator; made by 450"),
        "a century as text": (
            with_creators(
                "cl010001358",
                [],
                dateCreated=[{"startYear": "", "endYear": "", "text": "XVIIe siècle", "doubt": ""}],
            ),
            PUBLIC_DOMAIN,
            "no named creator; made by 1700",
        ),
        "a recent century as text": (
            with_creators(
                "cl010001358",
                [],
                dateCreated=[{"startYear": "", "endYear": "", "text": "XXe siècle", "doubt": ""}],
            ),
            UNKNOWN,
            "no named creator; made by 2000, perhaps later",
        ),
        "a named creator without dates, the work dated": (
            with_creators("cl010000738", [creator("Maître de Byzance")]),
            PUBLIC_DOMAIN,
            "Maître de Byzance made the work by 641 (no date of death)",
        ),
        "a named creator without dates, undated": (
            with_creators("cl010001358", [creator("Maître inconnu")]),
            UNKNOWN,
            "Maître inconnu: no date of death or birth",
        ),
        "anonymous label, made recently": (
            with_creators(
                "cl010001358",
                [creator("Anonyme")],
                dateCreated=[{"startYear": 1990, "endYear": 1995, "text": "", "doubt": ""}],
            ),
            IN_COPYRIGHT,
            "no named creator; made 1995, within 70 years",
        ),
    }


@pytest.mark.parametrize("name", list(hand_made()))
def test_hand_made_estimates(name: str) -> None:
    record, rights, reason = hand_made()[name]
    got = estimate(record, YEAR)
    assert (got.rights, got.reason) == (rights, reason)


def test_hand_made_counts_per_value() -> None:
    counts = Counter(estimate(record, YEAR).rights for record, _, _ in hand_made().values())
    assert counts == {PUBLIC_DOMAIN: 9, IN_COPYRIGHT: 4, UNKNOWN: 4}


def made(start: int | str, end: int | str = "", imprecision: str = "", doubt: str = "") -> list:
    text = f"vers {start}" if imprecision else f"{start} - {end}"
    return [
        {
            "startYear": start,
            "endYear": end,
            "imprecision": imprecision,
            "text": text,
            "type": "Date de création/fabrication",
            "doubt": doubt,
        }
    ]


def making_cases() -> dict[str, tuple[dict[str, Any], str, str]]:
    """name → (record, rights, reason): whoever made a work was alive when it was made."""
    painter = creator("Peintre, Né", (BORN, "1952"))
    return {
        "made 1980 by a painter born 1952": (
            with_creators("cl010001358", [painter], dateCreated=made(1980, 1980)),
            IN_COPYRIGHT,
            "Peintre, Né was alive when the work was made, 1980 or later, within 70 years",
        ),
        "made 1975 - 1985, no dates of the maker": (
            with_creators(
                "cl010001358", [creator("Peintre, Inconnu")], dateCreated=made(1975, 1985)
            ),
            IN_COPYRIGHT,
            "Peintre, Inconnu was alive when the work was made, 1975 or later, within 70 years",
        ),
        "vers 1975: ten years of doubt": (
            with_creators("cl010001358", [painter], dateCreated=made(1975, imprecision="vers")),
            IN_COPYRIGHT,
            "Peintre, Né was alive when the work was made, 1965 or later, within 70 years",
        ),
        "vers 1960: perhaps made before the line": (
            with_creators("cl010001358", [painter], dateCreated=made(1960, imprecision="vers")),
            UNKNOWN,
            "Peintre, Né was born 1952, no date of death",
        ),
        "made 1950 - 1980: begun before the line": (
            with_creators("cl010001358", [painter], dateCreated=made(1950, 1980)),
            UNKNOWN,
            "Peintre, Né was born 1952, no date of death",
        ),
        "made 1980, doubtful": (
            with_creators("cl010001358", [painter], dateCreated=made(1980, 1980, doubt="?")),
            UNKNOWN,
            "Peintre, Né was born 1952, no date of death",
        ),
        "made 1900 by a maker of no dates: not this rule": (
            with_creators(
                "cl010001358", [creator("Peintre, Ancien")], dateCreated=made(1900, 1900)
            ),
            UNKNOWN,
            "Peintre, Ancien: no date of death or birth",
        ),
        "cast 1980 after a death in 1917: the death decides": (
            with_creators(
                "cl010001358",
                [creator("Sculpteur, Mort", (DIED, "1917"), (BORN, "1840"))],
                dateCreated=made(1980, 1980),
            ),
            PUBLIC_DOMAIN,
            "Sculpteur, Mort died 1917",
        ),
        "two makers: one freed by death, one alive in 1980": (
            with_creators(
                "cl010001358",
                [creator("Sculpteur, Mort", (DIED, "1917")), painter],
                dateCreated=made(1980, 1980),
            ),
            IN_COPYRIGHT,
            "Peintre, Né was alive when the work was made, 1980 or later, within 70 years",
        ),
    }


@pytest.mark.parametrize("name", list(making_cases()))
def test_the_date_of_making(name: str) -> None:
    record, rights, reason = making_cases()[name]
    got = estimate(record, YEAR)
    assert (got.rights, got.reason) == (rights, reason)


def test_the_date_of_making_moves_with_the_term() -> None:
    record, _, _ = making_cases()["made 1980 by a painter born 1952"]
    assert estimate(record, 2051).rights == UNKNOWN  # limit 1981: 1980 is out, birth decides
    assert estimate(record, 2051).reason == "Peintre, Né was born 1952, no date of death"
    assert estimate(record, 2050).rights == IN_COPYRIGHT
    assert "alive when the work was made" in estimate(record, 2050).reason


# Each real record by hand: its dateCreated (no record of 2025 names a creator).
REAL_EXPECTED = {
    "cl010000738": (PUBLIC_DOMAIN, "no named creator; made by 641"),  # 395 - 641
    "cl010000899": (PUBLIC_DOMAIN, "no named creator; made by 450"),  # vers 350, no end
    "cl010001078": (PUBLIC_DOMAIN, "no named creator; made by 641"),
    "cl010001170": (PUBLIC_DOMAIN, "no named creator; made by 2350 BC"),  # -2500 - -2350
    "cl010001323": (PUBLIC_DOMAIN, "no named creator; made by 641"),
    "cl010001358": (UNKNOWN, "no named creator, and no date of creation"),  # dateCreated []
    "cl010001366": (PUBLIC_DOMAIN, "no named creator; made by 641"),
    "cl010001416": (PUBLIC_DOMAIN, "no named creator; made by 1952"),  # 641 - 1952
    "cl010001418": (PUBLIC_DOMAIN, "no named creator; made by 641"),  # -30 - 641, twice
    "cl010001423": (PUBLIC_DOMAIN, "no named creator; made by 641"),
    "cl010001429": (PUBLIC_DOMAIN, "no named creator; made by 641"),
    "cl010146882": (PUBLIC_DOMAIN, "no named creator; made by 2600 BC"),
}


@pytest.mark.parametrize("folder", [REAL, SHARED], ids=["repository", "reference"])
def test_every_real_record(folder: Path) -> None:
    if not folder.is_dir():
        pytest.skip(f"{folder} is not beside this clone")
    got = {
        path.stem: estimate(json.loads(path.read_text(encoding="utf-8")), YEAR)
        for path in sorted(folder.glob("cl*.json"))
    }
    assert {ark: (r.rights, r.reason) for ark, r in got.items()} == REAL_EXPECTED
    assert Counter(r.rights for r in got.values()) == {PUBLIC_DOMAIN: 11, UNKNOWN: 1}


def test_the_real_creator_arrays() -> None:
    """Every real 2021 creator array, on every real record: a value, and words."""
    for creators in fragments():
        for path in sorted(REAL.glob("cl*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            record["creator"] = creators
            got = estimate(record, YEAR)
            assert got.rights in VALUES and got.reason


def test_the_term_moves_the_line() -> None:
    record = with_creators("cl010001358", [creator("Degas, Edgar", (DIED, "1917"))])
    assert estimate(record, YEAR).rights == PUBLIC_DOMAIN
    assert estimate(record, YEAR, years=120).rights == IN_COPYRIGHT
    assert estimate(record, 1980).rights == IN_COPYRIGHT


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("1698", 1698),
        ("vers 1430/1435", 1435),
        ("1430-1435", 1435),
        ("XVIIe siècle", 1700),
        ("début du XVIe siècle", 1600),
        ("17e siècle", 1700),
        ("Ier siècle av. J.-C.", -1),
        ("IIIe millénaire av. J.-C.", -2001),
        ("2500 - 2350 av. J.-C.", -2350),
        ("-2500 - -2350", -2350),
        ("50 av. J.-C. - 50 apr. J.-C.", 50),
        ("avant 1500", 1500),
        ("après 1650", None),
        ("époque byzantine", None),
        ("", None),
        (None, None),
    ],
)
def test_years_read_conservatively(text: Any, year: int | None) -> None:
    assert latest_year(text) == year


def test_rights_years_setting(tmp_path: Path) -> None:
    store = {"FILES_STORE": str(tmp_path)}
    assert LouvreConfig.from_settings(Settings(store)).rights_years == 70
    assert (
        LouvreConfig.from_settings(Settings({**store, "LOUVRE_RIGHTS_YEARS": "50"})).rights_years
        == 50
    )
    for bad, why in (("-1", "must be at least 0"), ("seventy", "not an integer")):
        with pytest.raises(BadInput) as error:
            LouvreConfig.from_settings(Settings({**store, "LOUVRE_RIGHTS_YEARS": bad}))
        assert str(error.value) == f"bad setting LOUVRE_RIGHTS_YEARS={bad!r}: {why}"


def test_the_rights_filter_takes_known_values_only() -> None:
    from louvre_scraper.records.filters import FilterTally

    assert FilterTally.of(None, None, " Public-Domain,unknown ").wanted == {
        "rights": "public-domain,unknown"
    }
    assert FilterTally.of(None, None).wanted == {}
    for bad in ("", "free", "public-domain,pd"):
        with pytest.raises(BadInput) as error:
            FilterTally.of(None, None, bad, rights_name="option --rights")
        assert str(error.value).startswith(f"bad option --rights={bad!r}: expected public-domain")
    record = real("cl010001358")  # unknown
    tally = FilterTally.of(None, None, "public-domain")
    assert not tally.check(record) and tally.common("rights") == [("unknown", 1)]
    assert FilterTally.of(None, None, "unknown").check(record)
