"""Booking rules: free slots, booking without conflicts, moving, cancelling,
status changes, the reminder chain rows and the customer's card.

Conflicts cannot happen: PostgreSQL refuses overlapping active holds of a
resource with an exclusion constraint; on SQLite each booking first bumps the
resources' lock_version, which takes the single writer lock before the overlap
check, so two bookings of one resource run one after the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import events
from app.booking.slots import ResourcePlan, Slot, free_slots, is_free
from app.extensions import db
from app.models import (
    Appointment,
    AppointmentReminder,
    AppointmentResource,
    Customer,
    Resource,
    Service,
    Tenant,
    TimeOff,
    User,
)
from app.models.base import utcnow

DEFAULT_REMINDER_OFFSETS = (48 * 60, 2 * 60)  # T-48h, T-2h
EXTRA_REMINDER_OFFSET = 24 * 60  # for customers who did not come twice
NO_SHOW_FLAG = 2


class BookingError(Exception):
    """A rule was broken; the message is shown to the person as is."""


class SlotTaken(BookingError):
    def __init__(self) -> None:
        super().__init__(_l("Someone has just taken this time. Choose another one."))


def zone_of(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.timezone or "Europe/Istanbul")


def settings_of(tenant: Tenant) -> dict:
    values = dict(tenant.booking_settings or {})
    values.setdefault("reminder_offsets", list(DEFAULT_REMINDER_OFFSETS))
    values.setdefault("slot_step", 30)
    values.setdefault("offer_minutes", 120)
    values.setdefault("stage_on_booking", "appointment")
    return values


def kinds_of(service: Service) -> list[str]:
    """The resource kinds a service needs, one of each, in a stable order."""
    seen: list[str] = []
    for resource in service.resources:
        if resource.active and resource.kind not in seen:
            seen.append(resource.kind)
    return seen


def _holds(resource_ids: Sequence[int], start: datetime, end: datetime, exclude_appointment: int | None = None):
    stmt = select(
        AppointmentResource.resource_id, AppointmentResource.starts_at, AppointmentResource.blocked_until
    ).where(
        AppointmentResource.resource_id.in_(resource_ids),
        AppointmentResource.active.is_(True),
        AppointmentResource.starts_at < end,
        AppointmentResource.blocked_until > start,
    )
    if exclude_appointment is not None:
        stmt = stmt.where(AppointmentResource.appointment_id != exclude_appointment)
    found: dict[int, list] = defaultdict(list)
    for resource_id, starts_at, until in db.session.execute(stmt):
        found[resource_id].append((starts_at, until))
    return found


def _days_off(tenant_id: int, resource_ids: Sequence[int], first: date, last: date) -> dict[int | None, set[date]]:
    rows = db.session.scalars(
        select(TimeOff).where(
            TimeOff.tenant_id == tenant_id,
            TimeOff.starts_on <= last,
            TimeOff.ends_on >= first,
            (TimeOff.resource_id.in_(resource_ids)) | (TimeOff.resource_id.is_(None)),
        )
    )
    found: dict[int | None, set[date]] = defaultdict(set)
    for row in rows:
        day = max(row.starts_on, first)
        while day <= min(row.ends_on, last):
            found[row.resource_id].add(day)
            day += timedelta(days=1)
    return found


def plans(
    tenant: Tenant,
    resources: Sequence[Resource],
    first: date,
    last: date,
    exclude_appointment: int | None = None,
) -> list[ResourcePlan]:
    """Everything the slot engine needs about these resources between two local days (two queries)."""
    zone = zone_of(tenant)
    ids = [r.id for r in resources]
    window_start = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    window_end = datetime.combine(last + timedelta(days=2), datetime.min.time(), tzinfo=zone)
    holds = _holds(ids, window_start, window_end, exclude_appointment)
    off = _days_off(tenant.id, ids, first - timedelta(days=1), last)
    return [
        ResourcePlan(
            id=r.id,
            kind=r.kind,
            weekly_hours=r.weekly_hours or {},
            breaks=r.breaks or {},
            days_off=frozenset(off.get(r.id, set()) | off.get(None, set())),
            busy=tuple(sorted(holds.get(r.id, []))),
        )
        for r in resources
    ]


def free_slots_for(
    tenant: Tenant,
    service: Service,
    first: date,
    last: date,
    *,
    now: datetime | None = None,
    exclude_appointment: int | None = None,
) -> list[Slot]:
    resources = [r for r in service.resources if r.active]
    if not resources:
        return []
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return free_slots(
        kinds=kinds_of(service),
        resources=plans(tenant, resources, first, last, exclude_appointment),
        duration=timedelta(minutes=service.duration_min),
        buffer=timedelta(minutes=service.buffer_min),
        days=days,
        zone=zone_of(tenant),
        step=timedelta(minutes=settings_of(tenant)["slot_step"]),
        not_before=now or utcnow(),
    )


def _pick_resources(
    tenant: Tenant, service: Service, start: datetime, wanted: Sequence[int] | None, exclude: int | None
) -> list[Resource]:
    """One free resource of each kind the service needs (the wanted ones when given)."""
    zone = zone_of(tenant)
    until = start + timedelta(minutes=service.duration_min + service.buffer_min)
    candidates = [r for r in service.resources if r.active and (not wanted or r.id in wanted)]
    local_day = start.astimezone(zone).date()
    resource_plans = {p.id: p for p in plans(tenant, candidates, local_day, local_day, exclude)}
    chosen = []
    for kind in kinds_of(service):
        match = next(
            (r for r in candidates if r.kind == kind and is_free(resource_plans[r.id], start, until, zone)), None
        )
        if match is None:
            raise SlotTaken()
        chosen.append(match)
    return chosen


def _lock(resources: Sequence[Resource]) -> None:
    """Take the write lock on these resources before checking for overlaps (see the module docstring)."""
    db.session.execute(
        update(Resource)
        .where(Resource.id.in_([r.id for r in resources]))
        .values(lock_version=Resource.lock_version + 1)
    )


def new_appointment(tenant: Tenant, customer: Customer, service: Service, starts_at: datetime, **fields) -> Appointment:
    """Add (and flush, for its id) an appointment row lasting the service's duration. No rules checked:
    book() is the way to book; the demo uses this for past visits."""
    appointment = Appointment(
        tenant_id=tenant.id,
        customer_id=customer.id,
        service_id=service.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=service.duration_min),
        **fields,
    )
    db.session.add(appointment)
    db.session.flush()
    return appointment


def add_holds(
    appointment: Appointment, resource_ids: Sequence[int], start: datetime, until: datetime, *, active: bool = True
) -> None:
    """One hold row per resource, blocking it from `start` until `until` (the end plus the buffer)."""
    for resource_id in resource_ids:
        db.session.add(
            AppointmentResource(
                tenant_id=appointment.tenant_id,
                appointment_id=appointment.id,
                resource_id=resource_id,
                starts_at=start,
                blocked_until=until,
                active=active,
            )
        )


def _flush_or_taken() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the exclusion constraint on PostgreSQL
        raise SlotTaken() from exc


def book(
    tenant: Tenant,
    actor: User | None,
    customer: Customer,
    service: Service,
    starts_at: datetime,
    *,
    resource_ids: Sequence[int] | None = None,
    source: str = "staff",
    note: str | None = None,
) -> Appointment:
    """Book `service` for `customer` at `starts_at`; SlotTaken when it is no longer free."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if not service.active or service.tenant_id != tenant.id or customer.tenant_id != tenant.id:
        raise BookingError(_l("This service cannot be booked."))
    resources = _pick_resources(tenant, service, starts_at, resource_ids, None)
    _lock(resources)
    resources = _pick_resources(tenant, service, starts_at, [r.id for r in resources], None)  # re-check under the lock
    appointment = new_appointment(
        tenant,
        customer,
        service,
        starts_at,
        source=source,
        note=(note or "").strip() or None,
        created_by_id=actor.id if actor else None,
    )
    until = appointment.ends_at + timedelta(minutes=service.buffer_min)
    add_holds(appointment, [r.id for r in resources], starts_at, until)
    _flush_or_taken()
    schedule_reminders(tenant, appointment, customer)
    refresh_next_appointment(customer)
    events.emit(tenant, events.APPOINTMENT_BOOKED, actor=actor, subject=customer, data=_data(appointment, resources))
    return appointment


