"""``scrapy verify``: is the mirror in FILES_STORE whole?

Every stored record parses; every image a record lists is in the store and looks whole by its
ends (an image's first and last bytes, as a crawl judges a stored image: a byte changed in the
middle is not seen; an image of another size than the crawl stored is damaged); files that no
record names are listed apart (not an error). With ``--checksums``, every byte of every file is
read too: each image is compared with the sha256 the crawl stored in the store's state, and the
store's ``manifest-sha256.txt`` (BagIt's format) is written when there is none and no file is
damaged, and compared with every file after. It ends with one line per kind of file (whole,
damaged, missing, gone from the site, left out on purpose, stray), so its output is a screenful
whatever the size of the store; ``--list`` (or ``--list FILE``) lists every file that is not
whole, one a line, the file's path in the store first. Exit status: 0 whole, 3 not whole, 2 bad
input, 6 interrupted.
"""

from __future__ import annotations

import itertools
import logging
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from louvre_scraper.dataset.command import StoreCommand, Ticker
from louvre_scraper.dataset.verification import (
    GONE_KIND,
    LEFT_OUT_KIND,
    MANIFEST,
    PROBLEMS,
    Verification,
)
from louvre_scraper.errors import BadInput, refuse
from louvre_scraper.exitstatus import EXIT_SOME_FAILED, EXIT_STOPPED
from louvre_scraper.store.atomic import AtomicFile

if TYPE_CHECKING:
    import argparse

    from louvre_scraper.dataset.verification import Finding


logger = logging.getLogger(__name__)


