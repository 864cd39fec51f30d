"""Is this body a whole image, and of what kind? Judged from its bytes, never from the status,
the Content-Type or the URL.

A cut connection without a Content-Length, a proxy's HTML page served with 200, or a body
shorter than declared all look like success to HTTP. Five kinds are images, each told by its
signature, and each is stored under the extension its kind has (:data:`EXTENSIONS`), whatever
the URL says: a body that is none of them (an HTML page, a script, an executable) is not an
image. JPEG must also end with EOI, PNG with the IEND chunk, GIF with its trailer; WebP's RIFF
header declares its length; TIFF has no end marker, so it is only taken whole when the server
declared its length and sent exactly that. (Pillow would recognise dozens of formats by parsing
headers of untrusted bytes; five signatures are all a name needs.) Plain functions, no Twisted.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from louvre_scraper.bodies.ends import Ends
from louvre_scraper.bodies.status import RETRYABLE_STATUSES, by_status
from louvre_scraper.contract import Verdict

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

JPEG_START = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk: length 0, type, CRC
GIF_STARTS = (b"GIF87a", b"GIF89a")
TIFF_STARTS = (b"II*\x00", b"MM\x00*")  # little- and big-endian
# What a stored image is named by: its kind's extension, never the URL's.
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "gif": ".gif", "tiff": ".tif"}
# Trailing bytes some encoders add after JPEG's EOI (padding); the marker must be near the end.
JPEG_END_SLACK = 32
TAIL_BYTES = 64  # what a stored file's check reads of its end


def image_format(head: bytes) -> str | None:
    if head.startswith(JPEG_START):
        return "jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(GIF_STARTS):
        return "gif"
    if head.startswith(TIFF_STARTS):
        return "tiff"
    return None


def image_extension(body: bytes) -> str | None:
    """The extension an image body is stored under (``.jpg``, ...), or None: not an image."""
    kind = image_format(body[:16])
    return None if kind is None else EXTENSIONS[kind]


def has_image_ends(head: bytes, tail: bytes) -> bool:
    """A stored image, by its first and last bytes (*tail*: at least the last ``TAIL_BYTES``).

    Files are only ever stored whole (atomic rename, judged on arrival): WebP and TIFF, whose
    end says nothing, are taken by their signature."""
    kind = image_format(head)
    if kind == "jpeg":
        return JPEG_END in tail[-JPEG_END_SLACK:]
    if kind == "png":
        return tail.endswith(PNG_END)
    if kind == "gif":
        return tail.endswith(b";")
    return kind in ("webp", "tiff")


IMAGE_ENDS = Ends(has_image_ends, TAIL_BYTES)  # a stored image, judged by its ends


def is_whole_image(body: bytes, declared_length: int | None = None) -> bool:
    kind = image_format(body[:16])
    if kind == "webp":
        return int.from_bytes(body[4:8], "little") + 8 == len(body)
    if kind == "tiff":
        return declared_length == len(body)
    if kind is not None:
        return has_image_ends(body[:16], body[-TAIL_BYTES:])
    return False


def classify_image(
    status: int,
    content_type: str,
    body: bytes,
    missing_statuses: Collection[int],
    retry_statuses: Collection[int] = RETRYABLE_STATUSES,
    *,
    declared_length: int | None = None,
) -> Verdict:
    if 200 <= status < 300:
        if is_whole_image(body, declared_length):
            return Verdict.WHOLE
        return Verdict.RETRY  # cut short, or a page instead of the image: ask again
    # MISSING: the image is gone, though the record still lists it.
    return by_status(status, missing_statuses, retry_statuses)


def image_stems(positions: Iterable[int]) -> list[str]:
    """The file stems of a record's images, given their positions in the record's order
    (a missing position already replaced by the image's index in ``image[]``): distinct, and
    the same on every run while the record does not change.

    The first image at a position keeps it (``3``); each later one at the same position gets
    ``3-1``, ``3-2``, … in the record's order. Such a stem never equals a position, so no
    image ever takes another's file.
    """
    taken: set[str] = set()
    stems = []
    for position in positions:
        stem, k = str(position), 0
        while stem in taken:
            k += 1
            stem = f"{position}-{k}"
        taken.add(stem)
        stems.append(stem)
    return stems


def image_identity(url: str) -> str:
    """What makes two image URLs the same image: their path and query, not the scheme, host
    or port (a mirror of a server moved to another port, as the demo's, is the same mirror)."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
