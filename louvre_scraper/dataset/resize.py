"""Resizing an image's bytes for an export, as img2dataset's three modes do, with Pillow.

``keep-ratio``: the long side at most ``size``. ``center-crop``: the short side scaled to
``size``, then the centre ``size`` x ``size`` square. ``border``: fitted inside ``size`` x
``size``, then padded to that square (black; transparent for an image with alpha).
Never enlarged: a smaller image keeps its pixels' scale; ``center-crop`` then gives the centre
square of its short side, ``border`` still pads it to ``size`` x ``size``. EXIF orientation is
applied. Out: a JPEG at ``quality`` for an opaque image, a PNG for one with alpha.
Pure: bytes in, bytes out; raises OSError, ValueError or Image.DecompressionBombError for
bytes that are not a decodable image.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from louvre_scraper.dataset.thumbnails import MAX_PIXELS

RESIZE_MODES = ("keep-ratio", "center-crop", "border")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


@dataclass(frozen=True)
class Resize:
    """What an export asks of every image: its size, mode and JPEG quality."""

    size: int
    mode: str = "keep-ratio"
    quality: int = 95

    def __post_init__(self) -> None:
        if not _is_int(self.size) or self.size < 1:
            raise ValueError(
                f"image size must be a positive whole number of pixels, not {self.size!r}"
            )
        if self.mode not in RESIZE_MODES:
            modes = ", ".join(RESIZE_MODES)
            raise ValueError(f"resize mode must be one of {modes}, not {self.mode!r}")
        if not _is_int(self.quality) or not 1 <= self.quality <= 100:
            raise ValueError(
                f"JPEG quality must be a whole number from 1 to 100, not {self.quality!r}"
            )

    @classmethod
    def parse(cls, size: str | int, mode: str = "keep-ratio", quality: str | int = 95) -> Resize:
        """A Resize from command-line text; ValueError in one line for what is not one."""
        return cls(_whole(size, "image size"), mode, _whole(quality, "JPEG quality"))


@dataclass(frozen=True)
class Resized:
    data: bytes
    width: int
    height: int
    extension: str  # "jpg" or "png", without the dot


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(value: str | int, what: str) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None


def resize_image(data: bytes, resize: Resize) -> Resized:
    """*data* resized as *resize* asks, re-encoded (JPEG, or PNG when it has alpha)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{opened.width}x{opened.height} pixels")
            _draft(opened, resize)
            upright = ImageOps.exif_transpose(opened)
            alpha = upright.mode in _ALPHA_MODES or "transparency" in upright.info
            mode = "RGBA" if alpha else "L" if upright.mode in ("1", "L") else "RGB"
            out = _resized(upright.convert(mode), resize)
    buffer = io.BytesIO()
    if alpha:
        out.save(buffer, "PNG")
    else:
        out.save(buffer, "JPEG", quality=resize.quality)
    return Resized(buffer.getvalue(), out.width, out.height, "png" if alpha else "jpg")


def _draft(image: Image.Image, resize: Resize) -> None:
    """Let libjpeg decode a JPEG at 1/2, 1/4 or 1/8 scale when the target is that small.

    Pillow picks the largest reduction that still leaves at least the size asked, so the
    result is then resized exactly as from the full image. No-op for other formats.
    """
    width, height = image.size
    longest, shortest = max(width, height), min(width, height)
    scale = resize.size / (shortest if resize.mode == "center-crop" else longest)
    if scale < 1:
        image.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))


def _resized(image: Image.Image, resize: Resize) -> Image.Image:
    size = resize.size
    width, height = image.size
    if resize.mode == "center-crop":
        side = min(width, height, size)
        scale = min(1.0, size / min(width, height))
        image = _scaled(image, max(side, round(width * scale)), max(side, round(height * scale)))
        left, top = (image.width - side) // 2, (image.height - side) // 2
        return image.crop((left, top, left + side, top + side))
    scale = min(1.0, size / max(width, height))
    image = _scaled(image, max(1, round(width * scale)), max(1, round(height * scale)))
    if resize.mode == "keep-ratio":
        return image
    square = Image.new(image.mode, (size, size))  # zero: black, and transparent with alpha
    square.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    return square


def _scaled(image: Image.Image, width: int, height: int) -> Image.Image:
    if (width, height) == image.size:
        return image
    return image.resize((width, height), Image.Resampling.LANCZOS)


UNDECODABLE = (OSError, ValueError, Image.DecompressionBombError)  # what resize_image raises


def describe(resize: Resize) -> str:
    """*resize* in words, for a card and the Croissant's description."""
    return (
        f"resized to {resize.size} px ({resize.mode}, never enlarged), JPEG quality"
        f" {resize.quality} (PNG where the image has alpha)"
    )


def export_image(
    data: bytes, path: str, resize: Resize | None
) -> tuple[bytes, str, dict[str, int]]:
    """What an export writes for the stored image *path*: its bytes, path and the columns it
    adds to its row. Without *resize*, the stored bytes and path, no column; with it, the
    resized bytes, the path with their extension, ``imageWidth`` and ``imageHeight``."""
    if resize is None:
        return data, path, {}
    out = resize_image(data, resize)
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return out.data, f"{stem}.{out.extension}", {"imageWidth": out.width, "imageHeight": out.height}
