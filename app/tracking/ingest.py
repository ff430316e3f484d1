"""The ingest endpoint's rules: validate, authenticate, admit, answer fast.

Everything heavy (sessions, attribution, scores, leads) happens in the drain;
this path does one JSON parse, one schema check and one Redis round trip."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app import jobqueue
from app.tracking import intake, sites
from app.tracking.schemas import SchemaError, validate_collect

MAX_BODY = 256 * 1024  # 50 events with the longest allowed URLs still fit


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    cors_origin: str | None = None  # echoed in Access-Control-Allow-Origin when set
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, error: str, field_name: str | None = None, **extra: Any) -> Reply:
    """A machine endpoint's 4xx: {"error": ..., "field": ...} (the shape OpenAPI documents)."""
    body: dict[str, Any] = {"error": error}
    if field_name:
        body["field"] = field_name
    body.update(extra)
    return Reply(status, body)


def collect(raw: str, origin: str | None, ip: str) -> Reply:
    reply = _collect(raw, origin, ip)
    # Every answer is readable by the page, errors included: the snippet must be able
    # to tell "drop this batch" (4xx) from "the network failed" (retry).
    reply.cors_origin = origin
    return reply


def too_large(origin: str | None) -> Reply:
    reply = error_reply(413, f"body is larger than {MAX_BODY} bytes", "body")
    reply.cors_origin = origin
    return reply


def _collect(raw: str, origin: str | None, ip: str) -> Reply:
    if len(raw) > MAX_BODY:
        return too_large(origin)
    try:
        payload = json.loads(raw)
    except ValueError:
        return error_reply(400, "body is not valid JSON", "body")
    try:
        batch = validate_collect(payload)
    except SchemaError as exc:
        return error_reply(400, exc.message, exc.field)
    site = sites.lookup(batch["site"])
    if site is None or not site.active:
        return error_reply(403, "unknown site key", "site")
    if not site.allows(origin):
        hint = "origin is not allowed for this site; add its domain under Settings → Tracking"
        return error_reply(403, hint, "origin")
    verdict = intake.get_intake().admit(
        site, ip, [event["id"] for event in batch["events"]], raw, intake.Limits.from_config()
    )
    if verdict.code in (intake.SITE_LIMITED, intake.IP_LIMITED):
        reply = error_reply(429, "rate_limited", retry_after=verdict.retry_after)
        reply.headers["Retry-After"] = str(verdict.retry_after)
    elif verdict.code == intake.OVER_QUOTA:
        reply = error_reply(
            429, "quota_exceeded", message="the monthly event quota of this business is used up; nothing was stored"
        )
    else:
        if verdict.wake_drain:
            from jobs.tracking import drain_tracking

            jobqueue.enqueue(drain_tracking)
        reply = Reply(202 if verdict.new else 200, {"accepted": verdict.new, "duplicates": verdict.duplicates})
    return reply
