"""The speed patches (louvre_scraper/patches.py): larger socket reads, a body buffer sized
ahead within its share of the in-flight budget, each applied only where its internal is as it
expects, with the reactor, and when LOUVRE_SPEEDUPS is on."""

from __future__ import annotations

import socket
import threading
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.core.downloader.handlers import http11
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager
from twisted.internet import tcp
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.web.http import PotentialDataLoss

from louvre_scraper import settings as project_settings
from louvre_scraper.config import LouvreConfig
from louvre_scraper.patches import (
    PATCHES,
    READ_SIZE,
    Patch,
    SizedBody,
    SpeedPatches,
    _stock_reader,
    apply_patches,
    body_reserve,
    read_larger_chunks,
    size_body_buffers,
)

MIB = 1024 * 1024

TWISTED_READ = 64 * 1024  # Twisted's own bufferSize


@pytest.fixture
def twisted_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twisted's read size as it ships, put back after the test."""
    monkeypatch.setattr(tcp.Connection, "bufferSize", TWISTED_READ)


class Crawler:
    """What the speed patches read of a crawler: its settings and its signals (Scrapy's
    get_crawler wants an installed reactor for TWISTED_REACTOR_ENABLED=True)."""

    def __init__(self, settings: dict[str, object]):
        self.settings = Settings(settings)
        self.signals = SignalManager()


class Received:
    """A protocol that keeps the size of each read handed to it."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def dataReceived(self, data: bytes) -> None:
        self.sizes.append(len(data))


def test_a_twisted_connection_then_reads_more_than_64_kib_at_once(twisted_reads: None) -> None:
    read_larger_chunks()
    assert tcp.Connection.bufferSize == READ_SIZE
    ours, theirs = socket.socketpair()
    sender = threading.Thread(target=theirs.sendall, args=(b"z" * (4 * READ_SIZE),))
    sender.start()
    protocol = Received()
    # A real Twisted TCP connection on the socket; no reactor is run (doRead is called here).
    connection = tcp.Connection(ours, protocol, reactor=object())  # type: ignore[arg-type]
    try:
        sender.join(0.5)  # the socket's buffer full (or all sent)
        while sum(protocol.sizes) < 4 * READ_SIZE:
            connection.doRead()
            sender.join(0.01)
    finally:
        sender.join()
        ours.close()
        theirs.close()
    assert sum(protocol.sizes) == 4 * READ_SIZE
    assert TWISTED_READ < protocol.sizes[0] <= READ_SIZE
    assert max(protocol.sizes) <= READ_SIZE


def test_a_larger_read_size_is_never_lowered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tcp.Connection, "bufferSize", 4 * READ_SIZE)
    read_larger_chunks()
    assert tcp.Connection.bufferSize == 4 * READ_SIZE


@pytest.mark.parametrize(
    ("reactor", "speedups", "size"),
    [(True, True, READ_SIZE), (False, True, TWISTED_READ), (True, False, TWISTED_READ)],
)
@pytest.mark.usefixtures("twisted_reads", "scrapys_reader")
def test_the_patches_set_it_only_with_the_reactor_and_speedups_on(
    tmp_path: Path, reactor: bool, speedups: bool, size: int
) -> None:
    settings = {
        "FILES_STORE": str(tmp_path / "s"),
        "TWISTED_REACTOR_ENABLED": reactor,
        "LOUVRE_SPEEDUPS": speedups,
    }
    try:
        SpeedPatches.from_crawler(Crawler(settings))  # type: ignore[arg-type]
    except NotConfigured:
        assert not (reactor and speedups)
    assert tcp.Connection.bufferSize == size


def test_a_sized_body_returns_what_was_written_never_padded() -> None:
    whole = SizedBody(10, reserve=MIB)
    whole.write(b"0123456789")
    assert whole.getvalue() == b"0123456789"

    short = SizedBody(10, reserve=MIB)  # a body that ends before its declared length
    short.write(b"012")
    short.write(b"34")
    assert short.getvalue() == b"01234"

    longer = SizedBody(4, reserve=MIB)  # more than declared: it grows as a BytesIO does
    longer.write(b"0123")
    longer.write(b"456")
    assert longer.getvalue() == b"0123456"

    doubled = SizedBody(100, reserve=3)  # over its reserve: 3, 6, 12, ... bytes ahead
    reads = [bytes([n]) * n for n in range(1, 14)]  # 91 bytes in reads of 1 to 13
    for data in reads:
        doubled.write(data)
    assert doubled.getvalue() == b"".join(reads)

    emptied = SizedBody(10, reserve=MIB)  # Scrapy empties the buffer of a body over maxsize
    emptied.write(b"0123")
    emptied.truncate(0)
    assert emptied.getvalue() == b""
    assert SizedBody(0, reserve=MIB).getvalue() == b""


def held(make: object) -> int:
    """Bytes Python allocated for what *make* builds, still held."""
    tracemalloc.start()
    try:
        kept = make()  # type: ignore[operator]
        size, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return size


def sized(length: int, reserve: int, arrived: int) -> SizedBody:
    """A body declaring *length* after *arrived* bytes, in reads of READ_SIZE at most."""
    body = SizedBody(length, reserve)
    while arrived > 0:
        body.write(b"x" * min(arrived, READ_SIZE))
        arrived -= READ_SIZE
    return body


def test_a_body_declaring_more_than_it_sends_holds_no_more_than_its_share() -> None:
    # 64 MiB declared (the zips' limit), 3 bytes sent: the share (4 MiB by default), not the
    # 64 MiB that a buffer of the declared length held at once, outside the in-flight budget
    # (which counts what arrived).
    declared = LouvreConfig.max_zip_bytes
    share = body_reserve(LouvreConfig.max_bytes_in_flight, project_settings.CONCURRENT_REQUESTS)
    assert (declared, share) == (64 * MIB, 4 * MIB)
    assert share <= held(lambda: sized(declared, share, 3)) < share + MIB
    assert held(lambda: sized(declared, share, 0)) < MIB  # nothing before the first byte
    # Beyond its share, twice what arrived at most; a body as declared, its length.
    assert held(lambda: sized(declared, share, 10 * MIB)) < 2 * 10 * MIB + MIB
    assert held(lambda: sized(declared, share, declared)) < declared + MIB
    # Never less than one read each, however many connections share the budget.
    assert body_reserve(128 * MIB, 10_000) == READ_SIZE


@pytest.fixture
def scrapys_reader(monkeypatch: pytest.MonkeyPatch) -> type:
    """Scrapy's HTTP/1.1 body reader as it ships (the base of the sized one, whichever a test
    before this one left in place), put back after the test."""
    shipped = _stock_reader()
    monkeypatch.setattr(http11, "_ResponseReader", shipped)
    return shipped


@pytest.mark.parametrize("reactor", [True, False])
def test_the_patches_size_body_buffers_only_with_the_reactor(
    twisted_reads: None, scrapys_reader: type, tmp_path: Path, reactor: bool
) -> None:
    settings = {"FILES_STORE": str(tmp_path / "s"), "TWISTED_REACTOR_ENABLED": reactor}
    for _ in range(2):  # a second crawler
        try:
            SpeedPatches.from_crawler(Crawler(settings))  # type: ignore[arg-type]
        except NotConfigured:
            assert not reactor
    if reactor:
        assert http11._ResponseReader.__bases__ == (scrapys_reader,)
    else:
        assert http11._ResponseReader is scrapys_reader


class Transport:
    """What the reader touches of a Twisted response's transport."""

    def stopProducing(self) -> None: ...

    def loseConnection(self) -> None: ...


