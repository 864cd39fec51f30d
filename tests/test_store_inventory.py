"""What every inventory shares (louvre_scraper/store/inventory.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from louvre_scraper.bodies.ends import Ends
from louvre_scraper.bodies.images import TAIL_BYTES, has_image_ends
from louvre_scraper.store.inventory import find_first
from louvre_scraper.store.local import LocalInventory


def test_find_first_finds_an_image_whatever_its_extension(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"p" * 40 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "0.png").write_bytes(png)
    (tmp_path / "images" / "1.jpg").write_bytes(b"<html>not an image, same name</html>")
    inventory = LocalInventory(tmp_path)
    ends = Ends(has_image_ends, TAIL_BYTES)
    candidates = [f"images/0{ext}" for ext in (".jpg", ".png", ".webp")]
    found = asyncio.run(find_first(inventory, candidates, ends))
    assert found is not None
    assert found[0] == "images/0.png"
    assert found[1].size == len(png)
    assert asyncio.run(find_first(inventory, ["images/1.jpg", "images/1.png"], ends)) is None
