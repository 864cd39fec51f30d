"""Is this answer for one artwork ID a zip, a missing ID, or a failure worth retrying?

The Louvre answers a missing ID with an HTML "Server error" page whose status is unknown
(404, 500 or even 200), so the decision is made from the status *and* the body, never from
the status alone. Plain functions, no Twisted: they are tested on bytes.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import TYPE_CHECKING

from louvre_scraper.bodies.ends import Ends
from louvre_scraper.bodies.status import RETRYABLE_STATUSES, by_status
from louvre_scraper.contract import Verdict

if TYPE_CHECKING:
    from collections.abc import Collection

ZIP_SIGNATURE = b"PK"
EOCD_SIGNATURE = b"PK\x05\x06"  # end of central directory record
# The end of central directory record is 22 bytes plus a comment of up to 65,535 bytes.
EOCD_SEARCH_BYTES = 22 + 65_535
ZIP_CONTENT_TYPES = ("application/zip", "application/x-zip", "application/octet-stream")


def is_whole_zip(body: bytes) -> bool:
    """True if *body* is a readable zip archive whose every member passes its CRC check."""
    if not body.startswith(ZIP_SIGNATURE):
        return False
    try:
        with zipfile.ZipFile(BytesIO(body)) as archive:
            return archive.testzip() is None
    # zipfile raises many kinds of error on a damaged archive (BadZipFile, EOFError,
    # NotImplementedError, RuntimeError for encryption, ...): none of them is a whole zip.
    except Exception:  # noqa: BLE001
        return False


def has_zip_ends(head: bytes, tail: bytes) -> bool:
    """Cheap structural check of a stored file from its first and last bytes.

    Used to trust a zip already in the store without reading it whole: files are only ever
    stored whole (atomic rename), so this check only has to tell zips from foreign files
    such as error pages saved under a ``.zip`` name.
    """
    return head.startswith(ZIP_SIGNATURE) and EOCD_SIGNATURE in tail[-EOCD_SEARCH_BYTES:]


ZIP_ENDS = Ends(has_zip_ends, EOCD_SEARCH_BYTES)  # a stored zip, judged by its ends


def _is_zip_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in ZIP_CONTENT_TYPES


def classify(
    status: int,
    content_type: str,
    body: bytes,
    missing_statuses: Collection[int],
    retry_statuses: Collection[int] = RETRYABLE_STATUSES,
) -> Verdict:
    """Decide what a full answer for one ID means."""
    if 200 <= status < 300:
        if is_whole_zip(body):
            return Verdict.WHOLE
        if body.startswith(ZIP_SIGNATURE) or _is_zip_type(content_type) or not body:
            return Verdict.RETRY  # a zip was meant but it arrived damaged
        return Verdict.MISSING  # an error page served with a 2xx status
    if status in missing_statuses and body.startswith(ZIP_SIGNATURE):
        return by_status(status, (), retry_statuses)  # a zip is never "missing"
    return by_status(status, missing_statuses, retry_statuses)


def classify_headers(
    status: int,
    content_type: str,
    missing_statuses: Collection[int],
    retry_statuses: Collection[int] = RETRYABLE_STATUSES,
) -> Verdict:
    """Decide from the status line and headers alone (probes: HEAD, or GET cut after headers).

    A 2xx with a zip Content-Type counts as a zip; a 2xx of another type is an error page.
    """
    if 200 <= status < 300:
        return Verdict.WHOLE if _is_zip_type(content_type) else Verdict.MISSING
    return by_status(status, missing_statuses, retry_statuses)
