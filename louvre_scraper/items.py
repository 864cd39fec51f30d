"""The items a crawl yields: a row per zip, a record per artwork (bodies never reach a feed)."""

from __future__ import annotations

import scrapy


class ArtworkZip(scrapy.Item):
    id = scrapy.Field()  # the artwork entry's internal number, as in the download URL
    url = scrapy.Field()  # the URL it was (or would be) downloaded from
    path = scrapy.Field()  # where it is in FILES_STORE, e.g. "121146.zip"
    checksum = scrapy.Field()  # MD5 of the zip, as FilesPipeline computes it
    size = scrapy.Field()  # bytes
    status = scrapy.Field()  # a Status: DOWNLOADED, or UPTODATE when it was already in the store
    # The zip itself, from the spider to the pipeline only: the pipeline removes it.
    body = scrapy.Field()


class ArtworkRecord(scrapy.Item):
    """One record of the documented route: a feed row (``records.feed_row``) and its images."""

    arkId = scrapy.Field()  # the museum's property names where it has one
    url = scrapy.Field()  # the record's permalink
    modified = scrapy.Field()  # YYYY-MM-DD, the record's own date (its key is "modified ")
    title = scrapy.Field()
    # Current attributions only, schools included: [{name, role, qualifier, wikidata}]
    creators = scrapy.Field()
    displayDateCreated = scrapy.Field()  # the museum's own sentence, verbatim
    startYear = scrapy.Field()  # lowest dateCreated startYear (negative: BC), or None
    endYear = scrapy.Field()  # highest dateCreated endYear, None when one is unknown
    collection = scrapy.Field()  # the museum department
    objectType = scrapy.Field()  # often empty: see denomination
    denomination = scrapy.Field()  # denominationTitle "Dénomination": "flacon"
    inventoryNumber = scrapy.Field()  # objectNumber "Numéro principal"
    dimensions = scrapy.Field()  # labelled: "Hauteur : 4,3 cm ; Diamètre : 2,7 cm"
    materials = scrapy.Field()  # materialsAndTechniques, on one line
    currentLocation = scrapy.Field()  # "non exposé", a gallery and showcase, or a loan
    room = scrapy.Field()  # "Salle 637, Aile Sully, Niveau 1" or ""
    onDisplay = scrapy.Field()  # currentLocation is not "non exposé"; None when not given
    # The rights estimate of the work (records/rights.py), never legal advice:
    rights = scrapy.Field()  # "public-domain", "in-copyright" or "unknown"
    rightsReason = scrapy.Field()  # in plain words: "Pignoni, Simone died 1698"
    # One dict per image: url, path (None unless the file is in the store), size, checksum,
    # copyright, position, type, status (and, spider to pipeline only, its body).
    images = scrapy.Field()
    path = scrapy.Field()  # where the record's .json is in FILES_STORE
    status = scrapy.Field()  # a Status: DOWNLOADED, or UPTODATE when the stored record was current
    # The record's .json as served, from the spider to the pipeline only: the pipeline removes it.
    body = scrapy.Field()
    # The planner's StorePlan (contract.py) for the store's state, from the planner to the
    # mirror only: the pipeline removes it.
    plan = scrapy.Field()
