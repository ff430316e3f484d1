"""The waitlist jobs: a cancellation offers the freed slot; expired offers pass it on."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app import events
from app.booking import waitlist
from app.extensions import db
from app.models import Appointment, Event, Service, Tenant
from app.models.base import utcnow

log = logging.getLogger(__name__)


@events.subscribe(events.APPOINTMENT_CANCELLED)
def offer_freed_slot(tenant_id: int, event_id: int) -> int | None:
    """Offer the cancelled appointment's slot to the first waiting entry that fits; the entry id or None."""
    event = db.session.get(Event, event_id)
    if event is None or event.tenant_id != tenant_id:
        return None
    appointment_id = (event.data or {}).get("appointment_id")
    starts_at = _parse(event.data.get("starts_at"))
    if appointment_id is None or starts_at is None or starts_at <= utcnow():
        return None
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.tenant_id != tenant_id:
        return None
    return _offer(tenant_id, appointment.service_id, starts_at, event.data.get("resource_ids") or [])


def _offer(tenant_id: int, service_id: int, starts_at: datetime, resource_ids: list[int]) -> int | None:
    tenant = db.session.get(Tenant, tenant_id)
    service = db.session.get(Service, service_id)
    if tenant is None or service is None or service.tenant_id != tenant_id or not service.active:
        db.session.rollback()
        return None
    entry = waitlist.offer(tenant, service, starts_at, resource_ids)
    entry_id = entry.id if entry is not None else None
    db.session.commit()
    return entry_id


def expire_waitlist_offers() -> int:
    """Periodic: unclaimed offers go back to waiting, and each slot passes to the next entry if still free."""
    now = utcnow()
    freed = waitlist.expire_offers(now)
    # Entries whose last day is over stop waiting (a day late at most, whatever the business's zone).
    waitlist.close_past_entries((now - timedelta(days=1)).date())
    db.session.commit()
    passed = 0
    for tenant_id, service_id, starts_at, resource_ids in freed:
        try:
            if starts_at > now and _offer(tenant_id, service_id, starts_at, resource_ids) is not None:
                passed += 1
        except Exception:  # one bad row must not stop the others
            db.session.rollback()
            log.exception("passing on waitlist slot %s of service %s failed", starts_at, service_id)
    return passed


def _parse(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
