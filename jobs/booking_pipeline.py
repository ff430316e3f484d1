"""A booking moves the customer's kanban card forward to the business's "appointment" stage."""

from __future__ import annotations

from sqlalchemy import select

from app import events
from app.booking.services import settings_of
from app.customers.services import resolve
from app.extensions import db
from app.models import Customer, Event, PipelineStage, Tenant
from app.pipeline import services as pipeline


@events.subscribe(events.APPOINTMENT_BOOKED)
def move_card_on_booking(tenant_id: int, event_id: int) -> str | None:
    """Move the card to the stage keyed by the booking setting "stage_on_booking" when it
    is still in an earlier open stage; a card already further on (or won/lost) stays."""
    event = db.session.get(Event, event_id)
    if event is None or event.tenant_id != tenant_id or event.subject_type != Customer.__tablename__:
        return None
    tenant = db.session.get(Tenant, tenant_id)
    key = settings_of(tenant).get("stage_on_booking")
    if not key:
        return None
    target = db.session.scalar(
        select(PipelineStage).where(PipelineStage.tenant_id == tenant_id, PipelineStage.key == key)
    )
    customer = resolve(db.session.get(Customer, event.subject_id))
    if target is None or customer is None or customer.tenant_id != tenant_id or not customer.is_live:
        return None
    current = db.session.get(PipelineStage, customer.stage_id)
    if current is None or current.kind != "open" or current.position >= target.position:
        return None
    pipeline.move(customer, None, target.id)
    db.session.commit()
    return target.key
