"""A hostile Louvre for tests: the fake collection, whose records, sitemaps and robots.txt try to
make the crawler read local files, fetch from other hosts, store what is not an image under a
name the site chose, or hold a body without end.

``python -m fakesite.hostile [--secret PATH] [python -m fakesite options]`` binds a free port
on 127.0.0.1 and prints its base URL as the first stdout line, like ``python -m fakesite``, and
serves until SIGTERM. The same server also listens on 127.0.0.2, "another host" on loopback,
which no crawl of the first may ask anything: ``/hostile/other`` answers its URL, and its own
``/__log__`` what it was asked.

Everything of ``fakesite.server`` (its handler, faults, request log, the documented route of
``fakesite.collection``) is reused; on top, the first six records (sorted arks) are
replaced by :data:`HOSTILE_RECORDS`' image lists, robots.txt gets a ``Sitemap: file://`` line,
the sitemap index lists a gzip bomb, a ``file:`` URL and the other host's sitemap, and
``/hostile/...`` serves the bodies: ``img/NAME`` (see :data:`BODIES`), ``redirect?to=URL``,
``endless`` (close-delimited, never ends), ``declared`` (Content-Length far over any limit),
``chunked`` (chunked, :data:`CHUNKED_BYTES`), ``short`` (declares :data:`SHORT_DECLARED`,
sends one chunk, holds the connection :data:`SHORT_HOLD` seconds and closes it), ``bomb.jpg``
(a gzip bomb sent with Content-Encoding: gzip) and ``bomb.xml.gz`` (a gzipped sitemap that
inflates without end). With ``--names``, the first records carry :data:`HOSTILE_NAMES`
(arks and image positions no path may hold) instead of the image attacks.
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakesite.answers import HTML_TYPE, JPEG_TYPE, PNG_TYPE, Answer
from fakesite.collection import FakeCollection
from fakesite.images import image_bytes
from fakesite.options import parse_args
from fakesite.records import RECORD_RE, encode_record
from fakesite.server import FakeLouvreServer, Handler, run_forever

if TYPE_CHECKING:
    from fakesite.options import Config

SECRET_DEFAULT = "/etc/passwd"
FLOOD = 34  # endless images of one record
CHUNK = 64 * 1024
CHUNKED_BYTES = 48 * 1024 * 1024  # over the default image limit (32 MiB), and finite
SHORT_DECLARED = 30 * 1024 * 1024  # under the default image limit: the body is let in
SHORT_HOLD = 1.0  # seconds a short body holds its connection after its one chunk
BOMB_BYTES = 512 * 1024 * 1024  # what the gzip bombs inflate to (~0.5 MB on the wire)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
SITEMAP_HEAD = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
SCRIPT_PAGE = b"<html><body><script>document.location='http://evil.example/'</script></body></html>"
# Bodies of /hostile/img/NAME: (Content-Type the server claims, body). NAME is what the URL
# suggests; the crawler must name what it stores by the bytes.
BODIES: dict[str, tuple[str, bytes]] = {
    "good.jpg": (JPEG_TYPE, image_bytes("/hostile/good.jpg")),
    "0.sh": ("application/x-sh", image_bytes("/hostile/0.jpg")),  # a JPEG under .sh
    "1.php": (JPEG_TYPE, b"<?php system($_GET['c']); ?>\n"),
    "2.html": (HTML_TYPE, SCRIPT_PAGE),
    "3.exe": (PNG_TYPE, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
    "4\x1b.jpg": (JPEG_TYPE, image_bytes("/hostile/4.png")),  # a control character, a PNG
    "5.JPG": (JPEG_TYPE, image_bytes("/hostile/5.png")),  # a PNG under .JPG
    "c0.jpg": (JPEG_TYPE, image_bytes("/hostile/c0.jpg")),
    "c1.jpg": (JPEG_TYPE, image_bytes("/hostile/c1.jpg")),
    "c2.png": (PNG_TYPE, image_bytes("/hostile/c2.png")),
    "c3.jpg": (JPEG_TYPE, image_bytes("/hostile/c3.jpg")),
    "c4.jpg": (JPEG_TYPE, image_bytes("/hostile/c4.jpg")),
}


@dataclass(frozen=True)
class HostileImage:
    """One entry of a hostile record's ``image`` list: its URL (``{base}``, ``{other}``,
    ``{secret}`` filled in when served), its ``position`` (None: the key is absent), and
    what the crawler must end with: the stored name, or None (nothing stored)."""

    url: str
    position: int | None
    stored: str | None


def _to(target: str) -> str:
    return "{base}/hostile/redirect?to=" + urllib.parse.quote(target, safe="{}")


# Six records, each a kind of attack; the crawl must store exactly the ``stored`` names.
HOSTILE_RECORDS: tuple[tuple[HostileImage, ...], ...] = (
    (  # schemes and hosts that are not the site's
        HostileImage("file://{secret}", 0, None),
        HostileImage("data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==", 1, None),
        HostileImage("ftp://127.0.0.1/secret.jpg", 2, None),
        HostileImage("s3://louvre-private/secret.jpg", 3, None),
        HostileImage("javascript:alert(document.cookie)", 4, None),
        HostileImage("{other}/hostile/img/good.jpg", 5, None),
        HostileImage("{base}/hostile/img/good.jpg", 6, "6.jpg"),
    ),
    (  # redirects to them: every hop obeys the policy
        HostileImage(_to("file://{secret}"), 0, None),
        HostileImage(_to("data:text/html,<script>alert(1)</script>"), 1, None),
        HostileImage(_to("{other}/hostile/img/good.jpg"), 2, None),
        HostileImage(_to("ftp://127.0.0.1/secret.jpg"), 3, None),
        HostileImage(_to("{base}/hostile/img/good.jpg"), 4, "4.jpg"),  # the site's own: fine
    ),
    (  # extension tricks: the name comes from the bytes, or nothing is stored
        HostileImage("{base}/hostile/img/0.sh", 0, "0.jpg"),
        HostileImage("{base}/hostile/img/1.php", 1, None),
        HostileImage("{base}/hostile/img/2.html", 2, None),
        HostileImage("{base}/hostile/img/3.exe", 3, None),
        HostileImage("{base}/hostile/img/4%1B.jpg", 4, "4.png"),
        HostileImage("{base}/hostile/img/5.JPG", 5, "5.png"),
    ),
    (  # bodies that do not end, or end too late
        HostileImage("{base}/hostile/endless", 0, None),
        HostileImage("{base}/hostile/declared", 1, None),
        HostileImage("{base}/hostile/chunked", 2, None),
        HostileImage("{base}/hostile/bomb.jpg", 3, None),
        HostileImage("{base}/hostile/img/good.jpg", 4, "4.jpg"),
    ),
    (  # positions that collide or are missing: distinct, stable names in record order
        HostileImage("{base}/hostile/img/c0.jpg", 0, "0.jpg"),
        HostileImage("{base}/hostile/img/c1.jpg", 0, "0-1.jpg"),
        HostileImage("{base}/hostile/img/c2.png", None, "2.png"),  # its index in image[]
        HostileImage("{base}/hostile/img/c3.jpg", 1, "1.jpg"),
        HostileImage("{base}/hostile/img/c4.jpg", 2, "2-1.jpg"),  # index 2 came first
    ),
    # A flood: more endless bodies than CONCURRENT_REQUESTS, all at once.
    tuple(HostileImage(f"{{base}}/hostile/endless?n={n}", n, None) for n in range(FLOOD)),
    # A flood of lies: each body declares 30 MiB, sends 64 KiB and stops, all at once.
    tuple(HostileImage(f"{{base}}/hostile/short?n={n}", n, None) for n in range(FLOOD)),
)
# With ``--names``, instead: records whose names are not ones a path may hold, each (arkId, an
# image position; None: the record's own). Each must be refused by name, nothing stored of it.
HOSTILE_NAMES: tuple[tuple[str | None, str | int | None], ...] = (
    ("../../HOSTILE", None),  # a traversal
    ("%2E%2E%2F%2E%2E%2FHOSTILE", None),  # the same, percent-encoded
    ("", None),  # empty
    ("1 ; 2", None),  # not an ark
    (None, int("9" * 300)),  # an ark, but an image position of 300 digits
)
HOSTILE_SITEMAPS = ("{base}/hostile/bomb.xml.gz", "file:///etc/passwd", "{other}/sitemap.xml")
ROBOTS_LINE = "Sitemap: file://{secret}\n"


@functools.cache
def gzip_bomb(head: bytes = b"") -> bytes:
    """*head* then zeros, ``BOMB_BYTES`` in all, gzipped (compressed chunk by chunk: the
    inflated bytes never exist here)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    out = [compressor.compress(head)]
    zeros = bytes(CHUNK * 16)
    for _ in range(BOMB_BYTES // len(zeros)):
        out.append(compressor.compress(zeros))
    out.append(compressor.flush())
    return b"".join(out)


class HostileCollection(FakeCollection):
    """The fake collection, with the hostile records, robots.txt and sitemap index."""

    secret = SECRET_DEFAULT
    other = "http://127.0.0.2:9"
    names = False  # --names: the HOSTILE_NAMES records instead of HOSTILE_RECORDS

    def hostile_arks(self) -> list[str]:
        return [] if self.names else self.arks()[: len(HOSTILE_RECORDS)]

    def named_arks(self) -> list[str]:
        """The arks whose records carry :data:`HOSTILE_NAMES` (with ``--names``)."""
        return self.arks()[: len(HOSTILE_NAMES)] if self.names else []

    def hostile_images(self, ark: str) -> tuple[HostileImage, ...]:
        arks = self.hostile_arks()
        return HOSTILE_RECORDS[arks.index(ark)] if ark in arks else ()

    def fill(self, url: str, base: str) -> str:
        return url.format(base=base, other=self.other, secret=self.secret)

    def record(self, ark: str, base: str, edition: int | None = None) -> dict[str, Any] | None:
        record = super().record(ark, base, edition)
        named = self.named_arks()
        if record is not None and ark in named:
            ark_id, position = HOSTILE_NAMES[named.index(ark)]
            if ark_id is not None:
                record["arkId"] = ark_id
            if position is not None:
                record["image"] = [
                    {**entry, "position": position} for entry in record.get("image") or []
                ] or [{"urlImage": f"{base}/hostile/img/good.jpg", "position": position}]
            return record
        images = self.hostile_images(ark)
        if record is None or not images:
            return record
        record["image"] = []
        for image in images:
            entry = {"urlImage": self.fill(image.url, base), "urlThumbnail": "", "copyright": ""}
            if image.position is not None:
                entry["position"] = image.position
            record["image"].append(entry)
        return record

    def robots_txt(self, base: str) -> bytes:
        return super().robots_txt(base) + self.fill(ROBOTS_LINE, base).encode()

    def sitemap_index_bytes(self, base: str, edition: int | None = None) -> bytes:
        index = super().sitemap_index_bytes(base, edition)
        extra = "".join(
            f"<sitemap><loc>{self.fill(url, base)}</loc></sitemap>\n" for url in HOSTILE_SITEMAPS
        )
        return index.replace(b"</sitemapindex>", extra.encode() + b"</sitemapindex>")

    def respond(self, path: str, base: str, edition: int | None = None) -> Answer | None:
        match = RECORD_RE.fullmatch(urllib.parse.unquote(path))
        if match and (self.hostile_images(match[1]) or match[1] in self.named_arks()):
            body = encode_record(self.record(match[1], base, edition) or {})
            return Answer(200, "application/json", body)
        return super().respond(path, base, edition)


class HostileHandler(Handler):
    """``fakesite.server``'s handler, plus the ``/hostile/`` bodies."""

    def _route(self, path: str) -> None:
        if not path.startswith("/hostile/"):
            super()._route(path)
            return
        name = urllib.parse.unquote(path.removeprefix("/hostile/"))
        if name.startswith("img/") and name[4:] in BODIES:
            ctype, body = BODIES[name[4:]]
            self._send(200, ctype, body)
        elif name == "other":
            self._send(200, "text/plain", self.server.site.other.encode())
        elif name == "redirect":
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            self._send(302, HTML_TYPE, b"", {"Location": query["to"][0]})
        elif name == "endless":
            self._stream(JPEG_TYPE, {"Connection": "close"}, chunked=False, total=None)
        elif name == "declared":
            size = str(1 << 40)  # a terabyte, announced
            self._stream(JPEG_TYPE, {"Content-Length": size}, chunked=False, total=None)
        elif name == "short":
            headers = {"Content-Length": str(SHORT_DECLARED)}
            self._stream(JPEG_TYPE, headers, chunked=False, total=CHUNK, hold=SHORT_HOLD)
        elif name == "chunked":
            headers = {"Transfer-Encoding": "chunked"}
            self._stream(JPEG_TYPE, headers, chunked=True, total=CHUNKED_BYTES)
        elif name == "bomb.jpg":
            self._send(200, JPEG_TYPE, gzip_bomb(JPEG_HEAD), {"Content-Encoding": "gzip"})
        elif name == "bomb.xml.gz":
            self._send(200, "application/gzip", gzip_bomb(SITEMAP_HEAD))
        else:
            self._send(404, HTML_TYPE, b"<html>Not Found</html>")

    def _stream(
        self,
        ctype: str,
        headers: dict[str, str],
        *,
        chunked: bool,
        total: int | None,
        hold: float = 0.0,
    ) -> None:
        """A JPEG's first bytes, then zeros: *total* bytes, or until the client hangs up; then
        the connection held *hold* seconds before it is closed."""
        self._status = 200
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True
        self.connection.settimeout(30)
        data = JPEG_HEAD + bytes(CHUNK - len(JPEG_HEAD))
        try:
            while total is None or self._sent < total:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                self._sent += len(data)
                data = bytes(CHUNK)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            time.sleep(hold)
        except OSError:  # the client cancelled: what it should do
            pass


class HostileServer(FakeLouvreServer):
    handler = HostileHandler

    def __init__(
        self, config: Config, secret: str, host: str = "127.0.0.1", *, names: bool = False
    ) -> None:
        super().__init__(config, host)
        self.site = HostileCollection(self.config.documented)
        self.site.secret, self.site.names = secret, names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakesite.hostile", add_help=False)
    parser.add_argument(
        "--secret",
        default=SECRET_DEFAULT,
        metavar="PATH",
        help="The local file the hostile records try to make the crawler read (default: "
        "%(default)s).",
    )
    parser.add_argument(
        "--names",
        action="store_true",
        help="Serve the HOSTILE_NAMES records (arks and positions no path may hold) instead.",
    )
    ns, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    config = parse_args(rest)
    server = HostileServer(config, ns.secret, names=ns.names)
    other = HostileServer(config, ns.secret, host="127.0.0.2", names=ns.names)  # "another host"
    server.site.other = other.site.other = other.url
    thread = threading.Thread(target=other.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        return run_forever(config, server)
    finally:
        other.shutdown()
        other.server_close()


if __name__ == "__main__":
    sys.exit(main())
