"""A synthetic mirror, as ``scrapy crawl collection`` leaves a store, for the benches of the
commands that read one (``scrapy export``, ``scrapy verify``, ``scrapy catalogue``).

The records are made up from the real ones in ``../shared/reference/real-records/`` (each a
template: a new ark, title, department, dates and 0 to 3 images each), encoded as the site
encodes JSON. Each image is a real JPEG, a hard link to one of a few files, so that a
500,000-record store takes minutes to write, not hours: a small one by default, or the
caller's (``scrapy catalogue``'s bench gives one of the site's size, since thumbnails cost by
the pixel). ``with_images=N`` stores the images of the first N records only (the others are
listed by their records, not in the store), so that a bench need not thumbnail 700,000 images.

``python -m bench.synthetic DIR --records 500000 [--with-images N]`` writes one.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

from bench import ROOT, log

REAL = ROOT.parent / "shared" / "reference" / "real-records"
DEPARTMENTS = (
    "Département des Antiquités égyptiennes",
    "Département des Antiquités grecques, étrusques et romaines",
    "Département des Antiquités orientales",
    "Département des Arts de l'Islam",
    "Département des Arts graphiques",
    "Département des Objets d'art du Moyen Age, de la Renaissance et des temps modernes",
    "Département des Peintures",
    "Département des Sculptures du Moyen Age, de la Renaissance et des temps modernes",
)
LINKS_PER_FILE = 60_000  # ext4 allows 65,000 links to one inode
MARKER = ".bench-store"  # records=N: a store this module made, reused when asked again


def templates() -> list[dict[str, Any]]:
    return [json.loads(p.read_bytes()) for p in sorted(REAL.glob("cl*.json"))]


def site_json(record: dict[str, Any]) -> bytes:
    """As the site encodes it: ASCII only, ``\\/`` for ``/``."""
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def synthetic_record(template: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    """A record of the template's shape for ark ``cl01{number:07d}``."""
    record = copy.deepcopy(template)
    ark = f"cl01{number:07d}"
    base = "https://collections.louvre.fr"
    record["arkId"] = ark
    record["url"] = f"{base}/ark:/53355/{ark}"
    record["modified "] = (
        f"{rng.randint(2021, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    )
    record["title"] = f"{template['title']} n° {number}"
    record["collection"] = rng.choice(DEPARTMENTS)
    start = rng.randint(-3000, 1900)
    for date in record.get("dateCreated") or []:
        if isinstance(date, dict):
            date["startYear"], date["endYear"] = start, start + rng.randint(0, 200)
    copyrights = [i.get("copyright", "") for i in template.get("image") or []] or ["© Louvre"]
    media = f"0000000021/{number:010d}"
    record["image"] = [
        {
            "urlImage": f"{base}/media/cache/large/{media}/{position:010d}_OG.JPG",
            "urlThumbnail": f"{base}/media/cache/small/{media}/{position:010d}_OG.JPG",
            "copyright": rng.choice(copyrights),
            "type": rng.choice(("", "", "", "profil", "détail")),
            "position": position,
        }
        for position in range(rng.choice((0, 1, 1, 2, 2, 3)))
    ]
    return record


def small_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 140, 90)).save(out, "JPEG", quality=80)
    return out.getvalue()


def build_store(
    store: Path,
    records: int,
    seed: int = 17,
    *,
    with_images: int | None = None,
    image: bytes | None = None,
) -> int:
    """Write (or reuse) a synthetic mirror of *records* records, the images of the first
    *with_images* of them stored (all when None), each a hard link to *image* (a small JPEG
    when None); the number of images stored."""
    jpeg = image if image is not None else small_jpeg()
    digest = hashlib.sha256(jpeg).hexdigest()[:12]
    made = f"records={records} with_images={with_images} image={digest} "
    marker = store / MARKER
    if marker.is_file() and marker.read_text().startswith(made):
        log(f"reusing the synthetic store in {store}")
        return int(marker.read_text().split("images=")[1])
    shutil.rmtree(store, ignore_errors=True)
    (store / "records").mkdir(parents=True)
    sources = store / ".sources"
    sources.mkdir()
    rng = random.Random(seed)
    shapes = templates()
    images = 0
    source = None
    for number in range(1, records + 1):
        record = synthetic_record(shapes[number % len(shapes)], number, rng)
        ark = record["arkId"]
        (store / "records" / f"{ark}.json").write_bytes(site_json(record))
        if record["image"] and (with_images is None or number <= with_images):
            folder = store / "images" / ark
            folder.mkdir(parents=True)
            for entry in record["image"]:
                if images % LINKS_PER_FILE == 0:
                    source = sources / f"{images // LINKS_PER_FILE}.jpg"
                    source.write_bytes(jpeg)
                assert source is not None
                os.link(source, folder / f"{entry['position']}.jpg")
                images += 1
        if number % 50_000 == 0:
            log(f"synthetic store: {number}/{records} records")
    marker.write_text(f"{made}images={images}")
    return images


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__)
    parser.add_argument("store", type=Path, help="the store's directory (FILES_STORE)")
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument(
        "--with-images", type=int, metavar="N", help="store the images of the first N only"
    )
    args = parser.parse_args(argv)
    images = build_store(args.store, args.records, with_images=args.with_images)
    log(f"{args.store}: {args.records} records, {images} images")


if __name__ == "__main__":
    main()
