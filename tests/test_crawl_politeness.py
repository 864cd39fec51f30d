"""The polite defaults end to end: AutoThrottle (on by default) sends fewer requests at once
as the museum's answers slow down. The harness turns it off for the other tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakesite.harness import crawl

if TYPE_CHECKING:
    from pathlib import Path

SERVER = ("--records", "60", "--per-sitemap", "30", "--retry-after", "0")


def test_the_defaults_back_off_when_the_museum_slows_down(tmp_path: Path, fake_louvre) -> None:
    """Answers that take 0.3 s: at the defaults (AutoThrottle aiming at 8 in flight) the
    museum sees far fewer requests at once than the 32 of CONCURRENT_REQUESTS it sees with
    AutoThrottle off; both mirrors complete."""
    seen = {}
    for autothrottle in ("True", "False"):
        server = fake_louvre(*SERVER, "--latency", "0.3")
        run = crawl(
            tmp_path / autothrottle,
            settings={
                "LOUVRE_BASE_URL": server.url,
                "LOGSTATS_INTERVAL": "0",
                "AUTOTHROTTLE_ENABLED": autothrottle,  # True: the project's default
            },
            spider="collection",
        )
        assert run.returncode == 0, run.stderr
        seen[autothrottle] = server.log()["max_in_flight"]
    assert seen["True"] <= 16 < seen["False"], seen
