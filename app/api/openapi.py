"""The OpenAPI 3.1 document of every public endpoint, served at /api/openapi.json.

Machine endpoints reuse the JSON Schemas their validators are compiled from
(app/tracking/schemas.py), so the document cannot drift from what is enforced.
The public booking pages are HTML forms; they are listed so integrators know
the URLs, with their form fields."""

from __future__ import annotations

from typing import Any

from app.api import schemas as api_schemas
from app.tracking import calls, schemas

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What is wrong, in English."},
        "field": {"type": "string", "description": "JSON path of the offending field, e.g. events[0].type."},
        "retry_after": {"type": "integer", "description": "Seconds to wait (rate limits)."},
        "message": {"type": "string"},
    },
}

COLLECT_RESULT = {
    "type": "object",
    "required": ["accepted", "duplicates"],
    "properties": {
        "accepted": {"type": "integer", "description": "New events taken (counted against the quota)."},
        "duplicates": {"type": "integer", "description": "Event ids already received: stored once, not again."},
    },
}


def _json_error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _html(summary: str, description: str = "HTML page.", form: dict | None = None, method: str = "get") -> dict:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["Public booking"],
        "responses": {"200": {"description": description, "content": {"text/html": {}}}},
    }
    if form:
        operation["requestBody"] = {
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": form}}}
        }
        operation["responses"]["303"] = {"description": "Done; redirects to the next page."}
        operation["responses"]["400"] = {
            "description": "The form is shown again with the errors.",
            "content": {"text/html": {}},
        }
        operation["responses"]["409"] = {
            "description": "The time was just taken; fresh times are shown.",
            "content": {"text/html": {}},
        }
        operation["responses"]["429"] = {"description": "Too many attempts; try again later."}
    return {method: operation}


def _slug() -> dict:
    return {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "The business.",
    }


def _token() -> dict:
    return {
        "name": "token",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "Unguessable link token.",
    }


def _bearer_operation(summary: str, request: dict, response: dict, conflict: bool = False) -> dict:
    operation = {
        "post": {
            "summary": summary,
            "tags": ["Offline conversions"],
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
            "responses": {
                "200": {"description": "Done.", "content": {"application/json": {"schema": response}}},
                "400": _json_error("Invalid input; `field` names it."),
                "401": _json_error("Missing, invalid or revoked token."),
                "403": _json_error("The token lacks the scope."),
                "429": _json_error("Too many requests (120 a minute per token)."),
            },
        }
    }
    if conflict:
        operation["post"]["responses"]["409"] = _json_error("None of the ids is leased to this owner.")
    return operation


