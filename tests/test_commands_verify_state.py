"""``scrapy verify`` tells the same truth as the crawl that built the store (issue 23): the
store keeps what the crawl learnt (``state/``, louvre_scraper/store/state.py), so images the site
no longer serves and those left out on purpose are told apart, not missing; the manifest is
written whatever the gaps, and a flipped byte is then found."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from typing import TYPE_CHECKING

from fakesite.options import fake_collection
from tests.store_commands import scrapy
from tests.test_commands_verify import apart, problems
from tests.test_crawl_collection import SERVER, collect

if TYPE_CHECKING:
    from pathlib import Path


def test_crawl_exit_0_is_verify_exit_0_with_gone_images(tmp_path: Path, fake_louvre) -> None:
    args = (*SERVER, "--gone-images", "3")
    server = fake_louvre(*args)
    fake = fake_collection(list(args))
    store = tmp_path / "store"

    run = collect(store, server)
    verified = scrapy("verify", "--list", store=store)

    assert run.returncode == 0, run.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert problems(verified) == []
    gone = [line for line in verified.stdout.splitlines() if ": gone (" in line]
    assert len(gone) == len(fake.gone_images()) == 3
    assert all("the site no longer serves it (since 20" in line for line in gone)
    assert "3 images gone from the site (listed, not errors)" in verified.lines("INFO")[-1]
    state = run.state()
    assert len(state) == len(fake.served_arks())
    statuses = [i["status"] for s in state.values() for i in s["images"].values()]
    assert statuses.count("gone") == 3
    stored = [i for s in state.values() for i in s["images"].values() if i["status"] == "stored"]
    assert all(len(i["sha256"]) == 64 and i["size"] and i["fetched"] for i in stored)
    for path, data in run.files().items():  # the records' .json stay the site's bytes
        if path.startswith("records/"):
            assert json.loads(data)["arkId"] == path.split("/")[1].removesuffix(".json")


def test_images_left_out_on_purpose_are_not_missing(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER)
    first = tmp_path / "first"
    painting = tmp_path / "paintings"

    firsts = collect(first, server, "-a", "images=first")
    paintings = collect(painting, server, "-a", "collection=Peintures")

    for run in (firsts, paintings):
        assert run.returncode == 0, run.stderr
        verified = scrapy("verify", "--list", store=run.store)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert problems(verified) == []
    left = [
        line
        for line in scrapy("verify", "--list", store=first).stdout.splitlines()
        if "left out" in line
    ]
    assert left and all("left out on purpose (images=first)" in line for line in left)
    filtered = scrapy("verify", "--list", store=painting).stdout
    assert "left out on purpose (collection=Peintures)" in filtered


def test_checksums_are_written_with_gaps_and_find_a_flipped_byte(tmp_path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--gone-images", "2")
    store = tmp_path / "store"
    assert collect(store, server).returncode == 0

    first = scrapy("verify", "--list", "--checksums", store=store)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "manifest-sha256.txt written:" in first.lines("INFO")[-1]
    manifest = (store / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert "state/" not in manifest  # the store's own state is not its payload
    image = sorted(store.glob("images/*/*"))[4]
    data = bytearray(image.read_bytes())
    data[len(data) // 2] ^= 0xFF  # its ends still look whole: only the checksum tells
    image.write_bytes(bytes(data))

    plain = scrapy("verify", "--list", store=store)
    checked = scrapy("verify", "--list", "--checksums", store=store)

    assert plain.returncode == 0, plain.stdout  # sizes and ends: as the crawl stored them
    assert checked.returncode == 3
    assert problems(checked) == [str(image.relative_to(store))]
    assert apart(checked)  # the gone images, told apart


def test_a_file_cut_or_flipped_is_damaged_and_no_manifest_vouches_for_it(
    tmp_path: Path, fake_louvre
) -> None:
    server = fake_louvre(*SERVER)
    store = tmp_path / "store"
    assert collect(store, server).returncode == 0
    assert not (store / "manifest-sha256.txt").exists()
    images = sorted(store.glob("images/*/*"))
    cut, flipped = images[2], images[5]
    name = lambda p: str(p.relative_to(store))  # noqa: E731
    whole = {p: p.read_bytes() for p in (cut, flipped)}
    data = bytearray(whole[flipped])
    data[len(data) // 2] ^= 0xFF  # its size and ends are as the crawl stored them
    flipped.write_bytes(bytes(data))

    # No manifest to compare with: the state's sha256 (the crawl's) names it.
    first = scrapy("verify", "--list", "--checksums", store=store)

    assert first.returncode == 3, first.stdout + first.stderr
    ark = name(flipped).split("/")[1]
    assert first.stdout.splitlines()[0] == (
        f"{name(flipped)}: damaged (its sha256 is not the one the crawl stored, in"
        f" state/{ark}.json)"
    )
    assert problems(first) == [name(flipped)]
    assert "manifest-sha256.txt not written: 1 files are damaged" in first.lines("ERROR")[-1]
    assert sorted(p.name for p in store.iterdir()) == ["changes", "images", "records", "state"]

    cut.write_bytes(whole[cut][:100] + whole[cut][-200:])  # its ends are an image's ends still
    plain = scrapy("verify", "--list", store=store)
    checked = scrapy("verify", "--list", "--checksums", store=store)

    assert plain.returncode == 3
    (line,) = plain.stdout.splitlines()  # sizes only: the flipped byte is not seen
    assert line == f"{name(cut)}: damaged (300 bytes, the crawl stored {len(whole[cut])})"
    assert checked.returncode == 3
    assert sorted(problems(checked)) == sorted([name(cut), name(flipped)])  # each once
    assert not (store / "manifest-sha256.txt").exists()

    for path, body in whole.items():
        path.write_bytes(body)
    intact = scrapy("verify", "--list", "--checksums", store=store)

    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "manifest-sha256.txt written:" in intact.lines("INFO")[-1]
    sums = subprocess.run(
        ["sha256sum", "--check", "--strict", "manifest-sha256.txt"],
        cwd=store,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert (
        sums.stdout.count(": OK\n")
        == len([p for p in store.rglob("*") if p.is_file() and "state" not in p.parts]) - 1
    )  # every file but the manifest itself


def test_an_incremental_run_keeps_the_manifest_current(tmp_path: Path, fake_louvre) -> None:
    server = fake_louvre(*SERVER, "--gone-images", "2")
    store = tmp_path / "store"
    assert collect(store, server).returncode == 0
    assert scrapy("verify", "--list", "--checksums", store=store).returncode == 0
    with urllib.request.urlopen(f"{server.url}/__edition__?n=2"):  # the collection changes
        pass

    update = collect(store, server)
    checked = scrapy("verify", "--list", "--checksums", store=store)

    assert update.returncode == 0, update.stderr
    assert "stored" in update.stderr
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert problems(checked) == []
    assert "compared with manifest-sha256.txt" in checked.lines("INFO")[-1]
    assert "new since manifest-sha256.txt" not in checked.lines("INFO")[-1]
