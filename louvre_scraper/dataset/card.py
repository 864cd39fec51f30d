"""The dataset card (``README.md``) of an ``imagefolder`` or ``webdataset`` export: what it
holds, from where, when, the rights estimate of its works, and what the museum's terms of use
allow, in plain words. A pure function of the export's tally.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from louvre_scraper.records.rights import MAX_LIFESPAN, VALUES

if TYPE_CHECKING:
    from louvre_scraper.dataset.reader import Tally

TERMS_URL = "https://collections.louvre.fr/en/page/cgu"
# What each column holds; a column not described here is listed by name only.
FIELDS = {
    "file_name": "the image, relative to this folder (the `image` column once loaded)",
    "image": "the image: its bytes as stored and its path in the mirror (a PIL image once"
    " loaded with `datasets`)",
    "key": "the sample's key, the same for the same image in every export (`cl010001416_0`)",
    "imagePath": "the image's file in the mirror",
    "arkId": "the record's identifier (ark:/53355/…)",
    "url": "the record's permalink on collections.louvre.fr: cite it with the image",
    "modified": "the record's own date of last change (YYYY-MM-DD)",
    "title": "the work's title, in French",
    "creators": "the current attributions: name, role, qualifier (`Attribué à`, `École de`),"
    " Wikidata id",
    "displayDateCreated": "the museum's own sentence about the date",
    "startYear": "lowest year of creation (negative: BC)",
    "endYear": "highest year of creation (null: unknown)",
    "collection": "the museum department",
    "objectType": "the kind of object (often empty in the museum's records)",
    "denomination": "what the object is (`flacon`, `peinture`)",
    "inventoryNumber": "the museum's inventory number (Numéro principal)",
    "dimensions": "the dimensions, labelled (`Hauteur : 4,3 cm ; Diamètre : 2,7 cm`)",
    "materials": "materials and techniques",
    "currentLocation": "where the work is (`non exposé`, a gallery, a loan)",
    "room": "its room",
    "onDisplay": "whether it is on display (null: the record does not say)",
    "rights": "the rights estimate of the work (`public-domain`, `in-copyright`, `unknown`):"
    " an estimate from the record, not legal advice (see below)",
    "rightsReason": "why, in plain words (`Pignoni, Simone died 1698`)",
    "path": "the record's .json in the mirror",
    "imageUrl": "where the museum serves the image",
    "imageSize": "the image file's size in bytes",
    "imageChecksum": "the MD5 of the image file, as the crawl's feed gives it",
    "imageCopyright": "the image's credit line: it must travel with the image",
    "imagePosition": "the image's position among the record's images (0 first)",
    "imageType": "the kind of view (empty for the main one, `profil`, `détail`, …)",
}


def rights_section(tally: Tally, years: int) -> str:
    """How many works each rights value holds, how the estimate is made, and what it is not."""
    rows = "\n".join(
        f"| `{value}` | {tally.per_rights[value]} | {tally.images_per_rights[value]} |"
        for value in VALUES
    )
    return f"""## Rights estimate (`rights`, `rightsReason`): an estimate, not legal advice

| Estimate | Records | Images |
|---|---|---|
{rows}

How it is made, from each record alone: `public-domain` when every current creator died more
than {years} full years before the year of the export (`LOUVRE_RIGHTS_YEARS`), or, nobody being
named, the work was made that long ago; `in-copyright` when a current creator died within that
time or was born too recently to have died that long ago (or an anonymous work was made within
it); `unknown` when the record does not say enough. Years are read conservatively from the
museum's texts, always the latest they allow (`vers 1430/1435` → 1435, `XVIIe siècle` → 1700,
BC years negative); schools (`École de`) and former attributions are not creators; someone with
no date of death is taken to live at most {MAX_LIFESPAN} years after birth, or after the work's
latest year. `rightsReason` says, for each record, what the estimate rests on.

