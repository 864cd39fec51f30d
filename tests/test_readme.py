"""The README and docs/ against the project: the test command CI runs, the spiders' arguments,
every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from louvre_scraper.spiders.collection import CollectionSpider
from louvre_scraper.spiders.louvre import LouvreSpider

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)


def test_the_readmes_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    (block,) = [b for b in code_blocks(README) if "pytest" in b and "requirements-dev" in b]
    assert block.strip() in ci
    # ... and it is the last thing CI runs.
    assert ci.rstrip().endswith(block.strip())


def test_the_readmes_first_table_lists_every_spider_argument():
    """Each argument a spider declares (the declaration ``--help`` lists and the spider checks
    ``-a`` against) is in the README's first table and in docs/settings.md's."""
    first_table = README[README.index("\n|") :].split("\n\n", 1)[0]
    settings = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for spider in (CollectionSpider, LouvreSpider):
        for argument in spider.arguments:
            assert f"`-a {argument.name}" in first_table, (spider.name, argument.name)
            assert f"| `-a {argument.name}` |" in settings, (spider.name, argument.name)


def test_every_setting_the_code_reads_is_documented():
    names = set()
    for path in (ROOT / "louvre_scraper").rglob("*.py"):
        names |= set(re.findall(r"\b(LOUVRE_[A-Z_]+[A-Z])\b", path.read_text(encoding="utf-8")))
    assert names
    documented = README + DOCS
    assert sorted(n for n in names if f"`{n}`" not in documented) == []


def test_no_doc_points_outside_the_repository():
    """Every relative link and ``../`` path of the README and docs/ is a file a clone has."""
    outside = []
    for doc in [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted(ROOT.glob("docs/*.md"))]:
        text = doc.read_text(encoding="utf-8")
        links = re.findall(r"\]\(([^)\s]+)\)", text)
        paths = re.findall(r"(?<![\w./])(\.\./[\w./-]+)", text)
        for target in [*links, *paths]:
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a URL, or a heading of the same page
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                outside.append(f"{doc.relative_to(ROOT)}: {target}")
    assert outside == []
