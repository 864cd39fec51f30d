"""A record's images: their URLs (``FakeImage``, handed out by ``ImageUrls``) and their bytes
(``image_bytes``: real JPEGs and PNGs drawn by Pillow, showing the record's title)."""

from __future__ import annotations

import functools
import io
import posixpath
import random
import re
import struct
import unicodedata
import urllib.parse
import zlib
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_IMAGE_SIZE = 128
AGO_TOP = 1_000_000  # AGO numbers have six digits

COPYRIGHTS = (  # as real records and fragments give them
    "© 2023 GrandPalaisRmn (musée du Louvre) / Benoît Touchard",
    "© 2011 Musée du Louvre / Thierry Ollivier",
    "© Musée du Louvre, Dist. GrandPalaisRmn / Christian Larrieu",
    "© 2009 Musée du Louvre, Dist. GrandPalaisRmn / Georges Poncet",
    "© 2020 Musée du Louvre, Dist. GrandPalaisRmn / Raphaël Chipault",
    "Musée du Louvre, dist. RMN-Grand Palais - Photo S. Nagy",
)
# image[].type: mostly "", else one of these (real records and fragments).
IMAGE_TYPES = (
    "profil",
    "trois quarts",
    "détail",
    "Environnement",
    "face, recto, avers, avant",
    "dos, verso, revers, arrière",
)


@dataclass(frozen=True)
class FakeImage:
    """One entry of a record's ``image`` list; paths are relative to the server's base URL."""

    path: str
    thumbnail: str
    copyright: str
    type: str
    position: int

    @property
    def png(self) -> bool:
        """Tell whether the image (and its thumbnail) is a PNG rather than a JPEG."""
        return self.path.endswith(".png")

    def entry(self, base: str) -> dict[str, Any]:
        """The JSON object for this image, with absolute URLs on ``base``."""
        return {
            "urlImage": base + self.path,
            "urlThumbnail": base + self.thumbnail,
            "copyright": self.copyright,
            "type": self.type,
            "position": self.position,
        }


# Pixel sizes of full images (thumbnails are a quarter): small enough to make fast, varied
# enough to look like photographs of different objects.
IMAGE_PIXELS = ((480, 360), (360, 480), (400, 400), (560, 320), (320, 440), (520, 390))


def is_thumbnail(path: str) -> bool:
    """Tell whether an image path is a thumbnail (``/media/cache/small/…``)."""
    return path.startswith("/media/cache/small/")


@functools.lru_cache(maxsize=32)
def _background(width: int, height: int) -> Image.Image:
    """A gradient, made once per size (Pillow's own, so fast)."""
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (across, down, Image.new("L", (width, height), 96)))


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


