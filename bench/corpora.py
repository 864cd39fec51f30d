"""The corpora the tools download, written to disk for nginx to serve.

Two kinds: zip corpora (``small``, ``large``: ``/en/artwork/image/download/{id}/0``, the route
of ``scrapy crawl louvre``) and the ``collection`` corpus (robots.txt, sitemaps, record JSON
and images, the documented route of ``scrapy crawl collection``), whose every byte comes from
``fakesite.collection.FakeCollection``, the fake server the tests use.
"""

from __future__ import annotations

import io
import os
import posixpath
import random
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bench import MIB, BenchError, log

DOWNLOAD_DIR = "en/artwork/image/download"
ROBOTS_TXT = "User-agent: *\nDisallow: /search/export\n"
ZIP_DATE = (2021, 3, 1, 0, 0, 0)
COLLECTION = "collection"
RECORD_DIR = "ark:/53355"  # /ark:/53355/{ark}.json


def zip_bytes(artwork_id: int, size: int) -> bytes:
    """A real zip of exactly *size* bytes: one stored member of random (incompressible) bytes."""
    info = zipfile.ZipInfo(f"image_{artwork_id}.jpg", date_time=ZIP_DATE)

    def build(payload: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(info, payload)
        return buffer.getvalue()

    overhead = len(build(b""))
    if size <= overhead:
        raise BenchError(f"zip size {size} is below the archive overhead {overhead}")
    data = build(os.urandom(size - overhead))
    assert len(data) == size, (len(data), size)
    return data


@dataclass
class Corpus:
    """Zips at ``/en/artwork/image/download/{id}/0`` for IDs 1..ids, a *density* share present."""

    kind: ClassVar[str] = "zips"
    pinned: ClassVar[bool] = False  # the port is chosen by nginx.start (no URL in the bytes)
    name: str
    ids: int
    density: float
    size: int
    root: Path
    present: list[int] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def present_bytes(self) -> int:
        return len(self.present) * self.size

    def file(self, artwork_id: int) -> Path:
        return self.root / DOWNLOAD_DIR / str(artwork_id) / "0"

    def url(self, artwork_id: int) -> str:
        return f"{self.base_url}/{DOWNLOAD_DIR}/{artwork_id}/0"

    @property
    def robots_txt(self) -> str:
        return ROBOTS_TXT

    def nginx_locations(self) -> str:
        return f"location /{DOWNLOAD_DIR}/ {{ default_type application/zip; }}"

    def probes(self) -> list[tuple[str, int, str | None]]:
        """(URL, status, Content-Type) that nginx must answer before any run."""
        found: list[tuple[str, int, str | None]] = []
        if self.present:
            found.append((self.url(self.present[0]), 200, "application/zip"))
        present = set(self.present)
        absent = next((i for i in range(1, self.ids + 2) if i not in present), None)
        if absent is not None:
            found.append((self.url(absent), 404, None))
        return found

    def describe(self) -> dict[str, Any]:
        return {
            "ids": self.ids,
            "density": self.density,
            "present": len(self.present),
            "zip_bytes": self.size,
        }


def build_corpus(
    name: str, *, ids: int, density: float, size: int, root: Path, seed: int
) -> Corpus:
    rng = random.Random(f"{seed}:{name}")
    corpus = Corpus(name, ids, density, size, root)
    corpus.present = [i for i in range(1, ids + 1) if rng.random() < density]
    started = time.monotonic()
    for artwork_id in corpus.present:
        target = corpus.file(artwork_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zip_bytes(artwork_id, size))
    (root / "robots.txt").write_text(ROBOTS_TXT)
    log(
        f"corpus {name}: {len(corpus.present)} of {ids} IDs present, {size:,} B each, "
        f"{corpus.present_bytes / MIB:,.0f} MiB, made in {time.monotonic() - started:.1f}s"
    )
    return corpus


@dataclass
class CollectionCorpus:
    """The documented route as static files: robots.txt → sitemap index → sub-sitemaps →
    ``/ark:/53355/{ark}.json`` → full-size images; every record served, every image 200.

    The record JSON holds absolute URLs, so the port is chosen before the files are written.
    """

    kind: ClassVar[str] = COLLECTION
    pinned: ClassVar[bool] = True
    name: str
    records: int
    per_sitemap: int
    image_size: int
    root: Path
    port: int
    robots_txt: str = ""
    arks: list[str] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)  # URL path -> path in a store
    record_bytes: int = 0
    image_bytes: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sitemaps(self) -> int:
        return -(-len(self.arks) // self.per_sitemap)

    def served(self, url_path: str) -> Path:
        return self.root / url_path.lstrip("/")

    def record_file(self, ark: str) -> Path:
        return self.root / RECORD_DIR / f"{ark}.json"

    def image_urls(self) -> list[str]:
        return [self.base_url + path for path in self.images]

    def expected(self, *, records: bool = True) -> dict[str, Path]:
        """Store path -> corpus file, as ``scrapy crawl collection`` stores them with the
        default templates (``records/{ark}.json``, ``images/{ark}/{position}{ext}``)."""
        files = {store: self.served(path) for path, store in self.images.items()}
        if records:
            files.update({f"records/{ark}.json": self.record_file(ark) for ark in self.arks})
        return files

    def nginx_locations(self) -> str:
        return "\n        ".join(
            (
                "location ~ \\.json$ { default_type application/json; }",
                "location ~ \\.xml$ { default_type application/xml; }",
                "location ~* \\.jpe?g$ { default_type image/jpeg; }",
                "location ~* \\.png$ { default_type image/png; }",
            )
        )

    def probes(self) -> list[tuple[str, int, str | None]]:
        found: list[tuple[str, int, str | None]] = [(f"{self.base_url}/sitemap.xml", 200, None)]
        if self.arks:
            ark = self.arks[0]
            found.append((f"{self.base_url}/{RECORD_DIR}/{ark}.json", 200, "application/json"))
        found.append((f"{self.base_url}/{RECORD_DIR}/cl000000000.json", 404, None))
        return found

    def describe(self) -> dict[str, Any]:
        return {
            "records": len(self.arks),
            "sitemaps": self.sitemaps,
            "images": len(self.images),
            "image_bytes": self.image_size,
            "record_bytes_total": self.record_bytes,
            "image_bytes_total": self.image_bytes,
        }


def image_store_path(ark: str, position: int, url_path: str) -> str:
    """``images/{ark}/{position}{ext}``, the extension lower-cased (``.jpg`` if none)."""
    ext = posixpath.splitext(url_path)[1].lower()
    return f"images/{ark}/{position}{ext if 1 < len(ext) <= 6 else '.jpg'}"


def build_collection_corpus(
    name: str,
    *,
    records: int,
    per_sitemap: int,
    image_size: int,
    root: Path,
    port: int,
    seed: int,
) -> CollectionCorpus:
    """Write the fake collection's every served file under *root*, for nginx on *port*."""
    from fakesite.collection import CollectionConfig, FakeCollection

    started = time.monotonic()
    fake = FakeCollection(
        CollectionConfig(records=records, seed=seed, per_sitemap=per_sitemap, image_size=image_size)
    )
    corpus = CollectionCorpus(name, records, per_sitemap, image_size, root, port)
    base = corpus.base_url
    corpus.robots_txt = fake.robots_txt(base).decode()

    def write(url_path: str, body: bytes) -> int:
        target = corpus.served(url_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return len(body)

    write("/robots.txt", fake.robots_txt(base))
    write("/sitemap.xml", fake.sitemap_index_bytes(base))
    for i, path in enumerate(fake.sitemap_paths()):
        write(path, fake.sitemap_bytes(i, base) or b"")
    corpus.arks = fake.served_arks()
    for ark in corpus.arks:
        corpus.record_bytes += write(
            f"/{RECORD_DIR}/{ark}.json", fake.record_bytes(ark, base) or b""
        )
        for image in fake.record_images(ark):
            # uncached: the cache would hold every image's bytes
            corpus.image_bytes += write(image.path, fake.image_bytes(image.path, cached=False))
            corpus.images[image.path] = image_store_path(ark, image.position, image.path)
    log(
        f"corpus {name}: {len(corpus.arks)} records in {corpus.sitemaps} sitemaps, "
        f"{len(corpus.images)} images of {image_size:,} B, "
        f"{(corpus.record_bytes + corpus.image_bytes) / MIB:,.0f} MiB, "
        f"made in {time.monotonic() - started:.1f}s"
    )
    return corpus
