"""The README against the project: the test command CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)


def test_the_readmes_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    (block,) = [b for b in code_blocks(README) if "pytest" in b and "requirements-dev" in b]
    assert block.strip() in ci
    # ... and it is the last thing CI runs.
    assert ci.rstrip().endswith(block.strip())
