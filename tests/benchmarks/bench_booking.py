"""Booking on PostgreSQL: free-slot computation for a week (10 resources, 30-minute
slots, 2,000 existing appointments), and 20 simultaneous attempts on one slot."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests import settings
from tests.benchmarks.harness import DATABASE_SERVER, REDIS_URL, fmt_ms, percentiles

RUNS = int(os.environ.get("BENCH_REQUESTS", "200"))
IST = ZoneInfo("Europe/Istanbul")
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat")


def prepare(app, make):
    """A clinic with 10 doctors sharing one service and 2,000 appointments over the next weeks."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Appointment, AppointmentResource, Resource, Service, Tenant
    from app.models.base import utcnow

    team = make.team()
    rng = random.Random(11)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        hours = {day: [["09:00", "18:00"]] for day in WEEK}
        doctors = [
            Resource(
                tenant_id=tenant.id,
                name=f"Hekim {n}",
                kind="doctor",
                position=n,
                weekly_hours=hours,
                breaks={day: [["12:30", "13:30"]] for day in WEEK},
            )
            for n in range(10)
        ]
        db.session.add_all(doctors)
        db.session.flush()
        service = Service(tenant_id=tenant.id, name="Bench muayene", duration_min=30, buffer_min=0, resources=doctors)
        db.session.add(service)
        db.session.flush()
        customer = make.customer(team.tenant)
        start_day = (utcnow().astimezone(IST) + timedelta(days=1)).date()
        taken: set[tuple[int, datetime]] = set()
        appointments, holds = [], []
        while len(appointments) < 2000:
            day = start_day + timedelta(days=rng.randrange(0, 28))
            if day.weekday() == 6:
                continue
            at = datetime(
                day.year, day.month, day.day, rng.choice([9, 10, 11, 14, 15, 16, 17]), rng.choice([0, 30]), tzinfo=IST
            )
            doctor = rng.choice(doctors)
            if (doctor.id, at) in taken:
                continue
            taken.add((doctor.id, at))
            appointments.append(
                {
                    "tenant_id": tenant.id,
                    "customer_id": customer.id,
                    "service_id": service.id,
                    "starts_at": at,
                    "ends_at": at + timedelta(minutes=30),
                    "status": "booked",
                    "source": "staff",
                    "manage_token": f"bench-{len(appointments)}",
                    "created_at": utcnow(),
                }
            )
            holds.append((doctor.id, at))
        ids = db.session.scalars(
            insert(Appointment).returning(Appointment.id, sort_by_parameter_order=True), appointments
        ).all()
        db.session.execute(
            insert(AppointmentResource),
            [
                {
                    "tenant_id": tenant.id,
                    "appointment_id": i,
                    "resource_id": r,
                    "starts_at": at,
                    "blocked_until": at + timedelta(minutes=30),
                    "active": True,
                }
                for i, (r, at) in zip(ids, holds, strict=True)
            ],
        )
        db.session.commit()
        return team, service.id, start_day


def main() -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.booking import services as booking
    from app.extensions import db
    from app.models import Customer, Service, Tenant
    from tests.factories import PASSWORD, Factory

    print("\n== booking: 10 resources, 2,000 appointments, PostgreSQL ==")
    with settings.postgres_database("kervan_bench", DATABASE_SERVER) as url:
        app = create_app(
            {
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "SECRET_KEY": "bench",
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 5},
            }
        )
        with app.app_context():
            upgrade()
        make = Factory(app)
        team, service_id, start_day = prepare(app, make)
        samples = []
        with app.app_context():
            tenant = db.session.get(Tenant, team.tenant.id)
            service = db.session.get(Service, service_id)
            for _ in range(10):
                booking.free_slots_for(tenant, service, start_day, start_day + timedelta(days=6))
            for _ in range(RUNS):
                started = time.perf_counter()
                slots = booking.free_slots_for(tenant, service, start_day, start_day + timedelta(days=6))
                samples.append(time.perf_counter() - started)
        print(f"free slots, one week     {fmt_ms(percentiles(samples))}  ({len(slots)} free slots)")

        # The secretary's day agenda, server time in-process (no network), with a service chosen.
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        client.post("/auth/login", data={"email": team.owner.email, "password": PASSWORD})
        busiest = start_day + timedelta(days=1 if start_day.weekday() != 5 else 2)
        path = f"/booking?day={busiest.isoformat()}&service={service_id}"
        for _ in range(10):
            assert client.get(path).status_code == 200
        agenda = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(path)
            agenda.append(time.perf_counter() - started)
        print(f"agenda page (day)        {fmt_ms(percentiles(agenda))}")

        customers = [make.customer(team.tenant) for _ in range(20)]
        day = start_day + timedelta(days=40)
        while day.weekday() == 6:
            day += timedelta(days=1)
        target = datetime(day.year, day.month, day.day, 10, 0, tzinfo=IST)
        barrier = threading.Barrier(len(customers))
        outcomes, times = [], []

        def attempt(customer_id):
            with app.app_context():
                tenant = db.session.get(Tenant, team.tenant.id)
                service = db.session.get(Service, service_id)
                customer = db.session.get(Customer, customer_id)
                barrier.wait(timeout=30)
                started = time.perf_counter()
                try:
                    booking.book(tenant, None, customer, service, target, resource_ids=[service.resources[0].id])
                    db.session.commit()
                    outcomes.append("booked")
                except booking.SlotTaken:
                    db.session.rollback()
                    outcomes.append("taken")
                times.append(time.perf_counter() - started)

        threads = [threading.Thread(target=attempt, args=(c.id,)) for c in customers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        print(
            f"20 attempts on one slot  booked={outcomes.count('booked')} taken={outcomes.count('taken')} "
            f"other={len(outcomes) - outcomes.count('booked') - outcomes.count('taken')}  {fmt_ms(percentiles(times))}"
        )


if __name__ == "__main__":
    main()
