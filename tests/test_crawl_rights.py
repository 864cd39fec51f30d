"""The rights estimate end to end: ``-a rights=`` on a crawl of the fake site, ``--rights`` on
``scrapy export`` and ``scrapy catalogue``, and the columns in every export format.

Every creator of the fake site died long ago: with ``LOUVRE_RIGHTS_YEARS=300`` the works of
those who died after 1726 (Chardin, Houdon, Degas, …) and the recent anonymous ones are
``in-copyright``, the Islamic-period ones (641 - 1952) ``unknown``, the antiquities
``public-domain``: the three values, with no change of the fake site.
"""

from __future__ import annotations

import csv
import json
import posixpath
import re
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
import pytest

from fakesite.harness import FAST, crawl, start_fake_louvre
from fakesite.options import fake_collection
from louvre_scraper.records.rights import IN_COPYRIGHT, PUBLIC_DOMAIN, UNKNOWN, estimate
from tests.store_commands import assert_one_line_refusal, scrapy

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fakesite.harness import Crawl, FakeLouvre

SERVER = ("--records", "40", "--per-sitemap", "8", "--retry-after", "0")
YEARS = {"LOUVRE_RIGHTS_YEARS": "300"}


def this_year() -> int:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).year


class Run:
    def __init__(self, server: FakeLouvre, store: Path, feed: Path, result: Crawl):
        self.server, self.store, self.feed, self.result = server, store, feed, result
        self.fake = fake_collection(list(SERVER))

    def rights(self, ark: str) -> str:
        record = self.fake.record(ark, self.server.url)
        assert record is not None
        return estimate(record, this_year(), 300).rights

    def arks(self, *values: str) -> list[str]:
        return sorted(a for a in self.fake.served_arks() if self.rights(a) in values)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("rights")
    server = start_fake_louvre(*SERVER)
    store, feed = tmp / "store", tmp / "feed.jsonl"
    try:
        result = crawl(
            store,
            "-a",
            "rights=public-domain",
            "-O",
            str(feed),
            settings={"LOUVRE_BASE_URL": server.url, **FAST, **YEARS},
            spider="collection",
        )
        assert result.returncode == 0, result.stderr
        yield Run(server, store, feed, result)
    finally:
        server.stop()


def test_the_fake_site_holds_every_value(run: Run) -> None:
    assert all(run.arks(value) for value in (PUBLIC_DOMAIN, IN_COPYRIGHT, UNKNOWN))


def test_a_crawl_for_public_domain_works_downloads_no_other_image(run: Run) -> None:
    wanted = run.arks(PUBLIC_DOMAIN)
    others = run.arks(IN_COPYRIGHT, UNKNOWN)
    asked = {
        r["path"]
        for r in run.server.log()["requests"]
        if r["method"] == "GET" and r["kind"] == "image"
    }
    others_images = {i.path for ark in others for i in run.fake.record_images(ark)}
    assert others_images and not asked & others_images  # not one image of another work asked
    wanted_images = {i.path for ark in wanted for i in run.fake.record_images(ark)}
    assert asked == wanted_images
    # Every record is stored all the same; only the public-domain works' images are.
    files = run.result.files()
    assert {p for p in files if p.startswith("records/")} == {
        f"records/{ark}.json" for ark in run.fake.served_arks()
    }
    stored = {p.split("/")[1] for p in files if p.startswith("images/")}
    assert stored == {ark for ark in wanted if run.fake.record_images(ark)}
    # The feed lists the kept works, each with its estimate and why.
    rows = [json.loads(line) for line in run.feed.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["arkId"] for row in rows) == wanted
    assert {row["rights"] for row in rows} == {PUBLIC_DOMAIN}
    assert all(row["rightsReason"] for row in rows)
    assert any(
        re.fullmatch(r"no named creator; made by \d+( BC)?", r["rightsReason"]) for r in rows
    )


