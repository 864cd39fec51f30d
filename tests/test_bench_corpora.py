"""bench.corpora: the zips and the collection as files, without nginx."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bench import BenchError
from bench.corpora import (
    CollectionCorpus,
    Corpus,
    build_collection_corpus,
    image_store_path,
    zip_bytes,
)
from fakesite.collection import CollectionConfig, FakeCollection


@pytest.mark.parametrize("size", [200, 4096, 70_000])
def test_a_zip_is_valid_and_exactly_the_size_asked(size: int) -> None:
    data = zip_bytes(7, size)
    assert len(data) == size
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["image_7.jpg"]


def test_a_zip_below_the_archive_overhead_is_refused() -> None:
    with pytest.raises(BenchError, match="overhead"):
        zip_bytes(1, 50)


def test_a_zip_corpus_probes_one_present_and_one_absent_id(tmp_path: Path) -> None:
    corpus = Corpus("small", ids=5, density=0.5, size=100, root=tmp_path, present=[1, 3], port=8)
    assert corpus.url(3) == "http://127.0.0.1:8/en/artwork/image/download/3/0"
    assert corpus.file(3) == tmp_path / "en/artwork/image/download/3/0"
    assert corpus.probes() == [
        (corpus.url(1), 200, "application/zip"),
        (corpus.url(2), 404, None),
    ]
    assert corpus.present_bytes == 200
    assert not corpus.pinned


@pytest.mark.parametrize(
    ("url_path", "stored"),
    [
        ("/media/cache/large/0000000003/0004897686_OG.JPG", "images/cl01/2.jpg"),
        ("/media/cache/large/0000000003/0004897686_OG.png", "images/cl01/2.png"),
        ("/media/cache/original/AGO352701-000_PE", "images/cl01/2.jpg"),
    ],
)
def test_an_image_is_stored_under_its_lower_cased_extension(url_path: str, stored: str) -> None:
    assert image_store_path("cl01", 2, url_path) == stored


def test_the_collection_corpus_holds_every_byte_the_fake_server_serves(tmp_path: Path) -> None:
    corpus = build_collection_corpus(
        "collection", records=12, per_sitemap=5, image_size=1000, root=tmp_path, port=4321, seed=0
    )
    fake = FakeCollection(CollectionConfig(records=12, per_sitemap=5, image_size=1000))
    base = "http://127.0.0.1:4321"
    assert isinstance(corpus, CollectionCorpus)
    assert corpus.pinned
    assert corpus.arks == fake.served_arks()
    assert corpus.sitemaps == 3 == len(fake.sitemap_paths())
    assert (tmp_path / "robots.txt").read_bytes() == fake.robots_txt(base)
    assert f"Sitemap: {base}/sitemap.xml" in corpus.robots_txt
    assert (tmp_path / "sitemap.xml").read_bytes() == fake.sitemap_index_bytes(base)
    assert (tmp_path / "media/sitemap/sitemap2.xml").read_bytes() == fake.sitemap_bytes(2, base)
    ark = corpus.arks[0]
    assert corpus.record_file(ark).read_bytes() == fake.record_bytes(ark, base)
    assert corpus.record_file(ark) == tmp_path / f"ark:/53355/{ark}.json"
    images = fake.images()
    assert set(corpus.images) == set(images)
    assert corpus.image_bytes == sum(map(len, images.values()))
    for url_path, body in images.items():
        assert corpus.served(url_path).read_bytes() == body
    assert corpus.image_urls() == [base + path for path in corpus.images]
    expected = corpus.expected()
    assert len(expected) == len(corpus.arks) + len(images)
    assert expected[f"records/{ark}.json"] == corpus.record_file(ark)
    assert all(name.startswith("images/") for name in corpus.expected(records=False))
    assert corpus.describe()["images"] == len(images)
