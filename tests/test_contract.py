"""The contract: what a request is (kind_of) and the statuses items carry."""

from __future__ import annotations

import json
import pickle

import pytest
from scrapy import Request
from scrapy.utils.request import request_from_dict

from louvre_scraper.contract import (
    ID_META,
    JUDGED,
    KIND_META,
    RequestKind,
    Status,
    is_judged,
    kind_of,
)

ZIP_URL = "http://h/en/artwork/image/download/5/0"


@pytest.mark.parametrize(
    ("meta", "url", "kind"),
    [
        ({KIND_META: RequestKind.PROBE, ID_META: 5}, f"{ZIP_URL}", "probe"),
        ({KIND_META: RequestKind.ZIP, ID_META: 5}, f"{ZIP_URL}", "zip"),
        ({KIND_META: RequestKind.RECORD}, "http://h/ark:/53355/cl010000301.json", "record"),
        ({KIND_META: RequestKind.IMAGE}, "http://h/media/cache/x.jpg", "image"),
        ({"dont_obey_robotstxt": True}, "http://h/robots.txt", "robots"),
        ({}, "http://h/robots.txt", "sitemap"),  # the collection spider's own robots.txt read
        ({}, "http://h/media/sitemap/sitemap0.xml", "sitemap"),
    ],
)
def test_kind_of_tells_every_request(meta: dict, url: str, kind: str) -> None:
    assert kind_of(Request(url, meta=meta)) == kind


def test_kind_of_reads_the_kind_by_value_too() -> None:
    """A kind given as its plain string (e.g. by hand in a test or a script) is the same kind."""
    assert kind_of(Request(ZIP_URL, meta={KIND_META: "probe"})) is RequestKind.PROBE


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="'thumbnail'"):
        kind_of(Request(ZIP_URL, meta={KIND_META: "thumbnail"}))


def test_the_kind_survives_jobdir() -> None:
    """JOBDIR's disk queues pickle each request's dict: a restored request has its kind."""
    request = Request(ZIP_URL, meta={KIND_META: RequestKind.ZIP, ID_META: 5})
    restored = request_from_dict(pickle.loads(pickle.dumps(request.to_dict())))
    assert kind_of(restored) is RequestKind.ZIP
    assert restored.meta[ID_META] == 5


@pytest.mark.parametrize("kind", list(RequestKind))
def test_judged_kinds_are_the_ones_answers_are_judged_for(kind: RequestKind) -> None:
    judged = kind in (RequestKind.ZIP, RequestKind.PROBE, RequestKind.RECORD, RequestKind.IMAGE)
    assert is_judged(Request(ZIP_URL, meta={KIND_META: kind})) is judged
    assert (kind in JUDGED) is judged


def test_statuses_are_the_feeds_strings() -> None:
    """The feed's values stay the plain strings: JSON, CSV and comparisons see no enum."""
    assert json.dumps({"status": Status.UPTODATE}) == '{"status": "uptodate"}'
    assert f"{Status.DOWNLOADED}" == str(Status.DOWNLOADED) == "downloaded"
    assert Status.MISSING == "missing"
    assert [s.value for s in Status] == [
        "downloaded",
        "uptodate",
        "filtered",
        "missing",
        "failed",
        "stored",
        "left_out",  # an image the crawl left out on purpose, read back (issue 34)
    ]
