"""How response bodies are read: larger socket reads, a buffer sized ahead, memory kept.

With the reactor (the default mode), every read of a response body is one trip through
Twisted's HTTP/1.1 client (the parser, the transfer decoder, Scrapy's body reader) and one
``bytes_received`` signal, which the fetch policy's in-flight budget and the watchdog listen to.
On large bodies that per-read cost is most of the crawl's CPU: a 4 MiB zip arrived in ~64
reads of 64 KiB, and py-spy on the bench's large corpus (``python -m bench --profile-only
--profile-corpus large``) put 51% of the event loop's busy samples in that receive path, 12% in
the signal alone. Reading 128 KiB at once halves the trips for the same bytes: the bench's
large crawl took about a fifth less user CPU (docs/speed.md, "Large bodies again").

Why not more: 256 KiB (what asyncio's transports read) saved only a little more CPU, and a
flood of endless bodies (tests/test_crawl_hostile.py) peaks higher with it: bodies the budget
cuts are freed by the garbage collector, and faster reads pile up more of them between two
collections. At 128 KiB the flood peaks at 377 to 399 MiB (the test's bound: 512 MiB).

Scrapy has no setting for it, and Twisted reads ``bufferSize`` per connection from the class
(``twisted.internet.abstract.FileDescriptor``), so it is set on
``twisted.internet.tcp.Connection`` (the TCP connections of this process: only Scrapy's own,
the telnet console being off). Through TLS the bodies still arrive in TLS records of at most
16 KiB; the socket reads are fewer all the same. Nothing else changes: the in-flight budget
counts every read as before.

The body buffer: Scrapy's HTTP/1.1 body reader (``_ResponseReader`` in
``scrapy.core.downloader.handlers.http11``) writes each read into a ``BytesIO`` that grows an
eighth at a time, so a 4 MiB body is reallocated ~30 times as it arrives, and with many bodies
arriving at once the allocator moves (copies) most of them: the largest self time of the whole
crawl (17% of the event loop's samples on the bench's large corpus). Where the answer declares
its length, :class:`SizedBody` takes it at the first read, each read then copied into place,
the recv buffers freed at once and reused. Up to a share of the in-flight budget only
(:func:`body_reserve`: ``LOUVRE_MAX_BYTES_IN_FLIGHT`` / ``CONCURRENT_REQUESTS``, 4 MiB by
default), and beyond it doubling as the bytes come: the budget counts the bytes that arrived,
and a buffer of the whole declared length let a site that declares 64 MiB on every
connection and sends one byte hold gigabytes at once (the buffer is zeroed, so every page of it
is resident). The declared length is at most the request's ``download_maxsize`` (Scrapy
cancels a larger one before the reader exists). A body that ends short (cut, or a data loss
Scrapy lets through) is returned as long as it arrived, never padded. Scrapy has no hook for the
reader's buffer, so the reader class is replaced, by a subclass, in that module (with the
reactor only: without it, Scrapy's aiohttp handler reads bodies its own way).
"""

from __future__ import annotations

import ctypes
import functools
from io import BytesIO
from typing import Any

READ_SIZE = 128 * 1024
MIB = 1024 * 1024
# glibc's mallopt parameters (malloc.h) and the largest mmap threshold it takes on 64 bits.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_MAX = 32 * MIB


def read_larger_chunks(size: int = READ_SIZE) -> None:
    """Make Twisted's TCP connections read up to *size* bytes at a time (only with the
    reactor: without it, asyncio's transports read 256 KiB already)."""
    from twisted.internet import tcp  # only when the reactor runs: no import otherwise

    if getattr(tcp.Connection, "bufferSize", 0) < size:
        tcp.Connection.bufferSize = size


def keep_body_memory(keep: int) -> bool:
    """Let the C allocator keep up to *keep* bytes of freed memory for the next bodies, and
    take buffers of up to 32 MiB from its heap rather than from fresh pages (glibc only; False
    where there is no ``mallopt``).

    glibc gives every buffer over its threshold (128 KiB, raised only as such buffers are
    freed) fresh pages from ``mmap`` and hands back the top of its heap once 2x that is free:
    each 4 MiB body then costs 1,024 page faults, the kernel zeroing each page, however many
    bodies came before it. Kept, the freed buffer of one body is the next one's, already
    resident. The fetch policy keeps ``LOUVRE_MAX_BYTES_IN_FLIGHT``: the bodies in flight
    together never hold more, so that is the most that is worth keeping. Bench, 860 MiB of
    4 MiB zips: 0.3 s less system CPU and 7% less wall time, the same peak memory
    (docs/speed.md). Python has no binding for it, hence ctypes (the process' own C library).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (macOS, a static build): leave it be
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) and mallopt(M_TRIM_THRESHOLD, keep))


class SizedBody(BytesIO):
    """A ``BytesIO`` sized ahead of the bytes written (in order from 0) towards the *length*
    declared: at the first write to *reserve* of it, then doubling, so that it holds at most
    twice what arrived beyond *reserve*; what :meth:`getvalue` returns is what was written,
    however much of *length* that is."""

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
    *concurrency* bodies received together (never less than one read), so that all the
    buffers sized ahead of their bytes hold no more than the budget."""
    return max(READ_SIZE, budget // max(1, concurrency))


def size_body_buffers(reserve: int) -> None:
    """Make Scrapy's HTTP/1.1 body reader take a :class:`SizedBody` of *reserve* where the
    answer declares its length (only with the reactor: the module is the reactor's download
    handler). One value per process: the last crawler's."""
    from scrapy.core.downloader.handlers import http11

    http11._ResponseReader = _sized_reader(reserve)


@functools.cache
def _sized_reader(reserve: int) -> type:
    """Scrapy's reader with a :class:`SizedBody`, made once per *reserve* (on first use:
    importing Scrapy's HTTP/1.1 handler belongs to the reactor mode)."""
    from scrapy.core.downloader.handlers import http11

    class SizedResponseReader(http11._ResponseReader):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            length = self._txresponse.length
            if isinstance(length, int) and length > 0:
                self._bodybuf = SizedBody(length, reserve)

    return SizedResponseReader