def test_export_filters_by_rights_and_every_format_has_the_columns(run: Run, tmp_path) -> None:
    jsonl = tmp_path / "copyright.jsonl"
    done = scrapy("export", str(jsonl), "--rights", "in-copyright", store=run.store, **YEARS)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["arkId"] for row in rows) == run.arks(IN_COPYRIGHT)
    assert all(
        row["rights"] == IN_COPYRIGHT and "within 300 years" in row["rightsReason"] for row in rows
    )
    # Several values at once; every record, with the default term: all public domain.
    both = tmp_path / "both.csv"
    done = scrapy("export", str(both), "--rights", "unknown,in-copyright", store=run.store, **YEARS)
    assert done.returncode == 0, done.stderr
    with both.open(encoding="utf-8", newline="") as f:
        flat = list(csv.DictReader(f))
    assert sorted(r["arkId"] for r in flat) == run.arks(IN_COPYRIGHT, UNKNOWN)
    assert {r["rights"] for r in flat} == {IN_COPYRIGHT, UNKNOWN} and all(
        r["rightsReason"] for r in flat
    )
    parquet = tmp_path / "all.parquet"
    done = scrapy("export", str(parquet), store=run.store)
    assert done.returncode == 0, done.stderr
    table = pq.read_table(parquet)
    assert str(table.schema.field("rights").type) == "string"
    assert set(table.column("rights").to_pylist()) == {PUBLIC_DOMAIN}  # 70 years: all of them
    # imagefolder: the column in metadata.jsonl, and the card's counts and words.
    folder = tmp_path / "hf"
    # The crawl kept only public-domain works: --all-records exports every record it stored.
    done = scrapy(
        "export", "--format", "imagefolder", str(folder), "--all-records", store=run.store, **YEARS
    )
    assert done.returncode == 0, done.stderr
    lines = (folder / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["rights"] for line in lines} == {
        PUBLIC_DOMAIN
    }  # only they have images
    card = (folder / "README.md").read_text(encoding="utf-8")
    kept = len(run.fake.served_arks())
    counts = dict(re.findall(r"\| `([a-z-]+)` \| (\d+) \|", card))
    assert counts == {
        PUBLIC_DOMAIN: str(len(run.arks(PUBLIC_DOMAIN))),
        IN_COPYRIGHT: str(len(run.arks(IN_COPYRIGHT))),
        UNKNOWN: str(len(run.arks(UNKNOWN))),
    }
    assert sum(map(int, counts.values())) == kept
    assert "not legal advice" in card and "300 full years" in card and "ADAGP" in card


def test_the_catalogue_shows_and_filters_the_estimate(run: Run, tmp_path) -> None:
    dest = tmp_path / "catalogue"
    done = scrapy("catalogue", str(dest), "--rights", "public-domain", store=run.store, **YEARS)
    assert done.returncode == 0, done.stderr
    text = (dest / "index.html").read_text(encoding="utf-8")
    meta = json.loads(re.search(r"\{meta: (\{.*\})\};</script>", text)[1])
    assert meta["works"] == len(run.arks(PUBLIC_DOMAIN))
    assert meta["rights"] == [[PUBLIC_DOMAIN, meta["works"]]]
    assert 'id="rights"' in text and "not legal advice" in text
    whole = tmp_path / "whole"
    done = scrapy("catalogue", str(whole), "--all-records", store=run.store, **YEARS)
    assert done.returncode == 0, done.stderr
    text = (whole / "index.html").read_text(encoding="utf-8")
    meta = json.loads(re.search(r"\{meta: (\{.*\})\};</script>", text)[1])
    assert dict(meta["rights"]) == {
        value: len(run.arks(value)) for value in (PUBLIC_DOMAIN, IN_COPYRIGHT, UNKNOWN)
    }
    index = [(whole / name).read_text(encoding="utf-8") for name in meta["index"]]
    columns = [json.loads(part.split(",", 1)[1].rsplit(");", 1)[0]) for part in index]
    arks = [a for part in columns for a in part[0].split("\n")]
    rights = [r for part in columns for r in part[8].split("\n")]
    assert dict(zip(arks, rights, strict=True)) == {a: run.rights(a) for a in arks}


def test_bad_rights_values_are_refused_in_one_line(run: Run, tmp_path) -> None:
    refused = crawl(
        tmp_path / "store",
        "-a",
        "rights=free",
        settings={"LOUVRE_BASE_URL": run.server.url, **FAST},
        spider="collection",
    )
    assert refused.returncode == 2, refused.stderr
    critical = refused.lines("CRITICAL")
    assert len(critical) == 1 and "bad argument rights='free'" in critical[0], refused.stderr
    assert not (tmp_path / "store").exists()
    out = tmp_path / "out.jsonl"
    assert_one_line_refusal(
        scrapy("export", str(out), "--rights", "public domain", store=run.store),
        "bad option --rights='public domain'",
    )
    assert not out.exists()
    assert_one_line_refusal(
        scrapy("catalogue", str(tmp_path / "c"), "--rights", "pd", store=run.store),
        "bad option --rights='pd'",
    )
    assert not (tmp_path / "c").exists()
    # A filter that keeps nothing is refused too, with what it saw.
    assert_one_line_refusal(
        scrapy("export", str(out), "--rights", "in-copyright", store=run.store),
        "the most common rights values seen: public-domain",
    )
    assert posixpath.exists(str(run.store))
