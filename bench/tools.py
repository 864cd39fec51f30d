"""The external tools: find them, install what is missing with apt-get, tell their versions."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

from bench import ROOT, BenchError, log

ONELINER = "parallel+wget"
IMG2DATASET = "img2dataset"
# The peers again, each followed by ``sync -f`` of its output: the wall time until their files
# are on the disk, as the project's own are when it ends (it fsyncs every file; wget and
# aria2c leave theirs to the kernel's writeback, up to 30 s after they exit).
ONELINER_SYNCED = "parallel+wget+sync"
ARIA2C_SYNCED = "aria2c+sync"
SYNCED_PEERS = {ONELINER_SYNCED: ONELINER, ARIA2C_SYNCED: "aria2c"}
TOOLS = (ONELINER, "aria2c", "scrapy", "scrapy-shards", *SYNCED_PEERS)  # on the zip corpora
COLLECTION_TOOLS = (IMG2DATASET, "aria2c", "scrapy", "scrapy-shards")  # on the collection
# img2dataset comes from PyPI, in a venv of its own (its dependencies are not the project's)
IMG2DATASET_VENV = ROOT / ".venv-img2dataset"
# executable -> Debian package that provides it
APT_PACKAGES = {
    "nginx": "nginx-light",
    "parallel": "parallel",
    "aria2c": "aria2",
    "wget": "wget",
    "time": "time",
}
TOOL_NEEDS = {ONELINER: ("parallel", "wget"), "aria2c": ("aria2c",)}
TOOL_NEEDS.update({synced: TOOL_NEEDS[peer] for synced, peer in SYNCED_PEERS.items()})


def find_exe(name: str) -> str | None:
    if name == "time":  # the shell keyword is no use: we need GNU time's -f/-o
        return "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin"
    return shutil.which(name, path=path)


def apt_install(packages: Sequence[str]) -> None:
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise BenchError(
                f"missing {' '.join(packages)} and not root: "
                f"run `sudo apt-get install {' '.join(packages)}`"
            )
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        [*prefix, "apt-get", "update", "-qq"],
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    )
    for command in steps:
        log("$ " + " ".join(command))
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BenchError(f"`{' '.join(command)}` failed: {error}") from error
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise BenchError(f"`{' '.join(command)}` exited {done.returncode}: " + " | ".join(tail))


def ensure_tools(names: Sequence[str], install: bool) -> dict[str, str]:
    missing = [name for name in names if find_exe(name) is None]
    if missing and install:
        apt_install(sorted({APT_PACKAGES[name] for name in missing}))
    found = {name: find_exe(name) for name in names}
    still = [name for name, path in found.items() if path is None]
    if still:
        packages = " ".join(sorted({APT_PACKAGES[name] for name in still}))
        how = "" if install else " (--no-install given)"
        raise BenchError(f"missing {', '.join(still)}{how}: apt-get install {packages}")
    exes = {name: path for name, path in found.items() if path is not None}
    if "parallel" in exes:
        version = tool_version([exes["parallel"], "--version"])
        if "GNU parallel" not in version:
            raise BenchError(
                f"{exes['parallel']} is not GNU parallel (moreutils?): apt-get install parallel"
            )
    return exes


def tool_version(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"? ({error})"
    text = (done.stdout + done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def find_img2dataset(given: str | None) -> str:
    """``--img2dataset PATH``, else ``.venv-img2dataset/bin/img2dataset``, else on PATH."""
    candidates = [given] if given else [str(IMG2DATASET_VENV / "bin" / IMG2DATASET)]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = None if given else shutil.which(IMG2DATASET)
    if found:
        return found
    raise BenchError(
        f"{given or IMG2DATASET} not found: python3 -m venv {IMG2DATASET_VENV.name} && "
        f"{IMG2DATASET_VENV.name}/bin/pip install img2dataset (or --img2dataset PATH,"
        " or leave it out of --collection-tools)"
    )
