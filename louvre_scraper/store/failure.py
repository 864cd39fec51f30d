"""What a failed write says about the whole store: full, read-only, refused (local or S3)."""

from __future__ import annotations

import errno
import os

from botocore.exceptions import ClientError, NoCredentialsError

STORE_ERRNOS = {
    errno.ENOSPC: "free some space, or choose another FILES_STORE",
    errno.EDQUOT: "raise the quota, or choose another FILES_STORE",
    errno.EROFS: "choose a writable FILES_STORE",
    errno.EACCES: "fix its permissions, or choose another FILES_STORE",
    errno.EPERM: "fix its permissions, or choose another FILES_STORE",
}
S3_DENIALS = frozenset({"AccessDenied", "AllAccessDisabled", "NoSuchBucket", "QuotaExceeded"})


def store_failure(error: BaseException) -> str | None:
    """What is wrong with the whole store when writing a file raised *error*, or None when
    only that file failed (the next ones may well be written)."""
    if isinstance(error, OSError) and error.errno in STORE_ERRNOS:
        return f"{os.strerror(error.errno)} — {STORE_ERRNOS[error.errno]}"
    if isinstance(error, NoCredentialsError):
        return "no credentials — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in S3_DENIALS:
        return f"{error} — check the credentials, the bucket and its policy"
    return None