@functools.lru_cache(maxsize=8192)
def image_bytes(path: str, size: int = 3000, title: str = "") -> bytes:
    """Deterministic, decodable bytes for the image at ``path`` (a path or a full URL).

    A picture a person can look at: a gradient, a few shapes, ``title`` (else the file name)
    and the file name written on it; a PNG for a ``.png`` path, else a JPEG. Its pixel size
    is one of ``IMAGE_PIXELS`` (a quarter for thumbnails), and its bytes are padded (a JPEG
    comment, a PNG ``tEXt`` chunk) to at least ``size`` to ``2 * size`` bytes (a fifth of
    that for thumbnails), so a bench can ask for large files without drawing large pictures.
    """
    path = urllib.parse.urlsplit(path).path or path
    rng = random.Random(f"image:{path}")
    thumbnail = is_thumbnail(path)
    width, height = rng.choice(IMAGE_PIXELS)
    if thumbnail:
        width, height = width // 4, height // 4
    picture = _background(width, height).copy()
    draw = ImageDraw.Draw(picture)
    for _ in range(3):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randint(width // 10, width // 3)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=colour, outline=(0, 0, 0))
    name = posixpath.basename(path)
    if not thumbnail:
        # Pillow's built-in font has no accents: "Portrait d'une femme agee".
        text = unicodedata.normalize("NFKD", title or name).encode("ascii", "ignore").decode()
        draw.text((12, 12), text, fill=(255, 255, 255), font=_font(20))
        draw.text((12, height - 24), name, fill=(0, 0, 0), font=_font(12))
    png = path.lower().endswith(".png")
    out = io.BytesIO()
    picture.save(out, "PNG" if png else "JPEG", quality=85)
    target = max(MIN_IMAGE_SIZE, size // 5 if thumbnail else size)
    target = rng.randint(target, 2 * target)
    return _pad_png(out.getvalue(), target) if png else _pad_jpeg(out.getvalue(), target)


def _filler(n: int) -> bytes:
    return (b"collections.louvre.fr fake image " * (n // 33 + 1))[:n]


def _pad_jpeg(data: bytes, target: int) -> bytes:
    """*data* with COM segments after its SOI, up to *target* bytes if it is smaller."""
    segments = []
    missing = target - len(data)
    while missing > 4:
        payload = min(missing - 4, 65533)
        segments.append(b"\xff\xfe" + struct.pack(">H", payload + 2) + _filler(payload))
        missing -= payload + 4
    return data[:2] + b"".join(segments) + data[2:]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _pad_png(data: bytes, target: int) -> bytes:
    """*data* with a ``tEXt`` chunk after IHDR, up to *target* bytes if it is smaller."""
    missing = target - len(data) - 12 - len(b"Comment\x00")
    if missing <= 0:
        return data
    ihdr_end = len(PNG_SIGNATURE) + 25
    chunk = _png_chunk(b"tEXt", b"Comment\x00" + _filler(missing))
    return data[:ihdr_end] + chunk + data[ihdr_end:]


# What an image's URL and entry are made of, as ``ImageUrls.draw`` hands it out and
# ``make_image`` turns it into a ``FakeImage``: its number (an AGO number for prints and
# drawings, else the image number), ``PNG_BIT`` | ``ORIGINAL_BIT``, the index of its ``type``
# (-1: "") and of its copyright.
PNG_BIT, ORIGINAL_BIT = 1, 2
ImageParts = tuple[int, int, int, int]
_TYPE_INDEX = {kind: i for i, kind in enumerate(IMAGE_TYPES)}
_COPYRIGHT_INDEX = {text: i for i, text in enumerate(COPYRIGHTS)}


class ImageUrls:
    """Hands out image URLs that are unique across both editions."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[int] = set()

    def number(self, top: int) -> int:
        while True:
            n = self.rng.randrange(1, top)
            if n not in self.used:
                self.used.add(n)
                return n

    def draw(self, prints: bool, group: int | None = None) -> ImageParts:
        """A new image's parts (see ``make_image``) for a record of prints and drawings (a
        cl02 ark) or not; ``group`` reuses a prints-and-drawings AGO number."""
        rng = self.rng
        bits = PNG_BIT if rng.random() < 0.1 else 0
        if prints:
            number = group if group is not None else self.number(AGO_TOP)
            bits |= ORIGINAL_BIT
        else:
            number = self.number(10_000_000)
            # ordinary records also use /media/cache/original/ (55 of 2,116 real images).
            bits |= ORIGINAL_BIT if rng.random() < 0.1 else 0
        kind = _TYPE_INDEX[rng.choice(IMAGE_TYPES)] if rng.random() < 0.3 else -1
        return number, bits, kind, _COPYRIGHT_INDEX[rng.choice(COPYRIGHTS)]

    def make(self, ark: str, position: int, group: int | None = None) -> FakeImage:
        """A new image for ``ark``, at a real-shaped URL; ``group`` reuses a prints-and-
        drawings AGO number."""
        return make_image(ark, position, self.draw(ark.startswith("cl02"), group))


def make_image(ark: str, position: int, parts: ImageParts) -> FakeImage:
    """The image ``ImageUrls.draw`` handed out as ``parts``, at ``position`` of ``ark``."""
    number, bits, kind, copyright = parts
    ext = "png" if bits & PNG_BIT else None
    if ark.startswith("cl02"):
        digits = f"{number:06d}"
        folder = f"{digits[0:2]}/{digits[2:4]}/{digits[4:6]}/00"
        name = f"{folder}/AGO{digits}-{position:03d}_PE.{ext or 'jpg'}"
        path, thumbnail = f"/media/cache/original/{name}", f"/media/cache/small/{name}"
    else:
        # /media/cache/large/0000000021/{ark number, 10 digits}/{image number}_OG.JPG
        tail = f"0000000021/{int(ark[4:]):010d}/{number:010d}_OG.{ext or 'JPG'}"
        cache = "original" if bits & ORIGINAL_BIT else "large"
        path, thumbnail = f"/media/cache/{cache}/{tail}", f"/media/cache/small/{tail}"
    kind_text = IMAGE_TYPES[kind] if kind >= 0 else ""
    return FakeImage(path, thumbnail, COPYRIGHTS[copyright], kind_text, position)


# Any path ``make_image`` makes: group 1, the ark number of an ordinary record's image; group
# 2, the AGO number of a print's or drawing's.
IMAGE_PATH_RE = re.compile(
    r"/media/cache/(?:small|large|original)/(?:0000000021/(\d{10})/\d{10}_OG\.(?:png|JPG)"
    r"|\d\d/\d\d/\d\d/00/AGO(\d{6})-\d{3}_PE\.(?:png|jpg))"
)


def ago_group(image: FakeImage) -> int | None:
    """The AGO number of a prints-and-drawings image, else ``None``."""
    match = re.search(r"/AGO(\d{6})-", image.path)
    return int(match[1]) if match else None
