"""Worker processes for an export's writers, their results in the order the jobs came.

``Workers(processes, store)`` (*store*: None for jobs that read files themselves): with one
process every job runs at once, in the caller; with more, in forked processes that each hold
the store their parent opened and ignore Ctrl-C (the parent alone handles it). A job is
``fn(store, *args)``, a module-level function; ``done()`` gives the results of the jobs
finished, in the order they were submitted, so a writer that writes its index from them
writes the same one whatever the count. At most *in_flight* jobs per process are in flight
(submitted, their results not yet taken): enough that a worker never waits for the parent to
hand it the next, few enough to bound the rows and images held.
"""

from __future__ import annotations

import collections
import multiprocessing
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from louvre_scraper.dataset.reader import Store

_store: Store | None = None  # a worker process's store, inherited from its parent at fork


def _init_worker(store: Store | None) -> None:
    global _store  # noqa: PLW0603  (one per worker process, set once as it starts)
    _store = store
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return fn(_store, *args)


class Workers:
    def __init__(self, processes: int, store: Store | None, in_flight: int = 2):
        self.store = store
        self.pool: ProcessPoolExecutor | None = None
        if processes > 1:
            context = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(
                processes, mp_context=context, initializer=_init_worker, initargs=(store,)
            )
        self.queued: collections.deque[Future[Any]] = collections.deque()
        self.most_queued = in_flight * processes

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.pool is None:
            future: Future[Any] = Future()
            future.set_result(fn(self.store, *args))
            self.queued.append(future)
            return
        self.queued.append(self.pool.submit(_run, fn, args))
        while len(self.queued) >= self.most_queued and not self.queued[0].done():
            wait(self.queued, return_when=FIRST_COMPLETED)

    def done(self, *, everything: bool = False) -> Iterator[Any]:
        """The results of the leading finished jobs (of every job: waiting for them); a
        job's error is raised here."""
        while self.queued and (everything or self.queued[0].done()):
            yield self.queued.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
