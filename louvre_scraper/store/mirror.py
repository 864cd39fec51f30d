"""The mirror: the one owner of everything in or beside ``FILES_STORE``.

:class:`Mirror` holds the look-up of what the store holds (the inventory), writes every file in
it (zips, records' .json, images, each record's state), the lists beside it (failed, obsolete),
the manifest, prunes, and keeps the collection crawl's change log with its ``JOBDIR`` journal.
A crawl reaches it with :func:`mirror_of` (as the config with ``config_of``); what the crawl
needs said at its close is in :meth:`Mirror.report`. A file it could not store is told by the
:data:`~louvre_scraper.contract.file_not_stored` signal, or, when the whole store is broken, by
:func:`~louvre_scraper.exitstatus.stop_crawl`; nothing calls back into the spider.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.job import job_dir

from louvre_scraper.bodies.images import image_identity
from louvre_scraper.contract import (
    STOP_STAT,
    STORE_WALKED_STAT,
    CollectionStats,
    Status,
    StorePlan,
    ZipStats,
    file_not_stored,
)
from louvre_scraper.exitstatus import FINISHED, STORE_FULL, UNREACHABLE, stop_crawl
from louvre_scraper.store.changes import (
    ADDED,
    GONE,
    REPLACED,
    WITHDRAWN,
    ChangeLog,
    JournalRun,
    is_change_log,
    lines_bytes,
    read_journal,
    run_name,
)
from louvre_scraper.store.choices import Choices, choices_bytes, choices_path
from louvre_scraper.store.failed import FailedList, write_failed_list
from louvre_scraper.store.failure import store_failure
from louvre_scraper.store.inventory import inventory_of
from louvre_scraper.store.journal import ChangeJournal
from louvre_scraper.store.layout import (
    UnsafePath,
    changes_path,
    contained,
    file_path,
    path_order,
    state_path,
    template_regex,
)
from louvre_scraper.store.manifest import MANIFEST, manifest_lines, parse, updated
from louvre_scraper.store.obsolete import Obsolete, obsolete_list_path
from louvre_scraper.store.reader import open_mirror
from louvre_scraper.store.state import (
    FAILED,
    LEFT_OUT,
    STORED,
    ImageState,
    RecordState,
    now,
)
from louvre_scraper.store.state import GONE as IMAGE_GONE
from louvre_scraper.utils.offload import offload

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from scrapy.pipelines.files import FilesStoreProtocol
    from scrapy.pipelines.media import MediaPipeline

    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.contract import Shard, Validators
    from louvre_scraper.items import ArtworkRecord, ArtworkZip
    from louvre_scraper.store.inventory import Inventory

logger = logging.getLogger(__name__)

ZIP_HEADERS = {"Content-Type": "application/zip"}
JSON_HEADERS = {"Content-Type": "application/json"}
JSONL_HEADERS = {"Content-Type": "application/x-ndjson"}


@dataclass(frozen=True)
class Stored:
    """A file the store took: its MD5 when checksums are on."""

    checksum: str | None


def is_contained(path: str) -> bool:
    try:
        contained(path)
    except UnsafePath:
        return False
    return True


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the checksum FilesPipeline reports


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class MirrorReport:
    """Where the lists beside the store went, for the closing summary."""

    failed_list: FailedList | None
    obsolete_file: Path | None


_MIRRORS: WeakKeyDictionary[Crawler, Mirror] = WeakKeyDictionary()

# The crawl's adapter that feeds the mirror its items (named in a refusal when not enabled).
ADAPTER = "louvre_scraper.pipelines.files.LouvreFilesPipeline"


def mirror_of(crawler: Crawler) -> Mirror | None:
    """The crawler's mirror, opened by the item pipeline that feeds it (None: not enabled)."""
    return _MIRRORS.get(crawler)


