"""What a mirror run leaves behind: images a record no longer lists, records withdrawn.

A withdrawn record's files are its ``.json``, its images and its state (``state/{ark}.json``,
:mod:`.state`): all three are listed and pruned alike, so the store's state holds only what the
store holds.

Nothing is deleted silently. Files that the current collection no longer lists are counted,
and listed in ``<store>.obsolete.txt`` beside a local store (kept across runs: an entry stays
while its file exists); ``-s LOUVRE_PRUNE=True`` deletes them, and only after a run that read
every sitemap, since a record missing from a sitemap that could not be read is not withdrawn,
and only up to ``LOUVRE_PRUNE_MAX`` files (as rsync's ``--max-delete``): above it, nothing is
pruned and the run says so.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.utils.asyncio import run_in_thread

from louvre_scraper.store.atomic import write_atomically
from louvre_scraper.store.layout import STATE_TEMPLATE, beside_store, template_regex
from louvre_scraper.utils.heartbeat import beating

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from louvre_scraper.config import LouvreConfig
    from louvre_scraper.contract import Shard
    from louvre_scraper.store.inventory import Inventory
    from louvre_scraper.utils.heartbeat import Beat

logger = logging.getLogger(__name__)


def withdrawn_paths(
    paths: Iterable[str], templates: list[str], withdrawn: Callable[[str], bool]
) -> list[str]:
    """Stored files (of *templates*: records, images, states) whose ark is *withdrawn* (e.g. of
    this shard, and listed by no sitemap any more:
    :meth:`~louvre_scraper.collection.arks.ArkListing.withdrawn`)."""
    patterns = [template_regex(t) for t in templates]
    out = []
    for path in paths:
        for pattern in patterns:
            match = pattern.match(path)
            if match is None:
                continue
            if withdrawn(match["ark"]):
                out.append(path)
            break
    return out


def obsolete_list_path(config: LouvreConfig, shard: Shard) -> Path | None:
    """``LOUVRE_OBSOLETE_FILE``, or beside a local store (one per shard), none for a remote one."""
    if config.obsolete_file:
        return Path(config.obsolete_file).absolute()
    return beside_store(config, "obsolete", shard)


class Obsolete:
    """This run's findings, merged at the end with what earlier runs listed."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}  # path -> why ("superseded", "withdrawn")
        self.pruned = 0
        self.deleted: list[str] = []  # what the prune deleted (the manifest drops them)
        self.prune_refused = 0  # files a prune would have deleted, over LOUVRE_PRUNE_MAX
        self.store_files = 0  # files of the store seen while looking for withdrawn records

    def superseded(self, path: str) -> None:
        """An image the record listed before and no longer does."""
        self.found[path] = "superseded"

    def replaced(self, path: str) -> None:
        """An image whose URL changed at the same path: the new one replaces it (one DEBUG
        line each: an edition change replaces hundreds; the summary counts them)."""
        logger.debug("%s: the record now lists another image here; replacing it", path)

    async def find_withdrawn(
        self,
        inventory: Inventory,
        config: LouvreConfig,
        withdrawn: Callable[[str], bool],
        beat: Beat | None = None,
    ) -> int:
        """Note the stored files of *withdrawn* arks; the records' count. The walk of every
        file runs in a thread; *beat* is told as it goes (:mod:`~louvre_scraper.utils.heartbeat`:
        a walk of a million files moves no other counter)."""
        paths = inventory.paths()
        if paths is None:
            logger.info("This store cannot be listed: withdrawn records are not looked for")
            return 0
        # A withdrawn record's state goes with its record and images (listed, pruned alike).
        templates = [config.record_template, config.image_template, STATE_TEMPLATE]
        # A walk of a large local store takes a while: off the event loop.
        walked = beating(self._counted(paths), beat)
        found = await run_in_thread(withdrawn_paths, walked, templates, withdrawn)
        for path in found:
            self.found[path] = "withdrawn"
        return sum(1 for p in found if template_regex(config.record_template).match(p))

    def _counted(self, paths: Iterable[str]) -> Iterator[str]:
        for path in paths:
            self.store_files += 1
            yield path

    def settle(
        self, inventory: Inventory, config: LouvreConfig, shard: Shard, prune: bool
    ) -> list[str]:
        """Merge with the earlier list, prune if asked, rewrite the list; what is listed."""
        list_file = obsolete_list_path(config, shard)
        entries = dict(self.found)
        if list_file is not None and list_file.exists():
            for line in list_file.read_text(encoding="utf-8").splitlines():
                why, _, path = line.partition("\t")
                if path and path not in entries and inventory.exists(path):
                    entries[path] = why
        limit = config.prune_limit(self.store_files)
        if prune and len(entries) > limit:
            self.prune_refused = len(entries)
            logger.warning(
                "Not pruning: %d files to delete is over LOUVRE_PRUNE_MAX (%d of the %d files"
                " in the store); they stay listed%s",
                len(entries),
                limit,
                self.store_files,
                f" in {list_file}" if list_file else "",
            )
        elif prune:
            for path in sorted(entries):
                inventory.delete(path)
                self.deleted.append(path)
                logger.info("Pruned %s (%s)", path, entries[path])
            self.pruned = len(entries)
            entries = {}
        if list_file is not None:
            if entries:
                text = "".join(f"{why}\t{path}\n" for path, why in sorted(entries.items()))
                write_atomically(list_file, text.encode())
            else:
                list_file.unlink(missing_ok=True)
        return sorted(entries)
