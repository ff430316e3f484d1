"""The domain event spine.

`emit()` appends an immutable row to the tenant event log inside the caller's
transaction. Only after that transaction commits are the events published to
the tenant's live channel and the subscribed jobs enqueued, so nobody ever
reacts to a change that was rolled back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Event, Tenant, User

log = logging.getLogger(__name__)

# Event names are constants; modules subscribe to these, never to each other.
MEMBER_INVITED = "member.invited"
MEMBER_JOINED = "member.joined"
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_OFFBOARDED = "member.offboarded"
INVITATION_REVOKED = "invitation.revoked"
TENANT_CREATED = "tenant.created"
TENANT_SETTINGS_CHANGED = "tenant.settings_changed"
AUTH_LOGIN = "auth.login"
AUTH_LOCKED_OUT = "auth.locked_out"
AUTH_PASSWORD_RESET = "auth.password_reset"
CUSTOMER_CREATED = "customer.created"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_ASSIGNED = "customer.assigned"
CUSTOMER_DELETED = "customer.deleted"
CUSTOMER_MERGED = "customer.merged"
CARD_MOVED = "card.moved"
NOTE_ADDED = "note.added"
CALL_LOGGED = "call.logged"
REMINDER_CREATED = "reminder.created"
REMINDER_COMPLETED = "reminder.completed"
REMINDER_DUE = "reminder.due"
CUSTOMERS_IMPORTED = "customers.imported"
CUSTOMERS_EXPORTED = "customers.exported"
APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_MOVED = "appointment.moved"
APPOINTMENT_CANCELLED = "appointment.cancelled"
APPOINTMENT_CONFIRMED = "appointment.confirmed"
APPOINTMENT_ARRIVED = "appointment.arrived"
APPOINTMENT_COMPLETED = "appointment.completed"
APPOINTMENT_NO_SHOW = "appointment.no_show"
APPOINTMENT_REMINDED = "appointment.reminded"
WAITLIST_OFFERED = "waitlist.offered"
BOOKING_SETTINGS_CHANGED = "booking.settings_changed"
TRACKING_SITE_ADDED = "tracking.site_added"
TRACKING_SITE_CHANGED = "tracking.site_changed"
VISIT_CONVERTED = "visit.converted"  # a form, tel: or WhatsApp click on the website
VISIT_LINKED = "visit.linked"  # an earlier website visit now known to be this customer's
CALL_TRACKED = "call.tracked"  # a call reported by the phone system, matched to its visit
CONVERSION_QUEUED = "conversion.queued"  # an offline conversion waiting for Google Ads
CONVERSIONS_EXPORTED = "conversions.exported"
API_TOKEN_CREATED = "api_token.created"
API_TOKEN_REVOKED = "api_token.revoked"

ALL_TYPES: tuple[str, ...] = (
    MEMBER_INVITED,
    MEMBER_JOINED,
    MEMBER_ROLE_CHANGED,
    MEMBER_OFFBOARDED,
    INVITATION_REVOKED,
    TENANT_CREATED,
    TENANT_SETTINGS_CHANGED,
    AUTH_LOGIN,
    AUTH_LOCKED_OUT,
    AUTH_PASSWORD_RESET,
    CUSTOMER_CREATED,
    CUSTOMER_UPDATED,
    CUSTOMER_ASSIGNED,
    CUSTOMER_DELETED,
    CUSTOMER_MERGED,
    CARD_MOVED,
    NOTE_ADDED,
    CALL_LOGGED,
    REMINDER_CREATED,
    REMINDER_COMPLETED,
    REMINDER_DUE,
    CUSTOMERS_IMPORTED,
    CUSTOMERS_EXPORTED,
    APPOINTMENT_BOOKED,
    APPOINTMENT_MOVED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_ARRIVED,
    APPOINTMENT_COMPLETED,
    APPOINTMENT_NO_SHOW,
    APPOINTMENT_REMINDED,
    WAITLIST_OFFERED,
    BOOKING_SETTINGS_CHANGED,
    TRACKING_SITE_ADDED,
    TRACKING_SITE_CHANGED,
    VISIT_CONVERTED,
    VISIT_LINKED,
    CALL_TRACKED,
    CONVERSION_QUEUED,
    CONVERSIONS_EXPORTED,
    API_TOKEN_CREATED,
    API_TOKEN_REVOKED,
)

# Events about one customer (their subject): they make up the customer's timeline.
CUSTOMER_TYPES: tuple[str, ...] = tuple(
    t
    for t in ALL_TYPES
    if t.startswith(
        ("customer.", "card.", "note.", "call.", "reminder.", "appointment.", "waitlist.", "visit.", "conversion.")
    )
)

# Events every open screen of the tenant hears about. Login noise stays in the log.
LIVE_TYPES: tuple[str, ...] = tuple(t for t in ALL_TYPES if not t.startswith("auth."))


@dataclass(frozen=True)
class Published:
    """What travels on the live channel: small, JSON-safe, no secrets."""

    id: int
    tenant_id: int
    type: str
    actor_id: int | None
    actor_name: str | None
    subject_type: str | None
    subject_id: int | None
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


_subscribers: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def subscribe(*types: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job to be enqueued (with tenant_id, event_id) after each event of these types."""

    def register(job: Callable[..., Any]) -> Callable[..., Any]:
        for event_type in types:
            if event_type not in ALL_TYPES:
                raise ValueError(f"unknown event type {event_type!r}")
            if job not in _subscribers[event_type]:
                _subscribers[event_type].append(job)
        return job

    return register


