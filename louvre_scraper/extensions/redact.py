"""Keep secrets out of the log.

Scrapy logs every setting that differs from its defaults ("Overridden settings"), so
``-s AWS_SECRET_ACCESS_KEY=...`` would be printed in the log (and in Scrapyd's job logs).
Scrapy has no option to mask settings, hence this filter, installed as an extension: extensions
are built before that line is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

SECRET_SETTINGS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "FTP_PASSWORD")
MASK = "***"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls([str(crawler.settings.get(name) or "") for name in SECRET_SETTINGS])
        for handler in logging.getLogger().handlers:
            handler.addFilter(extension)
        return extension

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                for secret in self.secrets:
                    message = message.replace(secret, MASK)
                record.msg, record.args = message, None
        return True