It is an estimate of the *work's* status, made by this tool and not by the museum: it is not
legal advice, the record may be incomplete or wrong, and the law differs between countries.
The photograph has rights of its own (`imageCopyright`); the museum's terms below apply to every
image whatever the estimate says, and the ADAGP's refusal of data mining and AI use covers the
works of its members even where this estimate reads `unknown`.
"""


def dataset_card(
    tally: Tally,
    fields: list[str],
    source: dict[str, str],
    *,
    linked: bool,
    rights_years: int = 70,
    fmt: str = "imagefolder",
    front_matter: str = "",
) -> str:
    """The card's Markdown. *source*: ``store``, ``site`` and ``filters`` of the export;
    *fmt*: ``imagefolder``, ``webdataset`` or ``parquet`` (Hub shards, images embedded);
    *front_matter*: more of the YAML header (the
    features, for instance)."""
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(
        f"| {name or '(none)'} | {count} | {tally.images_per_collection[name]} |"
        for name, count in sorted(tally.per_collection.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    columns = "\n".join(
        f"- `{name}`: {FIELDS[name]}" if name in FIELDS else f"- `{name}`" for name in fields
    )
    files = "hard links to the mirror's files" if linked else "copies of the mirror's files"
    layout = "one row per image in\n  `metadata.jsonl`"
    load = 'Load it with `datasets.load_dataset("imagefolder", data_dir="<this folder>")`.'
    if fmt == "webdataset":
        files = "the mirror's bytes, never re-encoded"
        layout = (
            "one sample per image in the tar\n  shards (`{key}.jpg` or the image's own"
            " extension, `{key}.json` with the fields below); `_stats.json` counts them"
        )
        load = (
            'Load it with `webdataset.WebDataset("<this folder>/{00000..NNNNN}.tar")` or'
            ' `datasets.load_dataset("webdataset", data_files="<this folder>/*.tar")`.'
        )
    if fmt == "parquet":
        files = "the mirror's bytes in the `image` column, never re-encoded"
        layout = "one row per image in the Parquet\n  shards under `data/`"
        load = (
            'Load it with `datasets.load_dataset("<this folder>")` or'
            ' `datasets.load_dataset("parquet", data_files="<this folder>/data/*.parquet")`:'
            " the `image` column decodes as PIL images."
        )
        fmt = "parquet --embed-images"
    if source.get("resize"):  # --image-size: re-encoded, whatever the format said above
        files = (
            f"the mirror's images {source['resize']};"
            " `imageWidth` and `imageHeight` give each one's size"
        )
    choices = (
        f"- **The crawl's choices**: {source['choices']} (remembered by the mirror;"
        " `scrapy export --all-records` takes every record in it).\n"
        if source.get("choices")
        else ""
    )
    left_out = (
        f"; {tally.left_out_images} were left out on purpose by the crawl"
        if tally.left_out_images
        else ""
    )
    return f"""---
pretty_name: Musée du Louvre collections (mirror export)
license: other
license_name: louvre-collections-terms
license_link: {TERMS_URL}
task_categories:
- image-classification
language:
- fr
{front_matter}---

# Musée du Louvre collections — an export of a local mirror

- **Source**: the museum's online collection, {source.get("site", "")}, mirrored with
  `louvre_scraper` (`scrapy crawl collection`) into `{source.get("store", "")}`.
- **Exported**: {today}, with `scrapy export --format {fmt}`{source.get("filters", "")}.
{choices}- **Holds**: {tally.kept} records, {tally.images} images ({files}); {layout}.
  {tally.missing_images} images listed by these records were not in the mirror{left_out}.

{load}

## Records and images per department

| Department | Records | Images |
|---|---|---|
{rows}

## Fields

{columns}

{rights_section(tally, rights_years)}
## Terms of use, in plain words

The museum's terms ({TERMS_URL}, last updated 2026-03-19) say:

- **The texts** (titles, dates, descriptions: every field but the images) are open data under
  the Licence Ouverte / Etalab: reuse them freely, crediting "Musée du Louvre,
  collections.louvre.fr".
- **The images** of works in the public domain may be used for museum, teaching or scientific
  purposes, each credited with its own `imageCopyright` line and its record's permalink (`url`).
  Any other use, commercial use included, needs a licence from GrandPalaisRmn.
- **Works of living or recently deceased artists** are still protected: their rights holders
  must agree to any use of their images.
- **ADAGP** (the French artists' rights society) forbids text-and-data mining and AI training on
  the works of its repertory: leave those works out before using this dataset for either.

This export changes none of that: it is a copy made for you, under the same terms.
"""
