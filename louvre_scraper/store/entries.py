"""What a store says of one stored file, and of one entry of a folder."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class StoredZip:
    size: int | None  # None: the store does not say (gs://, ftp://)
    checksum: str | None  # None: computed on demand (local files)
    last_modified: float


class FolderEntry(NamedTuple):
    size: int
    mtime: float


def md5_file(path: Path) -> str:
    digest = hashlib.md5()  # noqa: S324 - the checksum FilesPipeline reports
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