def test_scrapys_reader_then_gives_the_body_that_arrived_in_a_sized_buffer(
    scrapys_reader: type,
) -> None:
    size_body_buffers(MIB)
    finished: Deferred[dict[str, object]] = Deferred()
    response = SimpleNamespace(length=6)
    signals = SignalManager()
    reader = http11._ResponseReader(
        finished=finished,
        txresponse=response,
        request=Request("http://127.0.0.1/x"),
        maxsize=0,
        warnsize=0,
        fail_on_dataloss=False,
        crawler=SimpleNamespace(signals=signals, spider=None),
    )
    reader.transport = Transport()
    assert isinstance(reader._bodybuf, SizedBody)
    reader.dataReceived(b"abc")
    reader.dataReceived(b"de")  # one byte short of the declared 6
    reader.connectionLost(Failure(PotentialDataLoss()))
    result: list[dict[str, object]] = []
    finished.addCallback(result.append)
    assert result[0]["body"] == b"abcde"
    assert result[0]["flags"] == ["partial"]


def test_each_internal_a_patch_relies_on_is_there() -> None:
    """Fails when Scrapy or Twisted changes what a patch replaces: time to look again."""
    assert [patch.name for patch in PATCHES] == ["read_size", "sized_body"]
    assert {patch.name: patch.refusal() for patch in PATCHES} == {
        "read_size": None,
        "sized_body": None,
    }


def test_a_patch_written_for_other_versions_leaves_the_stock_code(
    scrapys_reader: type, twisted_reads: None, caplog: pytest.LogCaptureFixture
) -> None:
    elsewhere = tuple(Patch(p.name, p.package, ("1.0.",), p.check, p.apply) for p in PATCHES)
    with caplog.at_level("DEBUG", logger="louvre_scraper.patches"):
        assert apply_patches(MIB, elsewhere) == []
    assert http11._ResponseReader is scrapys_reader
    assert tcp.Connection.bufferSize == TWISTED_READ
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[1].startswith("Speed patch sized_body left out, the stock code runs: written")


def test_a_patch_whose_internal_changed_leaves_the_stock_code(scrapys_reader: type) -> None:
    changed = Patch("sized_body", "scrapy", ("2.",), lambda: "no _bodybuf", size_body_buffers)
    assert apply_patches(MIB, (changed,)) == []
    assert http11._ResponseReader is scrapys_reader
