from __future__ import annotations

import os
from pathlib import Path

import pytest
from scrapy.settings import Settings

from louvre_scraper.config import LouvreConfig
from louvre_scraper.errors import BadInput
from louvre_scraper.store.layout import file_path, image_path, record_path


def config(tmp_path: Path, **values: object) -> LouvreConfig:
    return LouvreConfig.from_settings(Settings({"FILES_STORE": str(tmp_path / "s"), **values}))


def test_defaults(tmp_path: Path) -> None:
    c = config(tmp_path)
    assert c.base_url == "https://collections.louvre.fr"
    assert c.url(121146) == "https://collections.louvre.fr/en/artwork/image/download/121146/0"
    assert file_path(c, 121146) == "121146.zip"
    assert c.missing_statuses == {404, 410}
    assert c.is_local_store


def test_overrides_from_the_command_line_form(tmp_path: Path) -> None:
    c = config(
        tmp_path,
        LOUVRE_BASE_URL="http://127.0.0.1:8080/",
        LOUVRE_MISSING_STATUSES="404,410,500",
        LOUVRE_FILE_TEMPLATE="zips/{id:07d}.zip",
    )
    assert c.url(5) == "http://127.0.0.1:8080/en/artwork/image/download/5/0"
    assert c.missing_statuses == {404, 410, 500}
    assert file_path(c, 5) == "zips/0000005.zip"


def test_trust_boundary_defaults_and_overrides(tmp_path: Path) -> None:
    c = config(tmp_path)
    assert c.allowed_hosts == {"collections.louvre.fr"}
    mib = 1024 * 1024
    assert (c.max_record_bytes, c.max_image_bytes, c.max_sitemap_bytes) == (
        4 * mib,
        32 * mib,
        50 * mib,
    )
    assert (c.max_sitemap_urls, c.max_zip_bytes, c.max_probe_bytes) == (50_000, 64 * mib, mib)
    assert c.max_bytes_in_flight == 128 * mib
    c = config(
        tmp_path,
        LOUVRE_BASE_URL="http://127.0.0.1:8080",
        LOUVRE_ALLOWED_HOSTS="CDN.example.org., ,images.example.org",
        LOUVRE_MAX_IMAGE_BYTES="1000",
    )
    assert c.allowed_hosts == {"127.0.0.1", "cdn.example.org", "images.example.org"}
    assert c.max_image_bytes == 1000