def document() -> dict[str, Any]:
    collect_body = {"$ref": "#/components/schemas/CollectBatch"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kervan public API",
            "version": "1.0.0",
            "description": (
                "Endpoints reachable without a Kervan login: website tracking (the snippet, event ingest, "
                "the phone-system call webhook), the offline-conversion uploader API and the public booking pages."
            ),
        },
        "paths": {
            "/t.js": {
                "get": {
                    "summary": "The tracking snippet",
                    "tags": ["Tracking"],
                    "description": 'Embed with `<script defer src="https://HOST/t.js" data-site="SITE_KEY"></script>`.',
                    "responses": {"200": {"description": "JavaScript.", "content": {"application/javascript": {}}}},
                }
            },
            "/t/collect": {
                "post": {
                    "summary": "Ingest a batch of website events",
                    "tags": ["Tracking"],
                    "description": (
                        "Send as `text/plain` (a CORS simple request) or `application/json`. The `Origin` must be one "
                        "of the site's allowed domains. Each event id is accepted once: a replay answers 200 and is "
                        "not stored again. Accepted events count against the business's monthly quota."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/plain": {"schema": collect_body},
                            "application/json": {"schema": collect_body},
                        },
                    },
                    "responses": {
                        "202": {
                            "description": "Accepted; processed in the background.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectResult"}}},
                        },
                        "200": {
                            "description": "Every event was a replay; nothing new stored.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectResult"}}},
                        },
                        "400": _json_error("Invalid batch; `field` names the offending field."),
                        "403": _json_error("Unknown site key, or an Origin the site does not allow."),
                        "413": _json_error("Body larger than 256 KiB."),
                        "429": _json_error("`rate_limited` (see Retry-After) or `quota_exceeded` (nothing stored)."),
                    },
                },
                "options": {
                    "summary": "CORS preflight",
                    "tags": ["Tracking"],
                    "responses": {"204": {"description": "Allowed."}},
                },
            },
            "/t/call": {
                "post": {
                    "summary": "Report a phone call (phone-system webhook)",
                    "tags": ["Tracking"],
                    "description": (
                        f"Sign with the site's call secret: `{calls.SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "
                        f'"<timestamp>.<raw body>">` and `{calls.TIMESTAMP_HEADER}: <unix seconds>`, within '
                        f"{calls.REPLAY_WINDOW // 60} minutes of the server's clock. The call is matched to the "
                        "visitor's website session and the caller becomes (or is found as) a customer."
                    ),
                    "parameters": [
                        {
                            "name": calls.TIMESTAMP_HEADER,
                            "in": "header",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                        {
                            "name": calls.SIGNATURE_HEADER,
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}},
                    },
                    "responses": {
                        "202": {
                            "description": "Recorded: `status` matched|unmatched, `matched_by` visitor|phone|click."
                        },
                        "200": {"description": "This call id was already recorded."},
                        "400": _json_error("Invalid body; `field` names it."),
                        "401": _json_error("Bad signature, or a timestamp outside the replay window."),
                        "403": _json_error("Unknown site key."),
                    },
                }
            },
            "/api/offline-conversions/claim": _bearer_operation(
                "Claim queued offline conversions with a lease (an expired lease returns them to the queue)",
                api_schemas.CLAIM_REQUEST,
                api_schemas.CLAIM_RESPONSE,
            ),
            "/api/offline-conversions/ack": _bearer_operation(
                "Acknowledge claimed conversions: uploaded (exported for good) or failed (retried)",
                api_schemas.ACK_REQUEST,
                api_schemas.ACK_RESPONSE,
                conflict=True,
            ),
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "tags": ["Meta"],
                    "responses": {"200": {"description": "OpenAPI 3.1."}},
                }
            },
            "/b/{slug}": {
                "parameters": [_slug()],
                **_html("Public booking page: service, day, time"),
                **_html(
                    "Book a time",
                    form={
                        "service": {"type": "integer"},
                        "starts_at": {"type": "string"},
                        "name": {"type": "string"},
                        "phone": {"type": "string"},
                        "kvkk": {"type": "boolean"},
                    },
                    method="post",
                ),
            },
            "/b/{slug}/a/{token}": {"parameters": [_slug(), _token()], **_html("Manage a booked appointment")},
            "/b/{slug}/a/{token}/confirm": {
                "parameters": [_slug(), _token()],
                **_html("Confirm", form={}, method="post"),
            },
            "/b/{slug}/a/{token}/cancel": {
                "parameters": [_slug(), _token()],
                **_html("Cancel", form={"reason": {"type": "string"}}, method="post"),
            },
            "/b/{slug}/a/{token}/move": {
                "parameters": [_slug(), _token()],
                **_html(
                    "Move to another time", form={"start": {"type": "string", "format": "date-time"}}, method="post"
                ),
            },
            "/b/{slug}/waitlist": {
                "parameters": [_slug()],
                **_html(
                    "Join the waitlist",
                    form={
                        "service": {"type": "integer"},
                        "from_date": {"type": "string", "format": "date"},
                        "to_date": {"type": "string", "format": "date"},
                        "window_start": {"type": "string"},
                        "window_end": {"type": "string"},
                        "name": {"type": "string"},
                        "phone": {"type": "string"},
                    },
                    method="post",
                ),
            },
            "/b/{slug}/w/{token}": {
                "parameters": [_slug(), _token()],
                **_html("Claim a time offered from the waitlist"),
            },
            "/ical/{token}.ics": {
                "parameters": [_token()],
                "get": {
                    "summary": "A resource's private calendar feed",
                    "tags": ["Public booking"],
                    "responses": {"200": {"description": "iCalendar.", "content": {"text/calendar": {}}}},
                },
            },
        },
        "components": {
            "schemas": {
                "CollectBatch": schemas.COLLECT,
                "CollectResult": COLLECT_RESULT,
                "Call": schemas.CALL,
                "ConversionJob": api_schemas.JOB,
                "Error": ERROR,
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An API token."}},
        },
    }
