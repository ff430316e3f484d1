"""The booking core: defaults per sector, free slots, conflict-proof booking, the chain of reminders."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import events
from app.booking import services as booking
from app.extensions import db
from app.models import Appointment, AppointmentReminder, Customer, Event, Resource, Service, Tenant, TimeOff, User
from app.models.base import utcnow

IST = ZoneInfo("Europe/Istanbul")


def next_weekday(weekday: int, weeks_ahead: int = 1) -> date:
    today = utcnow().astimezone(IST).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=IST)


def _service(tenant_id: int, name: str) -> Service:
    return db.session.scalar(select(Service).where(Service.tenant_id == tenant_id, Service.name == name))


def test_a_dental_clinic_starts_with_doctors_rooms_services_and_holidays(app, make):
    team = make.team()
    with app.app_context():
        kinds = {r.kind for r in db.session.scalars(select(Resource).where(Resource.tenant_id == team.tenant.id))}
        assert kinds == {"doctor", "room"}
        check_up = _service(team.tenant.id, "Muayene")
        assert booking.kinds_of(check_up) == ["doctor", "room"]
        holidays = db.session.scalars(select(TimeOff).where(TimeOff.tenant_id == team.tenant.id)).all()
        assert any(h.reason == "Cumhuriyet Bayramı" for h in holidays)


def test_free_slots_follow_hours_lunch_and_holidays(app, make):
    team = make.team()
    monday = next_weekday(0)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        check_up = _service(tenant.id, "Muayene")
        slots = booking.free_slots_for(tenant, check_up, monday, monday)
        starts = {s.starts_at.astimezone(IST).strftime("%H:%M") for s in slots}
        assert "09:00" in starts and "12:30" in starts  # Dt. Mehmet works through Dt. Ayşe's lunch
        assert "08:30" not in starts and "19:00" not in starts
        db.session.add(
            TimeOff(tenant_id=tenant.id, resource_id=None, starts_on=monday, ends_on=monday, reason="Tadilat")
        )
        db.session.flush()
        assert booking.free_slots_for(tenant, check_up, monday, monday) == []
        db.session.rollback()


def test_a_booked_time_is_gone_for_that_doctor_and_room(app, make):
    team = make.team()
    customer = make.customer(team.tenant)
    tuesday = next_weekday(1)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        implant = _service(tenant.id, "İmplant Görüşmesi")  # only Dt. Ayşe and room 1
        appointment = booking.book(tenant, None, db.session.get(Customer, customer.id), implant, at(tuesday, 10))
        db.session.commit()
        starts = {s.starts_at for s in booking.free_slots_for(tenant, implant, tuesday, tuesday)}
        assert at(tuesday, 10) not in starts and at(tuesday, 10, 30) in starts
        with pytest.raises(booking.SlotTaken):
            booking.book(tenant, None, db.session.get(Customer, customer.id), implant, at(tuesday, 10))
        db.session.rollback()
        assert db.session.get(Customer, customer.id).next_appointment_at == at(tuesday, 10)
        booked = db.session.scalars(
            select(Event).where(Event.type == events.APPOINTMENT_BOOKED, Event.subject_id == customer.id)
        ).one()
        assert booked.data["appointment_id"] == appointment.id


def test_a_cancellation_frees_the_slot(app, make):
    team = make.team()
    customer = make.customer(team.tenant)
    wednesday = next_weekday(2)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        implant = _service(tenant.id, "İmplant Görüşmesi")
        appointment = booking.book(tenant, None, db.session.get(Customer, customer.id), implant, at(wednesday, 11))
        db.session.commit()
        with pytest.raises(booking.BookingError):
            booking.cancel(tenant, None, appointment, "")
        booking.cancel(tenant, None, appointment, "Hasta aradı")
        db.session.commit()
        assert at(wednesday, 11) in {s.starts_at for s in booking.free_slots_for(tenant, implant, wednesday, wednesday)}


def test_the_reminder_chain_is_t48h_and_t2h_plus_one_for_no_show_prone_customers(app, make):
    team = make.team()
    customer = make.customer(team.tenant)
    day = next_weekday(3, weeks_ahead=2)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        check_up = _service(tenant.id, "Muayene")
        appointment = booking.book(tenant, None, db.session.get(Customer, customer.id), check_up, at(day, 9))
        db.session.commit()
        offsets = sorted(
            r.offset_min
            for r in db.session.scalars(
                select(AppointmentReminder).where(AppointmentReminder.appointment_id == appointment.id)
            )
        )
        assert offsets == [120, 2880]
        db.session.get(Customer, customer.id).no_show_count = 2
        booking.move(tenant, None, appointment, at(day, 10))
        db.session.commit()
        offsets = sorted(
            r.offset_min
            for r in db.session.scalars(
                select(AppointmentReminder).where(AppointmentReminder.appointment_id == appointment.id)
            )
        )
        assert offsets == [120, 1440, 2880]


def test_many_people_booking_one_slot_at_once_make_one_appointment(app, make):
    team = make.team()
    # Ten at once: fewer than the connection pool, so every thread really holds a connection.
    customers = [make.customer(team.tenant) for _ in range(10)]
    day = next_weekday(4)
    barrier = threading.Barrier(len(customers))
    results = []

    def attempt(customer_id):
        with app.app_context():
            tenant = db.session.get(Tenant, team.tenant.id)
            implant = _service(tenant.id, "İmplant Görüşmesi")
            customer = db.session.get(Customer, customer_id)
            barrier.wait(timeout=30)
            try:
                booking.book(tenant, None, customer, implant, at(day, 14))
                db.session.commit()
                results.append("booked")
            except booking.SlotTaken:
                db.session.rollback()
                results.append("taken")
            except Exception as exc:  # SQLite may also refuse a writer outright
                db.session.rollback()
                results.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(c.id,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results.count("booked") == 1
    with app.app_context():
        count = db.session.scalar(
            select(db.func.count())
            .select_from(Appointment)
            .where(Appointment.tenant_id == team.tenant.id, Appointment.status == "booked")
        )
        assert count == 1


def test_replies_confirm_or_cancel(app, make):
    team = make.team()
    customer = make.customer(team.tenant)
    day = next_weekday(0, weeks_ahead=3)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        check_up = _service(tenant.id, "Muayene")
        first = booking.book(tenant, None, db.session.get(Customer, customer.id), check_up, at(day, 9))
        second = booking.book(
            tenant, db.session.get(User, team.agent.id), db.session.get(Customer, customer.id), check_up, at(day, 11)
        )
        db.session.commit()
        assert booking.handle_reply(tenant, first, " evet ") == "confirmed"
        assert booking.handle_reply(tenant, second, "İPTAL") == "cancelled"
        assert booking.handle_reply(tenant, first, "belki") is None
        db.session.commit()
        assert first.status == "confirmed" and second.status == "cancelled"
