"""The inventory of the other remote stores (louvre_scraper/store/remote.py), asked per file."""

from __future__ import annotations

import asyncio

from louvre_scraper.store.remote import StatInventory


class FakeRemoteStore:
    """What FilesPipeline's GCS and FTP stores answer: a stat dict, empty when absent."""

    def stat_file(self, path: str, info: object) -> dict[str, object]:
        return {"checksum": "abc", "last_modified": 1.0} if path == "1.zip" else {}


def test_other_remote_stores_are_asked_per_id() -> None:
    inventory = StatInventory(FakeRemoteStore(), info=None)  # type: ignore[arg-type]
    found = asyncio.run(inventory.find("1.zip"))
    assert found is not None and found.checksum == "abc"
    assert asyncio.run(inventory.find("2.zip")) is None
