"""Thumbnails of stored images, made with Pillow, remade only when their image changed.

A thumbnail is a JPEG whose long side is at most the asked size, written atomically; its
modification time is set to its source's, which is the signature a rerun compares: the store
replaces an image by renaming a new file over it, so a changed image has a new mtime. The size
is in the thumbnail's path (``thumbs/256/…``), so another ``--thumb-size`` makes a new set.
Plain functions, no Twisted.
"""

from __future__ import annotations

import enum
import io
import os
import warnings
from typing import TYPE_CHECKING

from PIL import Image

from louvre_scraper.store.atomic import write_atomically

if TYPE_CHECKING:
    from pathlib import Path

THUMBS_DIR = "thumbs"
JPEG_QUALITY = 82
# The site's images top out around 1500 px; anything far larger is not worth decoding.
MAX_PIXELS = 100_000_000


class Outcome(enum.Enum):
    MADE = "made"
    CURRENT = "current"  # made by an earlier run from the same image
    UNREADABLE = "unreadable"  # not an image Pillow can decode (or absurdly large)
    MISSING = "missing"  # listed by the record, absent from the store


def thumbnail_path(image_path: str, size: int) -> str:
    """Where the thumbnail of the store's *image_path* goes, relative to the catalogue.

    The image's whole path is kept (plus ``.jpg``) so that no two images share a thumbnail,
    whatever their extensions.
    """
    return f"{THUMBS_DIR}/{size}/{image_path}.jpg"


def is_current(source: os.stat_result, target: Path) -> bool:
    try:
        return target.stat().st_mtime_ns == source.st_mtime_ns
    except FileNotFoundError:
        return False


def thumbnail_bytes(source: Path, size: int) -> bytes:
    """A JPEG of *source* whose long side is at most *size* pixels.

    Raises OSError (Pillow's UnidentifiedImageError included), ValueError or
    Image.DecompressionBombError for what is not a decodable image.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
            # JPEG: let libjpeg decode at 1/2, 1/4 or 1/8 scale, far faster than full size.
            image.draft("RGB", (size, size))
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            rgb = image if image.mode == "RGB" else _flatten(image)
            out = io.BytesIO()
            rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency over white, palettes and greys expanded."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def make_thumbnail(source: Path, target: Path, size: int) -> Outcome:
    """Make *target* from *source* unless it is already current (same mtime as *source*)."""
    try:
        stat = source.stat()
    except (FileNotFoundError, NotADirectoryError):
        return Outcome.MISSING
    if is_current(stat, target):
        return Outcome.CURRENT
    try:
        data = thumbnail_bytes(source, size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        # SyntaxError: some of Pillow's plugins still raise it on malformed headers.
        return Outcome.UNREADABLE
    write_atomically(target, data)
    # After the rename: a run stopped in between leaves an mtime that differs, and a rerun
    # simply makes that thumbnail again.
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return Outcome.MADE