class Command(StoreCommand):
    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Check that the mirror in FILES_STORE is whole (exit 0) or name what is not (3)"

    def long_desc(self) -> str:
        return (
            "Walk FILES_STORE (a local folder or s3://). Plain verify: every record parses,"
            " every image its record lists is there and looks whole by its ends (its first and"
            " last bytes, as a crawl judges a stored image; a byte changed in the middle is not"
            " seen) and of the size the crawl stored; files no record names are listed apart"
            " (not an error). --checksums also reads every byte of every file: each image is"
            " compared with the sha256 the crawl stored (the store's state/), and it writes"
            f" {MANIFEST} (BagIt: 'sha256  path') the first time, when no file is damaged"
            " (gaps or not), and compares every file with it after."
            " It ends with one line per kind (whole, damaged, missing, gone from the site, left"
            " out on purpose, stray). --list lists every file that is not whole on stdout (or"
            " in FILE), one a line: the file's path in the store, then what is wrong."
            " Exit status: 0 whole, 3 not whole, 2 bad input, 6 interrupted."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        group = parser.add_argument_group("Verify Options")
        group.add_argument(
            "--checksums",
            action="store_true",
            help="read every byte too: compare each image with the sha256 the crawl stored;"
            f" write {MANIFEST} in the store if there is none (no file being damaged), else"
            " compare every file's sha256 with it",
        )
        group.add_argument(
            "--list",
            nargs="?",
            const="-",
            default=None,
            metavar="FILE",
            help="list every file that is not whole, one a line (problems first, then the"
            " files told apart): on stdout, or in FILE",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            self.bad_input(f"scrapy verify takes no argument, got: {' '.join(args)}")
        store = self.open_store()
        try:
            verification = Verification(store, opts.checksums)
        except BadInput as error:
            refuse(error)
        choices, differ = store.choices()
        if differ is not None:
            logger.warning(differ)
        elif choices is not None and choices.chooses:
            logger.info(
                "The crawl chose %s: what it left out is told apart, not missing",
                choices.told(),
            )
        target = listed_to(opts.list)
        ticker = self.ticker(store, "records")
        files = Ticker(0, "files", ticker.interval)  # second pass: every file, untold total
        checking = "Hashing every file" if opts.checksums else "Listing every file"
        try:
            for finding in itertools.chain(
                verification.records(lambda done: ticker.tick(done, "Verifying")),
                verification.files(lambda done: files.tick(done, checking)),
            ):
                target.add(finding)
        except KeyboardInterrupt:
            target.abort()
            logger.error("Verification interrupted")
            self.exitcode = EXIT_STOPPED
            return
        except BadInput as error:
            target.abort()
            refuse(error)
        target.done()
        sys.stdout.flush()
        self.exitcode = 0 if verification.tally.whole else EXIT_SOME_FAILED
        logger.log(
            logging.INFO if verification.tally.whole else logging.ERROR,
            "%s\n%s",
            summary(verification, store.name),
            "\n".join(counts(verification)),
        )


class Listing:
    """What ``--list`` lists: nothing (*on* False), or every finding on stdout or in *path*
    (written whole: a temporary beside it, renamed), the problems as they are found, then the
    files told apart (spooled to disk meanwhile, not kept in memory)."""

    def __init__(self, on: bool, path: Path | None = None) -> None:
        self.on = on
        # Closed by done() or abort(), whichever ends the run.
        self.apart: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.told_apart = 0
        self.file = AtomicFile(path, mode="w") if on and path is not None else None
        self.stream: IO[str] = self.file.file if self.file else sys.stdout  # type: ignore[assignment]

    def add(self, finding: Finding) -> None:
        if not self.on:
            return
        if finding.kind in PROBLEMS:
            print(finding, file=self.stream, flush=True)  # the command's output
        else:
            self.told_apart += 1
            print(finding, file=self.apart)

    def abort(self) -> None:
        """No list after all: FILE is left as it was."""
        self.apart.close()
        if self.file is not None:
            self.file.abort()

    def done(self) -> None:
        if self.told_apart:
            self.apart.seek(0)
            print("Not errors, for your information:", file=self.stream)
            for line in self.apart:
                self.stream.write(line)
        self.apart.close()
        if self.file is not None:
            self.file.commit()


def listed_to(where: str | None) -> Listing:
    """``--list``'s target: none (counts only), stdout (``-``), or a file whose folder exists."""
    if where is None or where == "-":
        return Listing(where is not None)
    path = Path(where)
    if not path.parent.is_dir() or path.is_dir():
        refuse(BadInput(f"--list {where}: no such folder to write it in, or a folder"))
    return Listing(True, path)


# One line per kind: (the tally's kind, in words).
KINDS = (
    ("damaged", "damaged"),
    ("missing", "missing"),
    ("differs", "differs from the manifest"),
    (GONE_KIND, "gone from the site"),
    (LEFT_OUT_KIND, "left out on purpose"),
    ("unreferenced", "stray (no record names it)"),
    ("unlisted", f"new since {MANIFEST}"),
)


def counts(verification: Verification) -> list[str]:
    """One line per kind of file, whole first: the command's account in counts."""
    tally = verification.tally
    found = tally.counts
    not_whole = sum(found.get(kind, 0) for kind in ("damaged", "missing", GONE_KIND, LEFT_OUT_KIND))
    lines = [f"  whole:   {max(tally.images - not_whole, 0)} images"]
    for kind, words in KINDS:
        if kind in ("differs", "unlisted") and not verification.checksums:
            continue
        lines.append(f"  {words}: {found.get(kind, 0)}")
    return lines


def summary(verification: Verification, where: str) -> str:
    tally = verification.tally
    counts = tally.counts
    told = [f"{counts[k]} {k}" for k in PROBLEMS if counts.get(k)]
    apart = [
        f"{counts[k]} {what}"
        for k, what in (
            ("unreferenced", "files no record names"),
            ("unlisted", f"new since {MANIFEST}"),
            (GONE_KIND, "images gone from the site"),
            (LEFT_OUT_KIND, "images left out on purpose"),
        )
        if counts.get(k)
    ]
    verdict = "whole" if tally.whole else "NOT whole: " + ", ".join(told)
    extra = f"; {', '.join(apart)} (listed, not errors)" if apart else ""
    manifest = f"; {tally.manifest}" if tally.manifest else ""
    return (
        f"Verified {where}: {tally.records} records, {tally.images} images listed, {tally.files}"
        f" files: {verdict}{extra}{manifest}"
    )
