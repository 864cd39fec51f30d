"""The pure parts of verification (louvre_scraper/dataset/verification.py): the manifest merge."""

from __future__ import annotations

from louvre_scraper.dataset.verification import Finding, compare, decode_path, encode_path
from louvre_scraper.store.layout import path_order


def test_compare_merges_two_lists_in_store_order() -> None:
    store = [("a/b", "1"), ("a-c", "2"), ("b", "3"), ("d", "5")]
    manifest = [("a/b", "1"), ("a-c", "X"), ("c", "4"), ("d", "5")]
    assert sorted(store, key=lambda e: path_order(e[0])) == store  # "a/b" before "a-c"

    found = list(compare(store, manifest))

    assert found == [
        Finding("differs", "a-c", "its sha256 is not the one in manifest-sha256.txt"),
        Finding("unlisted", "b", "not in manifest-sha256.txt"),
        Finding("missing", "c", "listed in manifest-sha256.txt, not in the store"),
    ]


def test_paths_are_percent_encoded_as_bagit_says() -> None:
    odd = "images/a%b\nc.jpg"
    assert encode_path(odd) == "images/a%25b%0Ac.jpg"
    assert decode_path(encode_path(odd)) == odd