def subscribers(event_type: str) -> list[Callable[..., Any]]:
    return list(_subscribers.get(event_type, ()))


def emit(
    tenant: Tenant | int,
    event_type: str,
    *,
    actor: User | None = None,
    subject: Any = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append one event to the tenant log in the current transaction.

    `occurred_at` is for imports and demo history; live code lets it default to now.
    """
    if event_type not in ALL_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    row = Event(
        tenant_id=tenant_id,
        type=event_type,
        actor_id=actor.id if actor is not None else None,
        subject_type=type(subject).__tablename__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        data=dict(data or {}),
    )
    if occurred_at is not None:
        row.created_at = occurred_at
    session = db.session()
    session.add(row)
    session.flush()  # the id is the SSE event id and the replay cursor
    session.info.setdefault("kervan_pending_events", []).append(
        Published(
            id=row.id,
            tenant_id=tenant_id,
            type=event_type,
            actor_id=row.actor_id,
            actor_name=actor.name if actor is not None else None,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            data=row.data,
        )
    )
    return row


def _after_commit(session: Session) -> None:
    pending = session.info.pop("kervan_pending_events", None)
    if not pending:
        return
    from app import jobqueue
    from app.realtime import broker

    for published in pending:
        try:
            broker.publish(published)
        except Exception:  # a dead live channel must not undo a committed change
            log.exception("live publish failed for event %s", published.id)
    # Jobs only after every event of this commit is out: a job run at once (embedded)
    # may emit newer events, and streams drop anything older than what they last saw.
    for published in pending:
        for job in subscribers(published.type):
            jobqueue.enqueue(job, published.tenant_id, published.id)


def _after_rollback(session: Session) -> None:
    session.info.pop("kervan_pending_events", None)


def install(session_class: type[Session] = Session) -> None:
    """Hook the dispatcher into every SQLAlchemy session (idempotent)."""
    if not sa_event.contains(session_class, "after_commit", _after_commit):
        sa_event.listen(session_class, "after_commit", _after_commit)
        sa_event.listen(session_class, "after_soft_rollback", _after_rollback_soft)


def _after_rollback_soft(session: Session, previous_transaction: Any) -> None:
    # Only an outermost rollback discards what the transaction emitted.
    if previous_transaction.parent is None:
        _after_rollback(session)
