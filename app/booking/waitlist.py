"""The waitlist: customers waiting for a service in a date and time window.

A freed slot goes to the oldest waiting entry whose window holds it, as a
time-limited offer with an unguessable claim link. An offer that is not
claimed in time goes back to waiting and the slot passes to the next entry
(first come, first served). An entry is never offered the same slot twice.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import events
from app.booking import notifications
from app.booking import services as booking
from app.extensions import db
from app.messaging import channels
from app.models import Appointment, Customer, Service, Tenant, WaitlistEntry
from app.models.base import utcnow

MAX_DAYS_AHEAD = 90
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class OfferExpired(booking.BookingError):
    def __init__(self) -> None:
        super().__init__(_l("This offer has expired. You are still on the waiting list."))


def join(
    tenant: Tenant,
    customer: Customer,
    service: Service,
    from_date: date,
    to_date: date,
    window_start: str = "00:00",
    window_end: str = "23:59",
) -> WaitlistEntry:
    """Put a customer on the waitlist of a service; BookingError with a clear message on bad input."""
    if service.tenant_id != tenant.id or customer.tenant_id != tenant.id or not service.active:
        raise booking.BookingError(_l("This service cannot be booked."))
    today = utcnow().astimezone(booking.zone_of(tenant)).date()
    if from_date < today:
        raise booking.BookingError(_l("Choose dates from today on."))
    if to_date < from_date:
        raise booking.BookingError(_l("The last day must not be before the first day."))
    if (to_date - today).days > MAX_DAYS_AHEAD:
        raise booking.BookingError(_l("Choose dates within the next %(days)s days.", days=MAX_DAYS_AHEAD))
    window_start, window_end = (window_start or "00:00").strip(), (window_end or "23:59").strip()
    if not _CLOCK.match(window_start) or not _CLOCK.match(window_end):
        raise booking.BookingError(_l("Give the times as HH:MM."))
    if window_end <= window_start:
        raise booking.BookingError(_l("The time window must end after it starts."))
    entry = WaitlistEntry(
        tenant_id=tenant.id,
        customer_id=customer.id,
        service_id=service.id,
        from_date=from_date,
        to_date=to_date,
        window_start=window_start,
        window_end=window_end,
        status="waiting",
        offered_resource_ids=[],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def fits(tenant: Tenant, entry: WaitlistEntry, starts_at: datetime, duration_min: int) -> bool:
    """Does the slot lie inside the entry's days and daily time window (local time)?"""
    zone = booking.zone_of(tenant)
    local = starts_at.astimezone(zone)
    end = (starts_at + timedelta(minutes=duration_min)).astimezone(zone)
    if not entry.from_date <= local.date() <= entry.to_date:
        return False
    if local.strftime("%H:%M") < entry.window_start:
        return False
    if end.date() > local.date():  # ends at midnight at the latest, for a window open until the end of the day
        return end.time() == time.min and entry.window_end >= "23:59"
    return end.strftime("%H:%M") <= entry.window_end


def free_resources(tenant: Tenant, service: Service, starts_at: datetime, wanted: Sequence[int] | None) -> list[int]:
    """The resources that would hold this slot now (the wanted ones if they are still free), or [] when taken."""
    if starts_at <= utcnow():
        return []
    for choice in ([list(wanted)] if wanted else []) + [None]:
        try:
            return [r.id for r in booking._pick_resources(tenant, service, starts_at, choice, None)]
        except booking.SlotTaken:
            continue
    return []


def offer(
    tenant: Tenant,
    service: Service,
    starts_at: datetime,
    resource_ids: Sequence[int] | None = None,
    *,
    now: datetime | None = None,
) -> WaitlistEntry | None:
    """Offer a freed slot to the first waiting entry whose window holds it; None when nobody fits or it is gone."""
    now = now or utcnow()
    resources = free_resources(tenant, service, starts_at, resource_ids)
    if not resources:
        return None
    local_day = starts_at.astimezone(booking.zone_of(tenant)).date()
    candidates = db.session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.tenant_id == tenant.id,
            WaitlistEntry.service_id == service.id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.from_date <= local_day,
            WaitlistEntry.to_date >= local_day,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    for entry in candidates:
        if entry.offered_starts_at is not None and entry.offered_starts_at == starts_at:
            continue  # had this very slot already and let it go
        if not fits(tenant, entry, starts_at, service.duration_min):
            continue
        # Claim the entry: only one concurrent offer wins it.
        won = db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
            .values(status="offered")
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            continue
        db.session.refresh(entry)
        entry.offered_starts_at = starts_at
        entry.offered_resource_ids = list(resources)
        entry.offer_token = secrets.token_urlsafe(24)
        entry.offer_expires_at = now + timedelta(minutes=int(booking.settings_of(tenant)["offer_minutes"]))
        db.session.flush()
        events.emit(
            tenant,
            events.WAITLIST_OFFERED,
            subject=entry.customer,
            data={
                "entry_id": entry.id,
                "name": entry.customer.name,
                "service": service.name,
                "starts_at": starts_at.isoformat(),
                "resource_ids": list(resources),
                "expires_at": entry.offer_expires_at.isoformat(),
            },
        )
        send_offer(tenant, entry)
        return entry
    return None


def offer_link(tenant: Tenant, entry: WaitlistEntry) -> str:
    return notifications.public_url(tenant, f"w/{entry.offer_token}")


def send_offer(tenant: Tenant, entry: WaitlistEntry):
    subject, body = notifications.render(
        tenant,
        "waitlist_offer",
        customer=entry.customer,
        service=entry.service,
        starts_at=entry.offered_starts_at,
        link=offer_link(tenant, entry),
        expires=entry.offer_expires_at,
    )
    return channels.send(tenant, entry.customer, subject, body)


def back_to_waiting(entry: WaitlistEntry) -> None:
    """The offer is over (expired or the slot was taken); offered_starts_at stays so it is not offered again."""
    entry.status = "waiting"
    entry.offer_expires_at = None


def is_expired(entry: WaitlistEntry, now: datetime | None = None) -> bool:
    return entry.offer_expires_at is not None and entry.offer_expires_at <= (now or utcnow())


def claim(tenant: Tenant, entry: WaitlistEntry, *, now: datetime | None = None) -> Appointment:
    """Book exactly the offered slot. OfferExpired, or SlotTaken (the caller rolls back and calls back_to_waiting)."""
    if entry.status != "offered" or entry.offered_starts_at is None:
        raise booking.BookingError(_l("This offer is no longer open."))
    if is_expired(entry, now):
        raise OfferExpired()
    appointment = booking.book(
        tenant,
        None,
        entry.customer,
        entry.service,
        entry.offered_starts_at,
        resource_ids=entry.offered_resource_ids or None,
        source="waitlist",
    )
    entry.status = "booked"
    return appointment


def expire_offers(now: datetime | None = None, limit: int = 500) -> list[tuple[int, int, datetime, list[int]]]:
    """Turn offers whose time ran out back to waiting, each exactly once; returns the slots to pass on."""
    now = now or utcnow()
    due = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now)
        .order_by(WaitlistEntry.offer_expires_at)
        .limit(limit)
    ).all()
    freed = []
    for entry in due:
        won = db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "offered")
            .values(status="waiting", offer_expires_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1 and entry.offered_starts_at is not None:
            freed.append((entry.tenant_id, entry.service_id, entry.offered_starts_at, list(entry.offered_resource_ids)))
    return freed


def close_past_entries(today: date) -> int:
    """Waiting entries whose last day has passed end as "expired"."""
    return db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.status == "waiting", WaitlistEntry.to_date < today)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    ).rowcount


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None