def move(
    tenant: Tenant,
    actor: User | None,
    appointment: Appointment,
    starts_at: datetime,
    resource_ids: Sequence[int] | None = None,
) -> Appointment:
    if not appointment.is_active:
        raise BookingError(_l("Only upcoming appointments can be moved."))
    service = appointment.service
    resources = _pick_resources(tenant, service, starts_at, resource_ids, appointment.id)
    _lock(resources)
    resources = _pick_resources(tenant, service, starts_at, [r.id for r in resources], appointment.id)
    old_start = appointment.starts_at
    for hold in appointment.slots:
        hold.active = False
    db.session.flush()
    appointment.starts_at = starts_at
    appointment.ends_at = starts_at + timedelta(minutes=service.duration_min)
    appointment.status = "booked"
    appointment.confirmed_at = None
    add_holds(
        appointment, [r.id for r in resources], starts_at, appointment.ends_at + timedelta(minutes=service.buffer_min)
    )
    _flush_or_taken()
    schedule_reminders(tenant, appointment, appointment.customer)
    refresh_next_appointment(appointment.customer)
    data = _data(appointment, resources) | {"from": old_start.isoformat()}
    events.emit(tenant, events.APPOINTMENT_MOVED, actor=actor, subject=appointment.customer, data=data)
    return appointment


