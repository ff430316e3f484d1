"""All htmx header handling lives here."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, request


def is_partial() -> bool:
    """An htmx request that wants a fragment (a boosted request wants the page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def add_vary(response: Response) -> Response:
    """after_request: pages and fragments share URLs, so caches must key on HX-Request."""
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response


def trigger(response: Response, name: str, detail: Any = True) -> Response:
    existing = response.headers.get("HX-Trigger")
    events = json.loads(existing) if existing else {}
    events[name] = detail
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def location(url: str) -> Response:
    """After a successful form: navigate the htmx way (no bare 302 into a swap)."""
    response = make_response("", 204)
    if request.headers.get("HX-Request") == "true":
        response.headers["HX-Location"] = url
        return response
    response = make_response("", 303)
    response.headers["Location"] = url
    return response


def redirect(url: str) -> Response:
    """A full-page redirect that also works for htmx requests."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    response = make_response("", 303)
    response.headers["Location"] = url
    return response


def current_path() -> str:
    """The page the person is on: for htmx requests the browser's URL, not the fragment's."""
    from urllib.parse import urlsplit

    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Current-URL"):
        parts = urlsplit(request.headers["HX-Current-URL"])
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")
