from __future__ import annotations

import struct
import zlib

import pytest

from louvre_scraper.bodies.images import (
    classify_image,
    has_image_ends,
    image_extension,
    image_stems,
    is_whole_image,
)
from louvre_scraper.contract import Verdict

MISSING = frozenset({404, 410})
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"x" * 500
    + (b"\xff\xd9")
)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG = (
    b"\x89PNG\r\n\x1a\n"
    + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
    + chunk(b"IEND", b"")
)


@pytest.mark.parametrize("body", [JPEG, PNG, JPEG + b"\x00" * 8])
def test_whole_images(body: bytes) -> None:
    assert is_whole_image(body)
    assert has_image_ends(body[:16], body[-64:])
    assert classify_image(200, "image/jpeg", body, MISSING) is Verdict.WHOLE


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(JPEG[: len(JPEG) // 2], id="jpeg cut"),
        pytest.param(PNG[:-12], id="png without IEND"),
        pytest.param(b"<html>Server error</html>", id="html page"),
        pytest.param(b"", id="empty"),
    ],
)
def test_damaged_images_are_retried(body: bytes) -> None:
    assert not is_whole_image(body)
    assert classify_image(200, "image/jpeg", body, MISSING) is Verdict.RETRY


def test_tiff_needs_its_declared_length() -> None:
    tiff = b"II*\x00" + b"t" * 100
    assert classify_image(200, "image/tiff", tiff, MISSING, declared_length=104) is Verdict.WHOLE
    assert classify_image(200, "text/html", tiff, MISSING, declared_length=104) is Verdict.WHOLE
    assert classify_image(200, "image/tiff", tiff, MISSING) is Verdict.RETRY
    assert classify_image(200, "image/tiff", tiff[:50], MISSING, declared_length=104) is (
        Verdict.RETRY
    )


WEBP = b"RIFF" + (20).to_bytes(4, "little") + b"WEBPVP8 " + b"w" * 12
GIF = b"GIF89a" + b"g" * 40 + b";"
TIFF = b"MM\x00*" + b"t" * 40


@pytest.mark.parametrize(
    ("body", "ext"),
    [(JPEG, ".jpg"), (PNG, ".png"), (WEBP, ".webp"), (GIF, ".gif"), (TIFF, ".tif")],
)
def test_the_extension_comes_from_the_bytes(body: bytes, ext: str) -> None:
    assert image_extension(body) == ext
    assert has_image_ends(body[:16], body[-64:])  # a stored one is found again


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"#!/bin/sh\nrm -rf ~\n", id="shell script"),
        pytest.param(b"<?php system($_GET['c']); ?>", id="php"),
        pytest.param(b"<html><script>alert(1)</script></html>", id="html with script"),
        pytest.param(b"MZ\x90\x00\x03" + b"\x00" * 60, id="windows executable"),
        pytest.param(b"\x1f\x8b\x08\x00" + b"\x00" * 60, id="gzip"),
        pytest.param(b"", id="empty"),
    ],
)
def test_anything_else_is_not_an_image(body: bytes) -> None:
    assert image_extension(body) is None
    assert not is_whole_image(body, declared_length=len(body))
    assert classify_image(200, "image/jpeg", body, MISSING, declared_length=len(body)) is (
        Verdict.RETRY
    )


def test_statuses() -> None:
    assert classify_image(404, "text/html", b"", MISSING) is Verdict.MISSING
    assert classify_image(429, "text/plain", b"", MISSING) is Verdict.RETRY
    assert classify_image(403, "text/html", b"", MISSING) is Verdict.FAILED


def test_images_of_one_record_never_share_a_name() -> None:
    assert image_stems([0, 1, 2]) == ["0", "1", "2"]
    # Collisions: the first at a position keeps it, later ones get -1, -2 in record order.
    assert image_stems([0, 0, 1, 1, 0]) == ["0", "0-1", "1", "1-1", "0-2"]
    assert image_stems([5, 5, 5]) == ["5", "5-1", "5-2"]
    # Stable: the same positions, the same names.
    assert image_stems([2, 0, 2]) == image_stems([2, 0, 2]) == ["2", "0", "2-1"]
