"""The reachability guard: which failures count, when to give up, and the one line."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import aiohttp
import pytest
from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived

from fakesite.harness import Crawl, crawl
from louvre_scraper.downloadermiddlewares.reachability import (
    QUIET_AFTER,
    Problem,
    Streak,
    classify_exception,
    classify_status,
    give_up_message,
)
from louvre_scraper.exitstatus import EXIT_SITE_DOWN, REFUSED, UNREACHABLE


def wrapped(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("exception", "detail"),
    [
        (CannotResolveHostError("x"), "DNS lookup failed"),
        (wrapped(CannotResolveHostError("x"), net.DNSLookupError("x")), "DNS lookup failed"),
        (DownloadConnectionRefusedError("x"), "connection refused"),
        (DownloadTimeoutError("x"), "timed out"),
        (net.TCPTimedOutError(), "timed out"),
        (net.NoRouteError(), "no route to host"),
        (
            wrapped(
                DownloadFailedError("x"), ResponseNeverReceived([Failure(SSL.Error("handshake"))])
            ),
            "TLS handshake failed",
        ),
        (
            wrapped(
                DownloadFailedError("x"),
                ResponseNeverReceived([Failure(net.ConnectionLost("x"))]),
            ),
            "connection closed before any answer",
        ),
        # Without the reactor: aiohttp's errors, wrapped by Scrapy's handler.
        (
            wrapped(DownloadFailedError("x"), aiohttp.ServerDisconnectedError()),
            "connection closed before any answer",
        ),
        (
            wrapped(DownloadFailedError("x"), aiohttp.ClientOSError(104, "reset by peer")),
            "connection closed before any answer",
        ),
        (
            wrapped(DownloadConnectionRefusedError("x"), ssl.SSLCertVerificationError("cert")),
            "TLS handshake failed",
        ),
    ],
)
def test_failures_to_reach_the_site(exception: Exception, detail: str) -> None:
    problem = classify_exception(exception)
    assert problem is not None
    assert problem.kind == UNREACHABLE
    assert problem.detail.startswith(detail)
    assert " — check " in problem.detail


@pytest.mark.parametrize(
    "exception",
    [
        ResponseDataLossError("cut"),
        DownloadFailedError("reset mid-body"),
        wrapped(DownloadFailedError("x"), aiohttp.ClientPayloadError("cut mid-body")),
        IgnoreRequest("something else"),
        ValueError("a bug"),
    ],
)
def test_failures_that_are_not_the_sites(exception: Exception) -> None:
    assert classify_exception(exception) is None


def test_refusals() -> None:
    assert classify_exception(IgnoreRequest("Forbidden by robots.txt")) == Problem(
        REFUSED, "robots.txt"
    )
    assert classify_status(403) == Problem(REFUSED, "403 Forbidden")
    assert classify_status(401) == Problem(REFUSED, "401 Unauthorized")
    for answered in (200, 404, 410, 429, 500, 503):
        assert classify_status(answered) is None
    assert classify_status(403, missing_statuses={404, 403}) is None  # declared "missing"


DNS = Problem(UNREACHABLE, "DNS lookup failed — check the network")
FORBIDDEN = Problem(REFUSED, "403 Forbidden")


def test_refusals_stop_after_the_limit_at_once() -> None:
    streak = Streak(failures_limit=30, seconds_limit=60, last_answer=0)
    reasons = [streak.failure(FORBIDDEN, "h", now=1) for _ in range(30)]
    assert reasons == [None] * 29 + [REFUSED]


def test_refusals_count_once_per_record() -> None:
    streak = Streak(failures_limit=3, seconds_limit=60, last_answer=0)
    # One record's 90 images refused: one refusal.
    assert [streak.failure(FORBIDDEN, "h", 1, "cl010000001") for _ in range(90)] == [None] * 90
    assert streak.failure(FORBIDDEN, "h", 1, "cl010000002") is None
    assert streak.failure(FORBIDDEN, "h", 1, "cl010000003") == REFUSED
    streak.answer(2)
    assert streak.failure(FORBIDDEN, "h", 3, "cl010000001") is None  # a new streak


def test_unreachable_needs_the_limit_and_the_time() -> None:
    streak = Streak(failures_limit=30, seconds_limit=60, last_answer=0)
    assert [streak.failure(DNS, "h", now=10) for _ in range(100)] == [None] * 100
    assert streak.failure(DNS, "h", now=59.9) is None
    assert streak.failure(DNS, "h", now=60) == UNREACHABLE


def test_a_flaky_link_that_recovers_never_trips() -> None:
    streak = Streak(failures_limit=30, seconds_limit=60, last_answer=0)
    now = 0.0
    for _ in range(50):  # outages of 40 s, hundreds of failures each, then one answer
        for _ in range(200):
            now += 0.2
            assert streak.failure(DNS, "h", now) is None
        assert streak.failing
        assert streak.answer(now) == 200
        assert not streak.failing


def test_few_failures_over_a_long_time_do_not_trip() -> None:
    streak = Streak(failures_limit=30, seconds_limit=60, last_answer=0)
    assert [streak.failure(DNS, "h", now=t * 10.0) for t in range(1, 30)] == [None] * 29


def test_any_answer_resets_refusals_too() -> None:
    streak = Streak(failures_limit=3, seconds_limit=60, last_answer=0)
    streak.failure(FORBIDDEN, "h", 1)
    streak.failure(FORBIDDEN, "h", 1)
    streak.answer(2)
    assert streak.failure(FORBIDDEN, "h", 3) is None


def test_the_one_line() -> None:
    assert give_up_message(DNS, "collections.louvre.fr", 30, 61.2) == (
        "cannot reach collections.louvre.fr: DNS lookup failed — check the network"
        " (30 requests in a row failed over 61s)"
    )
    line = give_up_message(FORBIDDEN, "collections.louvre.fr", 30, 0)
    assert line.startswith("collections.louvre.fr answers 403 Forbidden to every request")
    assert "robots.txt" in give_up_message(Problem(REFUSED, "robots.txt"), "h", 30, 0)


# End to end: the real `scrapy crawl` against a site that is not there, or that refuses us.


def assert_one_line_and_no_flood(result: Crawl, line: str) -> None:
    assert [x for x in result.lines("ERROR") if line in x], result.stderr
    assert len(result.lines("ERROR")) == 1, result.stderr
    assert "Traceback" not in result.stderr
    # At most the few failures before it was clear the whole site fails (QUIET_AFTER).
    per_id = [x for x in result.lines("WARNING") if "failed after retries" in x]
    assert len(per_id) < QUIET_AFTER, result.stderr
    others = [x for x in result.lines("WARNING") if x not in per_id]
    assert len(others) <= 2, result.stderr  # robots.txt, the probe's summary


@pytest.mark.parametrize(
    ("base_url", "args", "give_up", "line"),
    [
        pytest.param(
            "http://127.0.0.1:1",
            [],
            None,
            "cannot reach 127.0.0.1:1: connection refused",
            id="nothing-listens-probing-defaults",
        ),
        # The same give-up, sooner: only the default's one minute of waiting is left out.
        pytest.param(
            "http://127.0.0.1:1",
            ["-a", "end=400"],
            "5",
            "cannot reach 127.0.0.1:1: connection refused",
            id="nothing-listens-with-end",
        ),
        pytest.param(
            "http://collections.louvre.invalid",
            [],
            "5",
            "cannot reach collections.louvre.invalid: DNS lookup failed",
            id="dns-fails-probing",
        ),
    ],
)
def test_a_site_that_cannot_be_reached_stops_the_crawl(
    tmp_path: Path, base_url: str, args: list[str], give_up: str | None, line: str
) -> None:
    settings = {"LOUVRE_BASE_URL": base_url}
    if give_up is not None:
        settings["LOUVRE_GIVE_UP_SECONDS"] = give_up
    began = time.monotonic()
    result = crawl(tmp_path / "zips", *args, settings=settings, timeout=150)
    took = time.monotonic() - began

    assert result.returncode == EXIT_SITE_DOWN, result.stderr
    assert took < (120 if give_up is None else 60), "stops within a minute or two"
    assert result.stats["finish_reason"] == "unreachable"
    assert_one_line_and_no_flood(result, line)
    assert "Louvre crawl stopped: the site cannot be reached" in result.stderr
    assert not result.files()


def test_a_site_that_never_answers_times_out_and_stops_the_crawl(
    tmp_path: Path, fake_louvre
) -> None:
    server = fake_louvre(
        "--max-id", "200", "--fault", "slow:1-200", "--fault-times", "99", "--slow-seconds", "5"
    )
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "DOWNLOAD_TIMEOUT": "1",
        "RETRY_BACKOFF_BASE": "0.1",
        "LOUVRE_GIVE_UP_SECONDS": "3",
    }

    result = crawl(tmp_path / "zips", "-a", "end=200", settings=settings)

    assert result.returncode == EXIT_SITE_DOWN, result.stderr
    assert_one_line_and_no_flood(result, "timed out — check the network")


@pytest.mark.parametrize("end", [[], ["-a", "end=300"]], ids=["probing", "with-end"])
def test_a_site_answering_403_to_everything(tmp_path: Path, fake_louvre, end: list[str]) -> None:
    server = fake_louvre("--refuse", "403")

    result = crawl(tmp_path / "zips", *end, settings={"LOUVRE_BASE_URL": server.url})

    assert result.returncode == EXIT_SITE_DOWN, result.stderr
    assert_one_line_and_no_flood(result, "answers 403 Forbidden to every request")
    requests = server.log()["total"]
    assert requests < 100, "gave up after LOUVRE_GIVE_UP_FAILURES refusals, plus those in flight"


def test_robots_txt_forbidding_the_route(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--robots-forbid")

    result = crawl(tmp_path / "zips", "-a", "end=300", settings={"LOUVRE_BASE_URL": server.url})

    assert result.returncode == EXIT_SITE_DOWN, result.stderr
    assert_one_line_and_no_flood(result, "robots.txt forbids every request of this crawl")
    assert [r["path"] for r in server.log()["requests"]] == ["/robots.txt"]


def test_a_link_that_comes_back_does_not_stop_the_crawl(tmp_path: Path, fake_louvre) -> None:
    # Every ID's first three GETs are cut before any answer; all IDs still end up stored.
    server = fake_louvre(
        "--max-id", "60", "--density", "1", "--fault", "reset:1-60", "--fault-times", "3"
    )
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "RETRY_BACKOFF_BASE": "0.2",
        "LOUVRE_GIVE_UP_FAILURES": "10",
        "LOUVRE_GIVE_UP_SECONDS": "20",
    }

    result = crawl(tmp_path / "zips", "-a", "end=60", settings=settings)

    assert result.returncode == 0, result.stderr
    assert len(result.files()) == 60
    assert "answers again" in result.stderr
