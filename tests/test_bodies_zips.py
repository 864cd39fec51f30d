from __future__ import annotations

import io
import zipfile

import pytest

from fakesite.zips import corrupt_bytes, zip_bytes
from louvre_scraper.bodies.zips import classify, classify_headers, has_zip_ends, is_whole_zip
from louvre_scraper.contract import Verdict

MISSING = frozenset({404, 410})
HTML = b"<html><body>Server error. Continue to search the Louvre collections</body></html>"


def test_whole_zip_is_a_zip() -> None:
    assert is_whole_zip(zip_bytes(7))
    assert classify(200, "application/zip", zip_bytes(7), MISSING) is Verdict.WHOLE


def test_zip_is_judged_from_the_body_not_the_content_type() -> None:
    assert classify(200, "text/html", zip_bytes(7), MISSING) is Verdict.WHOLE


def test_empty_zip_archive_is_a_zip() -> None:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    assert classify(200, "application/zip", buffer.getvalue(), MISSING) is Verdict.WHOLE


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(corrupt_bytes(zip_bytes(7)), id="corrupt"),
        pytest.param(zip_bytes(7)[:-40], id="truncated"),
        pytest.param(b"", id="empty"),
    ],
)
def test_damaged_zip_with_200_is_retried(body: bytes) -> None:
    assert not is_whole_zip(body)
    assert classify(200, "application/zip", body, MISSING) is Verdict.RETRY


def test_crc_error_inside_a_member_is_caught() -> None:
    body = bytearray(zip_bytes(9, 4096))
    body[200] ^= 0xFF  # inside the member's data: only the CRC check sees it
    assert not is_whole_zip(bytes(body))


@pytest.mark.parametrize(
    ("status", "content_type"),
    [(404, "text/html"), (410, "text/html"), (200, "text/html; charset=utf-8"), (200, "")],
)
def test_missing_styles(status: int, content_type: str) -> None:
    assert classify(status, content_type, HTML, MISSING) is Verdict.MISSING


def test_html_500_is_retried_unless_500_is_a_missing_status() -> None:
    assert classify(500, "text/html", HTML, MISSING) is Verdict.RETRY
    assert classify(500, "text/html", HTML, MISSING | {500}) is Verdict.MISSING


def test_a_zip_body_is_never_missing_whatever_the_status() -> None:
    assert classify(404, "application/zip", zip_bytes(3), MISSING) is not Verdict.MISSING


@pytest.mark.parametrize(("status", "verdict"), [(429, Verdict.RETRY), (503, Verdict.RETRY)])
def test_transient_statuses(status: int, verdict: Verdict) -> None:
    assert classify(status, "text/plain", b"slow down", MISSING) is verdict


def test_other_client_errors_fail_without_retry() -> None:
    assert classify(403, "text/html", b"forbidden", MISSING) is Verdict.FAILED


def test_headers_only() -> None:
    assert classify_headers(200, "application/zip", MISSING) is Verdict.WHOLE
    assert classify_headers(200, "text/html", MISSING) is Verdict.MISSING
    assert classify_headers(404, "text/html", MISSING) is Verdict.MISSING
    assert classify_headers(429, "text/html", MISSING) is Verdict.RETRY
    assert classify_headers(500, "text/html", MISSING | {500}) is Verdict.MISSING


def test_zip_ends() -> None:
    body = zip_bytes(5)
    assert has_zip_ends(body[:4], body[-100:])
    assert not has_zip_ends(HTML[:4], HTML[-100:])
    assert not has_zip_ends(body[:4], body[:-22][-100:])
