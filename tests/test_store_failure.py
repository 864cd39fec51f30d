"""Which store errors stop the crawl (louvre_scraper/store/failure.py)."""

from __future__ import annotations

import errno

from botocore.exceptions import ClientError

from louvre_scraper.store.failure import store_failure


def test_which_store_errors_stop_the_crawl() -> None:
    assert "No space left on device" in (store_failure(OSError(errno.ENOSPC, "x")) or "")
    assert store_failure(OSError(errno.EROFS, "x")) is not None
    assert store_failure(PermissionError(errno.EACCES, "x")) is not None
    assert store_failure(IsADirectoryError(errno.EISDIR, "x")) is None  # only that file
    assert store_failure(ValueError("x")) is None
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
    assert store_failure(denied) is not None
    slow = ClientError({"Error": {"Code": "SlowDown", "Message": "later"}}, "PutObject")
    assert store_failure(slow) is None
