"""The project's add-on (louvre_scraper/addon.py): what it enables, and that the user's
settings win over it."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from louvre_scraper import settings as project_settings
from louvre_scraper.addon import COMPONENTS, SETTINGS, LouvreAddon

OURS = "louvre_scraper.downloadermiddlewares"


def project(**cmdline: object) -> Settings:
    """The project's settings, the user's -s on top, then the add-on applied as Scrapy does."""
    settings = Settings(
        {n: getattr(project_settings, n) for n in dir(project_settings) if n.isupper()}
    )
    settings.setdict(cmdline, priority="cmdline")
    crawler = get_crawler(settings_dict=None)
    crawler.settings = settings
    crawler.addons.load_settings(settings)
    return settings


def enabled(settings: Settings, name: str) -> dict[str, int]:
    """The components of *name* that will run, with their orders."""
    merged = settings.getwithbase(name)
    return {path: order for path, order in merged.items() if order is not None}


def test_settings_py_names_the_add_on_and_no_component() -> None:
    assert project_settings.ADDONS == {"louvre_scraper.addon.LouvreAddon": 0}
    for name in (*COMPONENTS, *SETTINGS):
        assert not hasattr(project_settings, name), name
    assert not any(name.endswith("_BASE") for name in dir(project_settings))


def test_the_add_on_enables_every_component_and_setting() -> None:
    settings = project()
    middlewares = enabled(settings, "DOWNLOADER_MIDDLEWARES")
    assert middlewares[f"{OURS}.fetchpolicy.FetchPolicy"] == 50
    assert f"{OURS}.judge.BodyJudge" in middlewares
    assert "scrapy.downloadermiddlewares.cookies.CookiesMiddleware" not in middlewares
    assert "louvre_scraper.patches.SpeedPatches" in enabled(settings, "EXTENSIONS")
    assert enabled(settings, "ITEM_PIPELINES") == {
        "louvre_scraper.pipelines.files.LouvreFilesPipeline": 300
    }
    assert settings["SCHEDULER_DISK_QUEUE"] == "louvre_scraper.extensions.jobstate.SQLiteQueue"
    assert settings.getint("CONCURRENT_ITEMS") == 1
    assert settings["LOG_FORMATTER"] == "louvre_scraper.extensions.quietlog.QuietLogFormatter"


def test_a_users_setting_wins_and_a_users_components_merge_with_ours() -> None:
    settings = project(
        CONCURRENT_ITEMS=5,
        DOWNLOADER_MIDDLEWARES={"my.Middleware": 700, f"{OURS}.judge.BodyJudge": None},
    )
    assert settings.getint("CONCURRENT_ITEMS") == 5
    middlewares = enabled(settings, "DOWNLOADER_MIDDLEWARES")
    assert middlewares["my.Middleware"] == 700
    assert f"{OURS}.judge.BodyJudge" not in middlewares  # the user turned it off
    assert middlewares[f"{OURS}.fetchpolicy.FetchPolicy"] == 50  # ours are still there


def test_the_add_on_is_scrapys_kind() -> None:
    settings = Settings()
    LouvreAddon().update_settings(settings)
    assert settings.getpriority("CONCURRENT_ITEMS") == settings.getpriority("ITEM_PIPELINES")
