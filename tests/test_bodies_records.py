"""A record judged and parsed from its body (louvre_scraper/bodies/records.py)."""

from __future__ import annotations

import pytest

from louvre_scraper.bodies.records import classify_record, parse_record
from louvre_scraper.contract import Verdict
from tests.test_records_fields import MISSING, REAL_FILES


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (200, REAL_FILES[0].read_bytes(), Verdict.WHOLE),
        (200, b"<!DOCTYPE html><html>Server error</html>", Verdict.RETRY),
        (200, REAL_FILES[0].read_bytes()[:-10], Verdict.RETRY),
        (200, b"[1, 2]", Verdict.RETRY),
        (404, b"<html>Not Found</html>", Verdict.MISSING),
        (503, b"", Verdict.RETRY),
        (403, b"", Verdict.FAILED),
    ],
)
def test_a_record_is_judged_from_its_body(status: int, body: bytes, verdict: Verdict) -> None:
    assert classify_record(status, "application/json", body, MISSING) is verdict


def test_parse_record() -> None:
    assert parse_record(b'{"title": "no ark"}') is None
    assert parse_record(REAL_FILES[0].read_bytes())["title"] == "pendentif ; amulette"
