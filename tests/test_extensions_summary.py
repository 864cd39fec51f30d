"""The closing summary (extensions/summary.py) and the failed list beside the store."""

from __future__ import annotations

from pathlib import Path

from louvre_scraper.config import LouvreConfig
from louvre_scraper.contract import CollectionReport, Shard, ZipReport
from louvre_scraper.extensions.progress import Counts
from louvre_scraper.extensions.summary import summary_lines
from louvre_scraper.store.failed import failed_ids_path


def test_summary_names_failures_and_where_they_are() -> None:
    report = ZipReport(1, None, Shard(0, 1), highest_zip=3800, bound=2546)
    lines = summary_lines(
        Counts(ids=5800, stored=1481, missing=4300, failed=12, skipped=7, bytes=3_200_000),
        elapsed=65,
        reason="finished",
        report=report,
        failed=list(range(1, 13)),
        failed_file=Path("/data/zips.failed-ids.txt"),
        store="/data/zips",
    )
    assert lines[0] == "Louvre crawl finished after 0:01:05"
    assert "upper bound 2546 found by probing" in lines[1]
    assert "1481 zips stored (3.2 MB), 7 already there, 4300 missing, 12 failed" in lines[2]
    assert lines[-1] == (
        "  failed:  1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more;"
        " all of them in /data/zips.failed-ids.txt (the next run tries them again)"
    )


def test_failed_ids_file_sits_beside_a_local_store(tmp_path: Path) -> None:
    config = LouvreConfig(files_store=str(tmp_path / "zips"))
    assert failed_ids_path(config, Shard()) == tmp_path / "zips.failed-ids.txt"
    assert failed_ids_path(config, Shard(1, 3)) == tmp_path / "zips.failed-ids.shard-1-of-3.txt"
    assert failed_ids_path(LouvreConfig(files_store="s3://b/p/"), Shard()) is None
    explicit = LouvreConfig(files_store="s3://b/p/", failed_ids_file="/tmp/f.txt")
    assert failed_ids_path(explicit, Shard()) == Path("/tmp/f.txt")


def test_summary_of_a_stop_says_why_and_how_to_go_on() -> None:
    report = ZipReport(1, None, Shard(0, 1), highest_zip=0, bound=None)
    lines = summary_lines(
        Counts(ids=40, stored=10, failed=3, bytes=1000),
        elapsed=5,
        reason="store_full",
        report=report,
        failed=[4, 5, 6],
        failed_file=Path("/data/zips.failed-ids.txt"),
        failed_file_error="No space left on device",
        store="/data/zips",
        resumable=True,
    )
    assert lines[0] == "Louvre crawl stopped: the store takes no more files after 0:00:05"
    assert "upper bound not found (stopped while probing)" in lines[1]
    assert lines[2].endswith("3 failed, 27 unfinished")
    assert lines[-2] == (
        "  failed:  4, 5, 6; could not list them all in /data/zips.failed-ids.txt:"
        " No space left on device (the next run tries them again)"
    )
    assert (
        lines[-1] == "  next:    run the same command again (same JOBDIR) to go on where it stopped"
    )


def test_a_relative_failed_ids_file_is_shown_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = LouvreConfig(files_store="zips", failed_ids_file="failed.txt")
    assert failed_ids_path(config, Shard()) == tmp_path / "failed.txt"


