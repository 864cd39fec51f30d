"""How the fake site's handler sends an answer: ``Sending``, the part of
``fakesite.server.Handler`` that its route mixins (``ZipRoutes``, ``CollectionRoutes``) share:
an answer with its length, one without (cut short, unknown to the client), and a status fault
(``429``, ``503``, ``500``, ``fail``) with its Retry-After."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakesite.answers import TEXT_TYPE
from fakesite.faults import STATUS_FAULTS


class Sending:
    """Mixin for ``fakesite.server.Handler`` (an ``http.server.BaseHTTPRequestHandler``)."""

    _status: int = 0  # the status sent, for the request log
    _sent: int = 0  # the body's bytes sent, for the request log

    if TYPE_CHECKING:
        server: Any
        command: str
        close_connection: bool
        wfile: Any

        def send_response(self, code: int, message: str | None = None) -> None: ...
        def send_header(self, keyword: str, value: str) -> None: ...
        def end_headers(self) -> None: ...

    def _send(
        self,
        status: int,
        ctype: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> None:
        """Send *body* (its first *limit* bytes only, under the whole one's Content-Length)."""
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            payload = body if limit is None else body[:limit]
            self.wfile.write(payload)
            self._sent = len(payload)

    def _send_unsized(self, status: int, ctype: str, payload: bytes) -> None:
        """Send without Content-Length and close: the client cannot tell the body is short."""
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self._sent = len(payload)
        self.close_connection = True

    def _fault_status(self, kind: str) -> None:
        """A status fault, with Retry-After on a 429 (and on a 503 with --retry-after-503)."""
        status, body = STATUS_FAULTS[kind]
        cfg = self.server.config
        wants_retry = kind == "429" or (kind == "503" and cfg.retry_after_503)
        headers = {"Retry-After": str(cfg.retry_after)} if wants_retry else {}
        self._send(status, TEXT_TYPE, body, headers)
