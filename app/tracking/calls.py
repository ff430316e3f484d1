"""Calls reported by a phone system (`POST /t/call`), matched to the website
session they came from.

The request is signed like Stripe's and GitHub's webhooks:
`X-Kervan-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`
with the site's call secret, and `X-Kervan-Timestamp: <unix seconds>` within
REPLAY_WINDOW of now, so a captured request cannot be replayed later. The
phone system's call id makes a retry within the window harmless too.

Matching, most certain first: the visitor id the phone system passed on
(from a call-tracking number swap, say); the customer who already has this
phone number and visited recently; a session on the site with a tel:/
WhatsApp click shortly before the call."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta

from sqlalchemy import select

from app import events
from app.extensions import db
from app.models import Customer, Tenant, TrackingCall, TrackingSession, TrackingSite, TrackingVisitor
from app.tracking import conversions
from app.tracking.ingest import Reply, error_reply
from app.tracking.schemas import SchemaError, validate_call

TIMESTAMP_HEADER = "X-Kervan-Timestamp"
SIGNATURE_HEADER = "X-Kervan-Signature"
REPLAY_WINDOW = 300  # seconds
CLICK_WINDOW = timedelta(minutes=30)  # a tel: click this long before the call counts
VISIT_WINDOW = timedelta(hours=24)  # a known caller's visit this long before the call counts


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def receive(raw: bytes, *, timestamp: str | None, signature: str | None, now: float | None = None) -> Reply:
    try:
        payload = validate_call(json.loads(raw))
    except ValueError as exc:
        if isinstance(exc, SchemaError):
            return error_reply(400, exc.message, exc.field)
        return error_reply(400, "body is not valid JSON", "body")
    site = db.session.scalar(select(TrackingSite).where(TrackingSite.site_key == payload["site"]))
    if site is None or not site.active:
        return error_reply(403, "unknown site key", "site")
    try:
        sent = int(timestamp or "")
    except ValueError:
        return error_reply(401, f"missing or malformed {TIMESTAMP_HEADER} header (unix seconds)", TIMESTAMP_HEADER)
    if abs((now or time.time()) - sent) > REPLAY_WINDOW:
        return error_reply(401, f"timestamp outside the {REPLAY_WINDOW // 60}-minute replay window", TIMESTAMP_HEADER)
    if not signature or not hmac.compare_digest(signature, sign(site.call_secret, sent, raw)):
        return error_reply(401, "signature does not match", SIGNATURE_HEADER)
    try:
        started_at = datetime.fromisoformat(payload["started_at"].replace("Z", "+00:00"))
    except ValueError:
        return error_reply(400, "started_at must be an ISO 8601 date-time", "started_at")
    if started_at.tzinfo is None:
        return error_reply(400, "started_at needs a time zone offset", "started_at")
    contact = conversions.parse_contact(payload["caller"], None)
    if contact is None or not contact.phone:
        return error_reply(400, "caller is not a valid phone number", "caller")
    known = db.session.scalar(
        select(TrackingCall).where(TrackingCall.site_id == site.id, TrackingCall.external_id == payload["call_id"])
    )
    if known is not None:
        return Reply(200, {"status": "duplicate", "call": known.id})
    call = record(site, payload, contact, started_at)
    db.session.commit()
    return Reply(202, {"status": "matched" if call.session_id else "unmatched", "matched_by": call.matched_by,
                       "call": call.id})  # fmt: skip


def record(site: TrackingSite, payload: dict, contact, started_at: datetime) -> TrackingCall:
    tenant = db.session.get(Tenant, site.tenant_id)
    session, matched_by = match(site, payload.get("visitor"), contact.phone, started_at)
    customer = conversions.customer_for_contact(tenant, contact, None, session, "call", created_at=started_at)
    call = TrackingCall(
        tenant_id=site.tenant_id,
        site_id=site.id,
        external_id=payload["call_id"],
        caller=contact.phone,
        started_at=started_at,
        duration_seconds=payload.get("duration", 0),
        status=payload.get("status", "answered"),
        session_id=session.id if session else None,
        customer_id=customer.id,
        matched_by=matched_by,
    )
    db.session.add(call)
    data = {"name": customer.name, "duration": call.duration_seconds, "status": call.status, "matched_by": matched_by}
    if session is not None:
        session.conversions += 1
        conversions.link(customer, session)
        data |= {"session": True, **conversions.visit_data(session)}
    events.emit(tenant, events.CALL_TRACKED, subject=customer, data=data, occurred_at=started_at)
    return call


def match(
    site: TrackingSite, visitor_id: str | None, phone: str, started_at: datetime
) -> tuple[TrackingSession | None, str | None]:
    def latest(*conditions) -> TrackingSession | None:
        return db.session.scalar(
            select(TrackingSession)
            .where(TrackingSession.site_id == site.id, *conditions)
            .order_by(TrackingSession.last_seen_at.desc())
            .limit(1)
        )

    if visitor_id:
        visitor = db.session.get(TrackingVisitor, (visitor_id, site.id))
        if visitor is not None:
            found = latest(TrackingSession.visitor_id == visitor_id, TrackingSession.started_at <= started_at)
            if found is not None:
                return found, "visitor"
    customer_ids = select(Customer.id).where(Customer.tenant_id == site.tenant_id, Customer.phone == phone)
    found = latest(
        TrackingSession.customer_id.in_(customer_ids),
        TrackingSession.last_seen_at >= started_at - VISIT_WINDOW,
        TrackingSession.started_at <= started_at,
    )
    if found is not None:
        return found, "phone"
    # The nearest unclaimed session whose visitor clicked to call just before.
    found = db.session.scalar(
        select(TrackingSession)
        .where(
            TrackingSession.site_id == site.id,
            TrackingSession.contact_clicked_at.between(started_at - CLICK_WINDOW, started_at + timedelta(minutes=1)),
            TrackingSession.customer_id.is_(None),
        )
        .order_by(TrackingSession.contact_clicked_at.desc())
        .limit(1)
    )
    if found is not None:
        return found, "click"
    return None, None
