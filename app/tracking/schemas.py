"""JSON Schemas of the public tracking endpoints.

One definition serves two purposes: fastjsonschema compiles it into the
validator the endpoint runs (fast enough for the ingest path), and
/api/openapi.json publishes it unchanged."""

from __future__ import annotations

import re
from typing import Any

import fastjsonschema

ID_PATTERN = "^[A-Za-z0-9_-]{8,64}$"
MAX_EVENTS = 50
EVENT_TYPES = ("pageview", "click", "form", "engagement", "custom")
CLICK_ID_KEYS = ("gclid", "wbraid", "gbraid", "fbclid")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

_short = {"type": "string", "maxLength": 200}
_url = {"type": "string", "maxLength": 2048}

ATTRIBUTION = {
    "type": "object",
    "description": "The session's landing page, its referrer and the click ids / UTM tags read from it.",
    "properties": {
        "landing": _url,
        "referrer": _url,
        **{key: _short for key in CLICK_ID_KEYS},
        **{key: _short for key in UTM_KEYS},
    },
    "additionalProperties": False,
}

EVENT = {
    "type": "object",
    "required": ["id", "type", "ts", "url"],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN, "description": "Client-generated; the idempotency key."},
        "type": {"enum": list(EVENT_TYPES)},
        "ts": {"type": "integer", "minimum": 0, "description": "When it happened, ms since the epoch (client clock)."},
        "url": _url,
        "title": {"type": "string", "maxLength": 300},
        "referrer": _url,
        "data": {
            "type": "object",
            "maxProperties": 20,
            "description": (
                "click: {kind: tel|whatsapp, target}; form: {form, tracked, fields: {name, phone, email}}; "
                "engagement: {seconds, scroll}; custom: {name, props}."
            ),
            "properties": {
                "kind": {"enum": ["tel", "whatsapp"]},
                "target": {"type": "string", "maxLength": 300},
                "form": {"type": "string", "maxLength": 120},
                "tracked": {"type": "boolean"},
                "fields": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "maxLength": 120},
                        "phone": {"type": "string", "maxLength": 40},
                        "email": {"type": "string", "maxLength": 254},
                    },
                    "additionalProperties": False,
                },
                "seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
                "scroll": {"type": "integer", "minimum": 0, "maximum": 100},
                "name": {"type": "string", "minLength": 1, "maxLength": 64},
                "props": {
                    "type": "object",
                    "maxProperties": 20,
                    "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 300},
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

COLLECT = {
    "type": "object",
    "required": ["site", "visitor", "events"],
    "properties": {
        "site": {"type": "string", "minLength": 8, "maxLength": 40, "description": "The site key of the snippet."},
        "visitor": {"type": "string", "pattern": ID_PATTERN, "description": "Anonymous first-party visitor id."},
        "sent_at": {"type": "integer", "minimum": 0, "description": "Client clock at sending, ms (skew check)."},
        "attribution": ATTRIBUTION,
        "events": {"type": "array", "minItems": 1, "maxItems": MAX_EVENTS, "items": EVENT},
    },
    "additionalProperties": False,
}

CALL = {
    "type": "object",
    "required": ["site", "call_id", "caller", "started_at"],
    "properties": {
        "site": {"type": "string", "minLength": 8, "maxLength": 40},
        "call_id": {"type": "string", "minLength": 1, "maxLength": 100, "description": "The phone system's id."},
        "caller": {"type": "string", "minLength": 3, "maxLength": 40, "description": "Caller's number."},
        "started_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with zone."},
        "duration": {"type": "integer", "minimum": 0, "maximum": 86400, "description": "Seconds."},
        "status": {"enum": ["answered", "missed"]},
        "visitor": {"type": "string", "pattern": ID_PATTERN, "description": "Visitor id, if the system knows it."},
    },
    "additionalProperties": False,
}


class SchemaError(ValueError):
    """Bad input, with the JSON path of the offending field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


_validate_collect = fastjsonschema.compile(COLLECT)
_validate_call = fastjsonschema.compile(CALL)
_FIELD = re.compile(r"^data(\S*)")


def _check(validator: Any, payload: Any) -> Any:
    try:
        return validator(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        # exc.name is e.g. "data.events[0].type": drop the root name the compiler uses.
        field = exc.name[5:] if exc.name.startswith("data.") else ("" if exc.name == "data" else exc.name)
        message = _FIELD.sub(lambda m: field or "body", exc.message, count=1)
        raise SchemaError(message, field or "body") from None


def validate_collect(payload: Any) -> dict[str, Any]:
    return _check(_validate_collect, payload)


def validate_call(payload: Any) -> dict[str, Any]:
    return _check(_validate_call, payload)
