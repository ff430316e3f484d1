"""JSON Schemas of the offline-conversion uploader API: compiled into its
validators (app/api/routes.py) and published in /api/openapi.json."""

from __future__ import annotations

from typing import Any

from app.tracking import offline

OWNER_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,79}$"

CLAIM_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "Lease waiting offline conversions. Every field is optional; an empty body takes the defaults.",
    "properties": {
        "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
        "lease_seconds": {"type": "integer", "minimum": 30, "maximum": 3600, "default": 300},
        "owner": {
            "type": "string",
            "pattern": OWNER_PATTERN,
            "description": "Who holds the lease (e.g. a worker id); must not start with 'csv:'. "
            "Defaults to 'token:<token prefix>'. Send the same value to /ack.",
        },
    },
    "additionalProperties": False,
}

JOB: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "conversion_name",
        "click_id_kind",
        "click_id",
        "conversion_time",
        "value",
        "currency",
        "email_sha256",
        "phone_sha256",
        "attempts",
    ],
    "properties": {
        "id": {"type": "integer"},
        "conversion_name": {"type": "string", "description": "The Google Ads conversion action name."},
        "click_id_kind": {"enum": ["gclid", "wbraid", "gbraid", None]},
        "click_id": {"type": ["string", "null"]},
        "conversion_time": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 in the business's time zone, with its offset: 2025-03-01T14:30:00+03:00.",
        },
        "value": {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "Major units: '1250.00'."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "email_sha256": {
            "type": ["string", "null"],
            "description": "SHA-256 hex of the normalised e-mail. Google refuses user identifiers "
            "beside a wbraid/gbraid: leave them out for those jobs.",
        },
        "phone_sha256": {"type": ["string", "null"], "description": "SHA-256 hex of the E.164 phone."},
        "attempts": {"type": "integer", "description": "Failed uploads so far."},
    },
}

CLAIM_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["lease_owner", "lease_expires_at", "jobs"],
    "properties": {
        "lease_owner": {"type": "string"},
        "lease_expires_at": {"type": "string", "format": "date-time"},
        "jobs": {"type": "array", "items": JOB},
    },
}

ACK_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["ids", "outcome"],
    "properties": {
        "ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 500},
        "outcome": {"enum": ["uploaded", "failed"]},
        "error": {"type": "string", "maxLength": 2000, "description": "Why the upload failed (kept on the job)."},
        "owner": {"type": "string", "pattern": OWNER_PATTERN, "description": "The owner the jobs were claimed as."},
    },
    "additionalProperties": False,
}

ACK_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["outcome", "acknowledged", "exported", "requeued", "failed", "ignored_ids"],
    "properties": {
        "outcome": {"enum": ["uploaded", "failed"]},
        "acknowledged": {"type": "integer"},
        "exported": {"type": "integer", "description": "Jobs now exported for good."},
        "requeued": {"type": "integer", "description": "Failed jobs back in the queue."},
        "failed": {"type": "integer", "description": f"Jobs failed for good after {offline.MAX_ATTEMPTS} attempts."},
        "ignored_ids": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Ids not leased to this owner (another claimer took them, or they are settled).",
        },
    },
}

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": ["string", "null"]}},
}
