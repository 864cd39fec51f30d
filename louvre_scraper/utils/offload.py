"""Heavy work on a zip's bytes off the reactor thread; light work inline.

CRC checks, MD5s and file writes of large bodies would block the event loop (zlib, hashlib
and file I/O release the GIL, so a thread runs them in parallel); for small bodies a thread
hop costs more than the work itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ParamSpec, TypeVar

from scrapy.utils.asyncio import run_in_thread

if TYPE_CHECKING:
    from collections.abc import Callable

OFF_THREAD_BYTES = 256 * 1024  # work on bodies this large runs in a thread

_P = ParamSpec("_P")
_T = TypeVar("_T")


async def offload(size: int, func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run ``func(*args)`` in a thread if it works on *size* bytes or more, else inline."""
    if size < OFF_THREAD_BYTES:
        return func(*args, **kwargs)
    return await run_in_thread(func, *args, **kwargs)
