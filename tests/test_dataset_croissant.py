"""Every ``scrapy export`` writes Croissant 1.1 metadata that ``mlcroissant`` validates and
loads the records from, offline: the required fields, each file's sha256, the record set,
``usageInfo`` per rights value, and what a filtered export left out."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.store_commands import Mirror, scrapy

if TYPE_CHECKING:
    from pathlib import Path

REQUIRED = ("name", "description", "license", "url", "creator", "datePublished", "conformsTo")


def _load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Croissant JSON, and its records as mlcroissant reads them (no error, no warning)."""
    import mlcroissant as mlc

    dataset = mlc.Dataset(str(path))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, issues.report()
    metadata = json.loads(path.read_text(encoding="utf-8"))
    record_sets = dataset.metadata.record_sets
    records = list(dataset.records(record_sets[0].uuid)) if record_sets else []
    return metadata, records


def _checked(metadata: dict[str, Any], base: Path) -> None:
    assert all(metadata.get(name) for name in REQUIRED), metadata
    assert metadata["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert metadata["isLiveDataset"] is True
    assert "crawl run" in metadata["isBasedOn"]["name"]  # the run it was exported from
    usage = [entry["name"].split(":")[0] for entry in metadata["usageInfo"]]
    assert usage == ["public-domain", "in-copyright", "unknown"]
    assert all(
        entry["url"].startswith("https://collections.louvre.fr") for entry in metadata["usageInfo"]
    )
    files = [entry for entry in metadata["distribution"] if entry["@type"] == "cr:FileObject"]
    assert files
    for entry in files:
        body = (base / entry["contentUrl"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()


def test_one_file_exports_carry_a_croissant_that_loads_their_records(
    mirror: Mirror, tmp_path: Path
) -> None:
    arks = set(mirror.stored_arks())
    for name in ("records.jsonl", "records.parquet", "records.csv"):
        dest = tmp_path / name

        run = scrapy("export", str(dest), store=mirror.store)

        assert run.returncode == 0, run.stderr
        metadata, records = _load(tmp_path / f"{name}.croissant.json")
        _checked(metadata, tmp_path)
        assert {r["rows/arkId"].decode() for r in records} == arks, name
        assert "partial export" not in metadata["description"]
        kinds = {f["name"]: f["dataType"] for f in metadata["recordSet"][0]["field"]}
        assert kinds["startYear"] == "sc:Integer" and kinds["title"] == "sc:Text"


def test_hub_parquet_croissant_loads_images_and_a_rights_filter_says_so(
    mirror: Mirror, tmp_path: Path
) -> None:
    from PIL import Image

    dest = tmp_path / "hub"

    run = scrapy(
        "export", str(dest), "--format", "parquet", "--embed-images", "--rights",
        "public-domain", "--shard-size", "4rows", store=mirror.store,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    metadata, records = _load(dest / "croissant.json")
    _checked(metadata, dest)
    assert "partial export" in metadata["description"]
    assert "--rights 'public-domain'" in metadata["description"]
    assert records and all(r["rows/rights"] == b"public-domain" for r in records)
    assert all(isinstance(r["rows/image"], Image.Image) for r in records)
    shards = {e["contentUrl"] for e in metadata["distribution"] if e["@type"] == "cr:FileObject"}
    assert shards == {f"data/{p.name}" for p in (dest / "data").iterdir()} and len(shards) > 1
    assert "--rights 'public-domain'" in (dest / "README.md").read_text(encoding="utf-8")


def test_folder_exports_carry_a_croissant(mirror: Mirror, tmp_path: Path) -> None:
    for fmt in ("imagefolder", "webdataset"):
        dest = tmp_path / fmt

        run = scrapy("export", "--format", fmt, str(dest), store=mirror.store)

        assert run.returncode == 0, run.stderr
        metadata, records = _load(dest / "croissant.json")
        _checked(metadata, dest)
        if fmt == "imagefolder":
            assert {r["rows/file_name"].decode() for r in records} == {
                json.loads(line)["file_name"]
                for line in (dest / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
            }


def test_webdataset_croissant_describes_the_tar_members(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tarfile

    import mlcroissant as mlc
    from etils import epath
    from mlcroissant._src.operation_graph.operations import extract
    from PIL import Image

    # mlcroissant extracts a tar once per name (00000.tar) into its cache and reuses it:
    # another test's shards of the same name would be read instead of these.
    monkeypatch.setattr(extract, "EXTRACT_PATH", epath.Path(tmp_path / "croissant-cache"))

    dest = tmp_path / "wds"

    run = scrapy(
        "export", "--format", "webdataset", "--shard-size", "5", str(dest), store=mirror.store
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    members: dict[str, bytes] = {}
    for shard in sorted(dest.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar.getmembers():
                body = tar.extractfile(member)
                assert body is not None
                members[member.name] = body.read()
    dataset = mlc.Dataset(str(dest / "croissant.json"))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, issues.report()
    names = [record_set.uuid for record_set in dataset.metadata.record_sets]
    kinds = sorted({name.rsplit(".", 1)[1] for name in members} - {"json"})
    assert names == ["json", *kinds] and "png" in kinds  # the fake site's PNGs too
    samples = {
        r["json/key"].decode(): json.loads(r["json/content"]) for r in dataset.records("json")
    }
    assert samples == {
        name.removesuffix(".json"): json.loads(body)
        for name, body in members.items()
        if name.endswith(".json")
    }
    fields = json.loads((dest / "croissant.json").read_text(encoding="utf-8"))["recordSet"][0]
    assert "title (sc:Text)" in fields["description"]  # the JSON's fields and types
    images = {}
    for kind in kinds:
        for record in dataset.records(kind):
            assert isinstance(record[f"{kind}/content"], Image.Image)
            images[f"{record[f'{kind}/key'].decode()}.{kind}"] = record[f"{kind}/content"]
    assert set(images) == {name for name in members if not name.endswith(".json")}
    assert {name.rsplit(".", 1)[0] for name in images} == set(samples)
