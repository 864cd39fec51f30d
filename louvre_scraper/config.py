"""Every ``LOUVRE_*`` setting (and the Scrapy settings we depend on) read and checked once.

Built once per crawler (:func:`config_of`), by the spider first, so a bad value ends the run
before any component writes anything; every component then reads the same object.
Defaults live here, next to their checks; ``settings.py`` only holds what differs from
Scrapy's own defaults.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from weakref import WeakKeyDictionary

from louvre_scraper.errors import BadInput, refuse

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


DOWNLOAD_PATH = "/en/artwork/image/download/{id}/0"
RECORD_PATH = "/ark:/53355/{ark}.json"
SAMPLE_IMAGE = {"ark": "cl010062370", "position": 0, "ext": ".jpg"}
REMOTE_SCHEMES = ("s3", "gs", "ftp")
MIB = 1024 * 1024
HOST_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:]+")
# Scrapy's boolean settings a user is told to set; a typo must not end in a traceback.
BOOLEAN_SETTINGS = (
    "ROBOTSTXT_OBEY",
    "AUTOTHROTTLE_ENABLED",
    "RANDOMIZE_DOWNLOAD_DELAY",
    "TELNETCONSOLE_ENABLED",
    "REMOTE_CONTROL_ENABLED",
    "LOG_ENABLED",
)
# Kernel filesystems: writable-looking to root, but no place for a directory of files.
PSEUDO_FS = (Path("/proc"), Path("/sys"))


@dataclass(frozen=True)
class LouvreConfig:
    base_url: str = "https://collections.louvre.fr"
    missing_statuses: frozenset[int] = frozenset({404, 410})
    file_template: str = "{id}.zip"
    files_store: str = "downloads"
    failed_ids_file: str | None = None  # default: beside a local store, none for a remote one
    checksums: bool = False  # MD5 of each zip for the items; default: when a feed will list them
    # Upper-bound discovery (only used when no ``end`` is given).
    probe_window: int = 16
    tail_misses: int = 1000
    # Retry pacing, on top of Scrapy's RETRY_TIMES / RETRY_HTTP_CODES.
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0
    # The collection route (sitemaps, records, images).
    record_template: str = "records/{ark}.json"
    image_template: str = "images/{ark}/{position}{ext}"
    sitemap_url: str | None = None  # default: robots.txt's Sitemap line, else /sitemap.xml
    max_sitemaps: int = 1000  # sitemaps asked per run at most (the museum has 27)
    obsolete_file: str | None = None  # default: beside a local store, none for a remote one
    prune: bool = False
    # At most this many files pruned by a run (rsync's --max-delete): a count, or a share of
    # the files in the store ("5%": 5 in 100).
    prune_max: int | None = None
    prune_max_share: float | None = 0.05
    # When to give up on a site that cannot be reached or refuses us (downloadermiddlewares/
    # reachability.py).
    give_up_failures: int = 30
    give_up_seconds: float = 60.0
    logstats_interval: float = 60.0
    # A crawl where nothing moved for this long ends (extensions/watchdog.py); 0: never.
    stall_seconds: float = 300.0
    # The trust boundary (downloadermiddlewares/fetchpolicy.py): which hosts, how large a body.
    allowed_hosts: frozenset[str] = frozenset({"collections.louvre.fr"})  # with the base's
    max_record_bytes: int = 4 * MIB  # real records: 5-10 KB
    max_image_bytes: int = 32 * MIB  # real full-size images top out around 1500 px
    max_sitemap_bytes: int = 50 * MIB  # the sitemap protocol's limit (uncompressed)
    max_sitemap_urls: int = 50_000  # the sitemap protocol's limit; real ones: 40,010
    max_zip_bytes: int = 64 * MIB  # 2021: 268 KB and 443 KB, ~1.5 MB on average
    max_probe_bytes: int = 1 * MIB  # probes read headers only
    max_bytes_in_flight: int = 128 * MIB  # every body being received, together
    # The rights estimate (records/rights.py): a work is public domain this many full years
    # after its creators' deaths.
    rights_years: int = 70
    speedups: bool = True  # the speed patches of louvre_scraper/patches.py

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> LouvreConfig:
        defaults = cls()
        config = cls(
            base_url=_base_url(settings.get("LOUVRE_BASE_URL", defaults.base_url)),
            missing_statuses=_statuses(
                settings, "LOUVRE_MISSING_STATUSES", defaults.missing_statuses
            ),
            file_template=_file_template(
                settings.get("LOUVRE_FILE_TEMPLATE", defaults.file_template)
            ),
            files_store=_files_store(settings.get("FILES_STORE")),
            failed_ids_file=_list_file(
                "LOUVRE_FAILED_IDS_FILE", settings.get("LOUVRE_FAILED_IDS_FILE")
            ),
            checksums=_bool(settings, "LOUVRE_CHECKSUMS", bool(settings.getdict("FEEDS"))),
            probe_window=_number(settings, "LOUVRE_PROBE_WINDOW", defaults.probe_window, int, 1),
            tail_misses=_number(settings, "LOUVRE_TAIL_MISSES", defaults.tail_misses, int, 1),
            backoff_base=_number(settings, "RETRY_BACKOFF_BASE", defaults.backoff_base, float, 0),
            backoff_max=_number(settings, "RETRY_BACKOFF_MAX", defaults.backoff_max, float, 0),
            retry_after_max=_number(
                settings, "RETRY_AFTER_MAX", defaults.retry_after_max, float, 0
            ),
            record_template=_template(
                settings, "LOUVRE_RECORD_TEMPLATE", defaults.record_template, {"ark": "cl01"}
            ),
            image_template=_template(
                settings, "LOUVRE_IMAGE_TEMPLATE", defaults.image_template, SAMPLE_IMAGE
            ),
            sitemap_url=_optional_url(settings, "LOUVRE_SITEMAP_URL"),
            max_sitemaps=_number(settings, "LOUVRE_MAX_SITEMAPS", defaults.max_sitemaps, int, 1),
            obsolete_file=_list_file("LOUVRE_OBSOLETE_FILE", settings.get("LOUVRE_OBSOLETE_FILE")),
            prune=_bool(settings, "LOUVRE_PRUNE", False),
            **_prune_max(settings.get("LOUVRE_PRUNE_MAX")),
            give_up_failures=_number(
                settings, "LOUVRE_GIVE_UP_FAILURES", defaults.give_up_failures, int, 1
            ),
            give_up_seconds=_number(
                settings, "LOUVRE_GIVE_UP_SECONDS", defaults.give_up_seconds, float, 0
            ),
            logstats_interval=_number(
                settings, "LOGSTATS_INTERVAL", defaults.logstats_interval, float, 0
            ),
            stall_seconds=_number(
                settings, "LOUVRE_STALL_SECONDS", defaults.stall_seconds, float, 0
            ),
            allowed_hosts=_allowed_hosts(settings, settings.get("LOUVRE_BASE_URL")),
            max_record_bytes=_size(settings, "LOUVRE_MAX_RECORD_BYTES", defaults.max_record_bytes),
            max_image_bytes=_size(settings, "LOUVRE_MAX_IMAGE_BYTES", defaults.max_image_bytes),
            max_sitemap_bytes=_size(
                settings, "LOUVRE_MAX_SITEMAP_BYTES", defaults.max_sitemap_bytes
            ),
            max_sitemap_urls=_number(
                settings, "LOUVRE_MAX_SITEMAP_URLS", defaults.max_sitemap_urls, int, 1
            ),
            max_zip_bytes=_size(settings, "LOUVRE_MAX_ZIP_BYTES", defaults.max_zip_bytes),
            max_probe_bytes=_size(settings, "LOUVRE_MAX_PROBE_BYTES", defaults.max_probe_bytes),
            max_bytes_in_flight=_size(
                settings, "LOUVRE_MAX_BYTES_IN_FLIGHT", defaults.max_bytes_in_flight
            ),
            rights_years=_number(settings, "LOUVRE_RIGHTS_YEARS", defaults.rights_years, int, 0),
            speedups=_bool(settings, "LOUVRE_SPEEDUPS", defaults.speedups),
        )
        _number(settings, "CONCURRENT_REQUESTS", 16, int, 1)
        _number(settings, "CONCURRENT_REQUESTS_PER_DOMAIN", 8, int, 1)
        _number(settings, "RETRY_TIMES", 2, int, 0)
        _number(settings, "DOWNLOAD_TIMEOUT", 180.0, float, 0, above=True)
        _number(settings, "DOWNLOAD_DELAY", 0.0, float, 0)
        # AutoThrottle's knobs: Scrapy's extension would turn itself off at a target of 0 or
        # less (NotConfigured) and fail late on text; a negative pause makes no sense.
        _number(settings, "AUTOTHROTTLE_TARGET_CONCURRENCY", 8.0, float, 0, above=True)
        _number(settings, "AUTOTHROTTLE_START_DELAY", 0.25, float, 0)
        _number(settings, "AUTOTHROTTLE_MAX_DELAY", 60.0, float, 0)
        for name in BOOLEAN_SETTINGS:
            _bool(settings, name, False)
        check_log_level(settings)
        if settings.get("JOBDIR"):
            _check_local_dir(Path(str(settings["JOBDIR"])), settings["JOBDIR"], "JOBDIR")
        return config

    def url(self, artwork_id: int) -> str:
        return self.base_url + DOWNLOAD_PATH.format(id=artwork_id)

    def record_url(self, ark: str) -> str:
        return self.base_url + RECORD_PATH.format(ark=ark)

    def prune_limit(self, store_files: int) -> int:
        """How many files a run may prune from a store of *store_files* files."""
        if self.prune_max is not None:
            return self.prune_max
        return int(store_files * (self.prune_max_share or 0))

    @property
    def is_local_store(self) -> bool:
        return urlparse(self.files_store).scheme not in REMOTE_SCHEMES

    @property
    def local_store_dir(self) -> Path:
        """The directory of a local store (``file://`` or a plain path)."""
        store = self.files_store
        return Path(store.split("://", 1)[1] if store.startswith("file://") else store)


_CONFIGS: WeakKeyDictionary[Crawler, LouvreConfig] = WeakKeyDictionary()


def config_of(crawler: Crawler) -> LouvreConfig:
    """The crawler's settings read and checked, once per crawler (raises BadInput)."""
    config = _CONFIGS.get(crawler)
    if config is None:
        config = _CONFIGS[crawler] = LouvreConfig.from_settings(crawler.settings)
    return config


def _bad(name: str, value: Any, why: str) -> BadInput:
    return BadInput(f"bad setting {name}={value!r}: {why}")


def _base_url(value: Any) -> str:
    url = str(value or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise _bad("LOUVRE_BASE_URL", value, "expected an http:// or https:// URL")
    return url.rstrip("/")


def _allowed_hosts(settings: BaseSettings, base_url: Any) -> frozenset[str]:
    """LOUVRE_BASE_URL's host, and LOUVRE_ALLOWED_HOSTS: bare host names (a CDN's)."""
    base_host = urlparse(_base_url(base_url or LouvreConfig.base_url)).hostname or ""
    hosts = {base_host.lower()}
    for raw in settings.getlist("LOUVRE_ALLOWED_HOSTS"):
        host = str(raw).strip().lower().rstrip(".")
        if not host:
            continue
        if not HOST_RE.fullmatch(host):
            raise _bad(
                "LOUVRE_ALLOWED_HOSTS",
                settings.get("LOUVRE_ALLOWED_HOSTS"),
                f"{raw!r} is not a host name (e.g. images.louvre.fr: no scheme, port or path)",
            )
        hosts.add(host)
    return frozenset(hosts)


def _size(settings: BaseSettings, name: str, default: int) -> int:
    """A body size limit in bytes: a positive integer (Scrapy reads 0 as "no limit")."""
    return int(_number(settings, name, default, int, 1))


def _prune_max(value: Any) -> dict[str, Any]:
    """``LOUVRE_PRUNE_MAX``: a number of files (``100``) or a share of the store (``5%``)."""
    if value is None or value == "":
        return {}
    text = str(value).strip()
    share = text.endswith("%")
    try:
        number = float(text[:-1]) if share else int(text)
    except ValueError:
        number = -1
    if share and 0 <= number <= 100:
        return {"prune_max": None, "prune_max_share": number / 100}
    if not share and number >= 0:
        return {"prune_max": int(number), "prune_max_share": None}
    raise _bad("LOUVRE_PRUNE_MAX", value, "expected a number of files (100) or a share (5%)")


def _optional_url(settings: BaseSettings, name: str) -> str | None:
    value = settings.get(name)
    if not value:
        return None
    parsed = urlparse(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise _bad(name, value, "expected an http:// or https:// URL")
    return str(value)


def _template(settings: BaseSettings, name: str, default: str, sample: dict[str, Any]) -> str:
    """A path template per record or image: every field of *sample* in it, relative, no ``..``."""
    template = str(settings.get(name) or default)
    other = {k: v + 1 if isinstance(v, int) else f"{v}x" for k, v in sample.items()}
    try:
        path, other_path = template.format(**sample), template.format(**other)
    except (KeyError, IndexError, ValueError):
        fields = ", ".join(f"{{{key}}}" for key in sample)
        raise _bad(name, template, f"may only use {fields}") from None
    if "position" in sample:
        try:
            template.format(**{**sample, "position": "0-1"})  # images whose positions collide
        except ValueError:
            raise _bad(name, template, "{position} must also take 0-1 (no format spec)") from None
    missing = [key for key in sample if key != "ext" and f"{{{key}" not in template]
    if missing:
        raise _bad(name, template, f"must contain {{{missing[0]}}}")
    if not path or path.startswith("/") or ".." in path.split("/") or path == other_path:
        raise _bad(name, template, "must name a relative path per file")
    return template


def _statuses(settings: BaseSettings, name: str, default: frozenset[int]) -> frozenset[int]:
    if settings.get(name) is None:
        return default
    try:
        statuses = frozenset(int(s) for s in settings.getlist(name))
    except ValueError:
        raise _bad(name, settings.get(name), "expected HTTP status codes, e.g. 404,410") from None
    if any(not 100 <= s <= 599 for s in statuses) or any(200 <= s < 400 for s in statuses):
        raise _bad(name, settings.get(name), "expected 4xx or 5xx status codes")
    return statuses


def _number(
    settings: BaseSettings,
    name: str,
    default: Any,
    kind: type,
    minimum: float,
    *,
    above: bool = False,
) -> Any:
    raw = settings.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise _bad(name, raw, f"not a{'n integer' if kind is int else ' number'}") from None
    if not math.isfinite(value):
        raise _bad(name, raw, "not a finite number")
    if above and value <= minimum:
        raise _bad(name, raw, f"must be above {minimum:g}")
    if value < minimum:
        raise _bad(name, raw, f"must be at least {minimum:g}")
    return value


def _bool(settings: BaseSettings, name: str, default: bool) -> bool:
    try:
        return settings.getbool(name, default)
    except ValueError:
        raise _bad(name, settings.get(name), "expected True or False (or 1 or 0)") from None


def stats_on_console(settings: BaseSettings) -> bool:
    """``LOUVRE_STATS_ON_CONSOLE``: Scrapy's stats dump at INFO (raises BadInput when bad)."""
    return _bool(settings, "LOUVRE_STATS_ON_CONSOLE", False)


def check_log_level(settings: BaseSettings) -> None:
    """``LOG_LEVEL`` must name a level: Scrapy sets up logging with it before anything else."""
    level = settings.get("LOG_LEVEL")
    if isinstance(level, int):
        return
    if not isinstance(logging.getLevelName(str(level)), int):
        raise _bad("LOG_LEVEL", level, "expected DEBUG, INFO, WARNING, ERROR or CRITICAL")


def refuse_bad_log_level(settings: BaseSettings) -> None:
    """For a command, before logging is set up: a bad ``LOG_LEVEL`` ends it in one line."""
    try:
        check_log_level(settings)
    except BadInput as error:
        refuse(error)


def _file_template(value: Any) -> str:
    template = str(value or "")
    try:
        path = template.format(id=1)
    except (KeyError, IndexError, ValueError):
        path = ""
    if "{id" not in template or not path:
        raise _bad("LOUVRE_FILE_TEMPLATE", value, "must contain {id}, e.g. {id}.zip")
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or template.format(id=2) == path:
        raise _bad("LOUVRE_FILE_TEMPLATE", value, "must name a relative path per ID")
    return template


def _files_store(value: Any) -> str:
    store = str(value or "").strip()
    if not store:
        raise _bad("FILES_STORE", value, "must name a directory or an s3:// URL")
    scheme = urlparse(store).scheme
    if scheme in REMOTE_SCHEMES:
        bucket, _, _ = store.split("://", 1)[1].partition("/")
        if not bucket:
            raise _bad("FILES_STORE", value, f"expected {scheme}://bucket/prefix/")
        return store if store.endswith("/") else store + "/"  # a key prefix, not a name stem
    if scheme not in ("", "file") and not Path(store).is_absolute():
        raise _bad("FILES_STORE", value, "unsupported scheme (use a path, s3://, gs://, ftp://)")
    _check_local_dir(Path(store.split("://", 1)[1] if scheme == "file" else store), value)
    return store


def _list_file(name: str, value: Any) -> str | None:
    """A list file the run writes at its end (failed, obsolete): writable, not a directory."""
    if not value:
        return None
    _check_local_dir(Path(str(value)).parent, value, name)
    if Path(str(value)).is_dir():
        raise _bad(name, value, "is a directory, not a file")
    return str(value)


def writable_dir(path: Path, value: Any, name: str) -> None:
    """Refuse (BadInput naming *name*) a directory that can neither be written nor created."""
    _check_local_dir(path, value, name)


def _check_local_dir(path: Path, value: Any, name: str = "FILES_STORE") -> None:
    """The directory must exist and be writable, or be creatable; check without writing."""
    problem = unwritable_dir(path)
    if problem:
        raise _bad(name, value, problem)


def unwritable_dir(path: Path) -> str | None:
    """Why files cannot be written in the directory *path* (None: they can, once it is
    created); checked without writing."""
    probe = path.absolute()
    real = Path(os.path.realpath(probe))
    if any(real == root or root in real.parents for root in PSEUDO_FS):
        return f"{real} is in a kernel filesystem, not a place for files"
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return None


# -- setting names ---------------------------------------------------------------------------
_SETTING_RE = re.compile(r"[\"'](LOUVRE_[A-Z0-9_]+|RETRY_[A-Z0-9_]+)[\"']")


def project_settings() -> frozenset[str]:
    """The setting names the project reads beyond Scrapy's own: every ``LOUVRE_*`` (and the
    retry pacing) name its modules spell. Found in the package's source rather than kept in a
    list here, so that a setting added anywhere is known without a second place to update."""
    # importlib.resources, not the file system: Scrapyd runs the project from an egg (a zip).
    from importlib.resources import files

    names: set[str] = set()
    folders = [files("louvre_scraper")]
    while folders:
        for entry in folders.pop().iterdir():
            if entry.is_dir():
                folders.append(entry)
            elif entry.name.endswith(".py"):
                names.update(_SETTING_RE.findall(entry.read_text(encoding="utf-8")))
    return frozenset(names)


def one_edit_apart(a: str, b: str) -> bool:
    """Whether *a* becomes *b* by one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


OWN_SETTINGS = "LOUVRE_OWN_SETTINGS"  # names a user's own extension reads: let through


def check_setting_names(settings: BaseSettings) -> None:
    """Refuse (BadInput, with the closest known name) a setting given with ``-s`` that neither
    Scrapy nor the project reads when it is an unknown ``LOUVRE_*`` one or one edit away from
    a name they do (``FILE_STORE`` → ``FILES_STORE``, ``JOB_DIR``, ``FEED``): such a typo
    decides where data goes. The names listed in ``LOUVRE_OWN_SETTINGS`` (a user's own
    extension's) pass."""
    import difflib

    from scrapy.settings import SETTINGS_PRIORITIES, default_settings

    ours = project_settings()
    if not ours:  # the package's source cannot be read (compiled only): nothing to tell by
        return
    scrapys = {name for name in dir(default_settings) if name.isupper()}
    own = set(settings.getlist(OWN_SETTINGS))
    for name in sorted(settings.attributes):
        if settings.getpriority(name) != SETTINGS_PRIORITIES["cmdline"]:
            continue  # the project's settings.py, Scrapy's defaults: not typed by a user
        if name in ours or name in scrapys or name in own:
            continue
        if name.startswith("LOUVRE_"):
            close = difflib.get_close_matches(name, sorted(ours), n=1, cutoff=0.6)
            hint = f": did you mean {close[0]}?" if close else " (docs/settings.md lists them)"
            raise BadInput(f"unknown setting {name}{hint}")
        near = sorted(known for known in ours | scrapys if one_edit_apart(name, known))
        if near:
            raise BadInput(
                f"unknown setting {name}, one that neither Scrapy nor this project reads: did "
                f"you mean {' or '.join(near)}? (your own extension's: -s {OWN_SETTINGS}={name})"
            )


def refuse_bad_setting_names(settings: BaseSettings) -> None:
    """For a command, before it starts: an unknown ``LOUVRE_*`` setting ends it in one line."""
    try:
        check_setting_names(settings)
    except BadInput as error:
        refuse(error)