def cancel(tenant: Tenant, actor: User | None, appointment: Appointment, reason: str) -> None:
    if not appointment.is_active:
        raise BookingError(_l("This appointment is not active any more."))
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(_l("Say why the appointment is cancelled."))
    appointment.status = "cancelled"
    appointment.cancel_reason = reason[:200]
    for hold in appointment.slots:
        hold.active = False
    _drop_pending_reminders(appointment)
    refresh_next_appointment(appointment.customer)
    resources = [h.resource for h in appointment.slots]
    data = _data(appointment, resources) | {"reason": appointment.cancel_reason}
    events.emit(tenant, events.APPOINTMENT_CANCELLED, actor=actor, subject=appointment.customer, data=data)


STATUS_EVENTS = {
    "confirmed": "APPOINTMENT_CONFIRMED",
    "arrived": "APPOINTMENT_ARRIVED",
    "completed": "APPOINTMENT_COMPLETED",
    "no_show": "APPOINTMENT_NO_SHOW",
}


def set_status(tenant: Tenant, actor: User | None, appointment: Appointment, status: str) -> None:
    """Confirmed, arrived, completed or no-show; a no-show frees the rest of the slot."""
    if status not in STATUS_EVENTS:
        raise BookingError(_l("Unknown appointment status."))
    if appointment.status in ("cancelled", "completed", "no_show"):
        raise BookingError(_l("This appointment is already closed."))
    appointment.status = status
    if status == "confirmed":
        appointment.confirmed_at = utcnow()
    if status in ("completed", "no_show"):
        for hold in appointment.slots:
            hold.active = False if status == "no_show" else hold.active
        _drop_pending_reminders(appointment)
    if status == "no_show":
        appointment.customer.no_show_count = (appointment.customer.no_show_count or 0) + 1
    refresh_next_appointment(appointment.customer)
    event_type = getattr(events, STATUS_EVENTS[status])
    resources = [h.resource for h in appointment.slots]
    events.emit(tenant, event_type, actor=actor, subject=appointment.customer, data=_data(appointment, resources))


