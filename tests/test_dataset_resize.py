from __future__ import annotations

import io

import pytest
from PIL import Image

from louvre_scraper.dataset.resize import RESIZE_MODES, Resize, resize_image


def _jpeg(width: int, height: int, *, orientation: int | None = None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    if orientation is None:
        image.save(out, "JPEG", quality=95)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def _png_with_alpha(width: int, height: int) -> bytes:
    image = Image.new("RGBA", (width, height), (10, 200, 10, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("width", "height", "mode", "expected"),
    [
        (1200, 800, "keep-ratio", (256, 171)),  # landscape
        (800, 1200, "keep-ratio", (171, 256)),  # portrait
        (1200, 800, "center-crop", (256, 256)),
        (800, 1200, "center-crop", (256, 256)),
        (1200, 800, "border", (256, 256)),
        (800, 1200, "border", (256, 256)),
    ],
)
def test_each_mode_gives_its_size_as_a_jpeg(width, height, mode, expected):
    resized = resize_image(_jpeg(width, height), Resize(256, mode, quality=90))
    image = _decoded(resized.data)
    assert (image.format, resized.extension) == ("JPEG", "jpg")
    assert image.size == (resized.width, resized.height) == expected


def test_keep_ratio_landscape_and_portrait_keep_their_content():
    landscape = _decoded(resize_image(_jpeg(2000, 1000), Resize(500)).data)
    portrait = _decoded(resize_image(_jpeg(1000, 2000), Resize(500)).data)
    assert (landscape.size, portrait.size) == ((500, 250), (250, 500))
    red, green, blue = landscape.getpixel((250, 125))
    assert red > 180 and green < 60 and blue < 60


def test_border_pads_with_black_around_the_fitted_image():
    white = _jpeg(1200, 600, color=(255, 255, 255))
    image = _decoded(resize_image(white, Resize(300, "border")).data)
    assert image.size == (300, 300)
    assert max(image.getpixel((150, 10))) < 20  # the band above: black
    assert min(image.getpixel((150, 150))) > 235  # the image itself, 300 x 150 in the middle


def test_center_crop_keeps_the_centre():
    image = Image.new("RGB", (900, 300), (0, 0, 255))
    image.paste((255, 0, 0), (300, 0, 600, 300))  # the centre third red
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    cropped = _decoded(resize_image(out.getvalue(), Resize(150, "center-crop")).data)
    assert cropped.size == (150, 150)
    for x, y in [(5, 5), (144, 144), (75, 75)]:
        red, _, blue = cropped.getpixel((x, y))
        assert red > 200 and blue < 60


def test_exif_orientation_is_applied():
    # Stored 400 x 200 with orientation 6 (rotate 90 on display): shown 200 x 400.
    resized = resize_image(_jpeg(400, 200, orientation=6), Resize(100))
    image = _decoded(resized.data)
    assert image.size == (resized.width, resized.height) == (50, 100)
    assert image.getexif().get(0x0112) in (None, 1)


def test_png_with_alpha_stays_a_png_with_transparent_padding():
    resized = resize_image(_png_with_alpha(400, 200), Resize(100, "border"))
    image = _decoded(resized.data)
    assert (image.format, image.mode, resized.extension) == ("PNG", "RGBA", "png")
    assert image.size == (100, 100)
    assert image.getpixel((50, 5))[3] == 0  # padding: transparent
    red, green, blue, alpha = image.getpixel((50, 50))  # the image: alpha kept
    assert alpha == 128 and abs(red - 10) <= 2 and abs(green - 200) <= 2 and abs(blue - 10) <= 2


def test_png_with_alpha_keep_ratio():
    resized = resize_image(_png_with_alpha(400, 200), Resize(100))
    assert (resized.extension, resized.width, resized.height) == ("png", 100, 50)


def test_opaque_png_becomes_a_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(out, "PNG")
    resized = resize_image(out.getvalue(), Resize(100))
    assert (resized.extension, _decoded(resized.data).format) == ("jpg", "JPEG")


def test_small_image_is_never_enlarged():
    data = _jpeg(120, 80)
    keep = resize_image(data, Resize(256))
    assert (keep.width, keep.height) == (120, 80)
    # center-crop: the centre square of the short side, not scaled up to 256.
    crop = resize_image(data, Resize(256, "center-crop"))
    assert (crop.width, crop.height) == _decoded(crop.data).size == (80, 80)
    # border: still the asked square, the image unscaled in its middle.
    border = _decoded(resize_image(data, Resize(256, "border")).data)
    assert border.size == (256, 256)
    assert max(border.getpixel((128, 40))) < 20  # above the 80-pixel-high image: black
    assert border.getpixel((128, 128))[0] > 180  # the image itself


def test_center_crop_of_an_image_small_on_one_side_only():
    crop = resize_image(_jpeg(100, 600), Resize(256, "center-crop"))
    assert (crop.width, crop.height) == (100, 100)


def test_draft_decodes_a_large_jpeg_at_reduced_scale_to_the_exact_size():
    # 4000 x 3000 to 256: libjpeg decodes at 1/8 (500 x 375), then LANCZOS to the size.
    resized = resize_image(_jpeg(4000, 3000), Resize(256))
    assert (resized.width, resized.height) == (256, 192)
    crop = resize_image(_jpeg(4000, 3000), Resize(256, "center-crop"))
    assert (crop.width, crop.height) == (256, 256)


def test_quality_changes_the_jpeg():
    image = Image.effect_noise((600, 600), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    high = resize_image(out.getvalue(), Resize(300, quality=95))
    low = resize_image(out.getvalue(), Resize(300, quality=30))
    assert len(low.data) < len(high.data)


def test_undecodable_bytes_raise():
    with pytest.raises(OSError):
        resize_image(b"not an image", Resize(64))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0,), "image size must be a positive whole number of pixels, not 0"),
        (
            (256, "stretch"),
            "resize mode must be one of keep-ratio, center-crop, border, not 'stretch'",
        ),
        ((256, "border", 0), "JPEG quality must be a whole number from 1 to 100, not 0"),
        ((256, "border", 101), "JPEG quality must be a whole number from 1 to 100, not 101"),
    ],
)
def test_a_bad_resize_is_refused_in_one_line(args, message):
    with pytest.raises(ValueError) as refused:
        Resize(*args)
    assert str(refused.value) == message


def test_parse_reads_command_line_text():
    assert Resize.parse("384", "center-crop", "80") == Resize(384, "center-crop", 80)
    assert Resize.parse(" 64 ") == Resize(64, "keep-ratio", 95)
    with pytest.raises(ValueError, match=r"^image size must be a whole number, not 'big'$"):
        Resize.parse("big")
    assert RESIZE_MODES == ("keep-ratio", "center-crop", "border")