def test_s3_store_gets_a_key_prefix(tmp_path: Path) -> None:
    c = LouvreConfig.from_settings(Settings({"FILES_STORE": "s3://bucket/louvre"}))
    assert c.files_store == "s3://bucket/louvre/"
    assert not c.is_local_store


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOUVRE_BASE_URL", "collections.louvre.fr", "expected an http:// or https:// URL"),
        ("LOUVRE_BASE_URL", "ftp://x", "expected an http:// or https:// URL"),
        ("LOUVRE_MISSING_STATUSES", "404,abc", "expected HTTP status codes"),
        ("LOUVRE_MISSING_STATUSES", "200", "expected 4xx or 5xx"),
        ("LOUVRE_FILE_TEMPLATE", "image.zip", "must contain {id}"),
        ("LOUVRE_FILE_TEMPLATE", "../{id}.zip", "relative path"),
        ("LOUVRE_FILE_TEMPLATE", "{nope}.zip", "must contain {id}"),
        ("LOUVRE_PROBE_WINDOW", "0", "must be at least 1"),
        ("LOUVRE_TAIL_MISSES", "many", "not an integer"),
        ("RETRY_BACKOFF_MAX", "-1", "must be at least 0"),
        ("CONCURRENT_REQUESTS", "0", "must be at least 1"),
        ("LOUVRE_RECORD_TEMPLATE", "records/all.json", "must contain {ark}"),
        ("LOUVRE_IMAGE_TEMPLATE", "images/{ark}.jpg", "must contain {position}"),
        ("LOUVRE_IMAGE_TEMPLATE", "/{ark}/{position}{ext}", "relative path"),
        ("LOUVRE_IMAGE_TEMPLATE", "{ark}/{position}{size}", "may only use {ark}, {position}"),
        ("LOUVRE_SITEMAP_URL", "sitemap.xml", "expected an http:// or https:// URL"),
        ("LOUVRE_PRUNE", "maybe", "expected True or False"),
        ("LOUVRE_PRUNE_MAX", "lots", "expected a number of files (100) or a share (5%)"),
        ("LOUVRE_PRUNE_MAX", "-1", "expected a number of files"),
        ("LOUVRE_PRUNE_MAX", "120%", "expected a number of files"),
        ("LOUVRE_MAX_SITEMAPS", "0", "must be at least 1"),
        ("LOUVRE_IMAGE_TEMPLATE", "{ark}/{position:03d}{ext}", "must also take 0-1"),
        ("LOUVRE_ALLOWED_HOSTS", "https://cdn.example.org", "is not a host name"),
        ("LOUVRE_ALLOWED_HOSTS", "cdn.example.org/images", "is not a host name"),
        ("LOUVRE_ALLOWED_HOSTS", "cdn.example.org:8080", "is not a host name"),
        ("LOUVRE_ALLOWED_HOSTS", "*.example.org", "is not a host name"),
        ("LOUVRE_MAX_RECORD_BYTES", "4MB", "not an integer"),
        ("LOUVRE_MAX_IMAGE_BYTES", "0", "must be at least 1"),
        ("LOUVRE_MAX_SITEMAP_BYTES", "-1", "must be at least 1"),
        ("LOUVRE_MAX_SITEMAP_URLS", "lots", "not an integer"),
        ("LOUVRE_MAX_ZIP_BYTES", "1.5", "not an integer"),
        ("LOUVRE_MAX_PROBE_BYTES", "0", "must be at least 1"),
        ("LOUVRE_MAX_BYTES_IN_FLIGHT", "lots", "not an integer"),
    ],
)
def test_bad_settings_name_the_culprit(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(BadInput) as error:
        config(tmp_path, **{name: value})
    assert str(error.value).startswith(f"bad setting {name}={value!r}: ")
    assert message in str(error.value)


def test_store_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match=r"FILES_STORE=.*is not a directory"):
        LouvreConfig.from_settings(Settings({"FILES_STORE": str(tmp_path / "file" / "sub")}))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_store_not_writable(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(BadInput, match="is not writable"):
        LouvreConfig.from_settings(Settings({"FILES_STORE": str(locked / "zips")}))


@pytest.mark.parametrize("store", ["", "s3:///prefix", "http://example.com/zips"])
def test_bad_store_uris(store: str) -> None:
    with pytest.raises(BadInput, match="FILES_STORE"):
        LouvreConfig.from_settings(Settings({"FILES_STORE": store}))


def test_nothing_is_created_by_validation(tmp_path: Path) -> None:
    config(tmp_path)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOUVRE_CHECKSUMS", "maybe", "expected True or False"),
        ("ROBOTSTXT_OBEY", "yes please", "expected True or False"),
        ("AUTOTHROTTLE_ENABLED", "on", "expected True or False"),
        ("LOGSTATS_INTERVAL", "abc", "not a number"),
        ("LOGSTATS_INTERVAL", "-1", "must be at least 0"),
        ("DOWNLOAD_TIMEOUT", "-5", "must be above 0"),
        ("DOWNLOAD_TIMEOUT", "0", "must be above 0"),
        ("DOWNLOAD_TIMEOUT", "nan", "not a finite number"),
        ("DOWNLOAD_DELAY", "soon", "not a number"),
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", "many", "not a number"),
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", "0", "must be above 0"),
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", "inf", "not a finite number"),
        ("AUTOTHROTTLE_START_DELAY", "-1", "must be at least 0"),
        ("AUTOTHROTTLE_START_DELAY", "later", "not a number"),
        ("AUTOTHROTTLE_MAX_DELAY", "-0.5", "must be at least 0"),
        ("AUTOTHROTTLE_MAX_DELAY", "nan", "not a finite number"),
        ("LOG_LEVEL", "LOUD", "expected DEBUG, INFO"),
        ("LOG_LEVEL", "info", "expected DEBUG, INFO"),  # Scrapy's logging wants upper case
        ("LOUVRE_GIVE_UP_FAILURES", "0", "must be at least 1"),
        ("LOUVRE_GIVE_UP_SECONDS", "-1", "must be at least 0"),
        ("LOUVRE_SPEEDUPS", "fast", "expected True or False"),
    ],
)
def test_scrapy_settings_a_user_tunes_are_checked(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(BadInput) as error:
        config(tmp_path, **{name: value})
    assert str(error.value).startswith(f"bad setting {name}={value!r}: ")
    assert message in str(error.value)


def test_give_up_settings(tmp_path: Path) -> None:
    c = config(tmp_path)
    assert (c.give_up_failures, c.give_up_seconds) == (30, 60.0)
    c = config(tmp_path, LOUVRE_GIVE_UP_FAILURES="5", LOUVRE_GIVE_UP_SECONDS="2.5")
    assert (c.give_up_failures, c.give_up_seconds) == (5, 2.5)


@pytest.mark.parametrize("store", ["/proc/nope", "/proc", "/sys/kernel/zips"])
def test_store_in_a_kernel_filesystem(store: str) -> None:
    with pytest.raises(BadInput, match=r"FILES_STORE=.*kernel filesystem"):
        LouvreConfig.from_settings(Settings({"FILES_STORE": store}))


def test_store_that_is_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match=r"FILES_STORE=.*is not a directory"):
        LouvreConfig.from_settings(Settings({"FILES_STORE": str(tmp_path / "file")}))


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("JOBDIR", "/proc/nope"),
        ("JOBDIR", "file/job"),
        ("LOUVRE_FAILED_IDS_FILE", "file/f.txt"),
        ("LOUVRE_OBSOLETE_FILE", "file/o.txt"),
    ],
)
def test_other_local_paths_are_checked(tmp_path: Path, name: str, where: str) -> None:
    (tmp_path / "file").write_text("x")
    value = where if where.startswith("/") else str(tmp_path / where)
    with pytest.raises(BadInput, match=rf"bad setting {name}="):
        config(tmp_path, **{name: value})


