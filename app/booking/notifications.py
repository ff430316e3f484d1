"""Messages to the customer about a time at the business (booked, moved, cancelled,
reminded, offered from the waitlist): one place renders them in the business's
language with dates and times in its zone, and sends them through app.messaging."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_time
from flask import current_app

from app.booking.services import zone_of
from app.messaging import channels, templates
from app.models import Appointment, Customer, OutboundMessage, Service, Tenant


def public_url(tenant: Tenant, path: str) -> str:
    """A link on the business's public pages (built by app.booking.public)."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/b/{tenant.slug}/{path}"


def manage_link(tenant: Tenant, appointment: Appointment) -> str:
    """The customer's own page for this appointment."""
    return public_url(tenant, f"a/{appointment.manage_token}")


def render(
    tenant: Tenant, template: str, *, customer: Customer, service: Service, starts_at: datetime, link: str, **extra
) -> tuple[str, str]:
    """(subject, body) of a customer template, times in the business's zone and language."""
    locale = tenant.locale or "tr"
    zone = zone_of(tenant)
    local = starts_at.astimezone(zone)

    def clock(moment: datetime) -> str:
        return format_time(moment.astimezone(zone).time(), "HH:mm", locale=locale)

    extra = {key: clock(value) if isinstance(value, datetime) else value for key, value in extra.items()}
    return templates.render(
        template,
        locale,
        name=customer.name,
        business=tenant.name,
        service=service.name,
        date=format_date(local.date(), format="long", locale=locale),
        time=clock(local),
        link=link,
        **extra,
    )


def notify_booked(tenant: Tenant, appointment: Appointment) -> OutboundMessage:
    """Send the "appointment booked" message and record it."""
    return notify(tenant, appointment, "appointment_booked")


def notify(tenant: Tenant, appointment: Appointment, template: str) -> OutboundMessage:
    """Render one of the appointment templates for this appointment and send it."""
    subject, body = render(
        tenant,
        template,
        customer=appointment.customer,
        service=appointment.service,
        starts_at=appointment.starts_at,
        link=manage_link(tenant, appointment),
    )
    return channels.send(tenant, appointment.customer, subject, body, appointment_id=appointment.id)
