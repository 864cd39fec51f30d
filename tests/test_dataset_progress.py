"""The export's progress bar: its line (counts, rate, ETA), drawn on a terminal only."""

from __future__ import annotations

import io

from louvre_scraper.dataset.progress import WIDTH, ProgressBar, bar_line


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_has_the_share_rate_and_eta() -> None:
    line = bar_line(250, 1000, 5.0, "records")

    assert line.startswith("[" + "#" * (WIDTH // 4) + "." * (WIDTH - WIDTH // 4) + "]")
    assert "250/1000 records  25%" in line and "50 records/s" in line and "ETA 0:00:15" in line
    assert bar_line(10, 0, 2.0, "records") == "10 records | 5 records/s"
    assert "ETA unknown" in bar_line(0, 10, 0.0, "records")


def test_drawn_in_place_on_a_terminal_and_nowhere_else() -> None:
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(3, "records", stream)
        for done in (1, 2, 3):
            bar.update(done)
        bar.finish()

    assert log.getvalue() == ""
    drawn = terminal.getvalue()
    assert drawn.startswith("\r[") and drawn.endswith("\n")
    assert "3/3 records 100%" in drawn.rsplit("\r", 1)[-1]
