"""The museum's documented route, for the fake Louvre server (``python -m fakesite``).

``python -m fakesite --records 40`` serves, next to the zip route, what every tool since
2024 reads on collections.louvre.fr (see /work/shared/reference/louvre-site.md): records as JSON,
their images, and the sitemaps that enumerate them. Everything is deterministic from ``--seed``
and the options below, and every answer can be computed in-process with ``FakeCollection``.

Routes (``{base}`` is the server's URL; all off, 404, with ``--records 0`` except robots.txt):

- ``/robots.txt``: ``User-agent: *`` / ``Disallow: /search/export``; with records on, first
  ``Sitemap: {base}/sitemap.xml`` (unless ``--no-sitemap-line``), then a dozen "Bloque les IA"
  groups, one per AI crawler (GPTBot, CCBot, ClaudeBot, …), each disallowing ``/*.jpg$``,
  ``/*.jpeg$``, ``/*.png$``, ``/*.webp$`` (lower case only, as the site has it).
- ``/sitemap.xml``: a sitemap index of ``{base}/media/sitemap/sitemap{i}.xml``.
- ``/media/sitemap/sitemap{i}.xml``: ``--per-sitemap`` records, each listed twice
  (``{base}/ark:/53355/{ark}`` and ``{base}/en/ark:/53355/{ark}``) with hreflang fr/en
  alternates; the first also lists a few pages that are not records. No ``<lastmod>``, as on
  the site; with ``--lastmod``, each record's modified date.
- ``/ark:/53355/{ark}.json`` and ``/en/ark:/53355/{ark}.json``: the record (same bytes on both),
  ``application/json``; 404 for missing, withdrawn and unknown arks. Record pages without
  ``.json`` are not served (404).
- ``/media/cache/large/0000000021/{ark number}/…_OG.JPG`` (cl01 records; 1 in 10 under
  ``/media/cache/original/``), ``/media/cache/original/…/AGO…_PE.jpg`` (cl02, prints and
  drawings) and their ``/media/cache/small/…`` thumbnails; ``.png`` for some.
- ``/__edition__?n=2`` (admin, not logged): switch the served edition (1 or 2) while running;
  without ``n``, tell the current one. Answers ``{"edition": n, "records": listed}``.

Options: ``--records N`` (0: off), ``--per-sitemap K`` (10), ``--image-size BYTES`` (3000),
``--no-sitemap-line``, ``--lastmod``, ``--edition 1|2`` (starting edition),
``--missing-records K`` (listed, JSON 404), ``--gone-images K`` (urlImage 404 for good),
``--record-fault KIND:N`` and ``--image-fault KIND:N`` (repeatable; the first ``--fault-times``
GETs of N chosen records/images, per URL path, fail with KIND: 429 (Retry-After from
``--retry-after``), 503 (Retry-After only with ``--retry-after-503``), truncate (Content-Length
sent, half the body, connection closed), short (no Content-Length, ``Connection: close``, half
the body), html200 (a 200 HTML "Server error" page)), ``--sitemap-fault KIND`` (same kinds, one
chosen sub-sitemap), ``--gzip`` (robots.txt, sitemaps and records sent with
``Content-Encoding: gzip`` to a client whose ``Accept-Encoding`` has gzip; images never),
``--validators`` (records sent with ``ETag`` and ``Last-Modified``; a GET whose
``If-None-Match`` or ``If-Modified-Since`` says the client holds this version gets
``304 Not Modified``), ``--latency SECONDS`` (every answer of the route waits that long first:
a slow museum).

Edition 2 against edition 1: about 1 record in 5 modified (a later date; an image replaced by a
new one at a new URL, and/or an image added), 1 in 20 withdrawn (not listed, JSON 404) and as
many new arks added (collections under 5 records are the same in both). Missing records, gone
images and faulted records/images are all chosen among the records that are the same in both
editions.

Records are the real ones of ``fakesite/real_records/`` (a copy of ``../shared``'s) used as
templates and varied (see ``_fields``): the 44 documented properties, the key
``'modified '`` with its trailing space in every record, the real shapes of ``creator``
(current and former attributions, schools, from ``fragments.json``), ``dimension`` (no label in
``displayDimension``), ``dateCreated`` (empty ``endYear``, duplicates, prints' ``text`` null),
``index`` and ``objectNumber``; ``objectType`` empty but for drawings, paintings carrying an
``index`` objectType facet instead. The JSON is ASCII-escaped as the site sends it
(``\\u00e9``, ``\\/``, ``\\u0027``). Images: 0 to 3 a record, about 10 % PNG, the others JPEG,
all decodable pictures showing the record's title; full images are padded to between
``--image-size`` and twice that many bytes, thumbnails a fifth of that (at least 128).

Python API (``edition=None`` means the starting edition; ``base`` is the server URL, e.g.
``server.url``, as record JSON holds absolute URLs; image keys are URL paths):
``FakeCollection(config)`` or ``FakeCollection.from_args([...])``; ``arks``, ``served_arks``,
``modified``, ``modified_key``, ``record``, ``record_bytes``, ``record_images``, ``images``,
``thumbnails``, ``image_bytes``, ``changes``, ``missing_records``, ``gone_images``,
``record_faults``, ``image_faults``, ``sitemap_fault``, ``fault_for``, ``robots_txt``,
``sitemap_paths``, ``sitemap_arks``, ``sitemap_index_bytes``, ``sitemap_bytes`` and ``respond``.
Module functions: ``fakesite.images.image_bytes(path, size, title)``,
``fakesite.records.encode_record`` and ``record_paths(ark)``, and here ``request_kind(path)``
(the log's ``kind``). This module holds the collection (``FakeCollection``, which records each
edition lists, which are missing or faulted) and the handler's part (``CollectionRoutes``); what
a record, an image, an edition, a sitemap and a fault are is in the module of that name.
"""

