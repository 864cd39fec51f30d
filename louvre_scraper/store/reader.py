"""The mirror's read side: a store opened for reading, as ``scrapy export``, ``verify`` and
``catalogue`` see it (:func:`open_mirror`, also :meth:`Mirror.read_only
<louvre_scraper.store.mirror.Mirror.read_only>`); it never writes but the manifest, through
its inventory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from louvre_scraper.config import LouvreConfig
from louvre_scraper.errors import BadInput
from louvre_scraper.store.changes import CHANGES_DIR, changed_since, run_start
from louvre_scraper.store.choices import (
    CHOICES_DIR,
    Choices,
    is_choices_file,
    merge,
    parse_choices,
)
from louvre_scraper.store.inventory import open_reader
from louvre_scraper.store.layout import template_regex
from louvre_scraper.store.local import LocalInventory
from louvre_scraper.store.s3 import S3Inventory

if TYPE_CHECKING:
    import datetime
    from collections.abc import Container, Iterator

    from scrapy.settings import BaseSettings

Reader = LocalInventory | S3Inventory


@dataclass(frozen=True)
class MirrorReader:
    """An opened store: its settings and the inventory that reads it."""

    config: LouvreConfig
    inventory: Reader

    @property
    def is_local(self) -> bool:
        return isinstance(self.inventory, LocalInventory)

    @property
    def name(self) -> str:
        """The store as a user names it (a local one by its absolute path)."""
        if isinstance(self.inventory, LocalInventory):
            return str(self.inventory.basedir.absolute())
        return self.config.files_store

    def record_paths(
        self, *, ordered: bool = True, only: Container[str] | None = None
    ) -> Iterator[tuple[str, str]]:
        """``(path, ark)`` of every stored record (of the arks *only*, if given), in the
        store's listing order (or in none: cheaper, to count them)."""
        pattern = template_regex(self.config.record_template)
        folder = _fixed_folder(self.config.record_template)
        paths = self.inventory.paths(folder, ordered=ordered) or ()
        for path in paths:
            match = pattern.match(path)
            if match and (only is None or match["ark"] in only):
                yield path, match["ark"]

    def changes_since(self, since: datetime.datetime) -> tuple[dict[str, str], int]:
        """From the store's change logs (``changes/*.jsonl``, :mod:`~louvre_scraper.store.changes`)
        of the runs started at *since* or later: ``{ark: its last change}``, and how many
        change logs the store holds in all."""
        files = {}
        names = list(self.inventory.paths(CHANGES_DIR, ordered=True) or ())
        for name in names:
            started = run_start(name.rsplit("/", 1)[-1])
            if started is not None and started >= since:
                body = self.inventory.read_bytes(name)
                if body is not None:
                    files[name] = body
        return changed_since(files, since), len(names)

    def choices(self) -> tuple[Choices | None, str | None]:
        """The crawl's choices the store remembers (:mod:`~louvre_scraper.store.choices`):
        the one its crawls agree on, or None and the line that says how they differ."""
        found = {}
        for path in self.inventory.paths(CHOICES_DIR, ordered=True) or ():
            body = self.inventory.read_bytes(path) if is_choices_file(path) else None
            choices = parse_choices(body) if body is not None else None
            if choices is not None:
                found[path] = choices
        return merge(found)


def open_mirror(settings: BaseSettings) -> MirrorReader:
    """FILES_STORE from *settings*, checked and opened for reading; BadInput when there is
    no store there or it holds no record."""
    config = LouvreConfig.from_settings(settings)
    if config.is_local_store and not config.local_store_dir.is_dir():
        raise BadInput(f"bad setting FILES_STORE={config.files_store!r}: no such directory")
    store = MirrorReader(config, open_reader(settings, config))
    if next(store.record_paths(ordered=False), None) is None:
        raise BadInput(
            f"bad setting FILES_STORE={config.files_store!r}: no record in it"
            f" ({config.record_template}) — crawl into it first"
        )
    return store


def _fixed_folder(template: str) -> str:
    """The folder every path of *template* lies in (``records`` for ``records/{ark}.json``)."""
    return template.split("{", 1)[0].rpartition("/")[0]
