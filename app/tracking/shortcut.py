"""`POST /t/collect` straight to the ingest service, outside Flask's request
machinery.

The endpoint takes every page view of every tracked website, so it is by far
the hottest path. A Flask request here would open the session, resolve the
user and tenant, consult Flask-Limiter and run every after-request hook —
none of which a cookieless, site-key-authenticated beacon needs — and that
overhead cost more than the ingest work itself (measured in
tests/benchmarks/bench_tracking.py). The Flask route stays registered for
url_for, the OpenAPI document and any server run without this wrapper; both
call the same `ingest.collect` and build the same response."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from app.tracking import ingest
from app.tracking.routes import reply_headers

PATH = "/t/collect"


class CollectShortcut:
    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        raw = _read(environ)
        with self.app.app_context():
            if raw is None:
                reply = ingest.too_large(environ.get("HTTP_ORIGIN"))
            else:
                reply = ingest.collect(raw, environ.get("HTTP_ORIGIN"), environ.get("REMOTE_ADDR") or "-")
        # The same status, headers and body json_response() gives, without building a Response object.
        body = json.dumps(reply.body).encode()
        start_response(f"{reply.status} {HTTP_STATUS_CODES.get(reply.status, '')}", _headers(reply, len(body)))
        return [body]


def _headers(reply: ingest.Reply, length: int) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), ("Content-Length", str(length)), *reply_headers(reply).items()]


def _read(environ: dict[str, Any]) -> str | None:
    """The body as text, or None when it is over the limit (read no further than that)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    if length > ingest.MAX_BODY:
        return None
    data = stream.read(length) if length else stream.read(ingest.MAX_BODY + 1)
    if len(data) > ingest.MAX_BODY:
        return None
    return data.decode("utf-8", errors="replace")


def install(app: Flask) -> None:
    # Inside ProxyFix (installed before), so REMOTE_ADDR is already the client's.
    app.wsgi_app = CollectShortcut(app, app.wsgi_app)  # type: ignore[method-assign]
