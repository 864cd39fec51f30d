"""``scrapy export --image-size N --resize-mode M --quality Q`` end to end, in each format that
holds images (imagefolder, webdataset, parquet --embed-images): a portrait, a landscape, an
EXIF-rotated JPEG and a PNG with alpha planted in a copy of the crawled mirror come out at the
asked size and mode, their width and height in the rows, the card and Croissant saying so; with
no size, every image is the store's own bytes; bad values are refused in one line."""

from __future__ import annotations

import io
import json
import tarfile
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.store_commands import assert_one_line_refusal, scrapy

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.store_commands import Mirror

SIZE = 128
RED, BLUE = (220, 20, 20), (20, 20, 220)


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), RED)
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def _png_with_alpha(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (*BLUE, 128)).save(out, "PNG")
    return out.getvalue()


# name: (stored bytes, upright width, height); the EXIF one is stored 600x300, shown rotated
PLANTED = {
    "portrait": (_jpeg(300, 600), 300, 600),
    "landscape": (_jpeg(640, 320), 640, 320),
    "exif-rotated": (_jpeg(600, 300, orientation=6), 300, 600),
    "png-alpha": (_png_with_alpha(400, 200), 400, 200),
}


def expected_size(width: int, height: int, mode: str) -> tuple[int, int]:
    if mode != "keep-ratio":
        return SIZE, SIZE
    scale = SIZE / max(width, height)
    return round(width * scale), round(height * scale)


