"""End to end: ``FILES_STORE=s3://bucket/prefix/`` against a real S3 API (moto) on loopback.

Moto's server runs in this process, on a free 127.0.0.1 port; the crawls are ``scrapy crawl``
subprocesses that reach it through ``AWS_ENDPOINT_URL``, as they would reach MinIO or AWS.
Nothing here touches the internet: the AWS config files point to nowhere and the instance
metadata service is turned off.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest
from moto.server import ThreadedMotoServer

from fakesite.harness import ROOT, Crawl, crawl
from fakesite.options import fake_collection
from fakesite.zips import Collection, zip_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# A value that cannot turn up in a log by chance.
SECRET = "s3cr3t-" + uuid.uuid4().hex
REGION = "us-east-1"


@dataclass
class S3:
    """A running moto S3 server and a client for it."""

    endpoint: str
    client: Any

    def new_bucket(self) -> str:
        name = f"louvre-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str, *, state: bool = False) -> dict[str, bytes]:
        """Every object in *bucket*, key to body (one listing page is plenty here); the
        mirror's, without the store's own state (``…/state/``) unless asked."""
        listing = self.client.list_objects_v2(Bucket=bucket, MaxKeys=1000)
        assert not listing["IsTruncated"]
        return {
            obj["Key"]: self.client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            for obj in listing.get("Contents", ())
            if state or "state" not in obj["Key"].split("/")[:-1]
        }

    def content_type(self, bucket: str, key: str) -> str:
        return self.client.head_object(Bucket=bucket, Key=key)["ContentType"]


@contextlib.contextmanager
def running_moto() -> Iterator[S3]:
    """Moto's S3 server on a free loopback port, for the duration of the ``with`` block."""
    request_log = logging.getLogger("werkzeug")  # one INFO line per S3 request otherwise
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = botocore.session.get_session().create_client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # moto accepts any key
        )
        yield S3(endpoint, client)
    finally:
        server.stop()
        request_log.setLevel(level)


def offline_aws_env(tmp_path: Path, **credentials: str) -> dict[str, str]:
    """Environment for a crawl: no AWS config from this machine, no metadata service."""
    return {
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **credentials,
    }


@pytest.fixture(autouse=True)
def no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawls inherit this process's environment: drop any AWS_* of the machine."""
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with running_moto() as s3:
        yield s3


def crawl_s3(
    store: str,
    *args: str,
    settings: dict[str, Any],
    env: dict[str, str],
    spider: str = "louvre",
) -> Crawl:
    # harness.crawl puts the store into -s FILES_STORE= as it is; an s3:// URL must stay a str
    # (a Path would fold "//").
    return crawl(store, *args, settings=settings, env=env, spider=spider)  # type: ignore[arg-type]


