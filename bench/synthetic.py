"""A synthetic store, as ``scrapy crawl collection`` leaves it, for the benches of the commands
that read a store (``scrapy catalogue``, ``scrapy export``, ``scrapy verify``).

``records/{ark}.json``: the fake collection's records (``fakesite.collection``, real-shaped:
French text, current and former creators, dates, dimensions, per-image copyrights), served
with the museum's base URL. ``images/{ark}/{position}{ext}``: real images, for the first
*with_images* records only: a few hundred thousand images would take hours to thumbnail on a
laptop, and their bytes would fill its disk. The image files are hard links to a handful of
real JPEGs/PNGs of the site's size (long side up to 1500 px; ``--long-side`` smaller ones, so
that resizing every image of a full-size store takes minutes, not hours): every path is its
own file to a reader (each is decoded on its own), at the disk cost of the handful.

``python -m bench.synthetic DIR --records 500000 --with-images 5000`` writes one.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import random
import shutil
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

BASE_URL = "https://collections.louvre.fr"
MASTERS = 12  # distinct image files the store's images are hard links to
LONG_SIDE = 1500  # the masters' long side, in pixels: the site's full-size images


@dataclass
class SyntheticStore:
    root: Path
    records: int = 0
    images: int = 0  # image files in the store
    listed_images: int = 0  # images the records list (the others are not stored)
    record_bytes: int = 0
    seconds: float = 0.0


def master_images(directory: Path, seed: int, long_side: int = LONG_SIDE) -> dict[str, list[Path]]:
    """A few real images of *long_side* px on their long side (the site's: 1500), by extension."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"masters:{seed}")
    directory.mkdir(parents=True, exist_ok=True)
    masters: dict[str, list[Path]] = {".jpg": [], ".png": []}
    for n in range(MASTERS):
        ext = ".png" if n % 6 == 5 else ".jpg"
        long, short = long_side, rng.randint(700, 1400) * long_side // LONG_SIDE
        size = (long, short) if n % 2 else (short, long)
        image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(60):  # some detail, so that JPEG has something to encode
            x, y = rng.randrange(size[0]), rng.randrange(size[1])
            low, high = max(1, 20 * long_side // LONG_SIDE), max(2, 400 * long_side // LONG_SIDE)
            box = (x, y, x + rng.randint(low, high), y + rng.randint(low, high))
            draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
        out = io.BytesIO()
        image.save(out, "PNG" if ext == ".png" else "JPEG", quality=88)
        path = directory / f"master-{n}{ext}"
        path.write_bytes(out.getvalue())
        masters[ext].append(path)
    return masters


def link(masters: list[Path], index: int, target: Path) -> None:
    """Hard-link *target* to ``masters[index]``; a master at ext4's limit of 65,000 links (a
    store of every image of 500,000 records) is replaced by a fresh copy of itself."""
    try:
        os.link(masters[index], target)
    except OSError as error:
        if error.errno != errno.EMLINK:
            raise
        fresh = masters[index].with_name(
            f"{masters[index].stem}-{time.monotonic_ns()}{target.suffix}"
        )
        shutil.copyfile(masters[index], fresh)
        masters[index] = fresh
        os.link(fresh, target)


def build_store(
    root: Path,
    records: int,
    *,
    with_images: int = 0,
    seed: int = 0,
    log: bool = True,
    long_side: int = LONG_SIDE,
) -> SyntheticStore:
    """Write a store of *records* records under *root*; the first *with_images* with their
    images stored, of *long_side* px."""
    from fakesite.collection import CollectionConfig, FakeCollection
    from fakesite.records import encode_record

    started = time.monotonic()
    fake = FakeCollection(CollectionConfig(records=records, seed=seed))
    masters = master_images(root.parent / f".{root.name}-masters", seed, long_side)
    store = SyntheticStore(root)
    (root / "records").mkdir(parents=True, exist_ok=True)
    for n, ark in enumerate(fake.served_arks()):
        record = fake.record(ark, BASE_URL)
        assert record is not None
        body = encode_record(record)
        (root / "records" / f"{ark}.json").write_bytes(body)
        store.records += 1
        store.record_bytes += len(body)
        entries = record.get("image") or []
        store.listed_images += len(entries)
        if n < with_images and entries:
            folder = root / "images" / ark
            folder.mkdir(parents=True, exist_ok=True)
            for entry in entries:
                ext = ".png" if entry["urlImage"].lower().endswith(".png") else ".jpg"
                choices = masters[ext]
                target = folder / f"{entry['position']}{ext}"
                if not target.exists():
                    link(choices, zlib.crc32(target.as_posix().encode()) % len(choices), target)
                store.images += 1
        if log and store.records % 50_000 == 0:
            print(f"synthetic store: {store.records:,} records", file=sys.stderr)
    store.seconds = time.monotonic() - started
    if log:
        print(
            f"synthetic store {root}: {store.records:,} records"
            f" ({store.record_bytes / 1e6:,.0f} MB), {store.images:,} of"
            f" {store.listed_images:,} images stored, in {store.seconds:.0f} s",
            file=sys.stderr,
        )
    return store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the store's directory (FILES_STORE)")
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument(
        "--with-images",
        type=int,
        default=5_000,
        metavar="N",
        help="store the images of the first N records only",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--long-side", type=int, default=LONG_SIDE, metavar="PX", help="the images' long side"
    )
    args = parser.parse_args(argv)
    build_store(
        args.root,
        args.records,
        with_images=args.with_images,
        seed=args.seed,
        long_side=args.long_side,
    )


if __name__ == "__main__":
    main()
