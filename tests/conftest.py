"""Shared fixtures."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from fakesite.harness import FakeLouvre, start_fake_louvre
from tests.store_commands import mirror  # noqa: F401  (one per session: export's and verify's)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture
def fake_louvre() -> Iterator[Callable[..., FakeLouvre]]:
    """Factory: ``fake_louvre("--max-id", "100", "--missing", "html200")``."""
    servers: list[FakeLouvre] = []

    def start(*args: str) -> FakeLouvre:
        server = start_fake_louvre(*args)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def refusal(caplog: pytest.LogCaptureFixture) -> Callable[[Callable[[], object]], list[str]]:
    """``refusal(lambda: spider(tmp_path, start="ten"))``: the lines logged by a call that must
    end the process with exit status 2 (bad input)."""

    def refused(call: Callable[[], object]) -> list[str]:
        with pytest.raises(SystemExit) as exit_, caplog.at_level(logging.CRITICAL):
            call()
        assert exit_.value.code == 2
        return [r.getMessage() for r in caplog.records]

    return refused
