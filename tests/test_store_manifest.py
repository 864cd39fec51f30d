from __future__ import annotations

import pytest

from louvre_scraper.errors import BadInput
from louvre_scraper.store.manifest import manifest_lines, parse, updated


def test_a_run_s_files_are_merged_in_path_order() -> None:
    entries = [("a/b", "1"), ("a-c", "2"), ("c", "3"), ("d", "4")]
    written = {"a-c": "X", "b": "5", "e": "6", "a/a": "7"}

    merged = list(updated(entries, written, deleted=["c"]))

    assert merged == [("a/a", "7"), ("a/b", "1"), ("a-c", "X"), ("b", "5"), ("d", "4"), ("e", "6")]


def test_the_lines_read_back() -> None:
    digest = "ab" * 32
    data = b"".join(manifest_lines([("images/a\nb.jpg", digest), ("r/x.json", digest)]))
    assert data.splitlines()[0] == f"{digest}  images/a%0Ab.jpg".encode()
    assert list(parse([data[:50], data[50:]])) == [
        ("images/a\nb.jpg", digest),
        ("r/x.json", digest),
    ]
    with pytest.raises(BadInput, match="line 1"):
        list(parse([b"not a manifest\n"]))
