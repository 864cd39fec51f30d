"""The dataset card (louvre_scraper/dataset/card.py): every column named and described."""

from __future__ import annotations

import json
import re

from louvre_scraper.dataset.card import FIELDS, dataset_card
from louvre_scraper.dataset.reader import IMAGE_COLUMNS, Tally
from louvre_scraper.records.fields import feed_row
from tests.test_records_fields import REAL_FILES


def exported_columns() -> list[str]:
    """The columns of an imagefolder export's rows: the record's fields, then its image's."""
    row = feed_row(json.loads(REAL_FILES[0].read_bytes()), path="records/x.json", status="stored")
    record = [name for name in row if name not in ("images", "status")]
    return ["file_name", *record, *IMAGE_COLUMNS.values()]


def test_the_card_names_and_describes_every_column() -> None:
    columns = exported_columns()
    card = dataset_card(Tally(), columns, {"store": "demo-mirror", "site": "x"}, linked=True)

    listed = re.findall(r"^- `([^`]+)`: (.+)$", card, re.M)
    assert [name for name, _ in listed] == columns
    assert all(text.strip() and "``" not in text for _, text in listed)
    assert sorted(set(columns) - set(FIELDS)) == []  # none left with its name alone
    assert "``" not in card  # no empty code span anywhere


def test_a_column_the_card_does_not_know_is_still_named() -> None:
    card = dataset_card(Tally(), ["arkId", "somethingNew"], {}, linked=False)
    assert re.search(r"^- `somethingNew`$", card, re.M)
