"""Speed patches of private Scrapy and Twisted internals, all in this one guarded module.

Each :class:`Patch` replaces one internal, and only on the versions it was written for
(``written_for``) with the internal as it expects it (``check``); anywhere else the stock code
runs and one DEBUG line says which patch was left out and why. ``LOUVRE_SPEEDUPS`` (default
on) turns them all off. The :class:`SpeedPatches` extension, which the add-on enables, applies
them once per crawler, with the reactor only: without it Scrapy reads bodies through aiohttp.
What each buys is measured by ``python -m bench`` (docs/speed.md).
"""

from __future__ import annotations

import functools
import inspect
import logging
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from louvre_scraper.config import config_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

READ_SIZE = 128 * 1024  # each socket read of a body, where Twisted reads 64 KiB


@dataclass(frozen=True)
class Patch:
    """One patch: the package and versions it was written for, a check that the internal is
    as it expects (a reason when it is not), and how to apply it."""

    name: str
    package: str
    written_for: tuple[str, ...]  # version prefixes, e.g. "2.19."
    check: Callable[[], str | None]
    apply: Callable[[int], None]  # given the body buffer's reserve

    def refusal(self) -> str | None:
        """Why this patch must not be applied here, or None."""
        version = _version(self.package)
        if not version.startswith(self.written_for):
            return f"written for {self.package} {'/'.join(self.written_for)}, found {version}"
        return self.check()


def _version(package: str) -> str:
    if package == "scrapy":
        import scrapy

        return scrapy.__version__
    import twisted

    return twisted.__version__


# -- larger socket reads ----------------------------------------------------------------------
# Every read of a body is one trip through Twisted's HTTP client and one bytes_received signal
# (the in-flight budget and the watchdog listen to it); Scrapy has no setting for the read
# size and Twisted reads it per connection from the class.


def _check_read_size() -> str | None:
    from twisted.internet import tcp

    if not isinstance(getattr(tcp.Connection, "bufferSize", None), int):
        return "twisted.internet.tcp.Connection has no bufferSize"
    if "recv(self.bufferSize)" not in inspect.getsource(tcp.Connection.doRead):
        return "twisted.internet.tcp.Connection reads without bufferSize"
    return None


def read_larger_chunks(reserve: int = 0, size: int = READ_SIZE) -> None:
    """Make Twisted's TCP connections read up to *size* bytes at a time (never fewer than
    they already do)."""
    from twisted.internet import tcp

    tcp.Connection.bufferSize = max(tcp.Connection.bufferSize, size)


# -- a body buffer sized ahead -----------------------------------------------------------------
# Scrapy's HTTP/1.1 reader writes each read into a BytesIO that grows an eighth at a time: many
# large bodies arriving together are reallocated, and copied, over and over. Scrapy has no hook
# for that buffer, so its reader class is replaced by a subclass, in its module.


class SizedBody(BytesIO):
    """A ``BytesIO`` sized ahead of the bytes written (in order from 0) towards the *length*
    declared: at the first write to *reserve* of it, then doubling, so that it holds at most
    twice what arrived beyond *reserve*; :meth:`getvalue` returns what was written, however
    much of *length* that is."""

    def __init__(self, length: int, reserve: int):
        super().__init__()
        self._length = length
        self._first = min(length, reserve)
        self._reserved = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        end = self.tell() + len(data)
        if end > self._reserved and self._reserved < self._length:
            self._reserve(min(self._length, max(end, 2 * self._reserved, self._first)))
        return super().write(data)

    def _reserve(self, size: int) -> None:
        # BytesIO has no way to reserve: writing the last byte sizes it once (zeros).
        position = self.tell()
        self.seek(size - 1)
        super().write(b"\0")
        self.seek(position)
        self._reserved = size

    def getvalue(self) -> bytes:
        self.truncate()  # at the position: the bytes written so far, no padding
        return super().getvalue()


def body_reserve(budget: int, concurrency: int) -> int:
    """What each body's buffer may take at once: the in-flight budget's share of one of the
    *concurrency* bodies received together (never less than one read), so that a site that
    declares lengths it never sends holds no more than the budget."""
    return max(READ_SIZE, budget // max(1, concurrency))


def _check_sized_body() -> str | None:
    from scrapy.core.downloader.handlers import http11

    reader = getattr(http11, "_ResponseReader", None)
    if reader is None:
        return "scrapy.core.downloader.handlers.http11 has no _ResponseReader"
    source = inspect.getsource(reader.__init__)
    if "self._bodybuf" not in source or "self._txresponse" not in source:
        return "_ResponseReader keeps no _bodybuf and _txresponse"
    return None


def size_body_buffers(reserve: int) -> None:
    """Make Scrapy's HTTP/1.1 body reader take a :class:`SizedBody` of *reserve* where the
    answer declares its length. One value per process: the last crawler's."""
    from scrapy.core.downloader.handlers import http11

    http11._ResponseReader = _sized_reader(_stock_reader(), reserve)


@functools.cache
def _stock_reader() -> type:
    from scrapy.core.downloader.handlers import http11

    return http11._ResponseReader


@functools.cache
def _sized_reader(stock: type, reserve: int) -> type:
    """Scrapy's reader with a :class:`SizedBody`, made once per *reserve*."""

    class SizedResponseReader(stock):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            length = self._txresponse.length
            if isinstance(length, int) and length > 0:
                self._bodybuf = SizedBody(length, reserve)

    return SizedResponseReader


PATCHES = (
    Patch("read_size", "twisted", ("24.", "25.", "26."), _check_read_size, read_larger_chunks),
    Patch("sized_body", "scrapy", ("2.19.",), _check_sized_body, size_body_buffers),
)


def apply_patches(reserve: int, patches: tuple[Patch, ...] = PATCHES) -> list[str]:
    """Apply each patch this install allows; the names of those applied."""
    applied = []
    for patch in patches:
        refusal = patch.refusal()
        if refusal:
            logger.debug("Speed patch %s left out, the stock code runs: %s", patch.name, refusal)
            continue
        patch.apply(reserve)
        applied.append(patch.name)
    return applied


class SpeedPatches:
    """Extension: the speed patches, applied once per crawler (``LOUVRE_SPEEDUPS``, with the
    reactor only)."""

    def __init__(self, applied: list[str]):
        self.applied = applied

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = config_of(crawler)
        if not config.speedups or not crawler.settings.getbool("TWISTED_REACTOR_ENABLED", True):
            raise NotConfigured
        concurrency = crawler.settings.getint("CONCURRENT_REQUESTS")
        return cls(apply_patches(body_reserve(config.max_bytes_in_flight, concurrency)))
