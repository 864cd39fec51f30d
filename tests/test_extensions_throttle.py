"""The crawl's pacing (louvre_scraper/extensions/throttle.py) without Twisted: hand-built
answers through the throttle's signal handler, a downloader slot of our own. After fast 304s
the delay falls as after fast 200s; after slow answers, 429s and 503s it rises."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import Settings

from louvre_scraper import settings as project_settings
from louvre_scraper.addon import COMPONENTS
from louvre_scraper.extensions.throttle import Throttle, next_delay

START = project_settings.AUTOTHROTTLE_START_DELAY
URL = "https://collections.louvre.fr/ark:/53355/cl010000001.json"


def throttle(delay: float) -> tuple[Throttle, SimpleNamespace]:
    """The project's throttle over one downloader slot whose delay is ``delay``."""
    crawler = Crawler(Spider, Settings({"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0}))
    crawler.settings.setmodule(project_settings, priority="project")
    slot = SimpleNamespace(delay=delay, transferring=set())
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(_delay=0, slots={"s": slot}))
    extension = Throttle(crawler)
    extension._spider_opened(Spider("collection"))
    return extension, slot


def answer(extension: Throttle, status: int, latency: float) -> None:
    request = Request(URL, meta={"download_slot": "s", "download_latency": latency})
    extension._response_downloaded(Response(URL, status=status), request, Spider("collection"))


def delay_after(status: int, latency: float, answers: int = 20, start: float = 5.0) -> float:
    extension, slot = throttle(start)
    for _ in range(answers):
        answer(extension, status, latency)
    return slot.delay


def test_the_project_replaces_scrapys_autothrottle() -> None:
    extensions = COMPONENTS["EXTENSIONS"]  # what the project's add-on enables
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "louvre_scraper.extensions.throttle.Throttle" in extensions


@pytest.mark.parametrize("status", [200, 304])
def test_after_fast_answers_that_confirm_the_store_the_delay_falls(status: int) -> None:
    after = delay_after(status, latency=0.01)
    assert after < 0.01
    assert after == delay_after(200, latency=0.01)  # a 304 counts as a 200


def test_after_fast_404s_the_delay_stays_as_scrapy_keeps_it() -> None:
    assert delay_after(404, latency=0.01) == 5.0


@pytest.mark.parametrize("status", [200, 304, 404])
def test_after_slow_answers_the_delay_rises(status: int) -> None:
    after = delay_after(status, latency=4.0, start=0.01)
    assert after == pytest.approx(4.0 / project_settings.AUTOTHROTTLE_TARGET_CONCURRENCY)


@pytest.mark.parametrize("status", [429, 503])
def test_after_fast_429s_and_503s_the_delay_rises(status: int) -> None:
    assert delay_after(status, latency=0.01, answers=1, start=0.0) == 2 * START
    assert delay_after(status, latency=0.01, answers=3, start=1.0) == 8.0
    assert delay_after(status, latency=0.01, answers=30, start=1.0) == (
        project_settings.AUTOTHROTTLE_MAX_DELAY
    )


def test_a_fast_rerun_after_slow_sitemaps_speeds_back_up() -> None:
    """The rerun's case: large sitemaps left the delay high, then every record answers 304."""
    extension, slot = throttle(0.0)
    for _ in range(3):
        answer(extension, 200, latency=8.0)  # ~10 MB sitemaps
    assert slot.delay == 1.0
    for _ in range(20):
        answer(extension, 304, latency=0.02)
    assert slot.delay < 0.01


def test_the_delay_stays_within_its_bounds() -> None:
    bounds = {"target_concurrency": 8.0, "min_delay": 0.5, "max_delay": 2.0, "start_delay": 0.25}
    assert next_delay(1.0, 0.0, 304, **bounds) == 0.5
    assert next_delay(1.0, 100.0, 200, **bounds) == 2.0
    assert next_delay(1.5, 0.0, 503, **bounds) == 2.0
