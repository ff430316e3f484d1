"""Demo appointments: four weeks around today for the clinic and the salon, about
60 % of the working time filled, with cancellations, no-shows (a few customers
twice), completed past visits, confirmations and a short waitlist.

Idempotent: a business that already has appointments is left alone."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.booking import services as booking
from app.booking.slots import open_intervals
from app.extensions import db
from app.models import Appointment, Customer, Resource, Service, Tenant, WaitlistEntry
from app.pipeline.services import live_customers

SECTORS = ("dental", "beauty")
STEP = timedelta(minutes=30)
FILL = 0.7  # chance to book at each free step; with rooms and chairs shared this fills ~60 %
CANCEL_REASONS = (
    "Hasta rahatsızlandı",
    "İş yoğunluğu nedeniyle gelemeyecek",
    "Şehir dışında olacak",
    "Başka bir güne almak istedi",
    "Ulaşım sorunu",
)
WINDOWS = (("09:00", "12:00"), ("12:00", "17:00"), ("17:00", "20:00"), ("09:00", "20:00"))


def _overlaps(holds: list[tuple[datetime, datetime]], start: datetime, until: datetime) -> bool:
    return any(a < until and start < b for a, b in holds)


def _plan(tenant: Tenant, services: list[Service], first: date, last: date, rng: random.Random) -> list[tuple]:
    """(start, service, resource ids) for every demo appointment, decided in memory."""
    zone = booking.zone_of(tenant)
    resources = list(
        db.session.scalars(select(Resource).where(Resource.tenant_id == tenant.id, Resource.active.is_(True)))
    )
    plans = {p.id: p for p in booking.plans(tenant, resources, first, last)}
    by_lead: dict[int, list[Service]] = defaultdict(list)
    for service in services:
        kinds = booking.kinds_of(service)
        for resource in service.resources:
            if resource.active and resource.kind == kinds[0]:
                by_lead[resource.id].append(service)
    busy: dict[int, list] = defaultdict(list)
    opened: dict[tuple[int, date], list] = {}

    def works(resource_id: int, day: date, start: datetime, until: datetime) -> bool:
        key = (resource_id, day)
        if key not in opened:
            opened[key] = open_intervals(plans[resource_id], day, zone)
        return any(a <= start and until <= b for a, b in opened[key]) and not _overlaps(busy[resource_id], start, until)

    planned = []
    day = first
    while day <= last:
        for lead_id, lead_services in by_lead.items():
            for begins, ends in open_intervals(plans[lead_id], day, zone):
                moment = begins
                while moment < ends:
                    if rng.random() < FILL:
                        service = rng.choice(lead_services)
                        until = moment + timedelta(minutes=service.duration_min + service.buffer_min)
                        chosen = [lead_id] if works(lead_id, day, moment, until) else None
                        for kind in booking.kinds_of(service)[1:] if chosen else ():
                            options = [r for r in service.resources if r.kind == kind and r.active]
                            rng.shuffle(options)
                            match = next((r.id for r in options if works(r.id, day, moment, until)), None)
                            if match is None:
                                chosen = None
                                break
                            chosen.append(match)
                        if chosen:
                            for resource_id in chosen:
                                busy[resource_id].append((moment, until))
                            planned.append((moment, service, chosen))
                            steps = -(-(until - moment) // STEP)
                            moment += STEP * steps
                            continue
                    moment += STEP
        day += timedelta(days=1)
    planned.sort(key=lambda item: item[0])
    return planned


def _past(tenant: Tenant, customer: Customer, service: Service, start: datetime, ids: list[int], status: str, rng):
    """A past visit written as history, with its own dates and without the checks, events and reminders of book()."""
    confirmed = status != "cancelled" and rng.random() < 0.6
    appointment = booking.new_appointment(
        tenant,
        customer,
        service,
        start,
        status=status,
        cancel_reason=rng.choice(CANCEL_REASONS) if status == "cancelled" else None,
        source=rng.choice(("staff", "staff", "public")),
        created_at=start - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8)),
        confirmed_at=start - timedelta(hours=rng.randint(3, 40)) if confirmed else None,
    )
    until = appointment.ends_at + timedelta(minutes=service.buffer_min)
    booking.add_holds(appointment, ids, start, until, active=status not in ("cancelled", "no_show"))
    if status == "no_show":
        customer.no_show_count = (customer.no_show_count or 0) + 1


def seed_appointments(tenant: Tenant, now: datetime, rng: random.Random) -> int:
    if tenant.sector not in SECTORS:
        return 0
    if db.session.scalar(select(Appointment.id).where(Appointment.tenant_id == tenant.id).limit(1)) is not None:
        return 0
    services = [
        s
        for s in db.session.scalars(
            select(Service).where(Service.tenant_id == tenant.id, Service.active.is_(True)).order_by(Service.position)
        )
        if booking.kinds_of(s)
    ]
    people = list(db.session.scalars(live_customers(tenant.id).order_by(Customer.id)))
    if not services or not people:
        return 0
    zone = booking.zone_of(tenant)
    today = now.astimezone(zone).date()
    planned = _plan(tenant, services, today - timedelta(days=14), today + timedelta(days=13), rng)
    unreliable = rng.sample(people, 3)  # two no-shows each: flagged, with an extra reminder
    no_shows = 0
    booked = 0
    for start, service, ids in planned:
        customer = rng.choice(people)
        if start + timedelta(minutes=service.duration_min) <= now:
            roll = rng.random()
            status = "no_show" if roll < 0.07 else "cancelled" if roll < 0.16 else "completed"
            if status == "no_show":
                if no_shows < 2 * len(unreliable):
                    customer = unreliable[no_shows // 2]
                no_shows += 1
            _past(tenant, customer, service, start, ids, status, rng)
        elif start <= now:
            _past(tenant, customer, service, start, ids, "arrived", rng)
        else:
            try:
                appointment = booking.book(
                    tenant, None, customer, service, start, resource_ids=ids, source=rng.choice(("staff", "public"))
                )
            except booking.BookingError:
                continue
            roll = rng.random()
            if roll < 0.08:
                booking.cancel(tenant, None, appointment, rng.choice(CANCEL_REASONS))
            elif start - now < timedelta(days=3) and roll < 0.5:
                booking.set_status(tenant, None, appointment, "confirmed")
        booked += 1
    waiting = rng.sample(people, rng.randint(3, 5))
    for n, customer in enumerate(waiting):
        window = rng.choice(WINDOWS)
        db.session.add(
            WaitlistEntry(
                tenant_id=tenant.id,
                customer_id=customer.id,
                service_id=rng.choice(services).id,
                from_date=today + timedelta(days=rng.randint(0, 3)),
                to_date=today + timedelta(days=rng.randint(10, 21)),
                window_start=window[0],
                window_end=window[1],
                status="waiting",
                created_at=now - timedelta(days=rng.randint(0, 6), hours=n),
            )
        )
    for customer in {c.id: c for c in unreliable}.values():
        booking.refresh_next_appointment(customer)
    db.session.flush()
    return booked
