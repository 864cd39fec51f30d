"""End to end on Scrapyd: deploy with ``scrapyd-deploy``, schedule shards, watch, cancel.

Three real Scrapyd 1.6 daemons on free 127.0.0.1 ports stand for three machines, each with its
own eggs, logs, items and dbs directories. As in docs/guide.md's "Many machines" section, a copy
of the project gets one ``[deploy:nodeK]`` target per node in its scrapy.cfg, the egg is built
once (``scrapyd-deploy --build-egg``) and uploaded to each node (``scrapyd-deploy nodeK --egg``),
then shard K/N is scheduled on node K with ``schedule.json`` and watched with ``listjobs.json``
and the job log. The S3 credentials are in the daemons' environment, never in a request.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fakesite.harness import ROOT, Crawl, extra_settings, parse_stats
from fakesite.options import fake_collection
from fakesite.zips import Collection, zip_bytes
from tests.test_crawl_s3 import REGION, S3, SECRET, offline_aws_env, running_moto

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

PROJECT = "louvre_scraper"
VERSION = "r1"
EGG = "louvre_scraper.egg"
NODES = 3
# What docs/guide.md tells users to run on a job log to list the IDs that need another try.
FAILED_IDS_SED = r"s/.* ID ([0-9]+)(: could not store| failed after retries).*/\1/p"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll *condition* until it returns something truthy; fail after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.1)


@dataclass
class Scrapyd:
    """One running Scrapyd daemon and its directories."""

    url: str  # with a trailing slash, as in a scrapy.cfg [deploy] target
    home: Path
    process: subprocess.Popen[bytes]

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{endpoint}{query}", timeout=30) as answer:
            return json.load(answer)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{self.url}{endpoint}", data=data, timeout=60) as answer:
            reply = json.load(answer)
        assert reply["status"] == "ok", reply
        return reply

    def text(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as answer:
            return answer.read().decode()

    def schedule(
        self, jobid: str, settings: dict[str, str], spider: str = "louvre", **arguments: str
    ) -> None:
        """``curl .../schedule.json -d project=... -d spider=louvre -d setting=NAME=VALUE``."""
        fields = [("project", PROJECT), ("spider", spider), ("jobid", jobid)]
        every = {**extra_settings(), **settings}
        fields += [("setting", f"{name}={value}") for name, value in every.items()]
        fields += list(arguments.items())
        assert self.post("schedule.json", fields)["jobid"] == jobid

    def job(self, jobid: str) -> tuple[str, dict[str, Any]] | None:
        """("pending" | "running" | "finished", the job's listjobs.json entry), or None."""
        jobs = self.get("listjobs.json", project=PROJECT)
        for state in ("pending", "running", "finished"):
            for job in jobs[state]:
                if job["id"] == jobid:
                    return state, job
        return None

    def wait_finished(self, jobid: str, timeout: float = 120) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            found = self.job(jobid)
            return found[1] if found and found[0] == "finished" else None

        return wait_for(finished, timeout, f"job {jobid} to finish on {self.url}")

    def exit_status(self, jobid: str) -> int:
        """The job's exit status, as Scrapyd's own log reports it."""
        log = (self.home / "scrapyd.log").read_text()
        for line in log.splitlines():
            if f"job={jobid!r}" in line:
                if "Process finished:" in line:
                    return 0
                if died := re.search(r"Process died: exitstatus=(\d+)", line):
                    return int(died[1])
        pytest.fail(f"no end of job {jobid} in {self.home / 'scrapyd.log'}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home}/eggs
logs_dir = {home}/logs
items_dir = {home}/items
dbs_dir = {home}/dbs
jobs_to_keep = 20
poll_interval = 0.2
max_proc = 4
"""


def launch_scrapyd(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """Start Scrapyd on a port that was free a moment ago (it cannot bind port 0)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (home / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port, home=home))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrapyd",
            "--logfile",
            str(home / "scrapyd.log"),
            "--pidfile",
            str(home / "scrapyd.pid"),
        ],
        cwd=home,  # Scrapyd reads ./scrapyd.conf; jobs run here, away from the source tree
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}/"


