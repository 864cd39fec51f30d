"""Fake Louvre collections server for tests, the README demo and benchmarks.

Serve mode: ``python -m tests.fake_louvre [options]`` binds a free port on 127.0.0.1, prints
its base URL (e.g. ``http://127.0.0.1:41234``) as the first stdout line, then serves until
SIGTERM/SIGINT (exit code 0).

Exec mode: ``python -m tests.fake_louvre [options] --exec CMD ARGS...`` (``--exec`` comes last)
prints the URL, runs CMD with every ``{url}`` in its arguments replaced by the base URL, stops
the server and exits with CMD's exit code.

Routes: ``/en/artwork/image/download/{id}/0`` (GET/HEAD: a zip for existing ids, the
``--missing`` style otherwise), ``/cdn/{id}.zip`` (only with ``--redirect``), ``/robots.txt``,
``/__log__`` (JSON request log) and ``/__reset__`` (clear the log).

The documented route (``--records N``, off by default) is served by the same process: the
sitemaps, the records' JSON at ``/ark:/53355/{ark}.json`` and their images, with its own faults
and an ``/__edition__?n=2`` switch; see ``tests.fake_collection`` for its routes and options,
and ``FakeCollection`` for its Python API.

Each ``/__log__`` request record has ``method``, ``path``, ``id`` (zip route), ``kind`` (robots,
sitemap, record, image, thumbnail, zip or other), ``status``, ``bytes``, ``start`` and ``end``;
``fault_gets`` counts the GETs of each faulted id or path.

Existing ids: ``--max-id``, ``--density``, ``--seed``, ``--gap A-B``, ``--extra-ids 3100,3350``.
``--refuse STATUS`` answers every route (robots.txt included) with STATUS, e.g. 403;
``--robots-forbid`` serves a robots.txt that forbids the download route.
Faults hit the first ``--fault-times`` GETs of an id: ``--fault KIND:IDS`` with KIND one of
429, 503, 500, truncate, reset, corrupt, slow, fail (always 500) and IDS like ``5,7,10-12``.

In tests, compute expectations with ``Collection``, ``zip_bytes`` and ``parse_args`` (and
``FakeCollection(config.documented)`` for the documented route) and run a server in-process with
``with serve_in_thread(parse_args([...])) as server: ... server.url``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import io
import json
import random
import re
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from tests.fake_collection import (
    EDITION_PATH,
    CollectionConfig,
    CollectionRoutes,
    FakeCollection,
    add_arguments,
    check,
    config_from,
    request_kind,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

DOWNLOAD_RE = re.compile(r"/en/artwork/image/download/(\d+)/0")
CDN_RE = re.compile(r"/cdn/(\d+)\.zip")
ADMIN_PATHS = ("/__log__", "/__reset__", EDITION_PATH)
FAULT_KINDS = ("429", "503", "500", "truncate", "reset", "corrupt", "slow", "fail")
MISSING_STYLES = ("404", "410", "html200", "html500")
ZIP_DATE = (2021, 3, 1, 0, 0, 0)
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ZIP = "application/zip"
ROBOTS_TXT = b"User-agent: *\nDisallow: /search/export\n"  # as served with --records 0
ROBOTS_FORBID = b"User-agent: *\nDisallow: /en/artwork/image/\n"
NOT_FOUND_HTML = (
    b"<!DOCTYPE html><html><head><title>Not Found</title></head><body>Not Found</body></html>"
)
ERROR_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Error | Louvre</title>'
    b'</head>\n<body><main class="error-page"><h1>Server error. Continue to search the Louvre '
    b'collections</h1><p><a href="/en/">Louvre collections</a></p></main></body></html>\n'
)
STATUS_FAULTS = {
    "429": (429, b"Too Many Requests\n"),
    "503": (503, b"Service Unavailable\n"),
    "500": (500, b"Internal Server Error"),
    "fail": (500, b"Internal Server Error"),
}


@dataclass(frozen=True)
class Collection:
    """Which artwork ids exist (gaps win over everything) and how big their zips are."""

    max_id: int = 300
    density: float = 0.6
    seed: int = 0
    gaps: tuple[tuple[int, int], ...] = ()
    extra_ids: frozenset[int] = frozenset()
    zip_size: int = 2048

    @classmethod
    def from_args(cls, argv: list[str]) -> Collection:
        """Build the collection from command-line options."""
        return parse_args(argv).collection

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


@dataclass(frozen=True)
class Config:
    """Everything the server needs, as parsed from the command line."""

    collection: Collection = field(default_factory=Collection)
    missing: str = "404"
    redirect: bool = False
    no_head: bool = False
    faults: dict[int, str] = field(default_factory=dict)
    fault_times: int = 2
    retry_after: int = 1
    retry_after_503: bool = False
    slow_seconds: float = 2.0
    refuse: int | None = None
    robots_forbid: bool = False
    log_file: str | None = None
    port: int = 0  # 0: a free one (the tests); the README's demo asks a fixed one
    exec_cmd: tuple[str, ...] = ()
    documented: CollectionConfig = field(default_factory=CollectionConfig)


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


def parse_range(text: str) -> tuple[int, int]:
    """Parse ``A-B`` (or a single ``A``) into an inclusive range."""
    first, sep, last = text.strip().partition("-")
    try:
        lo = int(first)
        hi = int(last) if sep else lo
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad id range: {text!r}") from exc
    if hi < lo:
        raise argparse.ArgumentTypeError(f"empty id range: {text!r}")
    return lo, hi


def parse_ids(text: str) -> list[int]:
    """Parse a comma list of ids and ``A-B`` ranges, e.g. ``5,7,10-12``."""
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, hi = parse_range(part)
        ids.extend(range(lo, hi + 1))
    return ids


def parse_fault(text: str) -> tuple[str, list[int]]:
    """Parse ``KIND:IDS`` into the fault kind and the ids it hits."""
    kind, sep, ids = text.partition(":")
    if not sep or kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"bad fault {text!r}; kinds: {', '.join(FAULT_KINDS)}")
    return kind, parse_ids(ids)


def build_parser() -> argparse.ArgumentParser:
    """Describe the command-line options (``--exec`` is split off before parsing)."""
    p = argparse.ArgumentParser(prog="python -m tests.fake_louvre", description=__doc__)
    p.add_argument("--max-id", type=int, default=300)
    p.add_argument("--density", type=float, default=0.6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gap", type=parse_range, action="append", default=None, metavar="A-B")
    p.add_argument("--extra-ids", type=parse_ids, default=[], metavar="IDS")
    p.add_argument("--zip-size", type=int, default=2048, metavar="BYTES")
    p.add_argument("--missing", choices=MISSING_STYLES, default="404")
    p.add_argument("--redirect", action="store_true")
    p.add_argument("--no-head", action="store_true")
    p.add_argument("--fault", type=parse_fault, action="append", default=None, metavar="KIND:IDS")
    p.add_argument("--fault-times", type=int, default=2, metavar="K")
    p.add_argument("--retry-after", type=int, default=1, metavar="SECONDS")
    p.add_argument("--retry-after-503", action="store_true")
    p.add_argument("--slow-seconds", type=float, default=2.0)
    p.add_argument("--refuse", type=int, default=None, metavar="STATUS")
    p.add_argument("--robots-forbid", action="store_true")
    p.add_argument("--log-file", default=None, metavar="PATH")
    p.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    add_arguments(p)
    return p


def parse_args(argv: list[str] | None = None) -> Config:
    """Build a ``Config`` from command-line options; everything after ``--exec`` is the command."""
    args = list(sys.argv[1:] if argv is None else argv)
    has_exec = "--exec" in args
    exec_cmd = args[args.index("--exec") + 1 :] if has_exec else []
    args = args[: args.index("--exec")] if has_exec else args
    parser = build_parser()
    ns = parser.parse_args(args)
    if has_exec and not exec_cmd:
        parser.error("--exec needs a command")
    documented = config_from(ns)
    problem = check(documented)
    if problem:
        parser.error(problem)
    gaps, extra = tuple(ns.gap or ()), frozenset(ns.extra_ids)
    same_name = {f.name: getattr(ns, f.name) for f in fields(Config) if hasattr(ns, f.name)}
    return Config(
        collection=Collection(ns.max_id, ns.density, ns.seed, gaps, extra, ns.zip_size),
        faults={i: kind for kind, ids in ns.fault or () for i in ids},
        exec_cmd=tuple(exec_cmd),
        documented=documented,
        **same_name,
    )


def path_id(path: str) -> int | None:
    """Return the artwork id in a download or CDN path, else ``None``."""
    match = DOWNLOAD_RE.fullmatch(path) or CDN_RE.fullmatch(path)
    return int(match[1]) if match else None


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


class Handler(CollectionRoutes, http.server.BaseHTTPRequestHandler):
    """Answers the Louvre routes according to ``self.server.config``."""

    protocol_version = "HTTP/1.1"
    server: FakeLouvreServer
    _status: int = 0
    _sent: int = 0

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
            self._send(cfg.refuse, HTML, NOT_FOUND_HTML.replace(b"Not Found", b"Refused"))
        elif path == "/robots.txt" and cfg.robots_forbid:
            self._send(200, TEXT, ROBOTS_FORBID)
        elif match is None and self._serve_documented(path):
            return  # robots.txt and the documented route
        elif match is None:
            self._send(404, HTML, NOT_FOUND_HTML)
        elif self.command == "HEAD" and cfg.no_head:
            self._send(405, TEXT, b"Method Not Allowed\n", {"Allow": "GET"})
        elif download is not None and cfg.redirect:
            self._send(302, HTML, b"", {"Location": f"/cdn/{match[1]}.zip"})
        else:
            self._serve_id(int(match[1]))

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
            self._send(int(style), HTML, NOT_FOUND_HTML)
        else:
            self._send(200 if style == "html200" else 500, HTML, ERROR_PAGE)

    def _zip(self, i: int) -> bytes:
        return zip_bytes(i, self.server.config.collection.zip_size)

    def _zip_headers(self, i: int) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="image_{i}.zip"'}

    def _fault_status(self, kind: str) -> None:
        status, body = STATUS_FAULTS[kind]
        cfg = self.server.config
        wants_retry = kind == "429" or (kind == "503" and cfg.retry_after_503)
        headers = {"Retry-After": str(cfg.retry_after)} if wants_retry else {}
        self._send(status, TEXT, body, headers)

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

    def _send(
        self,
        status: int,
        ctype: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> None:
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


class FakeLouvreServer(http.server.ThreadingHTTPServer):
    """Threaded HTTP/1.1 server on a free 127.0.0.1 port (or ``--port``); see ``url``."""

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