from __future__ import annotations

import bisect
import datetime
import email.utils
import gzip
import hashlib
import itertools
import math
import random
import time
import urllib.parse
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakesite.answers import (
    HTML_TYPE,
    JPEG_TYPE,
    JSON_TYPE,
    NOT_FOUND_PAGE,
    PNG_TYPE,
    SERVER_ERROR_PAGE,
    XML_TYPE,
    Answer,
)
from fakesite.editions import EDITIONS, EditionChanges, Version, ark_of, generate
from fakesite.faults import ODD_IMAGE_ENTRIES, Breaks
from fakesite.images import FakeImage, image_bytes, is_thumbnail, make_image
from fakesite.records import (
    ARK_PREFIX,
    MODIFIED_KEY,
    PROPERTIES,
    RECORD_RE,
    _fields,
    encode_record,
    record_paths,
    record_title,
)
from fakesite.sending import Sending
from fakesite.sitemaps import SITEMAP_RE, robots_body, sitemap_body, sitemap_index_body


@dataclass(frozen=True)
class CollectionConfig:
    """The documented route's options, as parsed from the command line."""

    records: int = 0
    seed: int = 0
    per_sitemap: int = 10
    image_size: int = 3000
    sitemap_line: bool = True
    lastmod: bool = False  # real sitemaps show no <lastmod>
    edition: int = 1
    missing_records: int = 0
    gone_images: int = 0
    record_faults: tuple[tuple[str, int], ...] = ()
    image_faults: tuple[tuple[str, int], ...] = ()
    sitemap_fault: str | None = None
    breaks: tuple[tuple[str, int], ...] = ()  # --break KIND[:N], see BREAKS
    gzip: bool = False  # --gzip: robots.txt, sitemaps and records gzip-encoded when accepted
    validators: bool = False  # --validators: records carry ETag and Last-Modified, answer 304
    latency: float = 0.0  # --latency: seconds every answer of the route waits before it starts


