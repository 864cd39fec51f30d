"""``scrapy verify`` end to end, on the mirror of tests/store_commands.py (and a copy in S3)."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from tests.store_commands import Mirror, Run, assert_one_line_refusal, scrapy

if TYPE_CHECKING:
    from pathlib import Path

    from fakesite.images import FakeImage


# -- verify ----------------------------------------------------------------------------------


def problems(run: Run) -> list[str]:
    lines = run.stdout.split("Not errors, for your information:")[0].splitlines()
    return [line.split(": ", 1)[0] for line in lines]


def apart(run: Run) -> list[str]:
    """The files listed apart, not errors."""
    _, _, rest = run.stdout.partition("Not errors, for your information:")
    return [line.split(": ", 1)[0] for line in rest.splitlines() if line]


def test_the_gone_images_are_missing_and_stray_files_told_apart(mirror: Mirror, tmp_path) -> None:
    store = mirror.copy(tmp_path / "store")
    ark = mirror.stored_arks()[0]
    (store / "images" / ark / "99.jpg").write_bytes(b"another tool's file")
    (store / "notes.txt").write_text("mine", encoding="utf-8")

    run = scrapy("verify", "--list", store=store)

    # The two gone images are listed by their records but not in the store: not whole.
    assert run.returncode == 3, run.stderr
    missing = problems(run)
    assert len(missing) == len(mirror.fake.gone_images()) == 2
    assert all(line.startswith("images/") and line.endswith(".*") for line in missing)

    # Files no record names: listed apart, not errors. The update left beside them each image
    # that edition 2 replaced by one of another type (0.png then, 0.jpg now): not pruned.
    def stored_as(image: FakeImage) -> str:
        return ".png" if image.path.endswith(".png") else ".jpg"

    superseded = [
        f"images/{a}/{old.position}{stored_as(old)}"
        for a in mirror.fake.served_arks(2)
        for old, new in zip(
            mirror.fake.record_images(a, 1), mirror.fake.record_images(a, 2), strict=False
        )
        if stored_as(old) != stored_as(new) and old.path not in mirror.fake.gone_images()
    ]
    assert apart(run) == sorted([f"images/{ark}/99.jpg", "notes.txt", *superseded])
    assert "NOT whole: 2 missing" in run.lines("ERROR")[-1]
    assert f"{2 + len(superseded)} files no record names" in run.lines("ERROR")[-1]


def test_verify_names_a_deleted_image_and_a_changed_byte(mirror: Mirror, tmp_path) -> None:
    # The gone images are the site's, not the store's fault: without their records the
    # rest is whole.
    store = whole_copy(mirror, tmp_path / "store")
    name = lambda p: str(p.relative_to(store))  # noqa: E731
    unreferenced = set(apart(scrapy("verify", "--list", store=store)))
    first = scrapy("verify", "--list", "--checksums", store=store)
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = (store / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    files = sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
    assert sorted(line.split("  ", 1)[1] for line in manifest) == [
        f for f in files if f != "manifest-sha256.txt"
    ]
    images = [p for p in sorted(store.glob("images/*/*")) if name(p) not in unreferenced]
    deleted, corrupted, truncated = images[0], images[5], images[9]
    deleted.unlink()
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte in the middle: its ends still look whole
    corrupted.write_bytes(bytes(data))

    plain = scrapy("verify", "--list", store=store)

    assert plain.returncode == 3
    assert problems(plain) == [name(deleted).rsplit(".", 1)[0] + ".*"]

    truncated.write_bytes(truncated.read_bytes()[:-10])
    checked = scrapy("verify", "--list", "--checksums", store=store)

    assert checked.returncode == 3
    assert sorted(problems(checked)) == sorted(
        [
            name(deleted).rsplit(".", 1)[0] + ".*",  # listed by its record, not there
            name(truncated),  # its last bytes are not an image's end (named once)
            name(deleted),  # listed in the manifest, not there
            name(corrupted),  # differs from the manifest
        ]
    )
    assert (store / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines() == manifest


def test_verify_refuses_bad_input_in_one_line(mirror: Mirror, tmp_path) -> None:
    assert_one_line_refusal(
        scrapy("verify", "--list", store=tmp_path / "nowhere"), "no such directory"
    )
    assert_one_line_refusal(scrapy("verify", "extra", store=mirror.store), "takes no argument")
    store = mirror.copy(tmp_path / "store")
    (store / "manifest-sha256.txt").write_text("not a manifest\n", encoding="utf-8")
    assert_one_line_refusal(scrapy("verify", "--list", "--checksums", store=store), "line 1")


# -- an s3:// store ----------------------------------------------------------------------------


def whole_copy(mirror: Mirror, to: Path) -> Path:
    """A copy of the mirror without the two records whose images the site lost: whole."""
    store = mirror.copy(to)
    for line in problems(scrapy("verify", "--list", store=store)):
        ark = line.split("/")[1]
        (store / "records" / f"{ark}.json").unlink()
        shutil.rmtree(store / "images" / ark, ignore_errors=True)
    return store


def test_an_s3_store_exports_and_verifies_as_the_local_one(mirror: Mirror, tmp_path) -> None:
    from tests.test_crawl_s3 import offline_aws_env, running_moto

    copy = whole_copy(mirror, tmp_path / "store")
    local = tmp_path / "local.parquet"
    assert scrapy("export", str(local), store=copy).returncode == 0
    with running_moto() as s3:
        bucket = s3.new_bucket()
        for path in sorted(copy.rglob("*")):
            if path.is_file():
                key = f"mirror/{path.relative_to(copy)}"
                s3.client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        store = f"s3://{bucket}/mirror/"
        aws = {"AWS_ENDPOINT_URL": s3.endpoint, "AWS_REGION_NAME": "us-east-1"}
        secret = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        os.environ.update(offline_aws_env(tmp_path, **secret))
        try:
            remote = tmp_path / "remote.parquet"
            exported = scrapy("export", str(remote), store=store, **aws)
            hf = tmp_path / "hf"
            refused = scrapy("export", "--format", "imagefolder", str(hf), store=store, **aws)
            first = scrapy("verify", "--list", "--checksums", store=store, **aws)
            manifest = s3.objects(bucket)["mirror/manifest-sha256.txt"].decode()
            images = sorted(k for k in s3.objects(bucket) if k.startswith("mirror/images/"))
            deleted, changed = images[0], images[3]
            s3.client.delete_object(Bucket=bucket, Key=deleted)
            data = bytearray(s3.objects(bucket)[changed])
            data[len(data) // 2] ^= 0xFF
            s3.client.put_object(Bucket=bucket, Key=changed, Body=bytes(data))
            after = scrapy("verify", "--list", "--checksums", store=store, **aws)
        finally:
            for name in (*secret, "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                os.environ.pop(name, None)
            os.environ.pop("AWS_EC2_METADATA_DISABLED", None)

    assert exported.returncode == 0, exported.stderr
    assert pq.read_table(remote).equals(pq.read_table(local))
    assert_one_line_refusal(refused, "imagefolder needs a local FILES_STORE")
    assert not hf.exists()
    assert first.returncode == 0, first.stdout + first.stderr
    files = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert sorted(line.split("  ", 1)[1] for line in manifest.splitlines()) == files
    deleted, changed = deleted[len("mirror/") :], changed[len("mirror/") :]
    assert after.returncode == 3
    assert sorted(problems(after)) == sorted([deleted.rsplit(".", 1)[0] + ".*", deleted, changed])


def count_of(run: Run, words: str) -> int:
    """The number on verify's count line for *words* (``  missing: 2`` → 2)."""
    (line,) = [line for line in run.stderr.splitlines() if line.startswith(f"  {words}: ")]
    return int(line.rpartition(": ")[2].split()[0])


