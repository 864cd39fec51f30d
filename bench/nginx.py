"""A private nginx on loopback: one port per corpus, its own config, always stopped."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

from bench import BenchError, log
from bench.corpora import CollectionCorpus, Corpus
from bench.tools import tool_version

NGINX_TEMP_MODULES = ("proxy", "fastcgi", "uwsgi", "scgi")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_config(
    directory: Path, corpora: Sequence[Corpus | CollectionCorpus], workers: str, version: str
) -> str:
    user = ""
    if os.geteuid() == 0:  # the master runs as root: keep the workers as root too, not nobody
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temp = directory / "temp"
    temp_paths = [f"client_body_temp_path {temp}/client_body;"]
    for module in NGINX_TEMP_MODULES:
        if f"--without-http_{module}_module" not in version:
            temp_paths.append(f"{module}_temp_path {temp}/{module};")
    temp_block = "\n    ".join(temp_paths)
    servers = "\n".join(
        f"""
    server {{
        listen 127.0.0.1:{corpus.port} backlog=4096;
        root {corpus.root};
        location = /robots.txt {{ default_type text/plain; }}
        {corpus.nginx_locations()}
        location / {{ return 404; }}
    }}"""
        for corpus in corpora
    )
    return f"""# python -m bench: a private nginx, no system config
daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile 16384;
{user}
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    log_not_found off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types {{ }}
    default_type application/octet-stream;
    {temp_block}
{servers}
}}
"""


class Nginx:
    """A private ``nginx -c conf -e log`` process serving every corpus, one port per corpus."""

    def __init__(
        self,
        binary: str,
        directory: Path,
        corpora: Sequence[Corpus | CollectionCorpus],
        workers: str,
    ):
        self.binary = binary
        self.directory = directory
        self.corpora = corpora
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.version = tool_version([binary, "-v"])

    def start(self) -> None:
        configure = subprocess.run(
            [self.binary, "-V"], capture_output=True, text=True, timeout=30
        ).stderr
        (self.directory / "temp").mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):
            for corpus in self.corpora:
                if not (corpus.pinned and corpus.port):  # pinned: its files hold its URL
                    corpus.port = free_port()
            conf = self.directory / "nginx.conf"
            conf.write_text(nginx_config(self.directory, self.corpora, self.workers, configure))
            error_log = self.directory / "error.log"
            with (self.directory / "nginx.out").open("ab") as out:
                self.process = subprocess.Popen(
                    [self.binary, "-p", str(self.directory), "-c", str(conf), "-e", str(error_log)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_ready():
                log(
                    f"nginx ({self.workers} worker(s)) on "
                    + ", ".join(f"{c.name}={c.base_url}" for c in self.corpora)
                )
                return
            self.stop()
        tail = ""
        for name in ("nginx.out", "error.log"):
            path = self.directory / name
            if path.exists():
                tail += " | ".join(path.read_text(errors="replace").strip().splitlines()[-3:])
        raise BenchError(f"nginx did not start: {tail}")

    def _wait_ready(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                for corpus in self.corpora:
                    with urllib.request.urlopen(f"{corpus.base_url}/robots.txt", timeout=2) as r:
                        if r.read().decode() != corpus.robots_txt:
                            return False
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
                continue
            return self._self_test()
        return False

    def _self_test(self) -> bool:
        try:
            for corpus in self.corpora:
                for url, status, content_type in corpus.probes():
                    check_answer(url, status, content_type)
        except (urllib.error.URLError, OSError):
            return False
        return True

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # fast shutdown, master and workers
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def check_answer(url: str, status: int, content_type: str | None) -> None:
    """Refuse to bench a server that answers *url* with another status or Content-Type."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            got, got_type = answer.status, answer.headers.get_content_type()
    except urllib.error.HTTPError as error:
        got, got_type = error.code, None
    if got != status:
        raise BenchError(f"nginx answered {got} for {url}, not {status}")
    if content_type and got_type != content_type:
        raise BenchError(f"nginx serves {url} as {got_type}, not {content_type}")
