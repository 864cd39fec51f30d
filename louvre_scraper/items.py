"""The item a crawl yields per zip: a manifest row (the body never reaches a feed)."""

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
