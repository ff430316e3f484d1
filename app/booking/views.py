"""What the secretary's agenda shows: a day per resource with its free slots, a
week grid per resource. Read-only helpers over the booking services (no Flask
request objects here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.booking import services as booking
from app.booking.slots import Slot, free_slots
from app.extensions import db
from app.models import Appointment, Resource, Service, Tenant
from app.models.base import utcnow

QUARTER = 15  # minutes per row of the week grid


@dataclass
class ResourceDay:
    resource: Resource
    appointments: list[Appointment]
    slots: list[Slot] = field(default_factory=list)
    uses_service: bool = False


def services_of(tenant: Tenant) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.tenant_id == tenant.id, Service.active.is_(True))
            .order_by(Service.position, Service.name)
        )
    )


def slots_per_resource(
    tenant: Tenant, service: Service, first: date, last: date, *, exclude_appointment: int | None = None
) -> dict[int, list[Slot]]:
    """For each resource the service uses: the free starts where *that* resource
    (and one of each other kind) is free. One load of the plans, one engine run per resource."""
    resources = [r for r in service.resources if r.active]
    if not resources:
        return {}
    kinds = booking.kinds_of(service)
    all_plans = booking.plans(tenant, resources, first, last, exclude_appointment)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found: dict[int, list[Slot]] = {}
    for plan in all_plans:
        pinned = [p for p in all_plans if p.kind != plan.kind or p.id == plan.id]
        found[plan.id] = free_slots(
            kinds=kinds,
            resources=pinned,
            duration=timedelta(minutes=service.duration_min),
            buffer=timedelta(minutes=service.buffer_min),
            days=days,
            zone=booking.zone_of(tenant),
            step=timedelta(minutes=booking.settings_of(tenant)["slot_step"]),
            not_before=utcnow(),
        )
    return found


def day_view(tenant: Tenant, day: date, service: Service | None) -> list[ResourceDay]:
    agenda = booking.agenda(tenant, day)
    slots = slots_per_resource(tenant, service, day, day) if service else {}
    used = {r.id for r in service.resources} if service else set()
    return [
        ResourceDay(
            resource=r,
            appointments=agenda.appointments.get(r.id, []),
            slots=slots.get(r.id, []),
            uses_service=r.id in used,
        )
        for r in agenda.resources
    ]


@dataclass
class GridItem:
    appointment: Appointment
    column: int  # 0..6
    row_start: int  # quarter rows from the grid's first hour
    row_end: int


@dataclass
class WeekGrid:
    days: list[date]
    first_hour: int
    last_hour: int  # exclusive
    resources: list[Resource]
    resource: Resource | None
    items: list[GridItem]

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // QUARTER


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _hour_span(resource: Resource | None) -> tuple[int, int]:
    first, last = 9, 18
    if resource is None:
        return first, last
    spans = [span for day_spans in (resource.weekly_hours or {}).values() for span in (day_spans or [])]
    if spans:
        first = min(int(start.split(":")[0]) for start, _ in spans)
        ends = []
        for start, end in spans:
            hour, minute = (int(v) for v in end.split(":"))
            ends.append(24 if end <= start else hour + (1 if minute else 0))
        last = max(ends)
    return first, last


def week_view(tenant: Tenant, day: date, resource_id: int | None) -> WeekGrid:
    monday = week_start(day)
    days = [monday + timedelta(days=n) for n in range(7)]
    agenda = booking.agenda(tenant, days[0], days[-1])
    resource = next((r for r in agenda.resources if r.id == resource_id), None) or (
        agenda.resources[0] if agenda.resources else None
    )
    first_hour, last_hour = _hour_span(resource)
    zone = booking.zone_of(tenant)
    items = []
    for appointment in agenda.appointments.get(resource.id, []) if resource else []:
        start = appointment.starts_at.astimezone(zone)
        end = appointment.ends_at.astimezone(zone)
        first_hour = min(first_hour, start.hour)
        last_hour = max(last_hour, min(24, end.hour + (1 if end.minute else 0)) if end.date() == start.date() else 24)
        items.append((appointment, start, end))
    grid_items = []
    for appointment, start, end in items:
        minutes = (start.hour - first_hour) * 60 + start.minute
        length = max(QUARTER, int((min(end, _midnight_after(start)) - start).total_seconds() // 60))
        row_start = minutes // QUARTER
        grid_items.append(
            GridItem(appointment, (start.date() - monday).days, row_start, row_start + max(1, -(-length // QUARTER)))
        )
    return WeekGrid(days, first_hour, last_hour, agenda.resources, resource, grid_items)


def _midnight_after(moment: datetime) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), datetime.min.time(), tzinfo=moment.tzinfo)


def move_choices(tenant: Tenant, appointment: Appointment, days: int = 7) -> list[Slot]:
    """Free starts for the same service from the appointment's day (or today) on, the appointment itself ignored."""
    zone = booking.zone_of(tenant)
    first = max(appointment.starts_at.astimezone(zone).date(), utcnow().astimezone(zone).date())
    return booking.free_slots_for(
        tenant, appointment.service, first, first + timedelta(days=days - 1), exclude_appointment=appointment.id
    )
