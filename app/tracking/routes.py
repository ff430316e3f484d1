"""Public tracking endpoints: the snippet, event ingest and the call webhook."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from app.extensions import limiter
from app.tracking import calls, ingest

bp = Blueprint("tracking", __name__)

PREFLIGHT_MAX_AGE = "86400"


def reply_headers(reply: ingest.Reply) -> dict[str, str]:
    """A machine endpoint's headers besides the content type (app/tracking/shortcut.py sends the same)."""
    headers = {**reply.headers, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if reply.cors_origin:
        headers["Access-Control-Allow-Origin"] = reply.cors_origin
        headers["Vary"] = "Origin"
    return headers


def json_response(reply: ingest.Reply) -> Response:
    response = Response(json.dumps(reply.body), status=reply.status, mimetype="application/json")
    response.headers.update(reply_headers(reply))
    return response


@bp.get("/t.js")
def snippet():
    from app.tracking import snippet as script

    response = Response(script.script_bytes(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(script.etag())
    return response.make_conditional(request)


@bp.route("/t/collect", methods=["OPTIONS"])
def collect_preflight():
    # The snippet posts text/plain (no preflight); other clients may send JSON.
    # Which origins may post is decided per site on the POST itself.
    response = Response(status=204)
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    response.headers["Access-Control-Allow-Methods"] = "POST"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


@bp.post("/t/collect")
@limiter.exempt  # limited per site and per IP inside admission's one Redis round trip
def collect():
    # Normally answered by app/tracking/shortcut.py before Flask sees the request.
    raw = request.get_data(cache=False, as_text=True)
    return json_response(ingest.collect(raw, request.headers.get("Origin"), request.remote_addr or "-"))


@bp.post("/t/call")
def call_webhook():
    reply = calls.receive(
        request.get_data(cache=False),
        timestamp=request.headers.get(calls.TIMESTAMP_HEADER),
        signature=request.headers.get(calls.SIGNATURE_HEADER),
    )
    return json_response(reply)
