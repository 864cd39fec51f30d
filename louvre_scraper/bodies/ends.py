"""How to tell a stored file of one kind from a foreign one by its first and last bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable


class Ends(NamedTuple):
    """How to tell a stored file of one kind from a foreign one by its first and last bytes.

    Files are only ever stored whole (atomic rename), so this only has to tell them from
    e.g. an error page saved under the same name by another tool.
    """

    looks_whole: Callable[[bytes, bytes], bool]  # (first 16 bytes, last tail_bytes bytes)
    tail_bytes: int
