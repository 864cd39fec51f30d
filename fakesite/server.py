"""The fake Louvre's HTTP server: one threaded HTTP/1.1 server on a free 127.0.0.1 port for
both routes (``Handler``, with the zip route's and the documented route's parts), the request
log served at ``/__log__`` (``RequestLog``), in a thread (``serve_in_thread``), and the serve
and exec modes of ``python -m fakesite`` (``main``)."""

from __future__ import annotations

import contextlib
import http.server
import json
import signal
import socketserver
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from fakesite.answers import HTML_TYPE, NOT_FOUND_PAGE, TEXT_TYPE
from fakesite.collection import CollectionRoutes, FakeCollection, request_kind
from fakesite.editions import EDITION_PATH
from fakesite.options import Config, parse_args
from fakesite.sitemaps import ROBOTS_FORBID
from fakesite.zips import CDN_RE, DOWNLOAD_RE, ZipRoutes, path_id

if TYPE_CHECKING:
    from collections.abc import Iterator

ADMIN_PATHS = ("/__log__", "/__reset__", EDITION_PATH)


class RequestLog:
    """Thread-safe record of served requests, in-flight counts and per-id GET counters."""

    def __init__(self, log_file: str | None = None) -> None:
        self._lock = threading.Condition()
        self.records: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._gets: dict[int | str, int] = {}
        self._log_file = log_file

    def begin(self) -> None:
        """Count one more request in flight."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self, record: dict[str, Any]) -> None:
        """Count a finished request and store its record."""
        with self._lock:
            self.in_flight -= 1
            self.records.append(record)
            self._lock.notify_all()
            if self._log_file:
                with open(self._log_file, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")

    def count_get(self, i: int | str) -> int:
        """Count a GET of a faulted id or path; return how many there have been."""
        with self._lock:
            self._gets[i] = self._gets.get(i, 0) + 1
            return self._gets[i]

    def snapshot(self, settle: float = 1.0) -> dict[str, Any]:
        """Return the JSON document served at ``/__log__``: the requests in the order they
        came, once those in flight are recorded (up to ``settle`` seconds). A request is
        recorded after its last byte is sent, so a client's next request could otherwise be
        recorded first, or ask for the log before it is in."""
        with self._lock:
            self._lock.wait_for(lambda: self.in_flight == 0, timeout=settle)
            total = len(self.records)
            return {
                "requests": sorted(self.records, key=lambda r: r["start"]),  # as asked
                "max_in_flight": self.max_in_flight,
                "total": total,
                "fault_gets": {str(key): n for key, n in self._gets.items()},
            }

    def reset(self) -> None:
        """Clear records and the in-flight maximum (fault counters are kept)."""
        with self._lock:
            self.records.clear()
            self.max_in_flight = self.in_flight


class Handler(CollectionRoutes, ZipRoutes, http.server.BaseHTTPRequestHandler):
    """Answers the Louvre routes according to ``self.server.config``."""

    protocol_version = "HTTP/1.1"
    server: FakeLouvreServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr logging."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ADMIN_PATHS:
            self._admin(path)
            return
        log, start = self.server.request_log, time.time()
        self._status, self._sent = 0, 0
        log.begin()
        try:
            self._route(path)
        finally:
            i = path_id(path)
            kind = "zip" if i is not None else request_kind(path)
            record = {"method": self.command, "path": self.path, "id": i, "kind": kind}
            record.update(status=self._status, bytes=self._sent, start=start, end=time.time())
            log.end(record)

    def _admin(self, path: str) -> None:
        log, status = self.server.request_log, 200
        if path == "/__reset__":
            log.reset()
            payload: dict[str, Any] = {"ok": True}
        elif path == EDITION_PATH:
            status, payload = self._edition_admin()
        else:
            payload = log.snapshot()
        self._send(status, "application/json", json.dumps(payload).encode())

    def _route(self, path: str) -> None:
        cfg = self.server.config
        download = DOWNLOAD_RE.fullmatch(path)
        match = download or (CDN_RE.fullmatch(path) if cfg.redirect else None)
        if cfg.refuse is not None:
            self._send(cfg.refuse, HTML_TYPE, NOT_FOUND_PAGE.replace(b"Not Found", b"Refused"))
        elif path == "/robots.txt" and cfg.robots_forbid:
            self._send(200, TEXT_TYPE, ROBOTS_FORBID)
        elif match is None and self._serve_documented(path):
            return  # robots.txt and the documented route
        elif match is None:
            self._send(404, HTML_TYPE, NOT_FOUND_PAGE)
        elif self.command == "HEAD" and cfg.no_head:
            self._send(405, TEXT_TYPE, b"Method Not Allowed\n", {"Allow": "GET"})
        elif download is not None and cfg.redirect:
            self._send(302, HTML_TYPE, b"", {"Location": f"/cdn/{match[1]}.zip"})
        else:
            self._serve_id(int(match[1]))


class FakeLouvreServer(http.server.ThreadingHTTPServer):
    """Threaded HTTP/1.1 server on a free 127.0.0.1 port; see ``url``."""

    daemon_threads = True
    request_queue_size = 128
    handler: type[http.server.BaseHTTPRequestHandler] = Handler  # subclasses serve other routes

    def __init__(self, config: Config | None = None, host: str = "127.0.0.1") -> None:
        self.config = config or Config()
        self.request_log = RequestLog(self.config.log_file)
        self.site = FakeCollection(self.config.documented)
        self.edition = self.config.documented.edition  # switched by /__edition__
        super().__init__((host, self.config.port), self.handler)

    def server_bind(self) -> None:
        """Bind without the (possibly slow) reverse DNS lookup done by HTTPServer."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[0], self.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{self.server_address[0]}:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up; report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve_in_thread(config: Config | None = None) -> Iterator[FakeLouvreServer]:
    """Run a server in a background thread for the duration of the ``with`` block."""
    server = FakeLouvreServer(config)
    # A short poll interval lets shutdown() return at once rather than after up to 0.5 s.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run_exec(config: Config) -> int:
    """Serve in the background while running ``config.exec_cmd``; return its exit code."""
    with serve_in_thread(config) as server:
        print(server.url, flush=True)
        cmd = [arg.replace("{url}", server.url) for arg in config.exec_cmd]
        try:
            return subprocess.run(cmd, check=False).returncode
        except OSError as exc:
            print(f"fake_louvre: cannot run {cmd[0]!r}: {exc}", file=sys.stderr)
            return 127


def run_forever(config: Config, server: FakeLouvreServer | None = None) -> int:
    """Print the URL and serve until SIGTERM or SIGINT."""
    server = server or FakeLouvreServer(config)

    def stop(signum: int, frame: object) -> None:
        # shutdown() waits for serve_forever() to return, so it must run in another thread;
        # raising from the handler instead could land inside a request and be swallowed.
        threading.Thread(target=server.shutdown, daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        print(server.url, flush=True)
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    config = parse_args(argv)
    return run_exec(config) if config.exec_cmd else run_forever(config)


if __name__ == "__main__":
    sys.exit(main())
