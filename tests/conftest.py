"""Shared fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.harness import FakeLouvre, start_fake_louvre
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