class FakeCollection:
    """The documented route's data, both editions, drawn once from a ``CollectionConfig``.

    Arks, dates and images depend only on ``records`` and ``seed``; which records and images
    are missing, gone or faulted depends on the fault options too (and on ``seed``). What is
    drawn is kept small (``fakesite.editions.Editions``); records, images and sitemaps are made
    from it when they are asked for.
    """

    def __init__(self, config: CollectionConfig | None = None) -> None:
        self.config = config = config or CollectionConfig()
        if config.edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}")
        if config.per_sitemap < 1:
            raise ValueError("per_sitemap must be at least 1")
        self._editions = generate(config.records, config.seed)
        self._choose_faults()
        self._breaks = Breaks(dict(config.breaks), lambda: self._stable, self.record_images)

    @property
    def enabled(self) -> bool:
        """Tell whether the documented route is on (``records > 0``)."""
        return self.config.records > 0

    @property
    def _stable(self) -> list[str]:
        """The arks that are the same in both editions, in edition 1's order."""
        return [ark_of(code) for code in self._editions.stable]

    def _choose_faults(self) -> None:
        cfg = self.config
        rng = random.Random(f"faults:{cfg.seed}")
        records = list(self._editions.stable)  # ark codes: sorted and shuffled as the arks
        rng.shuffle(records)
        wanted = cfg.missing_records + sum(n for _, n in cfg.record_faults)
        if wanted > len(records):
            raise ValueError(f"{wanted} missing/faulted records asked, {len(records)} available")
        self._missing = [ark_of(code) for code in sorted(records[: cfg.missing_records])]
        self._missing_set = frozenset(self._missing)
        taken = cfg.missing_records
        self._record_faults: dict[str, str] = {}
        for kind, n in cfg.record_faults:
            self._record_faults.update((ark_of(c), kind) for c in records[taken : taken + n])
            taken += n
        # The images of the other records, in ark order, shuffled: only the first ``wanted``
        # are made into paths (the shuffle of their positions draws as that of the paths would).
        editions = self._editions
        rest = [editions.record_at(code) for code in sorted(records[taken:])]
        ends = list(itertools.accumulate(editions.counts[1][r] for r in rest if r is not None))
        pool = array("l", range(ends[-1] if ends else 0))
        wanted = cfg.gone_images + sum(n for _, n in cfg.image_faults)
        if wanted or (cfg.sitemap_fault and self.enabled):  # else nothing draws after this
            rng.shuffle(pool)
        if wanted > len(pool):
            raise ValueError(f"{wanted} gone/faulted images asked, {len(pool)} available")

        def path(k: int) -> str:
            at = bisect.bisect_right(ends, k)
            record, position = rest[at], k - (ends[at - 1] if at else 0)
            assert record is not None
            i = editions.image_ids(record, 1)[position]
            return make_image(ark_of(editions.codes[record]), position, editions.parts(i)).path

        chosen = [path(k) for k in pool[:wanted]]
        self._gone = sorted(chosen[: cfg.gone_images])
        self._gone_set = frozenset(self._gone)
        taken = cfg.gone_images
        self._image_faults: dict[str, str] = {}
        for kind, n in cfg.image_faults:
            self._image_faults.update((p, kind) for p in chosen[taken : taken + n])
            taken += n
        self._sitemap_fault: tuple[str, str] | None = None
        if cfg.sitemap_fault and self.enabled:
            count = min(len(self.sitemap_paths(e)) for e in EDITIONS)
            self._sitemap_fault = (self.sitemap_paths(1)[rng.randrange(count)], cfg.sitemap_fault)
        self._faults = {
            **{p: k for a, k in self._record_faults.items() for p in record_paths(a)},
            **self._image_faults,
        }
        if self._sitemap_fault:
            self._faults[self._sitemap_fault[0]] = self._sitemap_fault[1]

    # -- what an edition holds

    def _edition(self, edition: int | None) -> int:
        edition = self.config.edition if edition is None else edition
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
        return edition

    def arks(self, edition: int | None = None) -> list[str]:
        """Arks listed in the edition's sitemaps, in sitemap order (sorted; missing included)."""
        codes = self._editions.sorted[self._edition(edition)] if self.enabled else ()
        return [ark_of(code) for code in codes]

    def served_arks(self, edition: int | None = None) -> list[str]:
        """Listed arks whose JSON answers 200 (``arks`` minus ``missing_records``)."""
        return [a for a in self.arks(edition) if a not in self._missing_set]

    def modified(self, ark: str, edition: int | None = None) -> str | None:
        """The record's ``modified`` date in the edition (also for missing ones), or ``None``."""
        return self._editions.date(ark, self._edition(edition)) if self.enabled else None

    def modified_key(self, ark: str) -> str:
        """``"modified "``, with its trailing space, as in every real record."""
        return MODIFIED_KEY

    def record(self, ark: str, base: str, edition: int | None = None) -> dict[str, Any] | None:
        """The record as served with ``base`` as the server URL, or ``None`` when it is 404."""
        version = self._version(ark, edition)
        if version is None or ark in self._missing_set:
            return None
        values = _fields(ark, self.config.seed)
        values.update(
            url=f"{base}{ARK_PREFIX}{ark}",
            modified=version.modified,
            image=[image.entry(base) for image in version.images]
            + (ODD_IMAGE_ENTRIES if ark in self._breaks.odd_arks else []),
        )
        key = MODIFIED_KEY
        return {key if name == "modified" else name: values[name] for name in PROPERTIES}

    def record_bytes(self, ark: str, base: str, edition: int | None = None) -> bytes | None:
        """The exact JSON body served for the ark (UTF-8, not ASCII-escaped), or ``None``."""
        record = self.record(ark, base, edition)
        return None if record is None else encode_record(record)

    def record_images(self, ark: str, edition: int | None = None) -> list[FakeImage]:
        """The record's images in the edition, as in its JSON (gone ones included)."""
        version = self._version(ark, edition)
        return list(version.images) if version else []

    def _version(self, ark: str, edition: int | None) -> Version | None:
        edition = self._edition(edition)
        return self._editions.version(ark, edition) if self.enabled else None

    def _served_images(self, edition: int | None) -> list[FakeImage]:
        return [i for a in self.served_arks(edition) for i in self.record_images(a, edition)]

    def images(self, edition: int | None = None) -> dict[str, bytes]:
        """Every ``urlImage`` path of a served record that answers 200 → its bytes."""
        return {
            i.path: self.image_bytes(i.path)
            for i in self._served_images(edition)
            if i.path not in self._gone_set
        }

    def thumbnails(self, edition: int | None = None) -> dict[str, bytes]:
        """Every ``urlThumbnail`` path of a served record (all answer 200) → its bytes."""
        return {i.thumbnail: self.image_bytes(i.thumbnail) for i in self._served_images(edition)}

    def image_bytes(self, path: str, *, cached: bool = True) -> bytes:
        """The bytes of any image or thumbnail path (or URL), served or not; an image of a
        record shows the record's title. ``cached=False``: made afresh, not kept."""
        ark = self._editions.image_owner(urllib.parse.urlsplit(path).path or path)
        title = record_title(ark, self.config.seed) if ark else ""
        make = image_bytes if cached else image_bytes.__wrapped__
        return make(path, self.config.image_size, title)

    def changes(self, old: int = 1, new: int = 2) -> EditionChanges:
        """What ``new`` changed against ``old``: arks added, withdrawn, modified (listed in
        both, date or images differ); urlImage paths of served records added or removed, and
        ``images_replaced`` {old path: new path} for the same ark and position."""
        if not self.enabled:
            return EditionChanges()
        before, after = self._versions(old), self._versions(new)
        both = sorted(set(before) & set(after))
        replaced = {
            a.path: b.path
            for ark in both
            for a, b in zip(before[ark].images, after[ark].images, strict=False)
            if a.path != b.path
        }
        old_paths = {i.path for i in self._served_images(old)}
        new_paths = {i.path for i in self._served_images(new)}
        return EditionChanges(
            added=sorted(set(after) - set(before)),
            withdrawn=sorted(set(before) - set(after)),
            modified=[a for a in both if before[a] != after[a]],
            images_added=sorted(new_paths - old_paths),
            images_removed=sorted(old_paths - new_paths),
            images_replaced=replaced,
        )

    def _versions(self, edition: int) -> dict[str, Version]:
        """Every ark listed in the edition → its record there (all made: for small ones)."""
        versions = {ark: self._editions.version(ark, edition) for ark in self.arks(edition)}
        return {ark: version for ark, version in versions.items() if version is not None}

    # -- special cases

    def missing_records(self) -> list[str]:
        """Arks listed in both editions' sitemaps whose JSON answers 404."""
        return list(self._missing)

    def gone_images(self) -> list[str]:
        """urlImage paths (in served JSON, both editions) that answer 404 for good."""
        return list(self._gone)

    def record_faults(self) -> dict[str, str]:
        """Faulted ark → fault kind (both its ``.json`` paths, each counted on its own)."""
        return dict(self._record_faults)

    def image_faults(self) -> dict[str, str]:
        """Faulted urlImage path → fault kind."""
        return dict(self._image_faults)

    def sitemap_fault(self) -> tuple[str, str] | None:
        """(sub-sitemap path, kind) hit by ``--sitemap-fault``, or ``None``."""
        return self._sitemap_fault

    def fault_for(self, path: str) -> str | None:
        """The fault kind configured for a URL path (before counting GETs), or ``None``."""
        return self._faults.get(urllib.parse.unquote(path))

    # -- enumeration

    def robots_txt(self, base: str) -> bytes:
        """The robots.txt body."""
        return robots_body(base, enabled=self.enabled, sitemap_line=self.config.sitemap_line)

    def sitemap_paths(self, edition: int | None = None) -> list[str]:
        """Paths of the edition's sub-sitemaps, in index order."""
        listed = len(self._editions.sorted[self._edition(edition)])
        count = math.ceil(listed / self.config.per_sitemap)
        count = count if self.enabled else 0
        return [f"/media/sitemap/sitemap{i}.xml" for i in range(count)]

    def sitemap_arks(self, i: int, edition: int | None = None) -> list[str]:
        """Arks listed by sub-sitemap ``i``."""
        per = self.config.per_sitemap
        codes = self._editions.sorted[self._edition(edition)] if self.enabled else array("l")
        return [ark_of(code) for code in codes[i * per : (i + 1) * per]]

    def sitemap_index_bytes(self, base: str, edition: int | None = None) -> bytes:
        """The ``/sitemap.xml`` body: one ``<sitemap>`` per sub-sitemap (with the latest
        lastmod of its records with ``--lastmod``)."""
        paths = self.sitemap_paths(edition)
        lastmods = (
            [
                max(self.modified(a, edition) or "" for a in self.sitemap_arks(i, edition))
                for i in range(len(paths))
            ]
            if self.config.lastmod
            else None
        )
        self_listing = "index-self" in self._breaks.kinds
        return sitemap_index_body(base, paths, lastmods, self_listing=self_listing)

    def sitemap_bytes(self, i: int, base: str, edition: int | None = None) -> bytes | None:
        """Sub-sitemap ``i``'s body, or ``None`` when it does not exist (404)."""
        arks = self.sitemap_arks(i, edition) if i >= 0 else []
        if not arks:
            return None
        lastmods = [self.modified(ark, edition) for ark in arks] if self.config.lastmod else None
        return sitemap_body(base, arks, lastmods, other_pages=i == 0)

    # -- serving

    def respond(self, path: str, base: str, edition: int | None = None) -> Answer | None:
        """The fault-free answer to a GET of ``path``, or ``None`` if it is not this route's.

        ``/robots.txt`` is answered even with the route off; everything else is ``None`` then.
        """
        path = urllib.parse.unquote(path)
        if path == "/robots.txt":
            return Answer(200, "text/plain; charset=utf-8", self.robots_txt(base))
        kind = request_kind(path)
        if not self.enabled or kind not in ("sitemap", "record", "image", "thumbnail"):
            return None
        body: bytes | None = None
        ctype = HTML_TYPE
        if path == "/sitemap.xml":
            body, ctype = self.sitemap_index_bytes(base, edition), XML_TYPE
        elif match := SITEMAP_RE.fullmatch(path):
            body, ctype = self.sitemap_bytes(int(match[1]), base, edition), XML_TYPE
        elif match := RECORD_RE.fullmatch(path):
            body, ctype = self.record_bytes(match[1], base, edition), JSON_TYPE
        elif self._serves_image(path, edition):
            body = self.image_bytes(path)
        if body is None:
            return Answer(404, HTML_TYPE, NOT_FOUND_PAGE)
        if kind in ("image", "thumbnail"):
            ctype = PNG_TYPE if path.endswith(".png") else JPEG_TYPE
        return Answer(200, ctype, body)

    def _serves_image(self, path: str, edition: int | None) -> bool:
        """Whether an image or thumbnail path answers 200: one of a served record's in the
        edition, not gone."""
        ark = self._editions.image_owner(path)
        if ark is None or ark in self._missing_set or path in self._gone_set:
            return False
        return any(path in (i.path, i.thumbnail) for i in self.record_images(ark, edition))


