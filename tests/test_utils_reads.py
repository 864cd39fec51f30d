"""Twisted's socket reads made larger (louvre_scraper/utils/reads.py): fewer trips through the
HTTP/1.1 client and fewer bytes_received signals for the same body."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager
from twisted.internet import tcp

from louvre_scraper.downloadermiddlewares.fetchpolicy import FetchPolicy
from louvre_scraper.utils.reads import READ_SIZE, read_larger_chunks

TWISTED_READ = 64 * 1024  # Twisted's own bufferSize


@pytest.fixture
def twisted_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twisted's read size as it ships, put back after the test."""
    monkeypatch.setattr(tcp.Connection, "bufferSize", TWISTED_READ)


class Crawler:
    """What the fetch policy reads of a crawler: its settings and its signals (Scrapy's
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


@pytest.mark.parametrize(("reactor", "size"), [(True, READ_SIZE), (False, TWISTED_READ)])
def test_the_fetch_policy_sets_it_only_with_the_reactor(
    twisted_reads: None, tmp_path: Path, reactor: bool, size: int
) -> None:
    settings = {"FILES_STORE": str(tmp_path / "s"), "TWISTED_REACTOR_ENABLED": reactor}
    FetchPolicy.from_crawler(Crawler(settings))  # type: ignore[arg-type]
    assert tcp.Connection.bufferSize == size
