"""The Croissant 1.1 metadata of an export (``croissant.json`` in a folder export,
``DEST.croissant.json`` beside a one-file export): what ML tooling reads to load the dataset
and learn its terms.

Contract: :func:`croissant` is a pure function of the export's files (their sha256), its
first row (the record set's fields and types), its tally (``usageInfo`` per rights value) and
its source (store, run, filters); a filtered or rights-limited export says so in its
description. :func:`write_croissant` hashes the files and writes the JSON atomically.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from louvre_scraper.dataset.card import TERMS_URL
from louvre_scraper.records.rights import IN_COPYRIGHT, PUBLIC_DOMAIN, UNKNOWN, VALUES
from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.changes import CHANGES_DIR

if TYPE_CHECKING:
    from pathlib import Path

    from louvre_scraper.dataset.reader import Store, Tally

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
SITE = "https://collections.louvre.fr"
NAME = "louvre-collections"
CROISSANT = "croissant.json"
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "arrayShape": "cr:arrayShape",
    "containedIn": "cr:containedIn",
    "isArray": "cr:isArray",
}
ENCODING = {
    "jsonl": "application/jsonlines",
    "csv": "text/csv",
    "parquet": "application/x-parquet",
    "tar": "application/x-tar",
    "json": "application/json",
    "jpg": "image/jpeg",
    "png": "image/png",
}
USAGE = {
    PUBLIC_DOMAIN: "Works estimated in the public domain: their texts are open data (Licence"
    " Ouverte / Etalab); their images may be used for museum, teaching or scientific purposes,"
    " each credited with its imageCopyright line and its record's url; other uses need a"
    " licence from GrandPalaisRmn.",
    IN_COPYRIGHT: "Works estimated still in copyright: their rights holders must agree to any"
    " use of their images; ADAGP forbids text-and-data mining and AI training on its"
    " repertory.",
    UNKNOWN: "Works whose rights the record does not let us estimate: treat their images as"
    " in copyright until checked.",
}
DATA_TYPES = {bool: "sc:Boolean", int: "sc:Integer", float: "sc:Float", str: "sc:Text"}
DECLARED = {
    "modified": "sc:Date",
    "startYear": "sc:Integer",
    "endYear": "sc:Integer",
    "onDisplay": "sc:Boolean",
}


@dataclass(frozen=True)
class Layout:
    """An export's files for Croissant: *files* (relative to *base*) as FileObjects, the
    record set read from *records* (one of them, or a glob for a FileSet) in *encoding*."""

    base: Path
    files: list[str]
    records: str | list[str] | None  # a file's name, or the globs of a FileSet
    encoding: str  # a key of ENCODING
    image_column: str | None = None  # a column of image bytes (Hub Parquet)
    members: list[str] | None = None  # the image members' extensions in tar shards (WebDataset)


def croissant_layout(dest: Path, fmt: str, *, embed: bool = False) -> tuple[Path, Layout]:
    """Where an export's Croissant goes, and its files as Croissant sees them."""
    if fmt in ("jsonl", "csv") or (fmt == "parquet" and not embed):
        one = Layout(dest.parent, [dest.name], dest.name, fmt)
        return dest.with_name(f"{dest.name}.{CROISSANT}"), one
    target = dest / CROISSANT
    if fmt == "imagefolder":
        return target, Layout(dest, ["metadata.jsonl"], "metadata.jsonl", "jsonl")
    if fmt == "webdataset":
        tars = sorted(path.name for path in dest.glob("*.tar"))
        stats = json.loads((dest / "_stats.json").read_text(encoding="utf-8"))
        return target, Layout(dest, tars, None, "tar", members=sorted(stats["extensions"]))
    shards = sorted(str(path.relative_to(dest)) for path in (dest / "data").rglob("*.parquet"))
    # Both levels: mlcroissant's ** does not match data/ itself.
    includes = ["data/*.parquet", "data/part-*/*.parquet"]
    return target, Layout(dest, shards, includes, "parquet", image_column="image")


