"""``Workers``: the results of an export's jobs in the order they were submitted, whether they
ran in the caller or in forked processes that finished them out of order."""

from __future__ import annotations

import os
import time

from louvre_scraper.dataset.workers import Workers


def _job(store: object, n: int, delay: float) -> tuple[object, int, int]:
    time.sleep(delay)
    return store, n, os.getpid()


def test_results_come_in_submission_order_from_one_process_or_two() -> None:
    delays = [0.3, 0.0, 0.2, 0.0, 0.1, 0.0]  # the first jobs finish last
    seen = {}
    for processes in (1, 2):
        workers = Workers(processes, "the-store")
        results = []
        for n, delay in enumerate(delays):
            workers.submit(_job, n, delay)
            results += workers.done()
        results += workers.done(everything=True)
        workers.close()
        seen[processes] = results
        assert [n for _, n, _ in results] == list(range(len(delays)))
        assert {store for store, _, _ in results} == {"the-store"}
    assert {pid for _, _, pid in seen[1]} == {os.getpid()}
    assert os.getpid() not in {pid for _, _, pid in seen[2]}
