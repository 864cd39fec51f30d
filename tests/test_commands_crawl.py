"""``scrapy crawl``'s help, ``scrapy list``, a crawl's first screen: as a new user meets them."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from fakesite.harness import ROOT, crawl, parse_stats, run_scrapy
from louvre_scraper.spiders.collection import CollectionSpider
from louvre_scraper.spiders.louvre import LouvreSpider

if TYPE_CHECKING:
    from pathlib import Path

SPIDERS = {"collection": CollectionSpider, "louvre": LouvreSpider}
# Scrapy's start-up listing: the first line of each of its parts, and a line of their bodies.
LISTING = re.compile(
    r"\] INFO: (Versions:|Enabled (addons|extensions|downloader middlewares|spider middlewares"
    r"|item pipelines):|Overridden settings:)|^ ?\['scrapy\.|^ 'scrapy\.|^\{'lxml'|^\{'BOT_NAME'",
    re.M,
)


def words(text: str) -> str:
    return " ".join(text.split())


def told(text: str, spider: type) -> bool:
    """Whether *text* lists every argument of *spider*: name, type, sentence and default."""
    text = words(text)
    return all(
        f"-a {a.name}={a.type}" in text and words(f"{a.help} Default: {a.default}.") in text
        for a in spider.arguments
    )


@pytest.mark.parametrize("name", sorted(SPIDERS))
def test_a_spiders_help_lists_the_arguments_it_declares(name: str) -> None:
    spider = SPIDERS[name]
    other = next(s for n, s in SPIDERS.items() if n != name)

    run = run_scrapy("crawl", name, "--help")

    assert run.returncode == 0, run.stderr
    assert "Exit status" in run.stdout and "-a NAME=VALUE" in run.stdout  # Scrapy's help too
    assert words(spider.description) in words(run.stdout)
    assert told(run.stdout, spider)
    assert not told(run.stdout, other)
    # What the help lists is what the spider takes: any other name is refused.
    assert {a.name for a in spider.arguments} == set(
        re.findall(r"^ {4}-a (\w+)=", run.stdout, re.M)
    )


def test_crawl_help_without_a_spider_lists_every_spiders_arguments() -> None:
    run = run_scrapy("crawl", "--help")

    assert run.returncode == 0, run.stderr
    assert all(told(run.stdout, spider) for spider in SPIDERS.values())


def test_each_declared_argument_is_taken_and_any_other_refused(tmp_path: Path) -> None:
    for name, spider in SPIDERS.items():
        taken = {a.name for a in spider.arguments}
        assert taken and all(
            a.type and a.default and a.help.endswith(".") for a in spider.arguments
        )
        run = crawl(tmp_path / name, "-a", "stard=1", spider=name)
        assert run.returncode == 2
        (line,) = [line for line in run.stderr.splitlines() if "CRITICAL" in line]
        assert "unknown argument stard" in line


def test_list_shows_each_spiders_description_on_a_terminal() -> None:
    leader, follower = pty.openpty()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "scrapy", "list"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        out = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            out += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)

    assert run.returncode == 0, run.stderr
    lines = out.decode().splitlines()
    assert [line.split()[0] for line in lines] == sorted(SPIDERS)
    for line, spider in zip(lines, [SPIDERS[name] for name in sorted(SPIDERS)], strict=True):
        assert line.endswith(spider.description)


def test_list_piped_is_one_name_a_line_as_scrapyd_reads_it() -> None:
    run = run_scrapy("list")

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == sorted(SPIDERS)


def test_a_default_crawl_shows_our_lines_not_scrapys_listing(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "20")
    settings = {"LOUVRE_BASE_URL": server.url}

    run = crawl(tmp_path / "zips", "-a", "end=20", settings=settings)
    debug = crawl(tmp_path / "debug", "-a", "end=20", settings={**settings, "LOG_LEVEL": "DEBUG"})

    assert run.returncode == 0, run.stderr
    assert LISTING.findall(run.stderr) == [], run.stderr
    first = run.stderr.splitlines()[0]
    assert re.search(r"\] INFO: Scrapy \d+\.\d+\.\d+ started \(bot: louvre_scraper\)", first)
    assert "] INFO: Louvre crawl finished after" in run.stderr  # the summary
    assert debug.returncode == 0, debug.stderr
    for part in ("Versions:", "Enabled extensions:", "Overridden settings:", "Enabled item"):
        assert f"] DEBUG: {part}" in debug.stderr, part


def test_the_console_ends_with_our_summary_not_scrapys_stats(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "5")
    quiet = {"LOUVRE_BASE_URL": server.url, "LOUVRE_STATS_ON_CONSOLE": "False"}

    run = crawl(tmp_path / "info", "-a", "end=5", settings=quiet)
    debug = crawl(tmp_path / "debug", "-a", "end=5", settings={**quiet, "LOG_LEVEL": "DEBUG"})
    asked = crawl(
        tmp_path / "asked", "-a", "end=5", settings={**quiet, "LOUVRE_STATS_ON_CONSOLE": "True"}
    )

    assert (run.returncode, debug.returncode, asked.returncode) == (0, 0, 0), run.stderr
    assert "Dumping Scrapy stats" not in run.stderr
    summary = run.stderr.index("] INFO: Louvre crawl finished after")
    after = [line for line in run.stderr[summary:].splitlines()[1:] if "] " in line]
    assert [line.split("] ", 1)[1] for line in after] == ["INFO: Spider closed (finished)"]
    assert "] DEBUG: Dumping Scrapy stats:" in debug.stderr
    assert "] INFO: Dumping Scrapy stats:" in asked.stderr
    assert parse_stats(asked.stderr)["finish_reason"] == "finished"


def test_a_bad_stats_on_console_value_is_refused_in_one_line(tmp_path: Path) -> None:
    result = crawl(tmp_path / "zips", "-a", "end=3", settings={"LOUVRE_STATS_ON_CONSOLE": "maybe"})

    assert result.returncode == 2
    assert "bad setting LOUVRE_STATS_ON_CONSOLE='maybe'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "zips").exists()


def test_a_crawl_leaves_off_the_components_it_has_no_use_for(tmp_path: Path, fake_louvre) -> None:
    """Cookies, HTTP auth, the offsite filter, <meta refresh> and Scrapy's RemoteControl are
    not enabled (the add-on turns them off; Scrapy still imports them, docs/speed.md)."""
    server = fake_louvre("--max-id", "3")

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=3",
        settings={"LOUVRE_BASE_URL": server.url, "LOG_LEVEL": "DEBUG"},  # the lists: DEBUG
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "louvre_scraper.addon.LouvreAddon" in result.stderr.split("Enabled addons:", 1)[1]
    enabled = result.stderr.split("Enabled extensions:", 1)[1].split("Enabled item pipelines", 1)[0]
    assert "louvre_scraper.extensions.summary.Summary" in enabled  # the lists are there to read
    for left_off in (
        "CookiesMiddleware",
        "HttpAuthMiddleware",
        "OffsiteMiddleware",
        "MetaRefreshMiddleware",
        "RemoteControl",
        "scrapy.downloadermiddlewares.retry.RetryMiddleware",
        "scrapy.downloadermiddlewares.httpcompression",
    ):
        assert left_off not in enabled


def test_remote_control_turns_on_as_in_scrapy(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "3")

    result = crawl(
        tmp_path / "zips",
        "-a",
        "end=3",
        settings={"LOUVRE_BASE_URL": server.url, "REMOTE_CONTROL_ENABLED": "True"},
    )

    assert result.returncode == 0, result.stderr
    assert "Remote control HTTP server listening on" in result.stderr
