from __future__ import annotations

import io
import os
import zlib

import pytest
from PIL import Image

from louvre_scraper.dataset.thumbnails import Outcome, make_thumbnail, thumbnail_path


def write_image(path, size=(900, 600), mode="RGB", fmt="JPEG", color=(120, 40, 200)):
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "RGBA":
        color = (*color, 0)
    Image.new(mode, size, color).save(path, fmt)
    return path


def test_thumbnail_path_keeps_the_whole_image_path_and_the_size():
    assert (
        thumbnail_path("images/cl010062370/0.jpg", 256) == "thumbs/256/images/cl010062370/0.jpg.jpg"
    )
    # No two images share a thumbnail, whatever their extensions.
    assert thumbnail_path("images/a/0.png", 256) != thumbnail_path("images/a/0.jpg", 256)


def test_a_thumbnail_is_a_jpeg_whose_long_side_is_the_size(tmp_path):
    source = write_image(tmp_path / "store/images/a/0.jpg", (900, 600))
    target = tmp_path / "cat/thumbs/256/images/a/0.jpg.jpg"
    assert make_thumbnail(source, target, 256) is Outcome.MADE
    with Image.open(target) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (256, 171)
    assert target.stat().st_mtime_ns == source.stat().st_mtime_ns
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".part")]


def test_a_small_image_is_not_enlarged_and_a_transparent_png_is_flattened(tmp_path):
    source = write_image(tmp_path / "0.png", (100, 40), mode="RGBA", fmt="PNG")
    target = tmp_path / "0.png.jpg"
    assert make_thumbnail(source, target, 256) is Outcome.MADE
    with Image.open(target) as thumb:
        assert thumb.size == (100, 40)
        assert thumb.mode == "RGB"
        assert thumb.getpixel((50, 20)) == (255, 255, 255)  # transparent over white


def test_a_rerun_remakes_only_a_changed_image(tmp_path):
    source = write_image(tmp_path / "0.jpg")
    target = tmp_path / "t/0.jpg.jpg"
    assert make_thumbnail(source, target, 64) is Outcome.MADE
    made = target.read_bytes()
    assert make_thumbnail(source, target, 64) is Outcome.CURRENT
    # The store replaces an image by renaming a new file over it: a new mtime.
    write_image(tmp_path / "new.jpg", (300, 900), color=(10, 200, 10)).replace(source)
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 1_000_000))
    assert make_thumbnail(source, target, 64) is Outcome.MADE
    assert target.read_bytes() != made
    with Image.open(target) as thumb:
        assert thumb.size == (21, 64)


def test_what_is_not_an_image_has_no_thumbnail(tmp_path):
    html = tmp_path / "0.jpg"
    html.write_bytes(b"<html>Server error</html>")
    truncated = tmp_path / "1.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (500, 500), "red").save(buffer, "JPEG")
    truncated.write_bytes(buffer.getvalue()[:200])
    for source in (html, truncated):
        target = tmp_path / f"t/{source.name}.jpg"
        assert make_thumbnail(source, target, 64) is Outcome.UNREADABLE
        assert not target.exists()
    assert make_thumbnail(tmp_path / "absent.jpg", tmp_path / "t/x.jpg", 64) is Outcome.MISSING


def test_an_image_of_absurd_dimensions_is_not_decoded(tmp_path):
    # A PNG header claiming 30000 x 30000 pixels: 900 million, a decompression bomb.
    source = write_image(tmp_path / "bomb.png", (30000, 1), fmt="PNG")
    data = bytearray(source.read_bytes())
    data[20:24] = (30000).to_bytes(4, "big")  # IHDR's height
    data[29:33] = zlib.crc32(data[12:29]).to_bytes(4, "big")  # and its CRC, right again
    source.write_bytes(bytes(data))
    with pytest.raises(Image.DecompressionBombError):  # well formed: only its size is bad
        Image.open(source)
    assert make_thumbnail(source, tmp_path / "t.jpg", 64) is Outcome.UNREADABLE
