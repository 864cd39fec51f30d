"""The project's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` with meaningful exit statuses."""
