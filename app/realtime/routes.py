"""One server-sent-events stream per signed-in user, relaying their tenant's events.

The stream never holds a database connection while it waits: it reads what it
needs up front and releases the session, so hundreds of open streams cost
sockets and queues, not pool slots.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request, stream_with_context
from flask_babel import force_locale, get_locale
from flask_login import current_user

from app import events
from app.auth.permissions import require_action
from app.extensions import db
from app.lib.tenancy import current_tenant
from app.realtime import broker, presence
from app.realtime.services import (
    ends_session,
    format_sse,
    live_only_message,
    parse_last_event_id,
    replay,
    still_allowed,
)
from app.shell.activity import describe

bp = Blueprint("realtime", __name__, url_prefix="/realtime")


@bp.get("/stream")
@require_action("activity.view")
def stream():
    cfg = current_app.config
    tenant_id = current_tenant().id
    user_id, token = current_user.id, current_user.session_token
    locale = str(get_locale())
    last_id = parse_last_event_id(request.headers.get("Last-Event-ID") or request.args.get("last_event_id"))
    heartbeat = cfg["SSE_HEARTBEAT_SECONDS"]

    # Subscribe before reading the log, so nothing falls between the two.
    subscription = broker.subscribe(tenant_id)
    missed = replay(tenant_id, last_id, cfg["SSE_REPLAY_SECONDS"]) if last_id is not None else []
    db.session.remove()

    def payload(message: dict) -> str:
        with force_locale(locale):
            summary = describe(message["type"], message["actor_name"], message["data"])
        body = {k: message[k] for k in ("id", "type", "actor_id", "subject_type", "subject_id", "data")}
        body["summary"] = summary
        body["own"] = message["actor_id"] == user_id
        return format_sse(message["id"], message["type"], body)

    def generate():
        seen = last_id or 0
        checked = time.monotonic()
        with subscription:
            yield "retry: 3000\n: connected\n\n"
            presence.mark_online(user_id, tenant_id)
            for message in missed:
                seen = message["id"]
                yield payload(message)
            while True:
                message = subscription.get(timeout=heartbeat)
                if subscription.ended:
                    return
                if message is None:
                    # Write first: a client that went away is noticed here,
                    # before any database work is spent on it.
                    yield ": keep-alive\n\n"
                if message is None or time.monotonic() - checked >= heartbeat:
                    # Once per heartbeat, busy or idle: still allowed in, still online.
                    checked = time.monotonic()
                    presence.mark_online(user_id, tenant_id)
                    allowed = still_allowed(user_id, token, tenant_id)
                    db.session.remove()
                    if not allowed:
                        yield format_sse(None, "session.ended", {})
                        return
                if message is None:
                    continue
                if message.get("id") is None:
                    # Live-only (not in the log): forwarded without an id, never counted as seen.
                    notice = live_only_message(message)
                    if notice is not None:
                        yield notice
                    continue
                if message["id"] <= seen or message["type"] not in events.LIVE_TYPES:
                    continue
                seen = message["id"]
                yield payload(message)
                if ends_session(message, user_id):
                    yield format_sse(None, "session.ended", {})
                    return

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache, no-transform"
    response.headers["X-Accel-Buffering"] = "no"
    return response
