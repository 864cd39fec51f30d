"""bench.profile: py-spy's raw stacks summed by function, module and thread."""

from __future__ import annotations

import pytest

from bench.profile import frame_key, module_of, summarise_profile, thread_of

RAW = "\n".join(
    [
        "thread (7): MainThread;<module> (scrapy:8);"
        "BaseEventLoop._run_once (asyncio/base_events.py:1922);"
        "Handle._run (asyncio/events.py:80);Engine._next (scrapy/core/engine.py:10);"
        "Request.__init__ (scrapy/http/request/__init__.py:100) 6",
        "thread (7);<module> (scrapy:8);"
        "FilesPipeline.process_item (louvre_scraper/pipelines/files.py:40) 3",
        "thread (8): asyncio_0;Thread._bootstrap (threading.py:995);"
        "_worker (concurrent/futures/thread.py:81) 50",
        "thread (9): asyncio_1;Thread._bootstrap (threading.py:995);md5 (hashlib.py:1) 1",
    ]
)


def test_busy_samples_are_shared_out_and_idle_ones_dropped() -> None:
    summary = summarise_profile(RAW, top=5)
    assert (summary["busy_samples"], summary["idle_samples_dropped"]) == (10, 50)
    assert summary["threads"][0] == ("MainThread", 90.0)
    assert ("asyncio executor threads (run_in_thread)", 10.0) in summary["threads"]
    assert summary["self_functions"][0] == (
        "Request.__init__ (scrapy/http/request/__init__.py)",
        60.0,
    )
    assert ("scrapy", 60.0) in summary["self_modules"]
    assert ("louvre_scraper", 30.0) in summary["total_modules"]
    total = dict(summary["total_functions"])
    assert total["Engine._next (scrapy/core/engine.py)"] == 60.0
    assert "<module> (scrapy)" not in total  # plumbing every sample goes through


@pytest.mark.parametrize(
    ("frame", "key"),
    [
        (
            "Engine._next (scrapy/core/engine.py:10)",
            ("Engine._next (scrapy/core/engine.py)", "scrapy/core/engine.py"),
        ),
        ("<module> (scrapy)", ("<module> (scrapy)", "scrapy")),
        ("weird", ("weird", "?")),
    ],
)
def test_frames_lose_their_line_numbers(frame: str, key: tuple[str, str]) -> None:
    assert frame_key(frame) == key


def test_modules_are_the_top_package_or_the_stdlib() -> None:
    assert module_of("twisted/internet/defer.py") == "twisted"
    assert module_of("asyncio/events.py") == "asyncio (stdlib)"
    assert module_of("<frozen importlib._bootstrap>") == "importlib (stdlib, startup)"


def test_threads_are_named_by_what_runs_them() -> None:
    assert (
        thread_of(["thread (3): PoolThread-twisted-1"], {}) == "twisted thread pool (deferToThread)"
    )
    assert thread_of(["thread (3)"], {"3": "MainThread"}) == "MainThread"


def test_samples_are_shared_out_to_the_parts_of_the_crawl() -> None:
    parts = dict(summarise_profile(RAW, top=5)["components"])
    assert parts["louvre_scraper (this project)"] == 30.0
    assert parts["Request, Response and Headers objects"] == 60.0
    assert parts["Twisted (reactor, Deferreds, HTTP/1.1 client)"] == 0.0
