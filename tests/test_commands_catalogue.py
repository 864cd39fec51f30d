"""``scrapy catalogue`` over a crawl of the fake Louvre, and its page in a real browser.

The browser is Debian's ``chromium`` driven by Playwright (``.ci/run`` installs both); the page
is loaded from disk (``file://``), as a user opens it. Screenshots of the grid and of a detail
view are saved in ``test-artifacts/`` (not committed) to be looked at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from fakesite.harness import (
    CHROMIUM,
    ROOT,
    crawl,
    extra_settings,
    launch_chromium,
    run_scrapy,
    start_fake_louvre,
)
from louvre_scraper.records.fields import images, record_fields

ARTIFACTS = ROOT / "test-artifacts"
RECORDS = 40
SUMMARY_RE = re.compile(
    r"Catalogue: (\d+) works \((\d+) departments\), (\d+) images: (\d+) thumbnails made,"
    r" (\d+) up to date, (\d+) unreadable, (\d+) not in the store, in [\d:]+ -> (\S+)$"
)


def catalogue(dest: Path | str, *args: str, store: Path | str) -> subprocess.CompletedProcess[str]:
    settings = [f"-s{name}={value}" for name, value in extra_settings().items()]
    command = [sys.executable, "-m", "scrapy", "catalogue", str(dest), *args]
    return subprocess.run(
        [*command, f"-sFILES_STORE={store}", *settings],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def summary(run: subprocess.CompletedProcess[str]) -> tuple[int, ...]:
    last = run.stderr.strip().splitlines()[-1]
    match = SUMMARY_RE.search(last)
    assert match, run.stderr
    return (*map(int, match.groups()[:-1]),)


def stored_rows(store: Path) -> list[dict]:
    """What the store holds, read here from its record files (not through dataset.py)."""
    return [
        record_fields(json.loads(path.read_bytes()))
        for path in sorted((store / "records").glob("*.json"))
    ]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("catalogue") / "mirror"
    server = start_fake_louvre("--records", str(RECORDS), "--retry-after", "0")
    try:
        run = crawl(
            store,
            settings={
                "LOUVRE_BASE_URL": server.url,
                "RETRY_BACKOFF_BASE": "0.05",
                "LOGSTATS_INTERVAL": "0",
            },
            spider="collection",
        )
    finally:
        server.stop()
    assert run.returncode in (0, 3), run.stderr[-3000:]
    return store


@pytest.fixture(scope="module")
def built(mirror: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    dest = mirror.parent / "catalogue"
    return dest, catalogue(dest, store=mirror)


# -- the command -------------------------------------------------------------------------------


def test_the_catalogue_of_a_crawl_holds_every_stored_work(mirror, built):
    dest, run = built
    assert run.returncode == 0, run.stderr
    rows = stored_rows(mirror)
    images = sorted(p.relative_to(mirror).as_posix() for p in (mirror / "images").rglob("*.*"))
    works, departments, listed, made, current, unreadable, absent = summary(run)
    assert works == len(rows) > 0
    assert departments == len({row["collection"] for row in rows})
    assert (made, current, unreadable) == (len(images), 0, 0)
    assert listed == made + absent
    assert run.stderr.strip().endswith(f"-> {dest.resolve() / 'index.html'}")
    thumbs = sorted(p.relative_to(dest / "thumbs/256").as_posix() for p in dest.rglob("*.jpg"))
    assert thumbs == [f"{path}.jpg" for path in images]
    assert not [p for p in dest.rglob("*") if p.name.endswith(".part")]


def test_a_rerun_makes_no_thumbnail_and_writes_no_data_file_again(mirror, built):
    dest, _ = built
    before = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}
    run = catalogue(dest, store=mirror)
    assert run.returncode == 0, run.stderr
    _, _, listed, made, current, _, absent = summary(run)
    assert made == 0
    assert current == listed - absent
    after = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}
    assert {p for p in after if after[p] != before.get(p)} == {dest / "index.html"}


def test_collection_keeps_one_department_with_a_progress_line(mirror, tmp_path):
    rows = stored_rows(mirror)
    department = rows[0]["collection"]
    run = catalogue(
        tmp_path / "one",
        *("--collection", department.upper(), "-s", "LOGSTATS_INTERVAL=0.000001"),
        store=mirror,
    )
    assert run.returncode == 0, run.stderr
    works, departments, *_ = summary(run)
    assert (works, departments) == (sum(r["collection"] == department for r in rows), 1)
    progress = [line for line in run.stderr.splitlines() if "INFO: Cataloguing" in line]
    assert re.search(
        rf"INFO: Cataloguing \(\d+ thumbnails made\): \d+/{len(rows)} records \(", progress[0]
    )


def test_a_damaged_record_is_left_out_and_named(mirror, tmp_path):
    store = tmp_path / "mirror"
    shutil.copytree(mirror, store)
    damaged = sorted((store / "records").glob("*.json"))[3]
    damaged.write_bytes(b"<html>Server error</html>")
    run = catalogue(tmp_path / "cat", store=store)
    assert run.returncode == 0, run.stderr
    assert summary(run)[0] == len(stored_rows(mirror)) - 1
    warning = [line for line in run.stderr.splitlines() if "WARNING" in line]
    assert len(warning) == 1
    assert warning[0].endswith(
        "1 stored records are not records and were left out (scrapy verify names them):"
        f" records/{damaged.name}"
    )


@pytest.mark.parametrize(
    ("case"),
    [
        ("cat", (), "absent", "FILES_STORE"),
        ("cat", (), "empty", "no record in it"),
        ("a-file/cat", (), "mirror", "DEST"),
        ("/proc/cat", (), "mirror", "DEST"),
        ("mirror/cat", (), "mirror", "inside FILES_STORE"),
        ("cat", ("--collection", "no such department"), "mirror", "keeps none of the"),
        ("cat", ("--thumb-size", "big"), "mirror", "--thumb-size"),
        ("cat", ("--thumb-size", "5"), "mirror", "--thumb-size"),
        ("cat", ("--collection", " "), "mirror", "--collection"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_nothing_written(mirror, tmp_path, case):
    dest, args, store, culprit = case
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("not a directory")
    stores = {"absent": tmp_path / "absent", "empty": tmp_path / "empty", "mirror": mirror}
    target = Path(dest) if dest.startswith("/") else tmp_path / dest
    if dest.startswith("mirror/"):
        target = mirror / "cat"
    run = catalogue(target, *args, store=stores[store])
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert culprit in lines[0]
    assert "Traceback" not in run.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    ("dests", "line"),
    [
        ((), "scrapy catalogue needs a DEST directory: scrapy catalogue DEST"),
        (("a", "b"), "scrapy catalogue takes one DEST, got 2: a b"),
    ],
    ids=["none", "two"],
)
def test_no_dest_or_two_is_one_line_and_exit_2(mirror, dests, line):
    run = run_scrapy("catalogue", *dests, "-s", f"FILES_STORE={mirror}", timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().endswith(line)
    assert len(run.stderr.strip().splitlines()) == 1


# -- the page, in Chromium ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, built):
    dest, run = built
    assert run.returncode == 0, run.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((dest / "index.html").resolve().as_uri())
    page.wait_for_function(
        "() => { const c = document.getElementById('count');"
        " return c.dataset.loaded && c.dataset.loaded === c.dataset.works; }"
    )
    yield page
    context.close()
    assert errors == []
    # Offline: nothing but files of the catalogue and the store.
    assert [url for url in requests if not url.startswith("file://")] == []


def grid_arks(page) -> list[str]:
    return page.eval_on_selector_all("#grid li.work", "items => items.map(i => i.dataset.ark)")


def test_the_grid_shows_every_work_with_its_thumbnail_decoded(page, mirror):
    rows = stored_rows(mirror)
    assert page.locator("#count").get_attribute("data-works") == str(len(rows))
    assert page.inner_text("#count").startswith(f"{len(rows)} works in this catalogue")
    assert sorted(grid_arks(page)) == sorted(row["arkId"] for row in rows)
    with_image = [row["arkId"] for row in rows if any((mirror / "images" / row["arkId"]).glob("*"))]
    images = page.locator("#grid li.work .thumb img")
    assert images.count() == len(with_image) > 0
    # Lazy images load as they come into view: scroll each one in, then check it decoded.
    for n in range(images.count()):
        images.nth(n).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#grid .thumb img')].every(i => i.complete)"
    )
    widths = page.eval_on_selector_all("#grid .thumb img", "imgs => imgs.map(i => i.naturalWidth)")
    assert all(width > 0 for width in widths), widths
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=ARTIFACTS / "catalogue-grid.png")


def test_a_search_narrows_the_grid_to_the_right_works(page, mirror):
    rows = stored_rows(mirror)
    word = fold(rows[0]["title"].split()[0])

    def expected(query: str) -> list[str]:
        terms = fold(query).split()
        found = []
        for row in rows:
            names = "; ".join(c["name"] for c in row["creators"])
            hay = fold(f"{row['title']}\n{names}\n{row['inventoryNumber']}")
            if all(term in hay for term in terms):
                found.append(row["arkId"])
        return found

    for query in (
        word,
        word.upper(),
        rows[0]["inventoryNumber"],
        rows[-1]["creators"][0]["name"] if rows[-1]["creators"] else rows[-1]["title"],
    ):
        page.fill("#search", query)
        want = expected(query)
        page.wait_for_function(
            f"document.getElementById('count').dataset.matches === '{len(want)}'"
        )
        assert sorted(grid_arks(page)) == sorted(want), query
        assert 0 < len(want) < len(rows)
        agreed = "1 work matches" if len(want) == 1 else f"{len(want)} works match"
        assert page.inner_text("#count").endswith(f"· {agreed}")
    page.fill("#search", "no such work anywhere")
    page.wait_for_function("document.getElementById('count').dataset.matches === '0'")
    assert grid_arks(page) == []


def test_the_counts_agree_with_their_number(page, mirror):
    rows = stored_rows(mirror)

    def hay(row: dict) -> str:
        names = "; ".join(c["name"] for c in row["creators"])
        return fold(f"{row['title']}\n{names}\n{row['inventoryNumber']}")

    # A work's own inventory number that no other work's fields hold: one match.
    inventory = next(
        row["inventoryNumber"]
        for row in rows
        if row["inventoryNumber"]
        and sum(all(term in hay(other) for term in fold(row["inventoryNumber"]).split())
                for other in rows) == 1
    )  # fmt: skip
    page.fill("#search", inventory)
    page.wait_for_function("document.getElementById('count').dataset.matches === '1'")
    assert page.inner_text("#count") == f"{len(rows)} works in this catalogue · 1 work matches"
    page.fill("#search", "no such work anywhere")
    page.wait_for_function("document.getElementById('count').dataset.matches === '0'")
    assert page.inner_text("#count") == f"{len(rows)} works in this catalogue · 0 works match"
    assert not re.search(r"\b(\d+|0) match\b|\b1 works\b", page.inner_text("header"))


def test_an_empty_search_says_so_and_how_to_clear_it(page, mirror):
    rows = stored_rows(mirror)
    assert page.locator("#nomatch").is_hidden()
    department = rows[0]["collection"]
    option = page.locator("#department option", has_text=department)
    page.select_option("#department", option.get_attribute("value"))
    page.fill("#search", "no such work anywhere")
    page.wait_for_function("document.getElementById('count').dataset.matches === '0'")

    message = page.locator("#nomatch")
    assert message.is_visible()
    assert message.inner_text() == (
        f"No work matches “no such work anywhere” and is in {department}."
        " Clear the search and filters to see every work."
    )
    page.screenshot(path=ARTIFACTS / "catalogue-no-match.png")
    message.locator("button#clear").click()

    page.wait_for_function(f"document.getElementById('count').dataset.matches === '{len(rows)}'")
    assert page.input_value("#search") == "" and page.input_value("#department") == ""
    assert sorted(grid_arks(page)) == sorted(row["arkId"] for row in rows)
    assert message.is_hidden()


def test_the_department_filter_keeps_one_department(page, mirror):
    rows = stored_rows(mirror)
    department = rows[0]["collection"]
    option = page.locator("#department option", has_text=department)
    page.select_option("#department", option.get_attribute("value"))
    want = [row["arkId"] for row in rows if row["collection"] == department]
    page.wait_for_function(f"document.getElementById('count').dataset.matches === '{len(want)}'")
    assert sorted(grid_arks(page)) == sorted(want)


def test_the_detail_view_shows_each_image_with_its_copyright_and_the_permalink(page, mirror):
    rows = {row["arkId"]: row for row in stored_rows(mirror)}
    records = {ark: json.loads((mirror / f"records/{ark}.json").read_bytes()) for ark in rows}
    ark = max(rows, key=lambda a: len(list((mirror / "images" / a).glob("*"))))
    page.click(f"#grid li[data-ark='{ark}'] a")
    page.wait_for_selector("#detail article h2")
    detail = page.locator("#detail")
    assert detail.locator("h2").inner_text() == rows[ark]["title"]
    permalink = detail.locator(".permalink a")
    assert permalink.get_attribute("href") == rows[ark]["url"]
    stored = sorted(p.name for p in (mirror / "images" / ark).glob("*"))
    figures = detail.locator("figure.image:not(.missing)")
    assert figures.count() == len(stored) > 0
    copyrights = [ref.copyright for ref in images(records[ark])]
    shown = detail.locator("figure.image .copyright").all_inner_texts()
    assert shown == [c or "no copyright given" for c in copyrights]
    # Each image links to its full-size file in the store, which is there.
    dest = (page.url.split("#")[0]).removeprefix("file://")
    for n in range(figures.count()):
        href = figures.nth(n).locator("a").first.get_attribute("href")
        target = (Path(dest).parent / href).resolve()
        assert target.parent == (mirror / "images" / ark).resolve()
        assert target.name in stored
    page.wait_for_function(
        "() => [...document.querySelectorAll('#detail img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    # Every field of the feed row, by name.
    fields = detail.locator("table.fields th").all_inner_texts()
    assert set(rows[ark]) <= set(fields)
    page.screenshot(path=ARTIFACTS / "catalogue-detail.png")
    page.keyboard.press("Escape")
    page.wait_for_selector("#detail", state="hidden")


def test_a_catalogue_in_many_parts_pages_searches_and_opens_every_part(
    browser, mirror, tmp_path, monkeypatch
):
    """Small parts, as 500,000 works make big ones: the index in parts of 7 works, the rows
    in files of 3, pages of 5."""
    from scrapy.settings import Settings

    from louvre_scraper.dataset import catalogue
    from louvre_scraper.dataset.reader import record_rows
    from louvre_scraper.store.reader import open_mirror

    monkeypatch.setattr(catalogue, "INDEX_CHUNK", 7)
    monkeypatch.setattr(catalogue, "WORKS_CHUNK", 3)
    monkeypatch.setattr(catalogue, "PAGE_SIZE", 5)
    store = open_mirror(Settings({"FILES_STORE": str(mirror)}))
    options = catalogue.CatalogueOptions(mirror, tmp_path / "parts", 64)
    _, index_html = catalogue.build_catalogue(record_rows(store), options)
    rows = stored_rows(mirror)
    arks = [row["arkId"] for row in rows]

    page = browser.new_page()
    page.goto(index_html.as_uri())
    page.wait_for_function(f"document.getElementById('count').dataset.loaded === '{len(rows)}'")
    assert grid_arks(page) == arks[:5]
    assert page.inner_text("#pager-top span") == f"Page 1 of {-(-len(rows) // 5)}"
    page.click("#pager-top button:has-text('Next')")
    assert grid_arks(page) == arks[5:10]
    # A word found in works of several parts: every one of them, in order.
    word = max(
        {w for row in rows for w in fold(row["title"]).split() if len(w) > 3},
        key=lambda w: len({n // 7 for n, row in enumerate(rows) if w in fold(row["title"])}),
    )
    want = [
        row["arkId"]
        for row in rows
        if word in fold(f"{row['title']}\n{'; '.join(c['name'] for c in row['creators'])}")
        or word in fold(row["inventoryNumber"])
    ]
    page.fill("#search", word)
    page.wait_for_function(f"document.getElementById('count').dataset.matches === '{len(want)}'")
    shown = grid_arks(page)
    while page.locator("#pager-top button:has-text('Next'):not([disabled])").count():
        page.click("#pager-top button:has-text('Next')")
        shown += grid_arks(page)
    assert shown == want
    assert len({arks.index(ark) // 7 for ark in want}) > 1
    # The last work's row is in the last file: opened by its link.
    page.goto(f"{index_html.as_uri()}#work={arks[-1]}")
    page.wait_for_selector("#detail article h2")
    assert page.inner_text("#detail h2") == (rows[-1]["title"] or "(untitled)")
    page.close()


def test_each_work_shows_its_rights_estimate_and_the_filter_keeps_one_value(
    browser, mirror, tmp_path
):
    import datetime

    from louvre_scraper.records.rights import estimate

    # With a term of 300 years the fake site's works take all three values (none of its
    # creators is recent: with 70 years, every one is public-domain).
    dest = tmp_path / "rights"
    run = catalogue(dest, "-s", "LOUVRE_RIGHTS_YEARS=300", store=mirror)
    assert run.returncode == 0, run.stderr
    year = datetime.datetime.now(datetime.timezone.utc).year
    want = {
        path.stem: estimate(json.loads(path.read_bytes()), year, 300)
        for path in sorted((mirror / "records").glob("*.json"))
    }
    assert {r.rights for r in want.values()} == {"public-domain", "in-copyright", "unknown"}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((dest / "index.html").resolve().as_uri())
    page.wait_for_function(
        "() => { const c = document.getElementById('count');"
        " return c.dataset.loaded && c.dataset.loaded === c.dataset.works; }"
    )
    # Every card says its work's estimate.
    shown = dict(
        page.eval_on_selector_all(
            "#grid li.work",
            "items => items.map(i => [i.dataset.ark, i.querySelector('.rights').textContent])",
        )
    )
    names = {"public-domain": "public domain", "in-copyright": "in copyright",
             "unknown": "rights unknown"}  # fmt: skip
    assert shown == {ark: names[r.rights] for ark, r in want.items()}
    # The filter keeps one value; its options count them.
    for value in ("in-copyright", "public-domain"):
        kept = sorted(ark for ark, r in want.items() if r.rights == value)
        option = page.locator(f"#rights option[value='{value}']")
        assert option.inner_text() == f"{names[value]} ({len(kept)})"
        page.select_option("#rights", value)
        page.wait_for_function(
            f"document.getElementById('count').dataset.matches === '{len(kept)}'"
        )
        assert sorted(grid_arks(page)) == kept
    # The detail view says why, and that it is an estimate.
    ark = next(ark for ark, r in want.items() if r.rights == "public-domain")
    page.click(f"#grid li[data-ark='{ark}'] a")
    page.wait_for_selector("#detail .rights-line")
    line = page.inner_text("#detail .rights-line")
    assert want[ark].reason in line and "not legal advice" in line
    page.screenshot(path=ARTIFACTS / "catalogue-rights.png")
    context.close()
    assert errors == []
