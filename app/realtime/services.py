"""What a live stream sends: replay from the log, then the tenant's live events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import events
from app.extensions import db
from app.models import Event, Membership, User
from app.models.base import utcnow

REPLAY_LIMIT = 500

# Notices for open screens that are not in the event log (e.g. "this website just
# received events"): published with id None, sent without an SSE id, never replayed.
TRACKING_SITE_SEEN = "tracking.site_seen"
LIVE_ONLY_TYPES: tuple[str, ...] = (TRACKING_SITE_SEEN,)


def format_sse(event_id: int | None, name: str, data: dict[str, Any]) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {name}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def live_only_message(message: dict[str, Any]) -> str | None:
    """The SSE text of a live-only notice: no id line, so neither the browser's
    Last-Event-ID nor the stream's replay cursor moves; None for an unknown type."""
    if message["type"] not in LIVE_ONLY_TYPES:
        return None
    body = {k: message.get(k) for k in ("type", "subject_type", "subject_id", "data")}
    return format_sse(None, message["type"], body)


def parse_last_event_id(raw: str | None) -> int | None:
    if raw and raw.strip().isdigit():
        return int(raw.strip())
    return None


def replay(tenant_id: int, after_id: int, window_seconds: int) -> list[dict[str, Any]]:
    """Events the client missed while away, if it was away only briefly."""
    since = utcnow() - timedelta(seconds=window_seconds)
    rows = db.session.scalars(
        select(Event)
        .where(
            Event.tenant_id == tenant_id,
            Event.id > after_id,
            Event.created_at >= since,
            Event.type.in_(events.LIVE_TYPES),
        )
        .options(joinedload(Event.actor))  # actor_name below, without a query per event
        .order_by(Event.id)
        .limit(REPLAY_LIMIT)
    )
    return [
        events.Published(
            id=e.id,
            tenant_id=e.tenant_id,
            type=e.type,
            actor_id=e.actor_id,
            actor_name=e.actor.name if e.actor else None,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            data=e.data,
        ).as_dict()
        for e in rows
    ]


def still_allowed(user_id: int, session_token: str, tenant_id: int) -> bool:
    row = db.session.execute(
        select(User.session_token, User.is_active_flag, Membership.active)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.tenant_id == tenant_id)
    ).first()
    return row is not None and row[0] == session_token and row[1] and row[2]


def ends_session(message: dict[str, Any], user_id: int) -> bool:
    return message["type"] == events.MEMBER_OFFBOARDED and message["data"].get("user_id") == user_id
