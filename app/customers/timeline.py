"""A customer's timeline: every event about them (and anyone merged into them), newest first."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import events
from app.customers.services import merged_ids
from app.extensions import db
from app.models import Customer, Event

# Filter chips on the timeline; later areas add messages, appointments, visits, sales.
CATEGORIES: dict[str, tuple[object, tuple[str, ...]]] = {
    "stage": (_l("Stage changes"), (events.CARD_MOVED,)),
    "notes": (_l("Notes"), (events.NOTE_ADDED,)),
    "calls": (_l("Calls"), (events.CALL_LOGGED,)),
    "reminders": (_l("Reminders"), (events.REMINDER_CREATED, events.REMINDER_COMPLETED, events.REMINDER_DUE)),
    "appointments": (
        _l("Appointments"),
        tuple(t for t in events.CUSTOMER_TYPES if t.startswith(("appointment.", "waitlist."))),
    ),
    "profile": (
        _l("Profile"),
        (events.CUSTOMER_CREATED, events.CUSTOMER_UPDATED, events.CUSTOMER_ASSIGNED, events.CUSTOMER_MERGED),
    ),
}

PAGE = 50


def entries(customer: Customer, category: str | None = None, before_id: int | None = None) -> list[Event]:
    types = CATEGORIES[category][1] if category in CATEGORIES else events.CUSTOMER_TYPES
    stmt = (
        select(Event)
        .options(joinedload(Event.actor))
        .where(
            Event.tenant_id == customer.tenant_id,
            Event.subject_type == "customers",
            Event.subject_id.in_(merged_ids(customer)),
            Event.type.in_(types),
        )
        .order_by(Event.id.desc())
        .limit(PAGE + 1)
    )
    if before_id:
        stmt = stmt.where(Event.id < before_id)
    return list(db.session.scalars(stmt))