def test_failed_ids_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="is a directory, not a file"):
        config(tmp_path, LOUVRE_FAILED_IDS_FILE=str(tmp_path))


def test_prune_max_is_a_count_or_a_share_of_the_store(tmp_path: Path) -> None:
    assert config(tmp_path).prune_limit(1000) == 50  # 5% by default
    assert config(tmp_path, LOUVRE_PRUNE_MAX="10").prune_limit(1000) == 10
    assert config(tmp_path, LOUVRE_PRUNE_MAX="0.5%").prune_limit(1000) == 5
    assert config(tmp_path, LOUVRE_PRUNE_MAX="0").prune_limit(1000) == 0


def test_stored_paths_are_built_from_checked_parts_only(tmp_path: Path) -> None:
    c = config(tmp_path)
    assert record_path(c, "cl010000301") == "records/cl010000301.json"
    assert image_path(c, "cl010000301", 3, ".png") == "images/cl010000301/3.png"
    assert image_path(c, "cl010000301", "3-1", ".jpg") == "images/cl010000301/3-1.jpg"
    assert image_path(c, "cl010000301", 0, "") == "images/cl010000301/0"
    for ark, stem, ext in [
        ("../etc", 0, ".jpg"),
        ("cl010000301/..", 0, ".jpg"),
        ("cl01", 0, ".jpg"),
        ("cl010000301", "../0", ".jpg"),
        ("cl010000301", "0.sh", ".jpg"),
        ("cl010000301", 0, ".sh"),
        ("cl010000301", 0, ".jpg/../../x"),
    ]:
        with pytest.raises(ValueError, match="not an"):
            image_path(c, ark, stem, ext)
    with pytest.raises(ValueError, match="not an ark"):
        record_path(c, "../../etc/passwd")
