"""gunicorn settings for the web process: the image runs ``gunicorn -c python:bot.gunicorn_conf``.

Why threads: a synchronous gunicorn worker serves one connection at a time,
from its first byte to its last. A client that announces a body and sends it
a byte at a time holds that worker until gunicorn's ``timeout`` kills it; two
such clients were enough to keep GitHub's deliveries waiting for 30 s on the
image's two workers (GitHub gives up after 10 s). ``gthread`` workers accept
connections in a main loop that waits, without a thread, for a request's
first bytes (a connection that sends nothing costs no thread), and serve
requests from a pool of threads: slow clients tie up at most as many threads
as there are of them, and a delivery is served by any free one. With the
defaults here (2 processes x 16 threads) 31 connections may trickle at once
and a delivery is still answered at once.

That bounds the harm, it does not remove it: on the open internet, put the web
process behind a proxy that reads the whole request before passing it on
(nginx does by default: ``proxy_request_buffering on``, with
``client_body_timeout 10s`` and ``client_max_body_size 25m``), see
docs/operations.md.

The demo pages (``DEMO_DATA_DIR``) keep their data index in an SQLite
connection that belongs to the thread that opened it, so with a demo data
directory the workers are synchronous, as ``python -m bot serve`` is.

Environment: ``WEB_CONCURRENCY`` (processes, default 2), ``WEB_THREADS``
(threads per process, default 16), ``WEB_TIMEOUT`` (seconds a request may
take before its worker is restarted, default 30).
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


workers = _int("WEB_CONCURRENCY", 2)
worker_class = "sync" if os.environ.get("DEMO_DATA_DIR") else "gthread"
threads = 1 if worker_class == "sync" else _int("WEB_THREADS", 16)
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# The largest body GitHub sends is 25 MB (bot.web.app refuses more); headers stay small.
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