def test_the_collection_summary_counts_records_images_and_changes() -> None:
    report = CollectionReport(listed=40, shard=Shard(1, 2), walk_complete=True)
    stats = {
        "collection/sitemaps": 6,
        "collection/images_stored": 51,
        "collection/images_uptodate": 3,
        "collection/images_missing": 2,
        "collection/image_bytes": 2_000_000,
        "collection/records_withdrawn": 2,
        "collection/obsolete": 5,
    }
    lines = summary_lines(
        Counts(ids=40, stored=30, skipped=7, missing=2, failed=1, bytes=2_500_000),
        elapsed=10,
        reason="finished",
        report=report,
        failed=["https://x/ark:/53355/cl010000001.json"],
        failed_file=Path("/data/m.failed.shard-1-of-2.txt"),
        store="/data/m",
        stats=stats,
        obsolete_file=Path("/data/m.obsolete.shard-1-of-2.txt"),
    )
    assert lines == [
        "Louvre collection mirror finished after 0:00:10",
        "  records: 40 listed in 6 sitemaps (shard 1/2): 30 fetched, 7 already current,"
        " 2 missing, 1 failed",
        "  images:  51 stored, 3 already there, 2 gone from the site, 0 failed",
        # Bytes by kind on their own line (issue 34): not the records' MB on the images' line.
        "  bytes:   0.5 MB of records, 2.0 MB of images (2.5 MB in all)",
        "  changes: 2 records withdrawn; 5 stored files the collection no longer lists,"
        " named in /data/m.obsolete.shard-1-of-2.txt (kept; -s LOUVRE_PRUNE=True removes them)",
        "  rate:    4.0 records/s, 0.25 MB/s",
        "  mirror:  /data/m",
        "  failed:  https://x/ark:/53355/cl010000001.json; all of them in"
        " /data/m.failed.shard-1-of-2.txt (the next run tries them again)",
    ]


def test_a_resumed_job_counts_this_run_s_rate_and_says_when_it_was_complete() -> None:
    report = CollectionReport(listed=40, shard=Shard(), walk_complete=True, earlier=40)
    lines = summary_lines(
        Counts(ids=40, stored=30, skipped=10),
        elapsed=10,
        reason="finished",
        report=report,
        failed=[],
        failed_file=None,
        store="/data/m",
        stats={"collection/sitemaps": 5},
    )
    assert (
        "  job:     already complete: its earlier runs settled all 40 listed records (JOBDIR);"
        " this run had nothing to do"
    ) in lines
    assert "  rate:    0.0 records/s, 0.00 MB/s" in lines  # not 40 records over this run's 10 s
    resumed = CollectionReport(
        listed=40, shard=Shard(), walk_complete=True, earlier=20, earlier_bytes=3_000_000
    )
    lines = summary_lines(
        Counts(ids=40, stored=30, skipped=10, bytes=5_000_000),
        elapsed=10,
        reason="finished",
        report=resumed,
        failed=[],
        failed_file=None,
        store="/data/m",
        stats={},
    )
    assert "  rate:    2.0 records/s, 0.20 MB/s" in lines  # this run's 2 MB, not the job's 5
    assert "(5.0 MB in all)" in next(line for line in lines if line.startswith("  bytes:"))
    assert not [line for line in lines if line.startswith("  job:")]


def test_a_walk_stopped_says_the_records_listed_so_far_and_whose() -> None:
    def records_line(report: CollectionReport) -> str:
        lines = summary_lines(
            Counts(ids=3, stored=2, skipped=1),
            elapsed=10,
            reason="shutdown",
            report=report,
            failed=[],
            failed_file=None,
            store="/data/m",
            stats={"collection/sitemaps": 97},
        )
        return next(line for line in lines if line.startswith("  records:"))

    run = CollectionReport(listed=None, shard=Shard(), walk_complete=False, listed_so_far=660)
    assert records_line(run) == (
        "  records: 660 listed so far (the walk did not end) in 97 sitemaps: 2 fetched,"
        " 1 already current, 0 missing, 0 failed, 657 unfinished"
    )
    job = CollectionReport(
        listed=None, shard=Shard(), walk_complete=False, listed_so_far=2000, job_listing=True
    )
    assert records_line(job).startswith(
        "  records: 2000 listed by the job so far (its saved walk, JOBDIR) in 97 sitemaps:"
    )


def test_changed_says_the_run_s_and_after_a_resume_the_job_s() -> None:
    lines = summary_lines(
        Counts(ids=40, stored=40),
        elapsed=10,
        reason="finished",
        report=CollectionReport(listed=40, shard=Shard(), walk_complete=True, earlier=20),
        failed=[],
        failed_file=None,
        store="/data/m",
        stats={
            "collection/changes_file": "changes/20261201T000000Z.jsonl",
            "collection/changes": "records 20 added",
            "collection/job_changes": "records 40 added (the job's 2 runs, JOBDIR)",
        },
    )
    changed = [line for line in lines if line.startswith("  changed:")]
    assert changed == [
        "  changed: records 20 added, listed in changes/20261201T000000Z.jsonl (this run)",
        "  changed: records 40 added (the job's 2 runs, JOBDIR)",
    ]
