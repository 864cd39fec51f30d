"""bench.nginx: the private server's config, without starting nginx."""

from __future__ import annotations

from pathlib import Path

from bench.corpora import CollectionCorpus, Corpus
from bench.nginx import free_port, nginx_config


def test_the_config_serves_each_corpus_on_its_own_port(tmp_path: Path) -> None:
    zips = Corpus("small", ids=3, density=1.0, size=100, root=tmp_path / "z", port=1111)
    records = CollectionCorpus("collection", 1, 1, 100, root=tmp_path / "c", port=2222)
    text = nginx_config(
        tmp_path, [zips, records], "1", "configure arguments: --without-http_scgi_module"
    )
    assert "daemon off;" in text
    assert "worker_processes 1;" in text
    assert "access_log off;" in text
    assert "listen 127.0.0.1:1111 backlog=4096;" in text
    assert "listen 127.0.0.1:2222 backlog=4096;" in text
    assert f"root {tmp_path / 'z'};" in text
    assert "location /en/artwork/image/download/ { default_type application/zip; }" in text
    assert "location ~ \\.json$ { default_type application/json; }" in text
    assert "location ~* \\.jpe?g$ { default_type image/jpeg; }" in text
    assert "scgi_temp_path" not in text  # a module nginx was built without
    assert "proxy_temp_path" in text
    assert text.count("server {") == 2


def test_a_free_port_is_a_port() -> None:
    assert 0 < free_port() < 65536
