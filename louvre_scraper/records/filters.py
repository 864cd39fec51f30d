"""The ``collection``, ``type`` and ``rights`` filters of the crawl, the export and the
catalogue."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from louvre_scraper.bodies.records import prop
from louvre_scraper.errors import BadInput
from louvre_scraper.records.fields import _text, denomination, index_values, rights_fields
from louvre_scraper.records.rights import DEFAULT_YEARS, VALUES

MOST_COMMON = 10  # values a filter that kept nothing tells


def filter_values(
    record: dict[str, Any], name: str, rights_years: int = DEFAULT_YEARS
) -> list[str]:
    """What a filter compares with: ``collection``; for ``type`` the ``objectType``, the
    ``index`` objectType facet and the denomination (``objectType`` is empty in real records);
    for ``rights`` the work's estimate (``public-domain``, ``in-copyright``, ``unknown``)."""
    if name == "rights":
        values = [rights_fields(record, rights_years=rights_years)["rights"]]
    elif name == "collection":
        values = [_text(prop(record, "collection"))]
    else:
        values = [
            _text(prop(record, "objectType")),
            *index_values(record, "objectType"),
            denomination(record),
        ]
    return [v for v in dict.fromkeys(values) if v]


def matches(record: dict[str, Any], collection: str | None, object_type: str | None) -> bool:
    """The ``-a collection=`` / ``-a type=`` filters: case-insensitive substrings."""
    for wanted, name in ((collection, "collection"), (object_type, "type")):
        if wanted and not any(
            wanted.casefold() in v.casefold() for v in filter_values(record, name)
        ):
            return False
    return True


def rights_wanted(value: Any, name: str = "argument rights") -> frozenset[str]:
    """``public-domain`` or several values (``public-domain,unknown``); BadInput names a bad
    one. *name*: how the caller names the option (``option --rights``)."""
    wanted = frozenset(v.strip().lower() for v in str(value).split(",") if v.strip())
    unknown = sorted(wanted - set(VALUES))
    if not wanted or unknown:
        raise BadInput(
            f"bad {name}={value!r}: expected {', '.join(VALUES)} (or several, with commas)"
        )
    return wanted


@dataclass
class FilterTally:
    """What the filters kept, and the values they saw: a filter that keeps nothing can tell
    the user what to ask for instead (the values are French: ``peinture``, not ``painting``)."""

    wanted: dict[str, str]  # filter name → the asked value, only the filters in use
    kept: int = 0
    seen: dict[str, Counter[str]] = field(default_factory=dict)
    rights_years: int = DEFAULT_YEARS  # the term of the rights filter (LOUVRE_RIGHTS_YEARS)

    @classmethod
    def of(
        cls,
        collection: Any,
        object_type: Any,
        rights: Any = None,
        rights_years: int = DEFAULT_YEARS,
        rights_name: str = "argument rights",
    ) -> FilterTally:
        """The ``collection``, ``type`` and ``rights`` filters, those given (none: every
        record kept); a bad ``rights`` value is BadInput (*rights_name* names it)."""
        wanted = {"collection": collection, "type": object_type, "rights": rights}
        given = {name: str(value).strip() for name, value in wanted.items() if value}
        if rights is not None:  # given, even empty: a value of VALUES, or refused
            given["rights"] = ",".join(sorted(rights_wanted(rights, rights_name)))
        return cls(
            {name: value for name, value in given.items() if value}, rights_years=rights_years
        )

    def check(self, record: dict[str, Any]) -> bool:
        """Does *record* pass every filter? Counts its values either way."""
        for name in self.wanted:
            self.seen.setdefault(name, Counter()).update(
                filter_values(record, name, self.rights_years)
            )
        kept = matches(record, self.wanted.get("collection"), self.wanted.get("type"))
        if kept and "rights" in self.wanted:
            rights = filter_values(record, "rights", self.rights_years)[0]
            kept = rights in self.wanted["rights"].split(",")
        self.kept += kept
        return kept

    def common(self, name: str, most: int = MOST_COMMON) -> list[tuple[str, int]]:
        return self.seen.get(name, Counter()).most_common(most)

    def told(self, name: str) -> str:
        """``"the most common type values seen: lampe (2), monnaie (2), …"``."""
        values = ", ".join(f"{value} ({n})" for value, n in self.common(name))
        return f"the most common {name} values seen: {values or 'none'}"
