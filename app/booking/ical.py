"""Read-only iCalendar feeds, one per resource, behind an unguessable token.

The feed is for the staff's phone calendars: service and the customer's first
name only, never a phone number or an e-mail address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Appointment, AppointmentResource, Resource, Tenant
from app.models.base import utcnow

DAYS_BACK = 30
DAYS_AHEAD = 90


def resource_for_token(token: str) -> Resource | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Resource).where(Resource.ical_token == token, Resource.active.is_(True)))


def feed_url(resource: Resource) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/ical/{resource.ical_token}.ics"


def feed_links(tenant: Tenant) -> list[tuple[Resource, str]]:
    """Every active resource of the business with its private feed URL."""
    resources = db.session.scalars(
        select(Resource)
        .where(Resource.tenant_id == tenant.id, Resource.active.is_(True))
        .order_by(Resource.position, Resource.name)
    )
    return [(resource, feed_url(resource)) for resource in resources]


def _first_name(name: str | None) -> str:
    words = (name or "").split()
    return words[0] if words else "?"


def appointments_of(resource: Resource, now: datetime | None = None) -> list[Appointment]:
    """The appointments holding this resource from 30 days ago to 90 days ahead (cancelled and no-shows left out)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Appointment)
            .join(AppointmentResource, AppointmentResource.appointment_id == Appointment.id)
            .where(
                AppointmentResource.resource_id == resource.id,
                AppointmentResource.active.is_(True),
                Appointment.tenant_id == resource.tenant_id,
                Appointment.status.notin_(("cancelled", "no_show")),
                Appointment.starts_at >= now - timedelta(days=DAYS_BACK),
                Appointment.starts_at < now + timedelta(days=DAYS_AHEAD),
            )
            # Each event names both; an appointment has one active hold per resource, so no DISTINCT
            # (which PostgreSQL cannot apply to the customer's JSON columns).
            .options(joinedload(Appointment.customer), joinedload(Appointment.service))
            .order_by(Appointment.starts_at)
        )
    )


def feed(resource: Resource, now: datetime | None = None) -> bytes:
    tenant = db.session.get(Tenant, resource.tenant_id)
    host = current_app.config["PUBLIC_URL"].split("://")[-1].split("/")[0] or "kervan"
    calendar = Calendar()
    calendar.add("prodid", "-//Kervan//Booking feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{resource.name} · {tenant.name}")
    calendar.add("x-wr-timezone", tenant.timezone or "Europe/Istanbul")
    stamp = (now or utcnow()).astimezone(UTC)
    for appointment in appointments_of(resource, now):
        event = VEvent()
        event.add("uid", f"appointment-{appointment.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at.astimezone(UTC))
        event.add("dtend", appointment.ends_at.astimezone(UTC))
        event.add("summary", f"{appointment.service.name} · {_first_name(appointment.customer.name)}")
        event.add("status", "CONFIRMED" if appointment.status != "booked" else "TENTATIVE")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
