"""The items a crawl yields: a row per zip, a record per artwork (bodies never reach a feed)."""

from __future__ import annotations

import scrapy


class ArtworkZip(scrapy.Item):
    id = scrapy.Field()  # the artwork entry's internal number, as in the download URL
    url = scrapy.Field()  # the URL it was (or would be) downloaded from
    path = scrapy.Field()  # where it is in FILES_STORE, e.g. "121146.zip"
    checksum = scrapy.Field()  # MD5 of the zip, as FilesPipeline computes it
    size = scrapy.Field()  # bytes
    status = scrapy.Field()  # "downloaded", or "uptodate" when it was already in the store
    # The zip itself, from the spider to the pipeline only: the pipeline removes it.
    body = scrapy.Field()


class ArtworkRecord(scrapy.Item):
    """One record of the documented route: what a feed lists of it, and its images."""

    arkId = scrapy.Field()  # the museum's property names, as in the record
    url = scrapy.Field()  # the record's permalink
    modified = scrapy.Field()  # YYYY-MM-DD, the record's own date
    title = scrapy.Field()
    creators = scrapy.Field()  # creator labels, in the record's order
    startYear = scrapy.Field()
    endYear = scrapy.Field()
    collection = scrapy.Field()  # the museum department
    objectType = scrapy.Field()
    inventoryNumber = scrapy.Field()  # objectNumber "Numéro principal"
    dimensions = scrapy.Field()  # displayDimension strings
    materials = scrapy.Field()  # materialsAndTechniques
    location = scrapy.Field()  # currentLocation, room
    # As FilesPipeline's ``files``: one dict per image with url, path, size, checksum, status,
    # plus the image's copyright and position (and, spider to pipeline only, its body).
    images = scrapy.Field()
    path = scrapy.Field()  # where the record's .json is in FILES_STORE
    status = scrapy.Field()  # "downloaded", or "uptodate" when the stored record was current
    # The record's .json as served, from the spider to the pipeline only: the pipeline removes it.
    body = scrapy.Field()
