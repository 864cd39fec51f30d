"""A fake Louvre: the collection's site served on loopback, for tests, the demo and the bench.

Serve: ``python -m fakesite [options]`` binds a free port on 127.0.0.1, prints its base URL
as the first line, and serves until SIGTERM/SIGINT (exit 0).
Exec: ``python -m fakesite [options] --exec CMD ARGS...`` (last) runs CMD with ``{url}``
replaced by that URL, then stops and exits with CMD's status.
Routes: the zips (``/en/artwork/image/download/{id}/0``), with ``--records N`` the documented
route (robots.txt, sitemaps, records, images), ``/__log__`` (the request log, JSON),
``/__reset__`` and ``/__edition__?n=2``. In-process: ``fakesite.options.fake_collection``,
``fakesite.server.serve_in_thread``; crawls as subprocesses: ``fakesite.harness``.
"""
