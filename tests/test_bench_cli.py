"""bench.cli: the flags and the plan they make."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.cli import csv_choice, csv_ints, make_plan, parse_args, variant_spec


def test_a_variant_is_a_name_and_its_settings() -> None:
    assert variant_spec("reactorless:TWISTED_REACTOR_ENABLED=False; LOG_LEVEL=WARNING") == (
        "reactorless",
        ["TWISTED_REACTOR_ENABLED=False", "LOG_LEVEL=WARNING"],
    )
    with pytest.raises(argparse.ArgumentTypeError):
        variant_spec("no colon")
    with pytest.raises(argparse.ArgumentTypeError):
        variant_spec("name:NOEQUALS")


def test_lists_of_choices_and_of_numbers() -> None:
    assert csv_choice(("a", "b"))("b, a") == ["b", "a"]
    with pytest.raises(argparse.ArgumentTypeError, match="unknown"):
        csv_choice(("a",))("c")
    assert csv_ints("10_000,1_000_000") == [10_000, 1_000_000]


def test_the_default_plan_runs_every_corpus_and_needs_every_tool() -> None:
    args = parse_args([])
    plan = make_plan(args)
    assert args.corpora == ["small", "large", "collection"]
    assert plan.throughput and not plan.memory and not plan.profile
    assert plan.corpora == {"small", "large", "collection"}
    assert {"nginx", "time", "parallel", "wget", "aria2c"} <= set(plan.tools_needed)
    assert plan.img2dataset


def test_a_plan_without_the_collection_needs_no_img2dataset() -> None:
    plan = make_plan(parse_args(["--corpora", "small", "--tools", "scrapy", "--memory"]))
    assert not plan.img2dataset
    assert plan.memory
    assert "parallel" not in plan.tools_needed
    plan = make_plan(parse_args(["--profile-only", "--profile-corpus", "collection"]))
    assert (plan.throughput, plan.profile, plan.corpora) == (False, True, {"collection"})


def test_variants_are_kept_by_name() -> None:
    args = parse_args(["--variant", "r:TWISTED_REACTOR_ENABLED=False", "--variant-shards"])
    assert args.variant == {"r": ["TWISTED_REACTOR_ENABLED=False"]}
    assert args.variant_shards


def test_another_project_directory_can_be_benchmarked(tmp_path: Path) -> None:
    assert parse_args(["--project", str(tmp_path)]).project == tmp_path
    assert parse_args([]).project is None