def request_kind(path: str) -> str:
    """The log's ``kind`` for a path of the documented route: robots, sitemap, record, image,
    thumbnail, or other (``fakesite.server`` says ``zip`` for the zip route's paths first)."""
    path = urllib.parse.unquote(path.split("?", 1)[0])
    if path == "/robots.txt":
        return "robots"
    if path == "/sitemap.xml" or path.startswith("/media/sitemap/"):
        return "sitemap"
    if RECORD_RE.fullmatch(path):
        return "record"
    if is_thumbnail(path):
        return "thumbnail"
    if path.startswith("/media/cache/"):
        return "image"
    return "other"


# What --gzip encodes: text (as the real site's server would).
GZIP_KINDS = frozenset({"robots", "sitemap", "record"})


class CollectionRoutes(Sending):
    """Mixin for ``fakesite.server.Handler``: serves the documented route and its faults."""

    if TYPE_CHECKING:
        path: str
        headers: Any  # the request's

    def _serve_documented(self, path: str) -> bool:
        """Answer ``path`` if it is robots.txt or the documented route's; else return False."""
        answer = self.server.site.respond(path, self.server.url, self.server.edition)
        if answer is None:
            return False
        if self.server.site.config.latency:
            time.sleep(self.server.site.config.latency)
        kind = self._documented_fault(path) if self.command == "GET" else None
        body = answer.body
        broken = self.server.site._breaks.answer(path, answer)
        if broken is not None:
            self._send(*broken)
        elif kind in ("429", "503"):
            self._fault_status(kind)
        elif kind == "truncate":
            self._send(answer.status, answer.content_type, body, limit=len(body) // 2)
            self.close_connection = True
        elif kind == "short":
            self._send_unsized(answer.status, answer.content_type, body[: len(body) // 2])
        elif kind == "html200":
            self._send(200, HTML_TYPE, SERVER_ERROR_PAGE)
        elif (validators := self._validators(path, answer)) and self._not_modified(validators):
            self._send(304, answer.content_type, b"", validators)
        else:
            body, headers = self._encoded(path, answer)
            self._send(answer.status, answer.content_type, body, {**headers, **validators})
        return True

    def _validators(self, path: str, answer: Answer) -> dict[str, str]:
        """``--validators``: a record's ETag (of its bytes) and Last-Modified (its date)."""
        match = RECORD_RE.fullmatch(urllib.parse.unquote(path))
        if not self.server.site.config.validators or answer.status != 200 or not match:
            return {}
        modified = self.server.site.modified(match[1], self.server.edition) or "2020-01-01"
        when = datetime.datetime.fromisoformat(modified[:10]).replace(tzinfo=datetime.UTC)
        return {
            "ETag": f'"{hashlib.md5(answer.body).hexdigest()}"',
            "Last-Modified": email.utils.format_datetime(when, usegmt=True),
        }

    def _not_modified(self, validators: dict[str, str]) -> bool:
        """Whether the conditional GET's client holds this version (RFC 9110: If-None-Match
        first; If-Modified-Since only without it)."""
        if self.command != "GET":
            return False
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return validators["ETag"] in [t.strip() for t in tags.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            held = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return held >= email.utils.parsedate_to_datetime(validators["Last-Modified"])

    def _encoded(self, path: str, answer: Answer) -> tuple[bytes, dict[str, str]]:
        """The body to send and its headers: gzip-encoded with ``--gzip`` for robots.txt, the
        sitemaps and the records, when the client accepts gzip; as it is otherwise."""
        accepts = self.headers.get("Accept-Encoding", "") or ""
        if (
            not self.server.site.config.gzip
            or answer.status != 200
            or request_kind(path) not in GZIP_KINDS
            or "gzip" not in accepts.lower()
        ):
            return answer.body, {}
        encoded = gzip.compress(answer.body, compresslevel=6, mtime=0)
        return encoded, {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}

    def _documented_fault(self, path: str) -> str | None:
        kind = self.server.site.fault_for(path)
        if kind is None:
            return None
        hits = self.server.request_log.count_get(urllib.parse.unquote(path))
        return kind if hits <= self.server.config.fault_times else None

    def _edition_admin(self) -> tuple[int, dict[str, Any]]:
        """``/__edition__?n=N``: switch editions; answer the status and the JSON payload."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "n" in query:
            value = query["n"][-1]
            if value not in {str(e) for e in EDITIONS}:
                return 400, {"error": f"n must be one of {list(EDITIONS)}"}
            self.server.edition = int(value)
        edition = self.server.edition
        return 200, {"edition": edition, "records": len(self.server.site.arks(edition))}
