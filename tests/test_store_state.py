from __future__ import annotations

import json

from louvre_scraper.store.layout import state_path
from louvre_scraper.store.state import GONE, LEFT_OUT, ImageState, RecordState

ARK = "cl010062370"


def test_a_record_state_round_trips_with_its_validators_and_images() -> None:
    state = RecordState(
        ARK,
        url=f"https://x/ark:/53355/{ARK}.json",
        fetched="2026-12-01T10:00:00Z",
        etag='"abc"',
        last_modified="Tue, 01 Dec 2026 09:00:00 GMT",
        images={
            "0": ImageState.stored("https://x/0.jpg", f"images/{ARK}/0.jpg", 1234, "ff" * 32, "t"),
            "1": ImageState("https://x/1.jpg", GONE, gone_since="2026-11-30T00:00:00Z"),
            "2": ImageState("https://x/2.jpg", LEFT_OUT, left_out="images=first"),
        },
    )
    data = state.to_bytes()
    assert RecordState.from_bytes(data, ARK) == state
    body = json.loads(data)
    assert body["version"] == 1
    assert body["images"]["0"] == {
        "url": "https://x/0.jpg",
        "status": "stored",
        "path": f"images/{ARK}/0.jpg",
        "size": 1234,
        "sha256": "ff" * 32,
        "fetched": "t",
    }


def test_a_state_that_cannot_be_read_is_none() -> None:
    assert RecordState.from_bytes(None, ARK) is None
    assert RecordState.from_bytes(b"{not json", ARK) is None
    assert RecordState.from_bytes(b'{"ark": "cl010000001", "images": {}}', ARK) is None
    bad = b'{"ark": "%s", "images": {"0": {"url": "u", "status": "lost"}}}' % ARK.encode()
    assert RecordState.from_bytes(bad, ARK) is None
    assert RecordState.from_bytes(b'{"ark": "%s", "images": {"0": 3}}' % ARK.encode(), ARK) is None


def test_the_state_lives_in_the_store_beside_the_records() -> None:
    assert state_path(ARK) == f"state/{ARK}.json"