@pytest.fixture(scope="module")
def planted(
    mirror: Mirror, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the mirror whose first four stored images are the PLANTED ones (by path)."""
    store = mirror.copy(tmp_path_factory.mktemp("resize") / "store")
    files = sorted(p for p in (store / "images").rglob("*") if p.is_file())
    paths = {}
    for (name, (body, _, _)), file in zip(PLANTED.items(), files, strict=False):
        file.write_bytes(body)
        paths[name] = str(file.relative_to(store))
    assert len(paths) == len(PLANTED)
    yield store, paths


def exported_paths(store: Path, tmp: Path) -> dict[str, str]:
    """The images an export holds, by stem: the per-image JSON Lines export's paths."""
    out = tmp / "rows.jsonl"
    run = scrapy("export", str(out), "--per", "image", store=store)
    assert run.returncode == 0, run.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    paths = [json.loads(line)["imagePath"] for line in lines]
    return {_stem(path): path for path in paths}


def _stem(path: str) -> str:
    return path.rsplit(".", 1)[0]


def exported(fmt: str, dest: Path) -> dict[str, tuple[dict[str, Any], bytes]]:
    """Each exported image by its store path without extension: its row and bytes."""
    out: dict[str, tuple[dict[str, Any], bytes]] = {}
    if fmt == "imagefolder":
        for line in (dest / "metadata.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            name = row["file_name"]
            stem = _stem(name.split("/", 1)[1] if name.startswith("part-") else name)
            out[stem] = (row, (dest / name).read_bytes())
    elif fmt == "webdataset":
        for shard in sorted(dest.glob("*.tar")):
            with tarfile.open(shard) as tar:
                members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
            for name, body in members.items():
                if name.endswith(".json"):
                    row = json.loads(body)
                    image = next(
                        members[other]
                        for other in members
                        if other.startswith(f"{row['key']}.") and not other.endswith(".json")
                    )
                    out[_stem(row["imagePath"])] = (row, image)
    else:
        for shard in sorted((dest / "data").rglob("*.parquet")):
            for row in pq.read_table(shard).to_pylist():
                out[_stem(row["imagePath"])] = (row, row.pop("image")["bytes"])
    return out


FORMATS = {
    "imagefolder": ("--format", "imagefolder"),
    "webdataset": ("--format", "webdataset"),
    "parquet": ("--format", "parquet", "--embed-images", "--processes", "2"),
}


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [("imagefolder", "keep-ratio"), ("webdataset", "center-crop"), ("parquet", "border")],
)
def test_every_image_has_the_asked_size_and_mode(
    planted: tuple[Path, dict[str, str]], tmp_path: Path, fmt: str, mode: str
) -> None:
    store, paths = planted
    dest = tmp_path / "out"
    run = scrapy(
        "export", str(dest), *FORMATS[fmt], "--image-size", str(SIZE), "--resize-mode", mode,
        "--quality", "80", store=store,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    images = exported(fmt, dest)
    assert set(images) == set(exported_paths(store, tmp_path))
    for row, body in images.values():  # the site's own images too: none larger than asked
        with Image.open(io.BytesIO(body)) as image:
            assert image.size == (row["imageWidth"], row["imageHeight"])
            assert max(image.size) <= SIZE
    for name, path in paths.items():
        row, body = images[_stem(path)]
        _, width, height = PLANTED[name]
        with Image.open(io.BytesIO(body)) as image:
            image.load()
            assert image.size == expected_size(width, height, mode), name
            assert (row["imageWidth"], row["imageHeight"]) == image.size
            if name == "png-alpha":
                assert (image.format, image.mode) == ("PNG", "RGBA")
            else:
                assert (image.format, image.mode) == ("JPEG", "RGB")
                assert "exif" not in image.info or image.getexif().get(0x0112, 1) == 1
            if mode == "border" and name == "exif-rotated":
                # upright it is a portrait: padded left and right, not top and bottom
                assert image.getpixel((4, SIZE // 2)) == (0, 0, 0)
                red, green, _ = image.getpixel((SIZE // 2, 4))
                assert red > 180 and green < 60
            if mode == "border" and name == "png-alpha":
                assert image.getpixel((SIZE // 2, 2))[3] == 0  # padded with transparency
    said = f"resized to {SIZE} px ({mode}, never enlarged), JPEG quality 80"
    assert said in (dest / "README.md").read_text(encoding="utf-8")
    assert said in json.loads((dest / "croissant.json").read_text(encoding="utf-8"))["description"]


def test_no_size_keeps_the_stored_bytes_in_every_format(
    planted: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    store, paths = planted
    listed = exported_paths(store, tmp_path)
    assert {_stem(path) for path in paths.values()} <= set(listed)
    for fmt, args in FORMATS.items():
        dest = tmp_path / fmt
        run = scrapy("export", str(dest), *args, store=store)
        assert run.returncode == 0, run.stderr
        images = exported(fmt, dest)
        stored = {stem: (store / path).read_bytes() for stem, path in listed.items()}
        assert {stem: body for stem, (_, body) in images.items()} == stored, fmt
        assert all("imageWidth" not in row for row, _ in images.values()), fmt
        assert stored[_stem(paths["png-alpha"])] == PLANTED["png-alpha"][0]
        assert "resized" not in (dest / "README.md").read_text(encoding="utf-8")


def test_bad_resize_options_are_one_line_and_nothing_written(
    mirror: Mirror, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    folder = ("--format", "imagefolder", str(out / "if"))
    cases = [
        (("--image-size", "0", *folder), "positive whole number"),
        (("--image-size", "big", *folder), "image size must be a whole number"),
        (("--image-size", "64", "--resize-mode", "stretch", *folder), "keep-ratio, center"),
        (("--image-size", "64", "--quality", "101", *folder), "from 1 to 100"),
        (("--quality", "80", *folder), "only with --image-size"),
        (("--resize-mode", "border", *folder), "only with --image-size"),
        (("--image-size", "64", str(out / "a.jsonl")), "only for imagefolder, webdataset"),
        (("--image-size", "64", str(out / "a.parquet")), "only for imagefolder, webdataset"),
    ]
    for args, text in cases:
        assert_one_line_refusal(scrapy("export", *args, store=mirror.store), text)
    assert not out.exists() or not any(out.iterdir())


def _written(fmt: str, dest: Path) -> tuple[list[str], dict[str, bytes]]:
    """An export's index (metadata.jsonl's lines, or each shard's members in order) and its
    files' bytes, the Croissant and card aside (they hold the export's date)."""
    if fmt == "imagefolder":
        index = (dest / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
        files = {
            str(p.relative_to(dest)): p.read_bytes()
            for p in sorted(dest.rglob("*"))
            if p.is_file() and p.name not in ("README.md", "croissant.json", "metadata.jsonl")
        }
        return index, files
    index, files = [], {}
    for shard in sorted(dest.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                index.append(f"{shard.name}/{member.name}")
                files[f"{shard.name}/{member.name}"] = tar.extractfile(member).read()
    stats = json.loads((dest / "_stats.json").read_text(encoding="utf-8"))
    index.append(json.dumps([stats["shards"], stats["extensions"], stats["samples"]]))
    return index, files


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "imagefolder", "--image-size", "96"),
        ("--format", "webdataset", "--shard-size", "7", "--image-size", "96"),
        ("--format", "webdataset", "--shard-size", "7"),
    ],
)
def test_two_processes_write_the_same_rows_and_files_as_one(
    planted: tuple[Path, dict[str, str]], tmp_path: Path, args: tuple[str, ...]
) -> None:
    store, _ = planted
    fmt = args[1]
    written = []
    for processes in ("1", "2"):
        dest = tmp_path / processes
        run = scrapy("export", str(dest), *args, "--processes", processes, store=store)
        assert run.returncode == 0, run.stderr
        written.append(_written(fmt, dest))
        card = (dest / "README.md").read_text(encoding="utf-8")
        assert card.count("\n# ") == 1  # one card, written once, at the end
        assert json.loads((dest / "croissant.json").read_text(encoding="utf-8"))["distribution"]
    (index_1, files_1), (index_2, files_2) = written
    assert index_1 and files_1
    assert index_1 == index_2
    assert files_1 == files_2
    if fmt == "webdataset":
        assert len({name.split("/")[0] for name in files_1}) > 1  # several shards