def handle_reply(tenant: Tenant, appointment: Appointment, text: str) -> str | None:
    """A customer's answer to a reminder: "1"/"EVET" confirms, "2"/"IPTAL" cancels."""
    word = (text or "").strip().upper().replace("İ", "I")
    if word in ("1", "EVET", "YES", "E"):
        set_status(tenant, None, appointment, "confirmed")
        return "confirmed"
    if word in ("2", "IPTAL", "CANCEL", "HAYIR"):
        cancel(tenant, None, appointment, str(_l("Cancelled by the customer's reply")))
        return "cancelled"
    return None


def schedule_reminders(tenant: Tenant, appointment: Appointment, customer: Customer) -> None:
    """(Re)build the chain: one outbox row per offset still in the future."""
    _drop_pending_reminders(appointment)
    offsets = list(appointment.service.reminder_offsets or settings_of(tenant)["reminder_offsets"])
    if (customer.no_show_count or 0) >= NO_SHOW_FLAG and EXTRA_REMINDER_OFFSET not in offsets:
        offsets.append(EXTRA_REMINDER_OFFSET)
    now = utcnow()
    for offset in sorted(set(int(o) for o in offsets), reverse=True):
        due = appointment.starts_at - timedelta(minutes=offset)
        if due > now:
            db.session.add(
                AppointmentReminder(tenant_id=tenant.id, appointment_id=appointment.id, offset_min=offset, due_at=due)
            )
    db.session.flush()


def _drop_pending_reminders(appointment: Appointment) -> None:
    db.session.execute(
        AppointmentReminder.__table__.delete().where(
            and_(AppointmentReminder.appointment_id == appointment.id, AppointmentReminder.sent_at.is_(None))
        )
    )


def refresh_next_appointment(customer: Customer) -> None:
    """Keep the kanban card's "next appointment" equal to the customer's next active appointment."""
    db.session.flush()
    customer.next_appointment_at = db.session.scalar(
        select(func.min(Appointment.starts_at)).where(
            Appointment.customer_id == customer.id,
            Appointment.status.in_(("booked", "confirmed", "arrived")),
            Appointment.starts_at >= utcnow() - timedelta(hours=12),
        )
    )


def _data(appointment: Appointment, resources: Sequence[Resource]) -> dict:
    return {
        "appointment_id": appointment.id,
        "name": appointment.customer.name,
        "service": appointment.service.name,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
        "resource_ids": [r.id for r in resources],
        "resources": [r.name for r in resources],
        "status": appointment.status,
    }


@dataclass
class DayAgenda:
    day: date
    resources: list[Resource]
    appointments: dict[int, list[Appointment]]  # resource id -> appointments that day


def agenda(tenant: Tenant, day: date, last: date | None = None) -> DayAgenda:
    """Every resource and its appointments between two local days (cancelled ones left out)."""
    zone = zone_of(tenant)
    last = last or day
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    resources = list(
        db.session.scalars(
            select(Resource)
            .where(Resource.tenant_id == tenant.id, Resource.active.is_(True))
            .order_by(Resource.position, Resource.name)
        )
    )
    rows = db.session.execute(
        select(AppointmentResource.resource_id, Appointment)
        .join(Appointment, Appointment.id == AppointmentResource.appointment_id)
        .where(
            Appointment.tenant_id == tenant.id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
            Appointment.status != "cancelled",
        )
        .options(joinedload(Appointment.customer), joinedload(Appointment.service))  # the agenda shows both
        .order_by(Appointment.starts_at)
    )
    by_resource: dict[int, list[Appointment]] = defaultdict(list)
    for resource_id, appointment in rows:
        by_resource[resource_id].append(appointment)
    return DayAgenda(day, resources, dict(by_resource))
