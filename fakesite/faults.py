"""The faults the fake site can serve: their kinds and how the command line names them
(``--fault KIND:IDS`` on the zip route, ``--record-fault``/``--image-fault KIND:N`` and
``--sitemap-fault KIND`` on the documented route), and the broken and hostile answers of
``--break KIND[:N]`` (``Breaks``)."""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import urllib.parse
from typing import TYPE_CHECKING, Any

from fakesite.answers import HTML_TYPE, JSON_TYPE, SERVER_ERROR_PAGE, XML_TYPE, Answer
from fakesite.records import RECORD_RE
from fakesite.sitemaps import SITEMAP_RE

if TYPE_CHECKING:
    from collections.abc import Callable

FAULT_KINDS = ("429", "503", "500", "truncate", "reset", "corrupt", "slow", "fail")
COLLECTION_FAULT_KINDS = ("429", "503", "truncate", "short", "html200")
STATUS_FAULTS = {
    "429": (429, b"Too Many Requests\n"),
    "503": (503, b"Service Unavailable\n"),
    "500": (500, b"Internal Server Error"),
    "fail": (500, b"Internal Server Error"),
}


def parse_range(text: str) -> tuple[int, int]:
    """Parse ``A-B`` (or a single ``A``) into an inclusive range."""
    first, sep, last = text.strip().partition("-")
    try:
        lo = int(first)
        hi = int(last) if sep else lo
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad id range: {text!r}") from exc
    if hi < lo:
        raise argparse.ArgumentTypeError(f"empty id range: {text!r}")
    return lo, hi


def parse_ids(text: str) -> list[int]:
    """Parse a comma list of ids and ``A-B`` ranges, e.g. ``5,7,10-12``."""
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, hi = parse_range(part)
        ids.extend(range(lo, hi + 1))
    return ids


def parse_fault(text: str) -> tuple[str, list[int]]:
    """Parse ``KIND:IDS`` into the fault kind and the ids it hits."""
    kind, sep, ids = text.partition(":")
    if not sep or kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"bad fault {text!r}; kinds: {', '.join(FAULT_KINDS)}")
    return kind, parse_ids(ids)


def parse_count_fault(text: str) -> tuple[str, int]:
    """Parse ``KIND:N`` (e.g. ``429:3``) into the fault kind and how many it hits."""
    kind, sep, count = text.partition(":")
    if not sep or kind not in COLLECTION_FAULT_KINDS or not count.strip().isdigit():
        kinds = ", ".join(COLLECTION_FAULT_KINDS)
        raise argparse.ArgumentTypeError(f"bad fault {text!r}: KIND:N with KIND one of {kinds}")
    return kind, int(count)


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

    def __init__(
        self,
        breaks: dict[str, int],
        stable: Callable[[], list[str]],
        record_images: Callable[[str, int], list[Any]],
    ) -> None:
        self.kinds = breaks
        wanted = ("odd-images", "refuse-images", "record-bomb")
        stable_arks = sorted(stable()) if any(breaks.get(k) for k in wanted) else []
        odd = breaks.get("odd-images", 0)
        self.odd_arks = frozenset(stable_arks[:odd])
        refused = (a for a in reversed(stable_arks) if record_images(a, 1))
        chosen = list(itertools.islice(refused, breaks.get("refuse-images", 0)))
        self.refused_arks = frozenset(chosen)
        self.refused_images = frozenset(i.path for a in chosen for i in record_images(a, 1))
        bombs = (a for a in stable_arks if a not in self.odd_arks and a not in self.refused_arks)
        self.bomb_arks = frozenset(itertools.islice(bombs, breaks.get("record-bomb", 0)))

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
