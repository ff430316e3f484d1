"""The waitlist: joining, the offer after a cancellation, claiming, expiry and hand-over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import events
from app.booking import services as booking
from app.booking import waitlist
from app.extensions import db
from app.models import Appointment, Customer, Event, OutboundMessage, Service, Tenant, WaitlistEntry
from app.models.base import utcnow
from jobs.waitlist import expire_waitlist_offers
from tests.factories import client_from_new_ip
from tests.integration.test_public_booking import at, free_day, service_id

IMPLANT = "İmplant Görüşmesi"  # one doctor and one room: a booking fills the slot


def _join(app, tenant, customer, service, day, window=("09:00", "18:00")) -> int:
    with app.app_context():
        entry = waitlist.join(
            db.session.get(Tenant, tenant.id),
            db.session.get(Customer, customer.id),
            db.session.get(Service, service),
            day,
            day + timedelta(days=2),
            *window,
        )
        db.session.commit()
        return entry.id


def _book(app, tenant, customer, service, start) -> int:
    with app.app_context():
        row = booking.book(
            db.session.get(Tenant, tenant.id),
            None,
            db.session.get(Customer, customer.id),
            db.session.get(Service, service),
            start,
        )
        db.session.commit()
        return row.id


def _cancel(app, tenant, appointment_id) -> None:
    with app.app_context():
        booking.cancel(db.session.get(Tenant, tenant.id), None, db.session.get(Appointment, appointment_id), "Aradı")
        db.session.commit()


def _entry(app, entry_id) -> WaitlistEntry:
    with app.app_context():
        row = db.session.get(WaitlistEntry, entry_id)
        db.session.expunge(row)
        return row


@pytest.fixture
def setup(app, make):
    team = make.team()
    service = service_id(app, team.tenant, IMPLANT)
    day = free_day(app, team.tenant, IMPLANT, hours=(10, 14))
    return team, service, day


def test_join_checks_its_input(app, make, setup):
    team, service, day = setup
    customer = make.customer(team.tenant)
    with app.app_context(), force_locale("en"):
        args = (db.session.get(Tenant, team.tenant.id), db.session.get(Customer, customer.id))
        svc = db.session.get(Service, service)
        with pytest.raises(booking.BookingError, match="must not be before"):
            waitlist.join(*args, svc, day, day - timedelta(days=1))
        with pytest.raises(booking.BookingError, match="must end after"):
            waitlist.join(*args, svc, day, day, "12:00", "09:00")
        with pytest.raises(booking.BookingError, match="HH:MM"):
            waitlist.join(*args, svc, day, day, "9", "10:00")
        entry = waitlist.join(*args, svc, day, day, "09:00", "12:00")
        assert entry.status == "waiting"
        db.session.rollback()


def test_the_public_page_puts_a_visitor_on_the_waitlist(app, make, setup):
    team, service, day = setup
    client = client_from_new_ip(app)
    page = client.get(f"/b/{team.tenant.slug}/waitlist?service={service}&day={day.isoformat()}")
    assert page.status_code == 200 and "Tell me if a time opens" in page.get_data(as_text=True)
    data = {
        "service": str(service),
        "from_date": day.isoformat(),
        "to_date": (day + timedelta(days=3)).isoformat(),
        "window_start": "09:00",
        "window_end": "12:00",
        "name": "Bekleyen Kişi",
        "phone": "0533 222 33 44",
        "consent": "y",
        "website": "",
    }
    bad = client.post(f"/b/{team.tenant.slug}/waitlist", data=dict(data, window_end="08:00"))
    assert bad.status_code == 422 and "must end after it starts" in bad.get_data(as_text=True)
    response = client.post(f"/b/{team.tenant.slug}/waitlist", data=data)
    assert response.status_code == 303
    assert "You are on the waiting list" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.tenant_id == team.tenant.id))
        assert entry.status == "waiting" and entry.window_start == "09:00" and entry.window_end == "12:00"
        assert entry.customer.phone == "+905332223344" and entry.customer.source == "web_form"
    spam = client.post(f"/b/{team.tenant.slug}/waitlist", data=dict(data, website="x", phone="0533 999 88 77"))
    assert spam.status_code == 303
    with app.app_context():
        assert (
            len(db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.tenant_id == team.tenant.id)).all()) == 1
        )


def test_a_cancellation_offers_the_slot_to_the_first_waiting_entry_that_fits(app, make, run_jobs, setup):
    team, service, day = setup
    holder = make.customer(team.tenant, name="Randevu Sahibi")
    mornings_only = make.customer(team.tenant, name="Sabahçı")
    first = make.customer(team.tenant, name="İlk Bekleyen")
    second = make.customer(team.tenant, name="İkinci Bekleyen")
    appointment = _book(app, team.tenant, holder, service, at(day, 14))
    early = _join(app, team.tenant, mornings_only, service, day, ("09:00", "12:00"))  # oldest, but 14:00 is outside
    first_entry = _join(app, team.tenant, first, service, day)
    second_entry = _join(app, team.tenant, second, service, day)
    _cancel(app, team.tenant, appointment)
    run_jobs()

    offered = _entry(app, first_entry)
    assert offered.status == "offered" and offered.offered_starts_at == at(day, 14)
    assert offered.offer_token and offered.offered_resource_ids
    assert offered.offer_expires_at > utcnow() + timedelta(minutes=110)
    assert _entry(app, early).status == "waiting" and _entry(app, second_entry).status == "waiting"
    with app.app_context():
        message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.customer_id == first.id))
        assert f"http://kervan.test/b/{team.tenant.slug}/w/{offered.offer_token}" in message.body
        event = db.session.scalar(
            select(Event).where(Event.type == events.WAITLIST_OFFERED, Event.tenant_id == team.tenant.id)
        )
        assert event.subject_id == first.id and event.data["entry_id"] == first_entry

    client = client_from_new_ip(app)
    link = f"/b/{team.tenant.slug}/w/{offered.offer_token}"
    assert "Book this time" in client.get(link).get_data(as_text=True)
    claimed = client.post(link)
    assert claimed.status_code == 303 and "/booked/" in claimed.headers["Location"]
    with app.app_context():
        appointment = db.session.scalar(select(Appointment).where(Appointment.customer_id == first.id))
        assert appointment.source == "waitlist" and appointment.starts_at == at(day, 14)
        assert db.session.get(WaitlistEntry, first_entry).status == "booked"
    assert "You have taken this time" in client.get(link).get_data(as_text=True)


def test_a_slot_taken_before_the_claim_puts_the_entry_back_to_waiting(app, make, run_jobs, setup):
    team, service, day = setup
    holder = make.customer(team.tenant)
    waiting = make.customer(team.tenant)
    quick = make.customer(team.tenant)
    appointment = _book(app, team.tenant, holder, service, at(day, 14))
    entry_id = _join(app, team.tenant, waiting, service, day)
    _cancel(app, team.tenant, appointment)
    run_jobs()
    token = _entry(app, entry_id).offer_token
    _book(app, team.tenant, quick, service, at(day, 14))  # the secretary gave it away meanwhile
    response = client_from_new_ip(app).post(f"/b/{team.tenant.slug}/w/{token}")
    assert response.status_code == 409 and "Sorry, this time was taken" in response.get_data(as_text=True)
    assert _entry(app, entry_id).status == "waiting"
    with app.app_context():
        assert db.session.scalar(select(Appointment).where(Appointment.customer_id == waiting.id)) is None


def test_an_expired_offer_goes_back_and_the_slot_passes_to_the_next(app, make, run_jobs, setup):
    team, service, day = setup
    holder = make.customer(team.tenant)
    first = make.customer(team.tenant)
    second = make.customer(team.tenant)
    appointment = _book(app, team.tenant, holder, service, at(day, 14))
    first_entry = _join(app, team.tenant, first, service, day)
    second_entry = _join(app, team.tenant, second, service, day)
    _cancel(app, team.tenant, appointment)
    run_jobs()
    token = _entry(app, first_entry).offer_token
    with app.app_context():
        db.session.get(WaitlistEntry, first_entry).offer_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client = client_from_new_ip(app)
    assert "This offer has expired" in client.get(f"/b/{team.tenant.slug}/w/{token}").get_data(as_text=True)
    assert client.post(f"/b/{team.tenant.slug}/w/{token}").status_code == 409

    with app.app_context():
        assert expire_waitlist_offers() == 1
    assert _entry(app, first_entry).status == "waiting"
    handed = _entry(app, second_entry)
    assert handed.status == "offered" and handed.offered_starts_at == at(day, 14)

    # When the second lets it go too, the first does not get the same slot again.
    with app.app_context():
        db.session.get(WaitlistEntry, second_entry).offer_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert expire_waitlist_offers() == 0
    assert _entry(app, first_entry).status == "waiting" and _entry(app, second_entry).status == "waiting"


def test_an_expired_offer_is_not_passed_on_when_the_slot_is_gone(app, make, run_jobs, setup):
    team, service, day = setup
    holder, first, second, other = (make.customer(team.tenant) for _ in range(4))
    appointment = _book(app, team.tenant, holder, service, at(day, 14))
    first_entry = _join(app, team.tenant, first, service, day)
    second_entry = _join(app, team.tenant, second, service, day)
    _cancel(app, team.tenant, appointment)
    run_jobs()
    _book(app, team.tenant, other, service, at(day, 14))
    with app.app_context():
        db.session.get(WaitlistEntry, first_entry).offer_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert expire_waitlist_offers() == 0
    assert _entry(app, second_entry).status == "waiting"