def split_change_logs(objects: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The mirror's objects, and the change logs each collection crawl writes (``changes/``)."""
    logs = {key: body for key, body in objects.items() if "/changes/" in f"/{key}"}
    return {key: body for key, body in objects.items() if key not in logs}, logs


def expected_objects(prefix: str, ids: list[int]) -> dict[str, bytes]:
    return {f"{prefix}{i}.zip": zip_bytes(i) for i in ids}


def assert_quiet(result: Crawl) -> None:
    assert result.lines("WARNING") == []
    assert result.lines("ERROR") == []
    assert "Traceback" not in result.stderr


def test_credentials_from_the_environment_store_every_zip_once(
    s3: S3, tmp_path: Path, fake_louvre
) -> None:
    server = fake_louvre("--max-id", "60")
    ids = Collection(max_id=60).ids()
    bucket = s3.new_bucket()
    # No trailing slash: the store is still the key prefix "louvre/", not a name stem.
    store = f"s3://{bucket}/louvre"
    settings = {"LOUVRE_BASE_URL": server.url, "AWS_ENDPOINT_URL": s3.endpoint}
    env = offline_aws_env(
        tmp_path,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_DEFAULT_REGION=REGION,
    )

    first = crawl_s3(store, "-a", "end=60", settings=settings, env=env)

    assert first.returncode == 0, first.stderr
    assert s3.objects(bucket) == expected_objects("louvre/", ids)
    assert {s3.content_type(bucket, f"louvre/{i}.zip") for i in ids} == {"application/zip"}
    assert first.stats["louvre/stored"] == len(ids)
    assert_quiet(first)
    assert sorted(server.zip_gets()) == ids

    second = crawl_s3(store, "-a", "end=60", settings=settings, env=env)

    assert second.returncode == 0, second.stderr
    assert sorted(server.zip_gets()) == ids, "no zip body was downloaded again"
    assert second.stats["louvre/skipped"] == len(ids)
    assert "louvre/stored" not in second.stats
    assert s3.objects(bucket) == expected_objects("louvre/", ids)
    assert_quiet(second)
    assert SECRET not in first.stderr + second.stderr
    assert not (ROOT / "s3:").exists(), "nothing was written to a local directory"


def test_credentials_as_settings_store_every_zip_once(s3: S3, tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "40")
    ids = Collection(max_id=40).ids()
    bucket = s3.new_bucket()
    store = f"s3://{bucket}/louvre/"
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "AWS_ENDPOINT_URL": s3.endpoint,
        "AWS_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    env = offline_aws_env(tmp_path)  # no credentials but the settings

    first = crawl_s3(store, "-a", "end=40", settings=settings, env=env)
    second = crawl_s3(store, "-a", "end=40", settings=settings, env=env)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stats["louvre/stored"] == len(ids)
    assert second.stats["louvre/skipped"] == len(ids)
    assert sorted(server.zip_gets()) == ids, "each zip body was downloaded once, in total"
    assert s3.objects(bucket) == expected_objects("louvre/", ids)
    assert_quiet(first)
    assert_quiet(second)


def test_a_secret_key_given_as_a_setting_stays_out_of_the_log(
    s3: S3, tmp_path: Path, fake_louvre
) -> None:
    server = fake_louvre("--max-id", "5")
    bucket = s3.new_bucket()
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "AWS_ENDPOINT_URL": s3.endpoint,
        "AWS_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "LOG_LEVEL": "DEBUG",  # Scrapy's "Overridden settings" line is logged at DEBUG
    }

    result = crawl_s3(
        f"s3://{bucket}/louvre/", "-a", "end=5", settings=settings, env=offline_aws_env(tmp_path)
    )

    assert result.returncode == 0, result.stderr
    assert s3.objects(bucket) == expected_objects("louvre/", Collection(max_id=5).ids())
    assert "Overridden settings:" in result.stderr and "AWS_SECRET_ACCESS_KEY" in result.stderr
    assert SECRET not in result.stderr