def croissant_row(row: dict[str, Any], fmt: str, *, resized: bool = False) -> dict[str, Any]:
    """The first row as the export's file holds it (imagefolder names the image file_name);
    a resized image's row adds its width and height."""
    sized = {"imageWidth": 0, "imageHeight": 0} if resized else {}
    if fmt != "imagefolder":
        return {**row, **sized}
    rest = {k: v for k, v in row.items() if k != "imagePath"}
    return {"file_name": row.get("imagePath"), **rest, **sized}


def last_run(store: Store) -> str | None:
    """The latest crawl run the store's change logs name (``20261201T224819Z``), if any."""
    names = list(store.inventory.paths(CHANGES_DIR, ordered=True) or ())
    stems = sorted(name.rsplit("/", 1)[-1].removesuffix(".jsonl") for name in names)
    return stems[-1] if stems else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _field(name: str, value: Any, source: dict[str, Any], rs: str) -> dict[str, Any] | None:
    kind = DECLARED.get(name) or DATA_TYPES.get(type(value), "sc:Text" if value is None else "")
    if not kind:  # a list or a struct: named in the description, not a field of the set
        return None
    return {
        "@type": "cr:Field",
        "@id": f"{rs}/{name}",
        "name": name,
        "dataType": kind,
        "source": {**source, "extract": {"column": name}},
    }


def croissant(
    layout: Layout,
    hashes: dict[str, str],
    first_row: dict[str, Any],
    tally: Tally,
    source: dict[str, str],
    *,
    fmt: str,
    run: str | None,
    filtered: bool,
) -> dict[str, Any]:
    """The Croissant JSON-LD of an export (see the module's docstring)."""
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    distribution: list[dict[str, Any]] = [
        {
            "@type": "cr:FileObject",
            "@id": name,
            "name": name,
            "contentUrl": name,
            "encodingFormat": ENCODING[name.rsplit(".", 1)[-1]],
            "sha256": hashes[name],
        }
        for name in layout.files
    ]
    record_source: dict[str, Any] | None = None
    if isinstance(layout.records, str) and layout.records in layout.files:
        record_source = {"fileObject": {"@id": layout.records}}
    elif layout.records is not None:
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": "shards",
                "name": "shards",
                "encodingFormat": ENCODING[layout.encoding],
                "includes": layout.records,
            }
        )
        record_source = {"fileSet": {"@id": "shards"}}
    rs = "rows"
    fields = []
    nested = []
    if record_source is not None:
        for name, value in first_row.items():
            field = _field(name, value, record_source, rs)
            if field is None:
                nested.append(name)
            else:
                fields.append(field)
    if layout.image_column and record_source is not None:
        fields.insert(
            0,
            {
                "@type": "cr:Field",
                "@id": f"{rs}/{layout.image_column}",
                "name": layout.image_column,
                "dataType": "sc:ImageObject",
                "source": {
                    **record_source,
                    "extract": {"column": layout.image_column},
                    "transform": {"jsonPath": "bytes"},
                },
            },
        )
    limits = []
    if source.get("filters"):
        limits.append(f"only the records kept by{source['filters']}")
    if source.get("partial_choices"):
        limits.append(f"the crawl's choices: {source['partial_choices']}")
    if filtered:
        limits.append("only the records a crawl changed since a given run")
    limited = f" A partial export: {'; '.join(limits)}; not the whole mirror." if limits else ""
    resized = f", {source['resize']}" if source.get("resize") else ""
    description = (
        f"Records and images of the Musée du Louvre's online collection ({SITE}), exported"
        f" from a local mirror made with louvre_scraper as {fmt}: {tally.kept} records,"
        f" {tally.images} images{resized}.{limited} Rights: an estimate per work from its record"
        " (public-domain, in-copyright, unknown), not legal advice."
        + (f" Nested columns not in the record set: {', '.join(nested)}." if nested else "")
    )
    usage = [
        {
            "@type": "CreativeWork",
            "name": f"{value}: {tally.per_rights[value]} records,"
            f" {tally.images_per_rights[value]} images",
            "description": USAGE[value],
            "url": TERMS_URL,
        }
        for value in VALUES
    ]
    metadata: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": NAME,
        "description": description,
        "conformsTo": CONFORMS_TO,
        "license": TERMS_URL,
        "url": SITE,
        "creator": {"@type": "Organization", "name": "Musée du Louvre", "url": SITE},
        "datePublished": today,
        "citeAs": "Musée du Louvre, collections.louvre.fr: cite each work by its record's url"
        " and each image with its imageCopyright line",
        "isLiveDataset": True,  # the museum keeps changing its records; a rerun follows them
        "usageInfo": usage,
        "version": "1.0.0",
        "isBasedOn": {
            "@type": "CreativeWork",
            "name": f"louvre_scraper mirror {source.get('store', '')}"
            + (f", crawl run {run}" if run else ""),
            "url": source.get("site") or SITE,
        },
        "distribution": distribution,
    }
    if fields:
        metadata["recordSet"] = [{"@type": "cr:RecordSet", "@id": rs, "name": rs, "field": fields}]
    if layout.members is not None:
        sets, record_sets = tar_members(layout, first_row)
        distribution += sets
        metadata["recordSet"] = record_sets
    return metadata


