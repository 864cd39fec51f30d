"""Every stored path built in one place (louvre_scraper/store/layout.py)."""

from __future__ import annotations

import pytest

from louvre_scraper.store.layout import UnsafePath, contained, template_regex


@pytest.mark.parametrize(
    "path", ["records/cl010000301.json", "images/cl010000301/0-1.jpg", "121146.zip"]
)
def test_paths_inside_the_store(path: str) -> None:
    assert contained(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../outside.jpg",
        "images/../../outside.jpg",
        "images//0.jpg",
        "images/./0.jpg",
        "images/cl010000301/",
        "images\\..\\0.jpg",
        "images/cl010000301/0\x1b.jpg",
        "images/cl010000301/0\n.jpg",
    ],
)
def test_paths_outside_the_store_are_refused(path: str) -> None:
    with pytest.raises(UnsafePath):
        contained(path)


def test_template_regex() -> None:
    assert template_regex("records/{ark}.json").match("records/cl010062370.json")["ark"] == (
        "cl010062370"
    )
    assert template_regex("images/{ark}/{position}{ext}").match("images/cl010062370/12.png")
    assert not template_regex("records/{ark}.json").match("records/cl010062370.json.tmp")
    assert template_regex("{ark}/{ark}-{position}.jpg").match("cl010000001/cl010000001-0.jpg")
