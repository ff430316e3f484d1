"""Messages to the customer about their appointment: booked, moved, cancelled."""

from __future__ import annotations

from babel.dates import format_date, format_time
from flask import current_app

from app.booking.services import zone_of
from app.messaging import channels, templates
from app.models import Appointment, OutboundMessage, Tenant


def manage_link(tenant: Tenant, appointment: Appointment) -> str:
    """The customer's own page for this appointment (built by the public booking page)."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/b/{tenant.slug}/a/{appointment.manage_token}"


def notify_booked(tenant: Tenant, appointment: Appointment) -> OutboundMessage:
    """Send the "appointment booked" message in the business's language and record it."""
    return notify(tenant, appointment, "appointment_booked")


def notify(tenant: Tenant, appointment: Appointment, template: str) -> OutboundMessage:
    """Render one of the appointment templates for this appointment and send it."""
    locale = tenant.locale or "tr"
    local = appointment.starts_at.astimezone(zone_of(tenant))
    subject, body = templates.render(
        template,
        locale,
        name=appointment.customer.name,
        business=tenant.name,
        service=appointment.service.name,
        date=format_date(local.date(), format="long", locale=locale),
        time=format_time(local.time(), format="HH:mm", locale=locale),
        link=manage_link(tenant, appointment),
    )
    return channels.send(tenant, appointment.customer, subject, body, appointment_id=appointment.id)