class Mirror:
    """The store's one owner during a crawl (see the module's docstring).

    The public API: :meth:`open_inventory`, :meth:`open_changes`, :meth:`job_changes`,
    :meth:`find_withdrawn`, :meth:`store_image`, :meth:`store_record`, :meth:`store_zip`,
    :meth:`settle_obsolete`, :meth:`list_failed`, :meth:`keep_manifest_current`, :meth:`close`,
    :meth:`report`; read by the planner: :attr:`inventory`, :attr:`obsolete`, :attr:`changes`.
    """

    store_broken: bool = False  # the store took no more files: stop writing to it
    inventory: Inventory | None = None  # what the store holds: open_inventory
    failed_list: FailedList | None = None  # where this run's failed list went
    obsolete: Obsolete  # what this run found the collection no longer lists
    fetched: dict[str, tuple[str, str]]
    # With a manifest in the store (scrapy verify --checksums): what this run wrote, path →
    # sha256, put in it as the run closes (keep_manifest_current).
    keeps_manifest: bool = False
    manifest_written: dict[str, str]
    obsolete_file: Path | None = None  # where the obsolete list is (a local store)
    changes: ChangeLog | None = None  # the collection crawl's change log (log_changes)
    changes_file: str | None = None  # where it goes in the store
    changes_shard: Shard  # the run's shard (its change log and obsolete list are its own)
    jobdir: Path | None = None  # JOBDIR, if the job has one
    job_runs: list[JournalRun]  # the earlier runs of this run's job (job_changes)
    journal: ChangeJournal | None = None  # the change log's journal in JOBDIR (open_changes)
    earlier_runs: list[JournalRun]  # the job's earlier runs, as the journal told them
    changes_written: bool = False  # this run's change log is in the store
    job: str | None = None  # the listing this run walks (job_changes), as journaled
    # The journal is compacted once what was appended since its last rewrite outweighs this
    # and half what that rewrite wrote (ChangeJournal.outgrown).
    journal_floor: int = 1 << 20
    spiderinfo: MediaPipeline.SpiderInfo | None = None  # the store backends' argument

    def __init__(self, crawler: Crawler, config: LouvreConfig, store: FilesStoreProtocol):
        self.crawler = crawler
        self.config = config
        self.store = store
        self.obsolete = Obsolete()
        # Images stored this run, until their record's state is written: {path: (sha256, when)}
        self.fetched = {}
        self.manifest_written = {}
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.earlier_runs = []
        self.job_runs = []
        jobdir = job_dir(crawler.settings)
        self.jobdir = Path(jobdir) if jobdir else None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        _MIRRORS[crawler] = self

    read_only = staticmethod(open_mirror)  # the read side, for the store commands

    def report(self) -> MirrorReport:
        return MirrorReport(self.failed_list, self.obsolete_file)

    # -- the change log ----------------------------------------------------------------------

    def log_changes(self, shard: Shard) -> ChangeLog:
        """Keep a change log for this run (the collection crawl), written at its close as
        ``changes/{UTC start}.jsonl`` in the store."""
        if self.changes is None:
            self.changes = ChangeLog()
            self.changes_file = changes_path(run_name(self.started), shard)
            self.changes_shard = shard
        return self.changes

    async def open_changes(self, shard: Shard) -> ChangeLog:
        """This run's change log (:meth:`log_changes`), after the logs of the job's earlier
        runs that did not write theirs (killed) are written from JOBDIR's journal, what their
        last intents became read from the store; from now on, each change is journaled as
        it is met (:mod:`louvre_scraper.store.changes`)."""
        changes = self.log_changes(shard)
        if self.jobdir is None or self.journal is not None:
            return changes
        self.journal = ChangeJournal(self.jobdir)
        try:
            journal = self.journal.read()
        except OSError as error:
            self._journal_failed(error)
            return changes
        # Only change logs, and paths in the store: the journal is read as data, never trusted.
        runs = [run for run in read_journal(journal) if is_change_log(run.log)]
        for run in runs:
            for path in list(run.pending):
                body = None
                if self.inventory is not None and is_contained(path):
                    body = await self.inventory.read(path)
                run.confirm(path, sha256_hex(body) if body is not None else None)
            if run.log == self.changes_file:  # started in the same second: one log
                changes.lines = list(run.lines)
                changes.take_as_said(run.lines)
            elif not run.written and run.lines and await self._write_log(run.log, run.lines):
                run.written = True
                logger.info(
                    "JOBDIR %s: the change log of a run that did not close, %d changes,"
                    " written in %s",
                    self.jobdir,
                    len(run.lines),
                    run.log,
                )
        self.earlier_runs = [run for run in runs if run.log != self.changes_file]
        self._rewrite_journal(self.earlier_runs)
        changes.journal = self._journal
        return changes

    def job_changes(self, fingerprint: str) -> None:
        """The walk's listing is *fingerprint*'s: if the earlier runs in the journal walked
        it too, this run goes on with their job, and what they logged is said (their logs
        hold it); otherwise a new job starts, and the journal with it."""
        if self.journal is None or self.changes is None:
            return
        earlier = self.earlier_runs
        if earlier and earlier[-1].job in (None, fingerprint):
            for run in earlier:
                if run.job in (None, fingerprint):
                    self.changes.take_as_said(run.lines)
                    self.job_runs.append(run)
        elif earlier:  # another job: keep only the logs the store did not take yet
            self.earlier_runs = [run for run in earlier if not run.written]
            self._rewrite_journal(self.earlier_runs)
        self.job = fingerprint
        self._journal({"job": fingerprint})

    def _rewrite_journal(self, earlier: list[JournalRun]) -> None:
        assert self.journal is not None and self.changes is not None
        assert self.changes_file is not None
        mine = JournalRun(
            self.changes_file,
            job=self.job,
            lines=list(self.changes.lines),
            pending=self.changes.open_intents(),
        )
        try:
            self.journal.rewrite([event for run in [*earlier, mine] for event in run.events()])
        except OSError as error:
            self._journal_failed(error)

    def _journal(self, event: dict[str, Any]) -> None:
        if self.journal is None:
            return
        try:
            self.journal.append(event)
        except OSError as error:
            self._journal_failed(error)
            return
        if self.journal.outgrown(self.journal_floor):  # settled intents dropped, lines kept
            self._rewrite_journal(self.earlier_runs)

    def _journal_failed(self, error: OSError) -> None:
        logger.warning(
            "JOBDIR %s: cannot keep the journal of changes (%s): a kill of this run would"
            " lose its change log",
            self.jobdir,
            error,
        )
        self.journal = None
        if self.changes is not None:
            self.changes.journal = None

    async def _write_log(self, path: str, lines: list[dict[str, Any]]) -> bool:
        """One run's change log in the store, atomically; False (said) if the store did not
        take it."""
        data = lines_bytes(lines)
        try:
            await self.persist(path, data, JSONL_HEADERS)
        except Exception as exc:  # noqa: BLE001 - any store's failure (OSError, botocore's): one line
            logger.error("Could not store the change log %s: %s", path, exc)
            return False
        if self.keeps_manifest:  # a file of the store this run wrote: in the manifest too
            self.manifest_written[path] = sha256_hex(data)
        return True

    async def remember_choices(self, shard: Shard, choices: Choices) -> None:
        """Keep the crawl's choices (filters, ``images=``) in the store's state, for the
        commands that read it back (:mod:`louvre_scraper.store.choices`); a store that does
        not take them is said in one line, and the crawl goes on."""
        path, data = choices_path(shard), choices_bytes(choices)
        try:
            # The same choices again: the store is left as it was (a rerun rewrites nothing).
            if self.inventory is not None and await self.inventory.read(path) == data:
                return
            await self.persist(path, data, JSON_HEADERS)
        except Exception as exc:  # noqa: BLE001 - any store's failure (OSError, botocore's): one line
            logger.error("Could not store the crawl's choices in %s: %s", path, exc)
            return
        if self.keeps_manifest:
            self.manifest_written[path] = sha256_hex(data)

    async def close(self) -> None:
        """Write this run's change log in the store, if the run changed anything (a run that
        changed nothing leaves the store as it was)."""
        if self.changes is None or self.changes_file is None:
            return
        stats = self.crawler.stats
        if self.job_runs:  # a resumed job: what all its runs changed, said beside this run's
            job = ChangeLog()
            job.lines = [line for run in self.job_runs for line in run.lines] + self.changes.lines
            runs = len(self.job_runs) + 1
            stats.set_value(
                CollectionStats.JOB_CHANGES, f"{job.summary()} (the job's {runs} runs, JOBDIR)"
            )
        if not self.changes.lines:
            stats.set_value(CollectionStats.CHANGES, "nothing")
            self.changes_written = True
            return
        if not await self._write_log(self.changes_file, self.changes.lines):
            return
        self.changes_written = True
        stats.set_value(CollectionStats.CHANGES_FILE, self.changes_file)
        stats.set_value(CollectionStats.CHANGES, self.changes.summary())

    def spider_closed(self, spider: Any, reason: str) -> None:
        """The journal, once this run's log is in the store: deleted when the job is over
        (finished), else told that the log is written (the next run goes on with the job)."""
        if self.journal is None:
            return
        reason = self.crawler.stats.get_value(STOP_STAT) or reason
        try:
            if reason == FINISHED and self.changes_written:
                self.journal.delete()
            elif self.changes_written:
                self.journal.append({"written": self.changes_file})
        except OSError as error:
            self._journal_failed(error)
        if self.journal is not None:
            self.journal.close()

    # -- what the store holds, and the lists beside it ---------------------------------------

    async def open_inventory(self) -> Inventory:
        """The look-up of what the store holds (one listing for S3), opened once; BadInput
        when it cannot be (e.g. an S3 bucket that does not exist)."""
        if self.inventory is None:
            inventory = inventory_of(self.config, self.store, self.spiderinfo)
            await inventory.load(self.heartbeat())
            self.inventory = inventory
            folder = getattr(inventory, "folder", None)  # gs://, ftp:// cannot list
            self.keeps_manifest = folder is not None and MANIFEST in folder("")
        return self.inventory

    async def find_withdrawn(self, withdrawn: Callable[[str], bool]) -> int:
        """Note the stored records, images and states whose ark is *withdrawn*; the records'
        count."""
        assert self.inventory is not None
        known = self._known_withdrawn() if self.changes is not None else set()
        found = await self.obsolete.find_withdrawn(
            self.inventory, self.config, withdrawn, self.heartbeat()
        )
        if self.changes is not None:
            record, image = (
                template_regex(t) for t in (self.config.record_template, self.config.image_template)
            )
            for path, why in self.obsolete.found.items():
                if why != "withdrawn" or path in known:
                    continue
                if match := record.match(path):
                    self.changes.record(WITHDRAWN, match["ark"], path)
                elif match := image.match(path):
                    self.changes.image(GONE, match["ark"], path)
        return found

    def heartbeat(self) -> Callable[[int], None]:
        """What a long walk of the store (in a thread) tells as it goes: the entries walked,
        in a stat the stall watchdog watches. The stat is made here, on the reactor's thread,
        so that the walk's thread only replaces the value of a key it alone writes (the
        reactor only reads it): the stats' dict never changes size under a reader."""
        stats = self.crawler.stats
        stats.set_value(STORE_WALKED_STAT, stats.get_value(STORE_WALKED_STAT, 0))

        def beat(entries: int) -> None:
            stats.inc_value(STORE_WALKED_STAT, entries)

        return beat

    def _known_withdrawn(self) -> set[str]:
        """What earlier runs found withdrawn, still stored (the obsolete list, a local store's
        or LOUVRE_OBSOLETE_FILE): this run's change log does not tell them again."""
        list_file = obsolete_list_path(self.config, self.changes_shard)
        if list_file is None or not list_file.exists():
            return set()
        lines = list_file.read_text(encoding="utf-8").splitlines()
        return {path for why, _, path in (line.partition("\t") for line in lines) if path}

    def settle_obsolete(self, shard: Shard, prune: bool) -> None:
        """Merge this run's obsolete files with the list's, prune if *prune*, count them."""
        assert self.inventory is not None
        stats = self.crawler.stats
        listed = self.obsolete.settle(self.inventory, self.config, shard, prune)
        stats.set_value(CollectionStats.OBSOLETE, len(listed))
        stats.set_value(CollectionStats.PRUNED, self.obsolete.pruned)
        if self.obsolete.prune_refused:
            stats.set_value(CollectionStats.PRUNE_REFUSED, self.obsolete.prune_refused)
        self.obsolete_file = obsolete_list_path(self.config, shard)

    def keep_manifest_current(self) -> None:
        """Put the files this run wrote (and pruned) in the store's manifest, if it has one:
        after an incremental run, only a file changed behind the crawl's back differs."""
        deleted = self.obsolete.deleted
        if not self.keeps_manifest or not (self.manifest_written or deleted):
            return
        assert self.inventory is not None
        inventory: Any = self.inventory
        try:
            previous: list[str] = []
            for path, _ in parse(inventory.chunks(MANIFEST)):  # ours is sorted: checked
                if path_order(path) < previous:
                    raise ValueError("its lines are not in the store's order")
                previous = path_order(path)
            entries = updated(parse(inventory.chunks(MANIFEST)), self.manifest_written, deleted)
            inventory.write_chunks(MANIFEST, manifest_lines(entries))
        except (ValueError, OSError) as error:  # BadInput is a ValueError
            logger.warning(
                "%s not kept current (%s): scrapy verify --checksums will report the files"
                " this run wrote as differing",
                MANIFEST,
                error,
            )

    def list_failed(self, shard: Shard, stem: str, failed: list[Any]) -> None:
        """Rewrite the failed list beside the store (``stem``: ``failed-ids``, ``failed``);
        not after a run that could not reach the site: it leaves nothing behind."""
        if self.crawler.stats.get_value(STOP_STAT) == UNREACHABLE:
            self.failed_list = FailedList()
            return
        self.failed_list = write_failed_list(self.config, shard, stem, failed)

    def _checksum(self, body: bytes) -> str | None:
        return md5_hex(body) if self.config.checksums else None

    async def persist(self, path: str, body: bytes, headers: dict[str, str]) -> str | None:
        """Store *body* at *path* (atomically on disk); its MD5 when checksums are on."""
        if self.store_broken:
            raise OSError("the store took no more files")
        contained(path)  # nothing is ever written outside FILES_STORE
        checksum = await offload(len(body), self._checksum, body)
        await ensure_awaitable(
            self.store.persist_file(path, BytesIO(body), self.spiderinfo, headers=headers)
        )
        return checksum

    async def store_record(self, item: ArtworkRecord) -> ArtworkRecord:
        """The record's .json, last: its images were stored as they arrived
        (:meth:`store_image`), so a stored record means its images were done.
        DropItem when the store did not take it (told by :data:`file_not_stored`)."""
        body: bytes | None = item.pop("body", None)
        plan: StorePlan = item.pop("plan", None) or StorePlan()
        stems, left_out, validators = list(plan.stems), list(plan.left_out), plan.validators
        if body is not None:
            changing = True
            if self.changes is not None:  # journaled before the write: see store.changes
                changing = self.changes.storing_record(
                    item["arkId"], item["path"], item["url"], body
                )
            if changing:
                await self._persist_part(item["arkId"], "record", item["url"], item["path"], body)
                if self.changes is not None:
                    self.changes.stored(item["path"])
            else:  # the store holds these very bytes (read when the record was planned)
                self.crawler.stats.inc_value(CollectionStats.RECORDS_UNCHANGED)
        await self._store_state(item, body is not None, stems, left_out, validators)
        if item["status"] == Status.FILTERED:  # stored for a later run, but not what was asked for
            raise DropItem(f"{item['arkId']}: filtered out", log_level="DEBUG")
        return item

    async def _store_state(
        self,
        item: ArtworkRecord,
        fetched: bool,
        stems: list[str],
        left_out: list[tuple[str, str, str]],
        validators: Validators | None = None,
    ) -> None:
        """What the crawl learnt of the record, in the store beside it (:mod:`.state`),
        after its .json; rewritten only when it changed. A state the store did not take is
        said once (as any file) and otherwise left: the record is stored, its next run writes
        its state again. *validators*: those the site sent with a .json fetched now (none:
        stale ones are dropped), kept for the next run's conditional request."""
        ark = item["arkId"]
        path = state_path(ark)
        stored = await self.inventory.read(path) if self.inventory is not None else None
        previous = RecordState.from_bytes(stored, ark)
        state = record_state(
            self.config.record_url(ark),
            item,
            fetched=fetched,
            stems=stems,
            left_out=left_out,
            previous=previous,
            digests=self.fetched,
        )
        if fetched:
            state.etag = validators.etag if validators is not None else None
            state.last_modified = validators.last_modified if validators is not None else None
        data = state.to_bytes()
        if data == stored:
            return
        try:
            await self.persist(path, data, JSON_HEADERS)
        except Exception as exc:  # noqa: BLE001 - said once, as any file the store did not take
            self._store_failed(f"Record {ark}", path, exc)

    async def store_image(
        self, ark: str, url: str, path: str, data: bytes, *, replaces: str | None = None
    ) -> Stored | None:
        """Store one image of record *ark* as it arrives, handed down by the spider (its
        record's item waits for its last image); None when the store did not take it (told
        by :data:`file_not_stored`, said once here). *replaces*: the stored file of the image
        it takes the place of (None: a new image)."""
        digest = await offload(len(data), sha256_hex, data)
        if self.changes is not None:  # journaled before the write: see store.changes
            if replaces is None:
                self.changes.image(ADDED, ark, path, url, on=(path, digest))
            else:
                old = replaces if replaces != path else None
                self.changes.image(REPLACED, ark, path, url, old_path=old, on=(path, digest))
        try:
            stored = Stored(await self._persist_part(ark, "image", url, path, data, digest=digest))
        except DropItem:
            return None
        if self.changes is not None:
            self.changes.stored(path)
        return stored

    async def _persist_part(
        self, ark: str, kind: str, url: str, path: str, data: bytes, *, digest: str | None = None
    ) -> str | None:
        """Store one image or a record's .json (*digest*: its SHA-256, when known); a failure
        (DropItem) is told by :data:`file_not_stored`, said once here."""
        try:
            checksum = await self.persist(path, data, JSON_HEADERS if kind == "record" else {})
        except Exception as exc:
            self._not_stored(ark, url, kind)
            raise self._store_failed(f"Record {ark}", path, exc) from exc
        if kind == "image" or self.keeps_manifest:
            if digest is None:
                digest = await offload(len(data), sha256_hex, data)
            if kind == "image":  # for the store's state, written with the record's
                self.fetched[path] = (digest, now())
            if self.keeps_manifest:
                self.manifest_written[path] = digest
        if kind == "image":  # a record is counted once its fate is known (the spider's ledger)
            self.crawler.stats.inc_value(CollectionStats.IMAGES_STORED)
            self.crawler.stats.inc_value(CollectionStats.IMAGE_BYTES, len(data))
        self.crawler.stats.inc_value(CollectionStats.BYTES, len(data))
        return checksum

    async def store_zip(self, item: ArtworkZip) -> ArtworkZip:
        stats = self.crawler.stats
        assert stats is not None
        if item.get("status") == Status.UPTODATE:
            return item
        body: bytes = item.pop("body")
        path = file_path(self.config, item["id"])
        try:
            checksum = await self.persist(path, body, ZIP_HEADERS)
        except Exception as exc:
            self._not_stored(item["id"], item["url"], "zip")
            raise self._store_failed(f"ID {item['id']}", path, exc) from exc
        item.update(path=path, checksum=checksum, size=len(body), status=Status.DOWNLOADED)
        if self.keeps_manifest:
            self.manifest_written[path] = await offload(len(body), sha256_hex, body)
        stats.inc_value(ZipStats.STORED)
        stats.inc_value(ZipStats.BYTES, len(body))
        logger.debug("ID %s: stored %s (%d bytes)", item["id"], path, len(body))
        return item

    def _not_stored(self, key: Any, url: str, kind: str) -> None:
        """Tell that a file was not stored: the spider counts it as failed for good."""
        self.crawler.signals.send_catch_log(file_not_stored, key=key, url=url, kind=kind)

    def _store_failed(self, what: str, path: str, exc: Exception) -> DropItem:
        """Say why *path* was not stored; when the whole store is broken, stop the crawl,
        once. The item is dropped, quietly: this line says it."""
        whole_store = store_failure(exc)
        if whole_store is not None and not self.store_broken:
            self.store_broken = True
            store = self.config.files_store
            if self.config.is_local_store:
                store = str(self.config.local_store_dir.absolute())
            stop_crawl(self.crawler, STORE_FULL, f"cannot write to {store}: {whole_store}")
        elif self.store_broken:
            logger.debug("%s: not stored, the store is broken", what)
        else:
            logger.error("%s: could not store %s: %s", what, path, exc)
        # Scrapy's "Dropped:" WARNING would repeat the line above.
        return DropItem(f"store failed for {path}", log_level="DEBUG")


