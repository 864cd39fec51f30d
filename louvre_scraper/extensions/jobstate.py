"""The job's own state in ``JOBDIR``, saved as the job goes and read back safely (issue 23).

Scrapy's :class:`~scrapy.extensions.spiderstate.SpiderState` pickles ``spider.state`` into
``JOBDIR/spider.state`` only when the spider closes, in place: a run killed with ``kill -9`` (the
OOM killer, an evicted container) forgets its work, and one killed while that file is written
leaves one that cannot be read, which the next run dies on. This extension replaces it, with the
same file and format:

* the state is saved every :data:`SAVE_EVERY` seconds while the job runs, when the spider
  says it took a step worth saving at once (:data:`~louvre_scraper.contract.job_state_changed`:
  a sitemap read), and as it closes,
  atomically (:mod:`louvre_scraper.store.atomic`): the spiders give theirs on demand
  (``MirrorSpider.job_state``: the zip route's position, the collection's ledger);
* it says whether the run that saved it closed cleanly (:data:`CLEAN_KEY`). Requests in
  flight when a run is killed are in no queue any more, and Scrapy writes the scheduler's index
  of its queues (``requests.queue/active.json``) only at a clean close; so after a killed run its
  queue is dropped, and the spider hands out again what its saved state left open (what is
  stored is skipped: the store is the truth);
* a state file that cannot be read is set aside (``spider.state.unreadable``), named in one
  line, and the job goes on from the store, rather than ending in a traceback.

The collection crawl's change log has its own file in ``JOBDIR``, kept by the mirror
(:class:`louvre_scraper.store.journal.ChangeJournal`).

The scheduler's queues themselves are Scrapy's SQLite ones (:class:`SQLiteQueue`, the
``SCHEDULER_DISK_QUEUE`` of ``settings.py``): each push and pop is a transaction, so a kill
never leaves a queue file cut mid-record, as queuelib's file queues did. A spider whose saved
state alone says what a stopped run left open (the collection's ledger) keeps its queues in
memory (:class:`MemoryScheduler`).
"""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.exceptions import NotConfigured
from scrapy.squeues import PickleLifoSQLiteQueue
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from scrapy.utils.job import job_dir

from louvre_scraper.contract import CLEAN_KEY, MirrorSpider, job_state_changed
from louvre_scraper.extensions.callbacks import SpiderMethods
from louvre_scraper.store.atomic import write_atomically

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.task import LoopingCall
    from typing_extensions import Self

logger = logging.getLogger(__name__)

SAVE_EVERY = 5.0  # seconds between saves: what a kill can lose, at ~1 ms per save
STATE_FILE = "spider.state"  # Scrapy's own name and format (a pickled dict)
QUEUE_DIR = "requests.queue"  # Scrapy's scheduler's queues


class SQLiteQueue(PickleLifoSQLiteQueue):  # type: ignore[misc,valid-type]
    """Scrapy's SQLite disk queue (LIFO, as Scrapy's default file queue), in WAL mode with
    ``synchronous=NORMAL``: a transaction survives the process being killed at any instant,
    without an fsync per push and per pop. Out of the box each one costs two fsyncs, ~20 ms
    per request on the development machine against 0.2 ms for queuelib's file queue
    (``python -m bench.queues``); a power cut may lose the last pushes, which the job's state
    (:class:`JobState`) hands out again. ``_db`` is queuelib's connection: the class takes no
    option for its pragmas."""

    def __init__(self, crawler: Crawler, key: str):
        super().__init__(crawler, key)
        self.spider = SpiderMethods(crawler.spider)  # to_dict's callback search, in few members
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")


class MemoryScheduler(Scheduler):
    """Scrapy's scheduler with its queues in memory, even with ``JOBDIR`` (the dupefilter
    still keeps its own file there): for a spider whose saved state hands out again whatever
    a stopped run left open. The collection's ledger does, and it hands records out only as
    the downloader has room, so its queues hold a few requests at a time. A disk queue there
    only costs: Scrapy's priority queue opens a new SQLite queue each time a priority's queue
    refills (once or twice a record) and pickles every request (docs/speed.md)."""

    def __init__(self, dupefilter: Any, jobdir: str | None = None, **kwargs: Any) -> None:
        super().__init__(dupefilter, None, **kwargs)


def read_state(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The saved state (None: there is none), or why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, error.strerror or str(error)
    try:
        state = pickle.loads(data)  # noqa: S301 - the job's own file, as Scrapy's SpiderState
    except Exception as error:  # noqa: BLE001 - any unpickling failure means "unreadable"
        return None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if not isinstance(state, dict):
        return None, f"a {type(state).__name__}, not a saved state"
    return state, None


class JobState:
    def __init__(self, crawler: Crawler, jobdir: Path):
        self.crawler = crawler
        self.jobdir = jobdir
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.state = self._check()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured
        # Built with the crawler's extensions, before the engine opens the scheduler's queues:
        # a queue that cannot be trusted is dropped before anything reads it.
        extension = cls(crawler, Path(jobdir))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.step, signal=job_state_changed)
        return extension

    @property
    def path(self) -> Path:
        return self.jobdir / STATE_FILE

    def _check(self) -> dict[str, Any]:
        """The saved state, after setting aside what cannot be read or trusted."""
        state, error = read_state(self.path)
        queue = self.jobdir / QUEUE_DIR
        if error is not None:
            aside = self.path.with_name(f"{STATE_FILE}.unreadable")
            self.path.replace(aside)
            logger.warning(
                "JOBDIR %s: %s cannot be read (%s); set aside as %s. The job goes on from what"
                " the store holds (delete the folder to start the job afresh)",
                self.jobdir,
                STATE_FILE,
                error,
                aside.name,
            )
            state = None
        if queue.exists() and not (state or {}).get(CLEAN_KEY):
            # Killed (or never saved): the queue misses the requests that were in flight, and
            # its index is an earlier run's or none. The saved state hands those out again.
            shutil.rmtree(queue, ignore_errors=True)
            if state is not None:
                logger.info(
                    "JOBDIR %s: the last run did not close (killed?); going on from its saved"
                    " state, its queued requests asked again",
                    self.jobdir,
                )
        return state or {}

    def spider_opened(self, spider: Spider) -> None:
        spider.state = self.state  # type: ignore[attr-defined]
        self.save(clean=False)  # from now on, a kill is known as one
        self.task = create_looping_call(self.save, clean=False)
        self.task.start(SAVE_EVERY, now=False)

    def step(self) -> None:
        """The spider's state took a step worth saving at once (:data:`job_state_changed`)."""
        if self.task is not None:  # opened: a save in a run that has not opened is none
            self.save(clean=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.save(clean=True)

    def save(self, *, clean: bool) -> None:
        spider = self.crawler.spider
        # A copy: spider.state keeps saying how the last run ended, for the spider's resume.
        state: dict[str, Any] = dict(getattr(spider, "state", self.state))
        if isinstance(spider, MirrorSpider):
            state.update(spider.job_state())
        state = {key: value for key, value in state.items() if value is not None}  # None: gone
        state[CLEAN_KEY] = clean
        try:
            write_atomically(self.path, pickle.dumps(state, protocol=4))
        except OSError as error:
            logger.warning("JOBDIR %s: cannot save the job's state: %s", self.jobdir, error)
