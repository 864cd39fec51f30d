"""What JOBDIR's crash-safe scheduler queue costs (issue 23): Scrapy's SQLite disk queue, one
transaction per push and per pop, against queuelib's file queue it replaces, on the disk the
job folder would be on. Each request of a collection crawl goes through the queue once (a
record's ``.json`` and each of its images: ~3 requests per record on the museum's averages);
the job's own state (JobState) is saved every 5 seconds, whatever the rate, so its cost per
record is that of one save divided by the records of 5 seconds. The store's own state
(:mod:`louvre_scraper.store.state`) is one small file per record, written by the store's one
writer after the record's ``.json`` and read back by the next run: its cost per record is one
atomic write (fsync-ed) and one read and parse.

``.venv/bin/python -m bench.queues [DIR] [--requests N]``: Scrapy's SQLite queue as it ships
(two fsyncs per transaction) and as the project opens it (WAL, ``synchronous=NORMAL``).
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import tempfile
import time
from pathlib import Path

from scrapy import Request
from scrapy.squeues import PickleLifoDiskQueue, PickleLifoSQLiteQueue
from scrapy.utils.test import get_crawler

from louvre_scraper.extensions.jobstate import SQLiteQueue
from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.state import ImageState, RecordState, now

REQUESTS_PER_RECORD = 3


def per_request_ms(queue_class: type, folder: Path, count: int) -> float:
    crawler = get_crawler()
    queue = queue_class.from_crawler(crawler, str(folder / queue_class.__name__))
    requests = [
        Request(
            f"https://collections.louvre.fr/ark:/53355/cl0{10000000 + i}.json",
            meta={"louvre_ark": f"cl0{10000000 + i}", "louvre_judge": "record", "louvre_run": "x"},
            dont_filter=True,
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    for request in requests:
        queue.push(request)
    while queue.pop() is not None:
        pass
    elapsed = time.perf_counter() - started
    queue.close()
    return elapsed * 1000 / count


def state_save_ms(folder: Path, records: int) -> float:
    """One save of a collection job's state (its ledger: one byte per record)."""
    state = {"collection": {"shard": "0/1", "fingerprint": "f" * 64, "outcomes": bytes(records)}}
    started = time.perf_counter()
    for _ in range(10):
        write_atomically(folder / "spider.state", pickle.dumps(state, protocol=4))
    return (time.perf_counter() - started) * 1000 / 10


def record_state(index: int) -> RecordState:
    """A record's state as the crawl keeps it, with the museum's average of ~2 images."""
    ark = f"cl0{10000000 + index}"
    base = "https://collections.louvre.fr/media/cache/original/0000/0000"
    images = {
        str(n): ImageState.stored(
            f"{base}/{ark}_{n}.jpg", f"images/{ark}/{n}.jpg", 3_500_000, "a" * 64, now()
        )
        for n in range(2)
    }
    return RecordState(
        ark,
        url=f"https://collections.louvre.fr/ark:/53355/{ark}.json",
        fetched=now(),
        etag='"5f3a-1c"',
        images=images,
    )


def store_state_ms(folder: Path, records: int) -> tuple[float, float, int]:
    """Per record: one write of its state file (atomically, as the store's one writer does),
    one read and parse of it (as the next run and verify do), and the file's size."""
    states = [record_state(i) for i in range(records)]
    started = time.perf_counter()
    for state in states:
        write_atomically(folder / f"{state.ark}.json", state.to_bytes())
    written = time.perf_counter() - started
    started = time.perf_counter()
    for state in states:
        RecordState.from_bytes((folder / f"{state.ark}.json").read_bytes(), state.ark)
    read = time.perf_counter() - started
    size = len(states[0].to_bytes())
    return written * 1000 / records, read * 1000 / records, size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.queues")
    parser.add_argument("dir", nargs="?", default=".")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--records", type=int, default=1000, help="store states to write and read")
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix=".queues-", dir=options.dir))
    try:
        disk = per_request_ms(PickleLifoDiskQueue, folder, options.requests)
        sqlite = per_request_ms(PickleLifoSQLiteQueue, folder, options.requests)
        wal = per_request_ms(SQLiteQueue, folder, options.requests)
        save = state_save_ms(folder, 500_000)
        write, read, size = store_state_ms(folder, options.records)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"queuelib file queue (PickleLifoDiskQueue): {disk:.3f} ms per request (push + pop)")
    print(f"SQLite queue (PickleLifoSQLiteQueue):      {sqlite:.3f} ms per request (push + pop)")
    print(f"the project's (SQLiteQueue, WAL):          {wal:.3f} ms per request (push + pop)")
    print(
        f"  its cost per record ({REQUESTS_PER_RECORD} requests) over the file queue:"
        f" {(wal - disk) * REQUESTS_PER_RECORD:.3f} ms"
    )
    print(f"job state save, 500,000-record ledger:     {save:.1f} ms, once every 5 s")
    print(
        f"the store's state per record ({size} bytes):   {write:.3f} ms written (atomic, fsync),"
        f" {read:.3f} ms read back"
    )


if __name__ == "__main__":
    main()