def await_scrapyd(process: subprocess.Popen[bytes], url: str, timeout: float = 60) -> bool:
    """True once daemonstatus.json answers; False if the daemon died (e.g. port taken)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}daemonstatus.json", timeout=5) as answer,
        ):
            if json.load(answer)["status"] == "ok":
                return True
        time.sleep(0.1)
    process.kill()
    process.wait()
    pytest.fail(f"Scrapyd at {url} did not answer within {timeout:g}s")


def start_nodes(root: Path, count: int, env: dict[str, str]) -> list[Scrapyd]:
    """Start *count* Scrapyd daemons at once (retrying one whose port was taken meanwhile)."""
    launched = [launch_scrapyd(root / f"node{k}", env) for k in range(count)]
    try:
        for k in range(count):
            for _ in range(3):
                if await_scrapyd(*launched[k]):
                    break
                launched[k] = launch_scrapyd(root / f"node{k}", env)
            else:
                pytest.fail(f"Scrapyd node{k} would not start; see {root}/node{k}/scrapyd.log")
    except BaseException:
        for process, _ in launched:
            if process.poll() is None:
                process.kill()
                process.wait()
        raise
    return [Scrapyd(url, root / f"node{k}", process) for k, (process, url) in enumerate(launched)]


def copy_project(destination: Path, nodes: list[Scrapyd]) -> Path:
    """The files scrapyd-deploy packs, with one [deploy:nodeK] target per node."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "louvre_scraper", destination / "louvre_scraper", ignore=ignore)
    for name in ("setup.py", "pyproject.toml", "scrapy.cfg"):
        shutil.copy2(ROOT / name, destination / name)
    config = configparser.ConfigParser()
    config.read(destination / "scrapy.cfg")
    assert config["deploy"]["project"] == PROJECT  # the node targets inherit it
    for k, node in enumerate(nodes):
        config[f"deploy:node{k}"] = {"url": node.url}
    with (destination / "scrapy.cfg").open("w") as out:
        config.write(out)
    return destination


