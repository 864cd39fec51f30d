"""Refusing unknown spider arguments, with the closest known one."""

from __future__ import annotations

import pytest

from louvre_scraper.errors import BadInput, check_arguments

KNOWN = ("start", "end", "shard")


def test_known_and_scrapyd_arguments_pass() -> None:
    check_arguments({"start": "1", "end": "9"}, KNOWN)
    check_arguments({"_job": "abc", "_version": "r1", "shard": "0/2"}, KNOWN)


def test_a_typo_is_named_with_the_closest_known_argument() -> None:
    with pytest.raises(BadInput) as error:
        check_arguments({"strat": "5"}, KNOWN)
    assert str(error.value) == "unknown argument strat — did you mean start?"


def test_several_unknown_arguments_and_no_close_match() -> None:
    with pytest.raises(BadInput) as error:
        check_arguments({"ende": "5", "colour": "red"}, KNOWN)
    assert str(error.value) == (
        "unknown arguments colour; ende — did you mean end? (the spider takes start, end, shard)"
    )
