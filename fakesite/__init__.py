"""Fake Louvre collections server for tests, the README demo and benchmarks.

Serve mode: ``python -m fakesite [options]`` binds a free port on 127.0.0.1, prints
its base URL (e.g. ``http://127.0.0.1:41234``) as the first stdout line, then serves until
SIGTERM/SIGINT (exit code 0).

Exec mode: ``python -m fakesite [options] --exec CMD ARGS...`` (``--exec`` comes last)
prints the URL, runs CMD with every ``{url}`` in its arguments replaced by the base URL, stops
the server and exits with CMD's exit code.

Routes: ``/en/artwork/image/download/{id}/0`` (GET/HEAD: a zip for existing ids, the
``--missing`` style otherwise), ``/cdn/{id}.zip`` (only with ``--redirect``), ``/robots.txt``,
``/__log__`` (JSON request log) and ``/__reset__`` (clear the log).

The documented route (``--records N``, off by default) is served by the same process: the
sitemaps, the records' JSON at ``/ark:/53355/{ark}.json`` and their images, with its own faults
and an ``/__edition__?n=2`` switch; see ``fakesite.collection`` for its routes and options,
and ``FakeCollection`` for its Python API.

Each ``/__log__`` request record has ``method``, ``path``, ``id`` (zip route), ``kind`` (robots,
sitemap, record, image, thumbnail, zip or other), ``status``, ``bytes``, ``start`` and ``end``;
``fault_gets`` counts the GETs of each faulted id or path.

Existing ids: ``--max-id``, ``--density``, ``--seed``, ``--gap A-B``, ``--extra-ids 3100,3350``.
``--refuse STATUS`` answers every route (robots.txt included) with STATUS, e.g. 403;
``--robots-forbid`` serves a robots.txt that forbids the download route.
``--port N`` listens on port N rather than a free one (the bench restarts a site with other
options on the same port: records hold absolute URLs).
Faults hit the first ``--fault-times`` GETs of an id: ``--fault KIND:IDS`` with KIND one of
429, 503, 500, truncate, reset, corrupt, slow, fail (always 500) and IDS like ``5,7,10-12``.

In tests, compute expectations with ``fakesite.zips`` (``Collection``, ``zip_bytes``),
``fakesite.options.parse_args`` (and ``FakeCollection(config.documented)`` for the documented
route) and run a server in-process with
``with fakesite.server.serve_in_thread(parse_args([...])) as server: ... server.url``.
"""