def scrapyd_deploy(project_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``scrapyd-deploy ARGS...`` run in the project, as a user runs it."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("scrapyd-deploy")), *args],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def deploy_everywhere(project_dir: Path, count: int) -> None:
    """Build the egg once, then upload that same egg to every node."""
    scrapyd_deploy(project_dir, "--build-egg", EGG)
    for k in range(count):
        result = scrapyd_deploy(project_dir, f"node{k}", "-v", VERSION, "--egg", EGG)
        assert json.loads(result.stdout)["status"] == "ok", result.stdout


def scrapyd_env(tmp: Path) -> dict[str, str]:
    """What a node's service manager would give Scrapyd: the S3 credentials, nothing else AWS."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    base.pop("PYTHONPATH", None)  # jobs must import louvre_scraper from the egg, not the tree
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": REGION,
    }
    return {**base, **offline_aws_env(tmp, **credentials)}


@dataclass
class Cluster:
    nodes: list[Scrapyd]
    s3: S3
    project_dir: Path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("scrapyd")
    with running_moto() as s3:
        nodes = start_nodes(root, NODES, scrapyd_env(root))
        try:
            project_dir = copy_project(root / "project", nodes)
            deploy_everywhere(project_dir, NODES)
            yield Cluster(nodes, s3, project_dir)
        finally:
            for node in nodes:
                node.stop()


def zips_of(ids: list[int]) -> dict[str, bytes]:
    return {f"{i}.zip": zip_bytes(i) for i in ids}


def assert_clean_log(log: str) -> dict[str, Any]:
    assert " ERROR: " not in log, log
    assert " CRITICAL: " not in log, log
    assert "Traceback" not in log, log
    return parse_stats(log)


def test_every_node_holds_the_egg_with_its_settings(cluster: Cluster) -> None:
    for node in cluster.nodes:
        assert node.get("listprojects.json")["projects"] == [PROJECT]
        assert node.get("listversions.json", project=PROJECT)["versions"] == [VERSION]
        # Listing spiders runs the egg: without its settings entry point there would be none.
        spiders = node.get("listspiders.json", project=PROJECT)["spiders"]
        assert spiders == ["collection", "louvre"]

        (egg,) = (node.home / "eggs" / PROJECT).glob("*.egg")
        with zipfile.ZipFile(egg) as archive:
            names = archive.namelist()
            entry_points = configparser.ConfigParser()
            entry_points.read_string(archive.read("EGG-INFO/entry_points.txt").decode())
        assert dict(entry_points["scrapy"]) == {"settings": "louvre_scraper.settings"}
        packages = {name.split("/")[0] for name in names if name.endswith(".py")}
        assert packages == {"louvre_scraper"}, "the egg holds the project, not its tests"
        assert "louvre_scraper/spiders/louvre.py" in names
        assert "louvre_scraper/commands/crawl.py" in names, "jobs exit with our statuses"


def test_shard_k_of_n_on_node_k_fills_one_bucket(cluster: Cluster, fake_louvre) -> None:
    server = fake_louvre("--max-id", "100")
    bucket = cluster.s3.new_bucket()
    end = 90
    jobs = [f"louvre-{k}-of-{NODES}" for k in range(NODES)]

    for k, node in enumerate(cluster.nodes):
        node.schedule(
            jobs[k],
            {
                "LOUVRE_BASE_URL": server.url,
                "FILES_STORE": f"s3://{bucket}/louvre/",
                "AWS_ENDPOINT_URL": cluster.s3.endpoint,
            },
            start="1",
            end=str(end),
            shard=f"{k}/{NODES}",
        )
    finished = [node.wait_finished(jobs[k]) for k, node in enumerate(cluster.nodes)]

    ids = Collection(max_id=100).ids(upto=end)
    assert cluster.s3.objects(bucket) == {f"louvre/{i}.zip": zip_bytes(i) for i in ids}
    asked = Counter(r["id"] for r in server.log()["requests"] if r["id"] is not None)
    assert sorted(asked) == list(range(1, end + 1))
    assert set(asked.values()) == {1}, "each ID was asked once, by one node"
    for k, (node, job) in enumerate(zip(cluster.nodes, finished, strict=True)):
        mine = [i for i in ids if i % NODES == k]
        log = node.text(job["log_url"])
        stats = assert_clean_log(log)
        assert stats["finish_reason"] == "finished"
        assert stats["louvre/ids"] == end // NODES
        assert stats["louvre/stored"] == len(mine)
        assert SECRET not in log, "the credentials came from the environment, unseen"
        assert node.exit_status(job["id"]) == 0
        items = [json.loads(line) for line in node.text(job["items_url"]).splitlines()]
        assert sorted(item["id"] for item in items) == mine
        assert {item["path"] for item in items} == {f"{i}.zip" for i in mine}
        assert {item["status"] for item in items} == {"downloaded"}


def test_the_collection_shard_k_of_n_on_node_k_fills_one_bucket(
    cluster: Cluster, fake_louvre
) -> None:
    args = ("--records", "30", "--per-sitemap", "10")
    server = fake_louvre(*args)
    fake = fake_collection(list(args))
    bucket = cluster.s3.new_bucket()
    jobs = [f"collection-{k}-of-{NODES}" for k in range(NODES)]

    for k, node in enumerate(cluster.nodes):
        settings = {
            "LOUVRE_BASE_URL": server.url,
            "FILES_STORE": f"s3://{bucket}/mirror/",
            "AWS_ENDPOINT_URL": cluster.s3.endpoint,
        }
        node.schedule(jobs[k], settings, spider="collection", shard=f"{k}/{NODES}")
    finished = [node.wait_finished(jobs[k]) for k, node in enumerate(cluster.nodes)]

    expected = {}
    for ark in fake.served_arks():
        expected[f"mirror/records/{ark}.json"] = fake.record_bytes(ark, server.url)
        for image in fake.record_images(ark):
            ext = image.path.rsplit(".", 1)[1].lower()
            expected[f"mirror/images/{ark}/{image.position}.{ext}"] = fake.image_bytes(image.path)
    objects = cluster.s3.objects(bucket)
    logs = {key: body for key, body in objects.items() if key.startswith("mirror/changes/")}
    assert {key: body for key, body in objects.items() if key not in logs} == expected
    # One change log per node's shard, every record of the mirror added once across them.
    assert sorted(key.rsplit(".", 2)[1] for key in logs) == [
        f"shard-{k}-of-{NODES}" for k in range(NODES)
    ]
    added = [json.loads(line) for body in logs.values() for line in body.decode().splitlines()]
    assert sorted(line["ark"] for line in added if line["kind"] == "record") == sorted(
        fake.served_arks()
    )
    asked = Counter(r["path"] for r in server.log()["requests"] if r["kind"] == "record")
    assert len(asked) == len(fake.arks()) and set(asked.values()) == {1}, "one node each"
    items = []
    for node, job in zip(cluster.nodes, finished, strict=True):
        assert assert_clean_log(node.text(job["log_url"]))["finish_reason"] == "finished"
        items += [json.loads(line) for line in node.text(job["items_url"]).splitlines()]
    assert sorted(item["arkId"] for item in items) == fake.served_arks()


def test_failed_ids_are_listed_from_the_job_log_and_a_rerun_fetches_only_them(
    cluster: Cluster, fake_louvre, tmp_path: Path
) -> None:
    start, end, shard = 10, 60, "1/3"
    ids = [i for i in Collection(max_id=100).ids(upto=end) if i >= start and i % 3 == 1]
    flaky = ids[len(ids) // 2]
    # The flaky ID answers 500 twice; with RETRY_TIMES=1 the first job gives up on it.
    server = fake_louvre("--max-id", "100", "--fault", f"500:{flaky}", "--fault-times", "2")
    store = tmp_path / "zips"
    node = cluster.nodes[0]
    settings = {
        "LOUVRE_BASE_URL": server.url,
        "FILES_STORE": str(store),
        "RETRY_TIMES": "1",
        "RETRY_BACKOFF_BASE": "0",
    }

    node.schedule("local-1", settings, start=str(start), end=str(end), shard=shard)
    first = node.wait_finished("local-1")

    assert Crawl(0, "", store).files() == zips_of([i for i in ids if i != flaky])
    log = node.text(first["log_url"])
    assert parse_stats(log)["louvre/failed"] == 1
    failed = subprocess.run(
        ["sed", "-nE", FAILED_IDS_SED], input=log, capture_output=True, text=True, check=True
    ).stdout.split()
    assert failed == [str(flaky)]
    assert node.exit_status("local-1") == 3, "some IDs failed for good"

    served_before = len(server.zip_gets())
    node.schedule("local-2", settings, start=str(start), end=str(end), shard=shard)
    second = node.wait_finished("local-2")

    assert Crawl(0, "", store).files() == zips_of(ids)
    assert server.zip_gets()[served_before:] == [flaky], "only the failed ID was downloaded"
    stats = assert_clean_log(node.text(second["log_url"]))
    assert stats["louvre/skipped"] == len(ids) - 1
    assert stats["louvre/stored"] == 1
    assert node.exit_status("local-2") == 0


def test_a_job_with_an_unknown_argument_is_refused_in_one_line(
    cluster: Cluster, tmp_path: Path
) -> None:
    node = cluster.nodes[2]
    node.schedule("typo-1", {"FILES_STORE": str(tmp_path / "zips")}, strat="5", end="10")
    job = node.wait_finished("typo-1")

    log = node.text(job["log_url"])
    assert "CRITICAL: unknown argument strat — did you mean start?" in log
    assert "Traceback" not in log
    assert node.exit_status("typo-1") == 2
    assert not (tmp_path / "zips").exists()


def test_cancel_stops_a_job_soon_and_leaves_only_whole_zips(
    cluster: Cluster, fake_louvre, tmp_path: Path
) -> None:
    # One second per answer: the job would take half a minute; it is cancelled within seconds.
    server = fake_louvre("--max-id", "1000", "--fault", "slow:1-1000", "--slow-seconds", "1")
    store = tmp_path / "zips"
    node = cluster.nodes[1]
    node.schedule("long-1", {"LOUVRE_BASE_URL": server.url, "FILES_STORE": str(store)}, end="1000")

    def running_with_zips() -> bool:
        found = node.job("long-1")
        return bool(found and found[0] == "running" and list(store.glob("*.zip")))

    wait_for(running_with_zips, 60, "the job to run and store its first zips")
    cancelled_at = time.monotonic()
    assert node.post("cancel.json", [("project", PROJECT), ("job", "long-1")])["prevstate"] == (
        "running"
    )
    job = node.wait_finished("long-1", timeout=30)
    took = time.monotonic() - cancelled_at

    log = node.text(job["log_url"])
    assert "Received SIGINT, shutting down gracefully" in log
    stats = parse_stats(log)
    assert stats["finish_reason"] == "shutdown"
    files = Crawl(0, "", store).files()  # hidden files too: a ".*.part" would show here
    assert files, "the zips stored before the cancel are kept"
    assert len(files) < len(Collection(max_id=1000).ids()), "the job was cut short"
    assert len(files) == stats["louvre/stored"]
    for name, data in files.items():
        assert re.fullmatch(r"\d+\.zip", name), name
        assert data == zip_bytes(int(name.removesuffix(".zip")))
        with zipfile.ZipFile(store / name) as archive:
            assert archive.testzip() is None
    assert took < 30
    assert node.exit_status("long-1") == 6, "stopped before the end"
