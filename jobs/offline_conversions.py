"""A card that enters a "won" stage queues its offline conversion for Google Ads."""

from __future__ import annotations

from app import events
from app.customers.services import resolve
from app.extensions import db
from app.models import Customer, Event, PipelineStage
from app.tracking import offline


@events.subscribe(events.CARD_MOVED)
def queue_won_conversion(tenant_id: int, event_id: int) -> int | None:
    """Queue the conversion when the move entered a stage of kind "won"; a re-win
    (or a second won stage) finds it queued already and adds nothing."""
    event = db.session.get(Event, event_id)
    if event is None or event.tenant_id != tenant_id or event.subject_type != Customer.__tablename__:
        return None
    data = event.data or {}
    if not data.get("stage_changed"):
        return None
    stage = db.session.get(PipelineStage, data.get("to_stage_id"))
    if stage is None or stage.tenant_id != tenant_id or stage.kind != "won":
        return None
    customer = resolve(db.session.get(Customer, event.subject_id))
    if customer is None or customer.tenant_id != tenant_id or customer.deleted_at is not None:
        return None
    row = offline.queue_conversion(customer, "won", converted_at=event.created_at)
    db.session.commit()
    return row.id if row is not None else None
