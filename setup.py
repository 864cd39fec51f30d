"""Build shim for ``scrapyd-deploy``, which runs ``setup.py bdist_egg`` to pack the project.

Everything (name, packages, the ``scrapy`` entry point naming the settings module that Scrapyd
loads) is declared in pyproject.toml. Without this file scrapyd-deploy would write its own
setup.py here, one that packs every package it finds, tests included.
"""

from setuptools import setup

setup()
