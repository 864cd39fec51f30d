"""The project's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` (exit statuses, each spider's
``--help``), ``list`` (the spiders' descriptions), ``export``, ``verify``, ``catalogue``."""