def record_state(
    url: str,
    item: ArtworkRecord,
    *,
    fetched: bool,
    stems: list[str],
    left_out: list[tuple[str, str, str]],
    previous: RecordState | None,
    digests: dict[str, tuple[str, str]],
) -> RecordState:
    """The record's state from its item (each image's fate), what this run stored of it
    (*digests*, popped) and the *previous* state (what an image still in the store was)."""
    ark = item["arkId"]
    images: dict[str, ImageState] = {}
    for index, entry in enumerate(item["images"]):
        stem = stems[index] if index < len(stems) else str(entry["position"])
        was = previous.image(stem) if previous is not None else None
        status, image_url, path = entry.get("status"), entry["url"], entry.get("path")
        if status == "downloaded" and path:
            sha256, when = digests.pop(path, (None, now()))
            images[stem] = ImageState.stored(image_url, path, entry["size"], sha256, when)
        elif status == "uptodate" and path:
            same = (
                was is not None
                and was.status == STORED
                and was.path == path
                and image_identity(was.url) == image_identity(image_url)
            )
            sha256, when = (was.sha256, was.fetched) if same and was else (None, None)
            images[stem] = ImageState(
                image_url, STORED, path=path, size=entry["size"], sha256=sha256, fetched=when
            )
        elif status == "missing":
            since = was.gone_since if was is not None and was.status == IMAGE_GONE else None
            images[stem] = ImageState(image_url, IMAGE_GONE, gone_since=since or now())
        else:
            images[stem] = ImageState(image_url, FAILED)
    for stem, image_url, argument in left_out:
        images[stem] = ImageState(image_url, LEFT_OUT, left_out=argument)
    return RecordState(
        ark,
        url=url,
        fetched=now() if fetched else (previous.fetched if previous else None),
        etag=previous.etag if previous else None,
        last_modified=previous.last_modified if previous else None,
        images=images,
    )