def test_verify_speaks_in_counts_and_lists_on_request(mirror: Mirror, tmp_path) -> None:
    store = mirror.copy(tmp_path / "store")
    ark = mirror.stored_arks()[0]
    (store / "images" / ark / "99.jpg").write_bytes(b"another tool's file")
    (store / "notes.txt").write_text("mine", encoding="utf-8")

    counted = scrapy("verify", store=store)
    listed = scrapy("verify", "--list", store=store)
    to_file = scrapy("verify", "--list", str(tmp_path / "list.txt"), store=store)

    assert counted.returncode == listed.returncode == to_file.returncode == 3
    assert counted.stdout == ""  # no per-file line unless asked for
    missing, stray = problems(listed), apart(listed)
    assert count_of(counted, "missing") == len(missing) == 2
    assert count_of(counted, "stray (no record names it)") == len(stray) >= 2
    assert count_of(counted, "damaged") == 0
    assert count_of(counted, "gone from the site") == 0
    assert count_of(counted, "left out on purpose") == 0
    images = int(counted.stderr.split(" images listed")[0].rpartition(" ")[2])
    assert count_of(counted, "whole") == images - 2
    assert (tmp_path / "list.txt").read_text(encoding="utf-8") == listed.stdout
    assert to_file.stdout == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".list")] == []


def test_verify_is_a_screenful_and_refuses_a_list_nowhere(mirror: Mirror, tmp_path) -> None:
    store = mirror.copy(tmp_path / "store")
    run = scrapy("verify", store=store)

    assert run.returncode == 3  # the mirror's two gone images are missing
    assert run.stdout == ""
    assert len([line for line in run.stderr.splitlines() if line.strip()]) <= 12, run.stderr
    assert_one_line_refusal(
        scrapy("verify", "--list", str(tmp_path / "no" / "such" / "list.txt"), store=store),
        "--list",
    )
