"""How much Twisted reads from a socket at once: 128 KiB instead of its 64 KiB.

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
"""

from __future__ import annotations

READ_SIZE = 128 * 1024


def read_larger_chunks(size: int = READ_SIZE) -> None:
    """Make Twisted's TCP connections read up to *size* bytes at a time (only with the
    reactor: without it, asyncio's transports read 256 KiB already)."""
    from twisted.internet import tcp  # only when the reactor runs: no import otherwise

    if getattr(tcp.Connection, "bufferSize", 0) < size:
        tcp.Connection.bufferSize = size
