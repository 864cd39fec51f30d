"""Where things are in and beside the store: every stored path is built here, from checked
parts only (an ark, an image's stem and the extension its bytes gave it, an artwork ID) and the
templates of the settings; paths checked to lie inside it; the list files beside it; the order
stores list their files in."""

from __future__ import annotations

import re
import string
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from louvre_scraper.bodies.images import EXTENSIONS

if TYPE_CHECKING:
    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.contract import Shard


class UnsafePath(ValueError):
    """A path that would not lie inside FILES_STORE."""


def contained(path: str) -> str:
    """*path* if it names a file inside the store: relative, no ``..``, no empty or ``.``
    part, no backslash or control character; else :class:`UnsafePath`. Checked before every
    write: paths are built from validated parts only (see ``LouvreConfig``), this is the
    store's own guarantee that nothing is written outside it, locally or under an S3 prefix."""
    parts = path.split("/")
    if (
        not path
        or PurePosixPath(path).is_absolute()
        or any(part in ("", ".", "..") for part in parts)
        or "\\" in path
        or any(ord(c) < 32 or ord(c) == 127 for c in path)
    ):
        raise UnsafePath(f"{path!r} is not a path inside the store")
    return path


def beside_store(config: LouvreConfig, name: str, shard: Shard) -> Path | None:
    """A list file *beside* a local store, never in it (``downloads.{name}.txt``, one per
    shard: shards may write into one store at once); None for a remote store."""
    if not config.is_local_store:
        return None
    store = config.local_store_dir.absolute()
    suffix = f".shard-{shard.index}-of-{shard.count}" if shard.count > 1 else ""
    return store.with_name(f"{store.name}.{name}{suffix}.txt")


def path_order(path: str) -> list[str]:
    """The order stores list their files in: folder by folder, names sorted (the order of a
    sorted directory walk, which plain string order is not: ``a-b`` sorts before ``a/b``)."""
    return path.split("/")


ARK_NAME_RE = re.compile(r"cl\d{9}")  # what a stored path may hold of an ark
STEM_RE = re.compile(r"-?\d+(-\d+)?")  # an image's position, and ``-{k}`` after a collision


def _ark(ark: str) -> str:
    if not ARK_NAME_RE.fullmatch(ark):
        raise ValueError(f"not an ark: {ark!r}")
    return ark


def file_path(config: LouvreConfig, artwork_id: int) -> str:
    """Where the zip of *artwork_id* is stored."""
    return config.file_template.format(id=artwork_id)


def record_path(config: LouvreConfig, ark: str) -> str:
    """Where the record *ark*'s ``.json`` is stored."""
    return config.record_template.format(ark=_ark(ark))


STATE_TEMPLATE = "state/{ark}.json"  # the store's own state of each record (store.state)


def state_path(ark: str) -> str:
    """Where the store keeps what the crawl learnt of record *ark* (:mod:`.state`)."""
    return STATE_TEMPLATE.format(ark=_ark(ark))


CHANGES_TEMPLATE = "changes/{run}{shard}.jsonl"  # one change log per run (store.changes)


def changes_path(run: str, shard: Shard) -> str:
    """Where the change log of the run *run* (``20261201T224819Z``) is stored; a shard's
    own (``.shard-0-of-3``), since shards may run into one store at once."""
    if not re.fullmatch(r"\d{8}T\d{6}Z", run):
        raise ValueError(f"not a run's name: {run!r}")
    suffix = f".shard-{shard.index}-of-{shard.count}" if shard.count > 1 else ""
    return CHANGES_TEMPLATE.format(run=run, shard=suffix)


def image_path(config: LouvreConfig, ark: str, stem: int | str, ext: str) -> str:
    """Where an image is stored: built from the ark, its stem (its position, or
    ``{position}-{k}`` when positions collide:
    :func:`~louvre_scraper.bodies.images.image_stems`)
    and the extension its bytes gave it ("": the path without it)."""
    text = str(stem)
    if not STEM_RE.fullmatch(text) or (ext and ext not in EXTENSIONS.values()):
        raise ValueError(f"not an image name of the project: {stem!r}, {ext!r}")
    position = int(text) if text.lstrip("-").isdigit() else text
    return config.image_template.format(ark=_ark(ark), position=position, ext=ext)


# A position is an image's stem: ``3``, or ``3-1`` after a collision (:func:`image_stems`).
FIELD_PATTERNS = {"ark": r"(?P<ark>cl\d{9})", "position": r"-?\d+(?:-\d+)?", "ext": r"\.\w{1,5}"}


def template_regex(template: str) -> re.Pattern[str]:
    """A regex matching the paths *template* produces, capturing the ark."""
    parts, named = [], False
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name == "ark" and named:  # a second {ark}: the group is named once
            parts.append(r"cl\d{9}")
        elif name is not None:
            parts.append(FIELD_PATTERNS.get(name, r"[^/]+"))
            named = named or name == "ark"
    return re.compile("^" + "".join(parts) + "$")
