"""Tell the customer when their appointment moves or is cancelled, whoever did it
(the secretary, the customer on their manage page, or a reply to a reminder)."""

from __future__ import annotations

from app import events
from app.booking.notifications import notify
from app.extensions import db
from app.models import Appointment, Event, Tenant

TEMPLATES = {events.APPOINTMENT_MOVED: "appointment_moved", events.APPOINTMENT_CANCELLED: "appointment_cancelled"}


@events.subscribe(events.APPOINTMENT_MOVED, events.APPOINTMENT_CANCELLED)
def tell_the_customer(tenant_id: int, event_id: int) -> int | None:
    event = db.session.get(Event, event_id)
    if event is None or event.tenant_id != tenant_id:
        return None
    appointment = db.session.get(Appointment, event.data.get("appointment_id"))
    if appointment is None or appointment.tenant_id != tenant_id:
        return None
    message = notify(db.session.get(Tenant, tenant_id), appointment, TEMPLATES[event.type])
    db.session.commit()
    return message.id
