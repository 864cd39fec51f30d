"""Where a folder export puts each file so that no folder holds more than
:data:`FOLDER_LIMIT` entries (the Hugging Face Hub's limit per folder).

Contract: :class:`FolderPlan` places files one at a time, each at its own relative path
while every folder on that path has room (the root up to half the limit), else under the next
``part-NNNNN/`` folder (the same relative path inside it); a path placed is never moved. Pure
bookkeeping: nothing is written.
"""

from __future__ import annotations

import posixpath

FOLDER_LIMIT = 10_000  # entries per folder: the Hub refuses folders of more files
PART = "part-{:05d}/"


class FolderPlan:
    """Places relative paths in a folder of which *reserved* root entries are taken (the
    metadata, the card, the Croissant) so that no folder gets over *limit* entries."""

    def __init__(self, limit: int = FOLDER_LIMIT, reserved: int = 0):
        if limit < 2:
            raise ValueError("a folder limit below 2 leaves no room for a part folder")
        self.limit = limit
        self.entries: dict[str, int] = {"": reserved}  # folder → its entries so far
        self.part = 0  # the part new files go to (0: the root itself)

    def _new_entries(self, path: str) -> list[str]:
        """The folders that *path* adds an entry to (its parents not yet made, and the
        first parent that exists)."""
        grows = []
        parent = posixpath.dirname(path)
        while True:
            grows.append(parent)
            if parent in self.entries or not parent:
                return grows
            parent = posixpath.dirname(parent)

    def _fits(self, path: str) -> bool:
        # The root keeps half its room for the part folders: files placed in the root itself
        # (part 0) stop at half the limit.
        root = self.limit if self.part else self.limit // 2
        return all(
            self.entries.get(folder, 0) < (root if not folder else self.limit)
            for folder in self._new_entries(path)
        )

    def place(self, path: str) -> str:
        """Where the file *path* (relative, ``/``-separated) goes in the export."""
        while True:
            where = f"{PART.format(self.part)}{path}" if self.part else path
            if self._fits(where):
                for folder in self._new_entries(where):
                    self.entries[folder] = self.entries.get(folder, 0) + 1
                return where
            self.part += 1  # this part is full on that path: the next one
            if self.entries[""] >= self.limit:
                raise ValueError(f"more than {self.limit} parts: raise the folder limit")
