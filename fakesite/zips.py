"""The zip route: ``/en/artwork/image/download/{id}/0`` (and ``/cdn/{id}.zip`` with
``--redirect``), one zip per existing artwork id (``Collection``, ``zip_bytes``), the
``--missing`` styles for the others, and its faults (``ZipRoutes``, the handler's part)."""

from __future__ import annotations

import functools
import io
import random
import re
import socket
import struct
import time
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakesite.answers import HTML_TYPE, NOT_FOUND_PAGE
from fakesite.faults import STATUS_FAULTS
from fakesite.sending import Sending

DOWNLOAD_RE = re.compile(r"/en/artwork/image/download/(\d+)/0")
CDN_RE = re.compile(r"/cdn/(\d+)\.zip")
MISSING_STYLES = ("404", "410", "html200", "html500")
ZIP_DATE = (2021, 3, 1, 0, 0, 0)
ZIP = "application/zip"
ERROR_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Error | Louvre</title>'
    b'</head>\n<body><main class="error-page"><h1>Server error. Continue to search the Louvre '
    b'collections</h1><p><a href="/en/">Louvre collections</a></p></main></body></html>\n'
)


@dataclass(frozen=True)
class Collection:
    """Which artwork ids exist (gaps win over everything) and how big their zips are."""

    max_id: int = 300
    density: float = 0.6
    seed: int = 0
    gaps: tuple[tuple[int, int], ...] = ()
    extra_ids: frozenset[int] = frozenset()
    zip_size: int = 2048

    def exists(self, i: int) -> bool:
        """Tell whether artwork ``i`` has a downloadable zip."""
        if any(a <= i <= b for a, b in self.gaps):
            return False
        if i in self.extra_ids:
            return True
        if not 1 <= i <= self.max_id:
            return False
        return random.Random(f"{self.seed}:{i}").random() < self.density

    def ids(self, upto: int | None = None) -> list[int]:
        """List existing ids in ascending order, optionally only those ``<= upto``."""
        top = max([self.max_id, *self.extra_ids]) if upto is None else upto
        dense = set(range(1, min(top, self.max_id) + 1))
        candidates = dense | {e for e in self.extra_ids if e <= top}
        return sorted(i for i in candidates if self.exists(i))


@functools.lru_cache(maxsize=4096)
def zip_bytes(i: int, size: int = 2048) -> bytes:
    """Return the deterministic zip for artwork ``i``: one stored member ``image_{i}.jpg``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo(f"image_{i}.jpg", date_time=ZIP_DATE)
        archive.writestr(info, random.Random(i).randbytes(size))
    return buf.getvalue()


def corrupt_bytes(data: bytes) -> bytes:
    """Flip 16 bytes in the middle and break the end-of-central-directory signature."""
    out = bytearray(data)
    mid = len(out) // 2
    for k in range(mid, min(mid + 16, len(out))):
        out[k] ^= 0xFF
    eocd = out.rfind(b"PK\x05\x06")
    if eocd >= 0:
        out[eocd : eocd + 4] = b"XXXX"
    return bytes(out)


def path_id(path: str) -> int | None:
    """Return the artwork id in a download or CDN path, else ``None``."""
    match = DOWNLOAD_RE.fullmatch(path) or CDN_RE.fullmatch(path)
    return int(match[1]) if match else None


class ZipRoutes(Sending):
    """Mixin for ``fakesite.server.Handler``: serves the zip route's ids and their faults."""

    if TYPE_CHECKING:
        connection: Any
        rfile: Any

    def _serve_id(self, i: int) -> None:
        kind = self._fault_for(i) if self.command == "GET" else None
        if kind == "slow":
            time.sleep(self.server.config.slow_seconds)
        elif kind in STATUS_FAULTS:
            self._fault_status(kind)
            return
        elif kind is not None:
            getattr(self, f"_fault_{kind}")(i)
            return
        if self.server.config.collection.exists(i):
            self._send(200, ZIP, self._zip(i), self._zip_headers(i))
        else:
            self._send_missing()

    def _fault_for(self, i: int) -> str | None:
        cfg = self.server.config
        kind = cfg.faults.get(i)
        if kind is None:
            return None
        hits = self.server.request_log.count_get(i)
        return kind if kind == "fail" or hits <= cfg.fault_times else None

    def _send_missing(self) -> None:
        style = self.server.config.missing
        if style in ("404", "410"):
            self._send(int(style), HTML_TYPE, NOT_FOUND_PAGE)
        else:
            self._send(200 if style == "html200" else 500, HTML_TYPE, ERROR_PAGE)

    def _zip(self, i: int) -> bytes:
        return zip_bytes(i, self.server.config.collection.zip_size)

    def _zip_headers(self, i: int) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="image_{i}.zip"'}

    def _fault_truncate(self, i: int) -> None:
        body = self._zip(i)
        self._send(200, ZIP, body, self._zip_headers(i), limit=len(body) // 2)
        self.close_connection = True

    def _fault_reset(self, i: int) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drop the makefile reference so close() really closes (RST)
        self.connection.close()
        self.close_connection = True

    def _fault_corrupt(self, i: int) -> None:
        self._send(200, ZIP, corrupt_bytes(self._zip(i)), self._zip_headers(i))
