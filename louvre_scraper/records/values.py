"""The museum's values read tolerantly: any property may be absent, ``""``, ``[]`` or of an
unexpected shape. Shared by the feed fields (:mod:`~louvre_scraper.records.fields`) and the
rights estimate (:mod:`~louvre_scraper.records.rights`), which the feed fields use.
"""

from __future__ import annotations

import re
from typing import Any

# creator[].attributionLevel of a current attribution ("" or absent counts as current too);
# "Ancienne Attribution" and "Inventorié Comme" stay in the stored record only.
CURRENT_ATTRIBUTION = "attribution actuelle"
SEPARATOR = " ; "  # how the museum itself joins several values in one text
_SPACES = re.compile(r"\s+")


def _text(value: Any) -> str:
    """One line of text: runs of white space (the museum's CRLFs too) become one space."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return _SPACES.sub(" ", value).strip()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return SEPARATOR.join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return _text(value.get("value") or value.get("label") or value.get("text"))
    return _text(str(value))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None
