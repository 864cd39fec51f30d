"""The store's fixity manifest, ``manifest-sha256.txt``: BagIt's format (RFC 8493, 2.1.3:
``sha256  path`` a line, paths relative to the store, CR, LF and % percent-encoded), which
``sha256sum -c`` reads, sorted in :func:`~louvre_scraper.store.layout.path_order`.

``scrapy verify --checksums`` writes it; the crawl keeps it current for the files it writes and
prunes itself (:func:`updated`), so that after an incremental run only a file changed behind
the crawl's back differs. Plain functions over lines, no I/O of their own: the inventory reads
and writes the bytes, atomically.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from louvre_scraper.errors import BadInput
from louvre_scraper.store.layout import path_order

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

MANIFEST = "manifest-sha256.txt"
HEX = frozenset(string.hexdigits)
_ENCODE = {"%": "%25", "\n": "%0A", "\r": "%0D"}


def encode_path(path: str) -> str:
    return "".join(_ENCODE.get(c, c) for c in path)


def decode_path(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def manifest_lines(entries: Iterable[tuple[str, str]]) -> Iterator[bytes]:
    """The manifest's bytes, a line per ``(path, sha256)``."""
    for path, digest in entries:
        yield f"{digest}  {encode_path(path)}\n".encode()


def text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    rest = b""
    for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        for line in lines:
            yield line.decode("utf-8", "replace")
    if rest.strip():
        yield rest.decode("utf-8", "replace")


def parse(chunks: Iterable[bytes]) -> Iterator[tuple[str, str]]:
    """The ``(path, sha256)`` entries of a manifest's bytes; BadInput when a line is not
    ``sha256  path``."""
    for number, line in enumerate(text_lines(chunks), 1):
        if not line.strip():
            continue
        digest, _, path = line.strip().partition(" ")
        path = path.strip()
        if len(digest) != 64 or not set(digest) <= HEX or not path:
            raise BadInput(f"{MANIFEST} line {number} is not 'sha256  path': {line[:80]!r}")
        yield decode_path(path), digest.lower()


def updated(
    entries: Iterable[tuple[str, str]], written: Mapping[str, str], deleted: Iterable[str]
) -> Iterator[tuple[str, str]]:
    """The manifest's *entries* (in path order) with the files a run *written* (path →
    sha256) put in or replaced, and those it *deleted* taken out; in path order, one pass."""
    gone = set(deleted)
    new = sorted(written.items(), key=lambda entry: path_order(entry[0]))
    index = 0
    for path, digest in entries:
        key = path_order(path)
        while index < len(new) and path_order(new[index][0]) < key:
            yield new[index]
            index += 1
        if index < len(new) and new[index][0] == path:
            yield new[index]
            index += 1
        elif path not in gone:
            yield path, digest
    yield from new[index:]