def _member_field(record_set: str, name: str, source: dict[str, Any], **what: Any) -> dict:
    return {
        "@type": "cr:Field",
        "@id": f"{record_set}/{name}",
        "name": name,
        **what,
        "source": source,
    }


def tar_members(
    layout: Layout, first_row: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A WebDataset export's samples as Croissant sees them: a FileSet per kind of member of
    its tars (each sample's ``{key}.json``, and its ``.jpg`` or ``.png`` image) and a record
    set of each, ``json`` (the key, and the JSON's text: its fields and their types are in the
    record set's description) and ``jpg``/``png`` (the key, and the image)."""
    shards = [{"@id": name} for name in layout.files]
    kinds = {"json": "sc:Text", **{ext: "sc:ImageObject" for ext in layout.members or []}}
    described = ", ".join(
        f"{name} ({DECLARED.get(name) or DATA_TYPES.get(type(value), 'nested')})"
        for name, value in {"key": "", **first_row}.items()
    )
    sets, record_sets = [], []
    for ext, kind in kinds.items():
        name = f"{ext}-members"
        sets.append(
            {
                "@type": "cr:FileSet",
                "@id": name,
                "name": name,
                "containedIn": shards,
                "encodingFormat": ENCODING.get(ext, "application/octet-stream"),
                "includes": f"*.{ext}",
            }
        )
        source = {"fileSet": {"@id": name}}
        key = {**source, "extract": {"fileProperty": "filename"}}
        key["transform"] = {"regex": r"^(.*)\.[^.]+$"}
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": ext,
                "name": ext,
                "description": f"The samples' JSON: {described}"
                if ext == "json"
                else f"The samples' {ext} images",
                "field": [
                    _member_field(ext, "key", key, dataType="sc:Text"),
                    _member_field(
                        ext,
                        "content",
                        {**source, "extract": {"fileProperty": "content"}},
                        dataType=kind,
                    ),
                ],
            }
        )
    return sets, record_sets


def write_croissant(target: Path, layout: Layout, **kwargs: Any) -> None:
    """Hash the export's files and write its Croissant JSON to *target*, atomically."""
    hashes = {name: sha256_of(layout.base / name) for name in layout.files}
    metadata = croissant(layout, hashes, **kwargs)
    body = json.dumps(metadata, ensure_ascii=False, indent=1) + "\n"
    write_atomically(target, body.encode())
