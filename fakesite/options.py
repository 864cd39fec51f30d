"""The command line of ``python -m fakesite``: its options (those of the documented route in
their own group), parsed into a ``Config``, with ``--exec`` and the command after it split off."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, fields

import fakesite
from fakesite.collection import CollectionConfig, FakeCollection
from fakesite.editions import EDITIONS
from fakesite.faults import (
    COLLECTION_FAULT_KINDS,
    parse_break,
    parse_count_fault,
    parse_fault,
    parse_ids,
    parse_range,
)
from fakesite.images import MIN_IMAGE_SIZE
from fakesite.zips import MISSING_STYLES, Collection


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
    port: int = 0  # --port: 0 is a free one; the bench restarts a site on the same port
    exec_cmd: tuple[str, ...] = ()
    documented: CollectionConfig = field(default_factory=CollectionConfig)


def build_parser() -> argparse.ArgumentParser:
    """Describe the command-line options (``--exec`` is split off before parsing)."""
    summary, _, details = (fakesite.__doc__ or "").partition("\n\n")
    p = argparse.ArgumentParser(
        prog="python -m fakesite",
        description=summary,
        epilog=details,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--max-id",
        type=int,
        default=300,
        help="The highest artwork ID of the zip route (default: %(default)s).",
    )
    p.add_argument(
        "--density",
        type=float,
        default=0.6,
        help="The share of IDs up to --max-id that hold a zip; the others are missing (default: "
        "%(default)s).",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="Seed of every random choice (which IDs exist, how records vary), so a run can be "
        "repeated (default: %(default)s).",
    )
    p.add_argument(
        "--gap",
        type=parse_range,
        action="append",
        default=None,
        metavar="A-B",
        help="IDs A to B hold no zip: a hole the upper-bound search must cross (repeatable).",
    )
    p.add_argument(
        "--extra-ids",
        type=parse_ids,
        default=[],
        metavar="IDS",
        help="IDs above --max-id that hold a zip all the same, e.g. 3100,3350: a sparse tail.",
    )
    p.add_argument(
        "--zip-size",
        type=int,
        default=2048,
        metavar="BYTES",
        help="The size of each zip (default: %(default)s).",
    )
    p.add_argument(
        "--missing",
        choices=MISSING_STYLES,
        default="404",
        help="How a missing ID answers: 404, 410, a 200 HTML page or a 500 HTML page (default: "
        "%(default)s).",
    )
    p.add_argument(
        "--redirect",
        action="store_true",
        help="Answer each download with a redirect to /cdn/{id}.zip, as to a CDN.",
    )
    p.add_argument(
        "--no-head",
        action="store_true",
        help="Refuse HEAD requests (405, Allow: GET), as some servers do.",
    )
    p.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=None,
        metavar="KIND:IDS",
        help="The first --fault-times GETs of IDS (5,7,10-12) fail with KIND: 429, 503, 500, "
        "truncate, reset, corrupt, slow, or fail (always 500) (repeatable).",
    )
    p.add_argument(
        "--fault-times",
        type=int,
        default=2,
        metavar="K",
        help="How many GETs of a faulted ID, record or image fail before it is served (default: "
        "%(default)s).",
    )
    p.add_argument(
        "--retry-after",
        type=int,
        default=1,
        metavar="SECONDS",
        help="The Retry-After of a 429 fault, and of a 503 with --retry-after-503 (default: "
        "%(default)s).",
    )
    p.add_argument(
        "--retry-after-503", action="store_true", help="Send Retry-After with 503 faults too."
    )
    p.add_argument(
        "--slow-seconds",
        type=float,
        default=2.0,
        help="How long a slow fault waits before it answers (default: %(default)s).",
    )
    p.add_argument(
        "--refuse",
        type=int,
        default=None,
        metavar="STATUS",
        help="Answer every route, robots.txt included, with STATUS (e.g. 403): a site that "
        "refuses us.",
    )
    p.add_argument(
        "--robots-forbid",
        action="store_true",
        help="Serve a robots.txt that forbids the download route.",
    )
    p.add_argument(
        "--log-file",
        default=None,
        metavar="PATH",
        help="Append each request's log record to PATH too (JSON, one a line).",
    )
    p.add_argument(
        "--port",
        type=int,
        default=0,
        help="The port to listen on (default 0: a free one, printed in the URL).",
    )
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


def fake_collection(argv: list[str]) -> FakeCollection:
    """The documented route as ``python -m fakesite ARGV`` serves it, in-process."""
    return FakeCollection(parse_args(argv).documented)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the documented route's options to the parser of ``python -m fakesite``."""
    group = parser.add_argument_group("documented route (records, images, sitemaps)")
    group.add_argument(
        "--records",
        type=int,
        default=0,
        metavar="N",
        help="Serve the documented route with N records (default 0: the route is off).",
    )
    group.add_argument(
        "--per-sitemap",
        type=int,
        default=10,
        metavar="K",
        help="Records listed per sub-sitemap (default: %(default)s).",
    )
    group.add_argument(
        "--image-size",
        type=int,
        default=3000,
        metavar="BYTES",
        help="Full images are padded to between BYTES and twice that (default: %(default)s).",
    )
    group.add_argument(
        "--no-sitemap-line", action="store_true", help="Leave the Sitemap: line out of robots.txt."
    )
    group.add_argument(
        "--lastmod",
        action="store_true",
        help="Give each sitemap URL a <lastmod> (the real sitemaps have none).",
    )
    group.add_argument(
        "--edition",
        type=int,
        choices=EDITIONS,
        default=1,
        help="The edition served at start; /__edition__?n=2 switches it while running (default: "
        "%(default)s).",
    )
    group.add_argument(
        "--missing-records",
        type=int,
        default=0,
        metavar="K",
        help="K listed records whose .json answers 404.",
    )
    group.add_argument(
        "--gone-images",
        type=int,
        default=0,
        metavar="K",
        help="K images whose URL answers 404 for good.",
    )
    kinds = "|".join(COLLECTION_FAULT_KINDS)
    for name in ("--record-fault", "--image-fault"):
        group.add_argument(
            name,
            type=parse_count_fault,
            action="append",
            metavar=f"{{{kinds}}}:N",
            help=f"The first --fault-times GETs of N chosen {name[2:-6]}s fail with KIND: 429, "
            f"503, truncate, short or html200 (repeatable).",
        )
    group.add_argument(
        "--sitemap-fault",
        choices=COLLECTION_FAULT_KINDS,
        default=None,
        help="One chosen sub-sitemap fails with KIND (the kinds of --record-fault).",
    )
    group.add_argument(
        "--break",
        dest="breaks",
        type=parse_break,
        action="append",
        default=[],
        metavar="KIND[:N]",
        help="Break the route on purpose (repeatable): sub-sitemap N answers sitemap-html, "
        "sitemap-cut, sitemap-gzip, sitemap-bomb or sitemap-utf8; index-self, the index "
        "lists itself; refuse-images:N, every image of N records answers 403; "
        "odd-images:N, N records list odd urlImage values; record-bomb:N, N records answer "
        "a gzip bomb.",
    )
    group.add_argument(
        "--validators",
        action="store_true",
        help="Records carry ETag and Last-Modified and answer 304 to a conditional GET.",
    )
    group.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="Every answer of the documented route waits this long first (default: %(default)s).",
    )
    group.add_argument(
        "--gzip",
        action="store_true",
        help="Serve robots.txt, sitemaps and records gzip-encoded to a client that accepts gzip.",
    )


def config_from(ns: argparse.Namespace) -> CollectionConfig:
    """Build the ``CollectionConfig`` from parsed options."""
    return CollectionConfig(
        records=ns.records,
        seed=ns.seed,
        per_sitemap=ns.per_sitemap,
        image_size=ns.image_size,
        sitemap_line=not ns.no_sitemap_line,
        lastmod=ns.lastmod,
        edition=ns.edition,
        missing_records=ns.missing_records,
        gone_images=ns.gone_images,
        record_faults=tuple(ns.record_fault or ()),
        image_faults=tuple(ns.image_fault or ()),
        sitemap_fault=ns.sitemap_fault,
        breaks=tuple(ns.breaks),
        gzip=ns.gzip,
        validators=ns.validators,
        latency=ns.latency,
    )


def check(config: CollectionConfig) -> str | None:
    """Return why a config cannot be served, or ``None`` if it can."""
    if config.records < 0 or config.per_sitemap < 1 or config.image_size < MIN_IMAGE_SIZE:
        return f"need --records >= 0, --per-sitemap >= 1, --image-size >= {MIN_IMAGE_SIZE}"
    try:
        FakeCollection(config)
    except ValueError as exc:
        return str(exc)
    return None