def test_resume_reads_every_page_of_the_listing_and_only_its_prefix(
    s3: S3, tmp_path: Path, fake_louvre, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fake_louvre("--max-id", "40")
    ids = Collection(max_id=40).ids()
    empty, elsewhere, sibling = ids[0], ids[1], ids[2]
    bucket = s3.new_bucket()
    # Objects that must not count as stored: an empty one under the prefix, the same name
    # under another prefix, and one under a prefix that merely starts with the same letters.
    unrelated = {f"elsewhere/{elsewhere}.zip": b"x" * 100, f"louvre-old/{sibling}.zip": b"y" * 100}
    for key, body in {f"louvre/{empty}.zip": b"", **unrelated}.items():
        s3.client.put_object(Bucket=bucket, Key=key, Body=body)
    store = f"s3://{bucket}/louvre/"
    settings = {"LOUVRE_BASE_URL": server.url, "AWS_ENDPOINT_URL": s3.endpoint}
    env = offline_aws_env(
        tmp_path,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )

    first = crawl_s3(store, "-a", "end=40", settings=settings, env=env)

    assert first.returncode == 0, first.stderr
    assert first.stats["louvre/stored"] == len(ids)
    assert "louvre/skipped" not in first.stats
    assert s3.objects(bucket) == {**expected_objects("louvre/", ids), **unrelated}

    # Five keys a page: the listing at start must follow the continuation tokens.
    monkeypatch.setenv("MOTO_S3_DEFAULT_MAX_KEYS", "5")
    page = s3.client.list_objects_v2(Bucket=bucket, Prefix="louvre/")
    assert (page["KeyCount"], page["IsTruncated"]) == (5, True)
    assert len(ids) > 3 * 5
    second = crawl_s3(store, "-a", "end=40", settings=settings, env=env)

    assert second.returncode == 0, second.stderr
    assert f"Listed {len(ids)} objects in s3://{bucket}/louvre/" in second.stderr
    assert second.stats["louvre/skipped"] == len(ids)
    assert sorted(server.zip_gets()) == ids, "no zip body was downloaded again"
    assert_quiet(second)


def test_a_missing_bucket_is_refused_in_one_line(s3: S3, tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre("--max-id", "10")
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "AWS_ENDPOINT_URL": s3.endpoint,
        "LOG_LEVEL": "WARNING",
    }
    env = offline_aws_env(
        tmp_path,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )

    result = crawl_s3("s3://no-such-bucket/louvre/", "-a", "end=10", settings=settings, env=env)

    assert server.zip_gets() == []
    assert result.returncode != 0
    assert "no-such-bucket" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_the_collection_mirrors_into_s3_and_updates_only_what_changed(
    s3: S3, tmp_path: Path, fake_louvre
) -> None:
    args = ("--records", "30", "--per-sitemap", "10", "--lastmod")  # dated: only changes asked
    server = fake_louvre(*args)
    fake = fake_collection(list(args))
    bucket = s3.new_bucket()
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "AWS_ENDPOINT_URL": s3.endpoint,
        # A bucket has no "beside": without this list, an image superseded by one of another
        # type (0.png by 0.jpg) is known only to the run that saw the change.
        "LOUVRE_OBSOLETE_FILE": str(tmp_path / "obsolete.txt"),
    }
    env = offline_aws_env(
        tmp_path,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_DEFAULT_REGION=REGION,
    )

    def mirror(edition: int) -> dict[str, bytes]:
        objects = {}
        for ark in fake.served_arks(edition):
            objects[f"m/records/{ark}.json"] = fake.record_bytes(ark, server.url, edition)
            for image in fake.record_images(ark, edition):
                ext = os.path.splitext(image.path)[1].lower()
                objects[f"m/images/{ark}/{image.position}{ext}"] = fake.image_bytes(image.path)
        return objects

    first = crawl_s3(f"s3://{bucket}/m/", settings=settings, env=env, spider="collection")

    assert first.returncode == 0, first.stderr
    objects, logs = split_change_logs(s3.objects(bucket))
    assert objects == mirror(1)
    (log,) = logs.values()  # this run's change log, in the bucket: every record added
    added = [json.loads(line) for line in log.decode().splitlines()]
    assert sorted(line["ark"] for line in added if line["kind"] == "record") == sorted(
        fake.served_arks(1)
    )
    assert_quiet(first)
    state = [key for key in s3.objects(bucket, state=True) if key.startswith("m/state/")]
    # One state file per record, and the crawl's choices (state/choices/, issue 34).
    kept = [key for key in state if not key.startswith("m/state/choices/")]
    assert sorted(kept) == sorted(f"m/state/{ark}.json" for ark in fake.served_arks(1))
    assert sorted(set(state) - set(kept)) == ["m/state/choices/all.json"]

    urllib.request.urlopen(f"{server.url}/__edition__?n=2").close()
    urllib.request.urlopen(f"{server.url}/__reset__").close()
    second = crawl_s3(f"s3://{bucket}/m/", settings=settings, env=env, spider="collection")

    assert second.returncode == 0, second.stderr
    changes = fake.changes(1, 2)
    fetched = [
        r["path"].rsplit("/", 1)[1][:-5] for r in server.log()["requests"] if r["kind"] == "record"
    ]
    assert sorted(fetched) == sorted(changes.modified + changes.added)
    objects, logs = split_change_logs(s3.objects(bucket))
    assert len(logs) == 2
    assert {key: objects[key] for key in mirror(2)} == mirror(2)
    assert set(objects) - set(mirror(2)), "what edition 2 no longer lists is kept"

    pruned = crawl_s3(
        f"s3://{bucket}/m/",
        settings={**settings, "LOUVRE_PRUNE": "True", "LOUVRE_PRUNE_MAX": "100%"},
        env=env,
        spider="collection",
    )

    assert pruned.returncode == 0, pruned.stderr
    objects, logs = split_change_logs(s3.objects(bucket))
    assert objects == mirror(2) and len(logs) == 2  # the prune changed no record: no log
    state = [key for key in s3.objects(bucket, state=True) if key.startswith("m/state/")]
    kept = [key for key in state if not key.startswith("m/state/choices/")]
    assert sorted(kept) == sorted(f"m/state/{ark}.json" for ark in fake.served_arks(2))
    assert sorted(set(state) - set(kept)) == ["m/state/choices/all.json"]
