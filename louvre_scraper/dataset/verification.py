"""Is the mirror whole? Every record parses, every image its record lists is there and whole by
its ends (first and last bytes) and of the size the crawl stored, and (with checksums) every
image, byte for byte, is what the crawl stored (the sha256 in the store's state) and every file
what the manifest says it was.

Two passes, both streaming, so memory stays flat in the size of the store (but for the arks
seen, one small int each): the records, each with its images' files (as
:mod:`louvre_scraper.dataset.reader` finds them); then every file of the store, in the store's own
order (:func:`~louvre_scraper.store.layout.path_order`), for the files no record names and for the
checksums. The manifest is BagIt's (``manifest-sha256.txt``, ``sha256  path`` a line, paths
relative to the store, sorted the same way), so the comparison is a merge of two sorted lists.
Each file is hashed once, in the second pass, and compared there with its record's state too
(read again, one record at a time: the store's order keeps a record's images together); a
manifest is written only from files that agree with the state, and is not written at all (the
partial one dropped) when one does not.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from louvre_scraper.bodies.images import IMAGE_ENDS, image_identity
from louvre_scraper.collection.arks import ark_number
from louvre_scraper.dataset.reader import image_stem, read_records
from louvre_scraper.store.changes import is_change_log
from louvre_scraper.store.layout import STATE_TEMPLATE, path_order, state_path, template_regex
from louvre_scraper.store.manifest import (  # noqa: F401 - decode/encode: the format's, here too
    MANIFEST,
    decode_path,
    encode_path,
    manifest_lines,
    parse,
)
from louvre_scraper.store.state import GONE, LEFT_OUT, STORED, RecordState

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable, Iterator

    Entries = Callable[[], Iterator[tuple[str, str]]]

    from louvre_scraper.dataset.reader import Store

PROBLEMS = ("damaged", "missing", "differs")  # what makes a mirror not whole
# What the store's state (store/state.py) says was not stored, and why: told apart, not errors.
GONE_KIND = "gone"  # the site no longer serves it (404/410)
LEFT_OUT_KIND = "left out"  # left out on purpose (-a images=first, a filter)
STATE_FOLDER = STATE_TEMPLATE.partition("/")[0] + "/"  # the store's own state, not its payload


@dataclass(frozen=True)
class Finding:
    kind: str  # one of PROBLEMS, or "unreferenced", "unlisted", "gone", "left out" (told apart)
    path: str  # in the store
    why: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} ({self.why})"


@dataclass
class Tally:
    records: int = 0
    images: int = 0
    files: int = 0  # every file of the store (second pass)
    counts: dict[str, int] = field(default_factory=dict)
    manifest: str = ""  # what was done with the manifest: "", "written", "compared", ...

    def add(self, finding: Finding) -> Finding:
        self.counts[finding.kind] = self.counts.get(finding.kind, 0) + 1
        return finding

    @property
    def whole(self) -> bool:
        return not any(self.counts.get(kind) for kind in PROBLEMS)


class Verification:
    """One verification of a store: the first pass, then the second; findings as they come."""

    def __init__(self, store: Store, checksums: bool = False):
        self.store = store
        self.checksums = checksums
        self.tally = Tally()
        # What the first pass saw, for the second: arks with a stored record (ints: small),
        # and the images found in a folder shared by all arks (if the template makes one).
        self.seen: set[int] = set()
        self.named: set[str] = set()
        self.damaged: set[str] = set()  # the files named damaged (few): named once
        self._sha256s: tuple[str, dict[str, str]] | None = None  # one record's, from its state
        # Read (and checked) before anything else: a bad manifest is bad input.
        self.listed = manifest_entries(store) if checksums else None

    def records(self, tick: Callable[[int], None]) -> Iterator[Finding]:
        """First pass: each record parses, each image it lists is stored and whole."""
        store, tally = self.store, self.tally
        shared_folder = "{ark" not in posixpath.dirname(store.config.image_template)
        for stored in read_records(store):
            tally.records += 1
            tick(tally.records)
            self.seen.add(ark_number(stored.ark))
            if stored.record is None:
                yield tally.add(Finding("damaged", stored.path, "not a record"))
                continue
            state = self._state(stored.ark)
            for image in stored.images:
                tally.images += 1
                known = state.image(image.stem) if state is not None else None
                if image.path is None:
                    where = image_stem(store.config, stored.ark, image.stem) + ".*"
                    why = f"image {image.ref.position} of {stored.path}, {image.ref.url}"
                    if known is not None and image_identity(known.url) == image_identity(
                        image.ref.url
                    ):
                        if known.status == GONE:
                            why += f": the site no longer serves it (since {known.gone_since})"
                            yield tally.add(Finding(GONE_KIND, where, why))
                            continue
                        if known.status == LEFT_OUT:
                            why += f": left out on purpose ({known.left_out})"
                            yield tally.add(Finding(LEFT_OUT_KIND, where, why))
                            continue
                    yield tally.add(Finding("missing", where, why))
                    continue
                if shared_folder:
                    self.named.add(image.path)
                if (
                    known is not None
                    and known.status == STORED
                    and known.path == image.path
                    and known.size is not None
                    and image.size is not None
                    and known.size != image.size
                ):
                    why = f"{image.size} bytes, the crawl stored {known.size}"
                    yield self._damaged(image.path, why)
                elif not store.inventory.looks_whole(image.path, IMAGE_ENDS):
                    yield self._damaged(image.path, "its bytes are not a whole image")
            for path in stored.unnamed:
                yield tally.add(Finding("unreferenced", path, f"in the folder of {stored.path}"))

    def _damaged(self, path: str, why: str) -> Finding:
        self.damaged.add(path)
        return self.tally.add(Finding("damaged", path, why))

    def _state(self, ark: str) -> RecordState | None:
        """What the crawl learnt of the record (None: no state, e.g. a store built before the
        store kept one: then an image not in the store is missing)."""
        path = state_path(ark)
        inventory = self.store.inventory
        return (
            RecordState.from_bytes(inventory.read_bytes(path), ark)
            if inventory.exists(path)
            else None
        )

    def files(self, tick: Callable[[int], None] = lambda done: None) -> Iterator[Finding]:
        """Second pass: files that no record names; with checksums, every file's bytes against
        the sha256 its record's state holds (the crawl's) and the manifest: written when there
        is none and no file is damaged, else compared."""
        tally = self.tally
        if not self.checksums:
            for path in self._paths(tick):
                finding = self._told_apart(path)
                if finding:
                    yield finding
            return
        pending: list[Finding] = []  # met while hashing: files no record names, damaged ones

        def hashed() -> Iterator[tuple[str, str]]:
            for path in self._paths(tick):
                finding = self._told_apart(path)
                if finding:
                    pending.append(finding)
                digest = sha256(self.store, path)
                stored = self._stored_sha256(path) if path not in self.damaged else None
                if stored is not None and digest != stored[1]:
                    why = f"its sha256 is not the one the crawl stored, in {stored[0]}"
                    pending.append(self._damaged(path, why))
                yield path, digest

        if self.listed is None:
            # Fixity apart from completeness: a manifest of what is there, gaps or not, unless
            # a file is damaged (its checksum would vouch for bad bytes).
            try:
                if tally.counts.get("damaged"):
                    for _ in hashed():  # every byte read still: each damaged file named
                        yield from pending
                        pending.clear()
                    raise _Damaged
                written = write_manifest(self.store, self._unless_damaged(hashed()))
            except _Damaged:
                damaged = tally.counts.get("damaged", 0)
                tally.manifest = f"{MANIFEST} not written: {damaged} files are damaged"
                yield from pending
                return
            yield from pending
            tally.manifest = f"{MANIFEST} written: {written} files"
            return
        for finding in compare(hashed(), self.listed()):
            yield from pending
            pending.clear()
            if finding.kind != "differs" or finding.path not in self.damaged:  # named once
                yield tally.add(finding)
        yield from pending
        tally.manifest = f"compared with {MANIFEST}"

    def _unless_damaged(self, entries: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        """*entries*, then :class:`_Damaged` if a file was found damaged meanwhile: the
        manifest being written from them is dropped before it is put in the store."""
        yield from entries
        if self.tally.counts.get("damaged"):
            raise _Damaged

    def _stored_sha256(self, path: str) -> tuple[str, str] | None:
        """The state that holds the sha256 the crawl stored for the image file *path*, and
        that sha256 (None: not an image of a stored record, or its state does not say)."""
        match = self._image_pattern.match(path)
        if match is None or ark_number(match["ark"]) not in self.seen:
            return None
        ark = match["ark"]
        if self._sha256s is None or self._sha256s[0] != ark:  # one record's at a time
            state = self._state(ark)
            images = state.images.values() if state is not None else ()
            self._sha256s = (
                ark,
                {i.path: i.sha256 for i in images if i.status == STORED and i.path and i.sha256},
            )
        digest = self._sha256s[1].get(path)
        return (state_path(ark), digest) if digest else None

    @functools.cached_property
    def _image_pattern(self) -> re.Pattern[str]:
        return template_regex(self.store.config.image_template)

    def _paths(self, tick: Callable[[int], None]) -> Iterator[str]:
        for path in self.store.inventory.paths() or ():
            # The store's own state is not its payload: neither judged nor in the manifest.
            if path != MANIFEST and not path.startswith(STATE_FOLDER):
                self.tally.files += 1
                tick(self.tally.files)
                yield path

    @functools.cached_property
    def _patterns(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        folder = posixpath.dirname(self.store.config.image_template)
        ark_folder = template_regex(folder) if "{ark" in folder else None
        return template_regex(self.store.config.record_template), ark_folder

    def _told_apart(self, path: str) -> Finding | None:
        record, ark_folder = self._patterns
        if record.match(path) or path in self.named or is_change_log(path):
            return None  # a change log is the store's own account of a run, not a stray file
        if template_regex(STATE_TEMPLATE).match(path):
            return None  # the store's own state of a record (store.state), not a stray file
        match = ark_folder.match(posixpath.dirname(path)) if ark_folder else None
        if match and ark_number(match["ark"]) in self.seen:
            return None  # judged with its record in the first pass
        return self.tally.add(Finding("unreferenced", path, "no record names it"))


class _Damaged(Exception):
    """A file was found damaged while the manifest was being written: it is not."""


def sha256(store: Store, path: str) -> str:
    digest = hashlib.sha256()
    try:
        for chunk in store.inventory.chunks(path):
            digest.update(chunk)
    except OSError:
        return ""  # vanished or unreadable: differs from any manifest entry
    return digest.hexdigest()


# -- the manifest ----------------------------------------------------------------------------


def write_manifest(store: Store, entries: Iterable[tuple[str, str]]) -> int:
    """Write ``manifest-sha256.txt`` in the store (atomically); the number of files in it."""
    count = 0

    def counted() -> Iterator[tuple[str, str]]:
        nonlocal count
        for entry in entries:
            count += 1
            yield entry

    store.inventory.write_chunks(MANIFEST, manifest_lines(counted()))
    return count


def manifest_entries(store: Store) -> Entries | None:
    """The manifest's ``(path, sha256)`` entries in :func:`path_order`, read as they are
    needed (None: there is no manifest yet); BadInput when a line is not ``sha256  path``."""
    if MANIFEST not in store.inventory.folder(""):
        return None

    def entries() -> Iterator[tuple[str, str]]:
        return parse(store.inventory.chunks(MANIFEST))

    previous: list[str] = []
    for path, _ in entries():  # one pass to check the order; ours is always sorted
        key = path_order(path)
        if key < previous:  # another tool's manifest: sorted here, in memory
            ordered = sorted(entries(), key=lambda entry: path_order(entry[0]))
            return lambda: iter(ordered)
        previous = key
    return entries


def compare(
    found: Iterable[tuple[str, str]], listed: Iterable[tuple[str, str]]
) -> Iterator[Finding]:
    """Merge the store's files with the manifest's, both in :func:`path_order`."""
    found_it, listed_it = iter(found), iter(listed)
    have, want = next(found_it, None), next(listed_it, None)
    while have is not None or want is not None:
        if want is None or (have is not None and path_order(have[0]) < path_order(want[0])):
            assert have is not None
            yield Finding("unlisted", have[0], f"not in {MANIFEST}")
            have = next(found_it, None)
        elif have is None or path_order(want[0]) < path_order(have[0]):
            yield Finding("missing", want[0], f"listed in {MANIFEST}, not in the store")
            want = next(listed_it, None)
        else:
            if have[1] != want[1]:
                yield Finding("differs", have[0], f"its sha256 is not the one in {MANIFEST}")
            have, want = next(found_it, None), next(listed_it, None)
