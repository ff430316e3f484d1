"""The secretary's agenda at /booking: day and week views, booking (existing, new and
de-duplicated customers, a slot taken meanwhile), moving, cancelling, statuses,
the card moved on booking, and the demo appointments."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.booking import services as booking
from app.booking.forms import encode_slot
from app.demo import seed
from app.extensions import db
from app.models import (
    Appointment,
    Customer,
    OutboundMessage,
    PipelineStage,
    Service,
    Tenant,
    User,
    WaitlistEntry,
)
from app.models.base import utcnow
from tests.factories import login

IST = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def team(make):
    return make.team()


def monday() -> date:
    today = utcnow().astimezone(IST).date()
    return today + timedelta(days=(0 - today.weekday()) % 7 + 7)


def service_id(tenant_id: int, name: str = "Muayene") -> int:
    return db.session.scalar(select(Service.id).where(Service.tenant_id == tenant_id, Service.name == name))


def free(app, tenant_id: int, day: date, name: str = "Muayene"):
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        return booking.free_slots_for(tenant, db.session.get(Service, service_id(tenant_id, name)), day, day)


def book_directly(app, tenant_id: int, customer_id: int, slot, name: str = "Muayene") -> int:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        appointment = booking.book(
            tenant,
            None,
            db.session.get(Customer, customer_id),
            db.session.get(Service, service_id(tenant_id, name)),
            slot.starts_at,
            resource_ids=list(slot.resource_ids),
        )
        db.session.commit()
        return appointment.id


def post_book(client, app, tenant_id, slot, **fields):
    with app.app_context():
        sid = service_id(tenant_id)
    data = {"service_id": sid, "slot": encode_slot(slot.starts_at, slot.resource_ids), **fields}
    return client.post("/booking/appointments", data=data, headers={"HX-Request": "true"})


def test_the_day_and_the_week_show_appointments_and_free_slots(app, make, client, team):
    customer = make.customer(team.tenant, name="Randevulu Hasta")
    day = monday()
    slot = free(app, team.tenant.id, day)[2]
    book_directly(app, team.tenant.id, customer.id, slot)
    login(client, team.agent)

    page = client.get(f"/booking?day={day.isoformat()}").get_data(as_text=True)
    assert "Randevulu Hasta" in page and f"/customers/{customer.id}" in page
    assert "Dt. Ayşe Kaya" in page and "Free for Muayene" in page
    assert "Book 09:00 with Dt. Ayşe Kaya" in page  # a tappable free slot
    assert f"Book {slot.starts_at.astimezone(IST):%H:%M} with Dt. Ayşe Kaya" not in page  # taken now
    assert "data-booking-region" in page and "sse:appointment.booked" in page and "sse:appointment.no_show" in page

    week = client.get(f"/booking?view=week&day={(day + timedelta(days=2)).isoformat()}").get_data(as_text=True)
    assert "Randevulu Hasta" in week and "wg-appt" in week and 'class="week-grid"' in week

    partial = client.get(f"/booking?day={day.isoformat()}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith("<section") and "<html" not in partial


def test_a_closed_day_and_a_bad_day_parameter(client, team):
    login(client, team.owner)
    assert client.get("/booking?day=not-a-day").status_code == 200
    assert client.get("/booking?view=week").status_code == 200


def test_booking_an_existing_customer_sends_the_confirmation(app, make, client, team):
    customer = make.customer(team.tenant, name="Mevcut Hasta", email="mevcut@example.test")
    slot = free(app, team.tenant.id, monday())[0]
    login(client, team.agent)

    results = client.get("/booking/customers?q=Mevcut").get_data(as_text=True)
    assert "Mevcut Hasta" in results and f'value="{customer.id}"' in results

    response = post_book(client, app, team.tenant.id, slot, customer_id=customer.id, note="İlk muayene")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Booked" in response.get_data(as_text=True) and "booking-changed" in response.headers["HX-Trigger"]
    with app.app_context():
        appointment = db.session.scalar(select(Appointment).where(Appointment.customer_id == customer.id))
        assert appointment.starts_at == slot.starts_at and appointment.note == "İlk muayene"
        assert appointment.created_by_id == team.agent.id
        tenant = db.session.get(Tenant, team.tenant.id)
        message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.appointment_id == appointment.id))
        assert f"/b/{tenant.slug}/a/{appointment.manage_token}" in message.body
        assert "Mevcut Hasta" in message.body and "Muayene" in message.body


def test_booking_a_new_customer_creates_them(app, client, team):
    slot = free(app, team.tenant.id, monday())[0]
    login(client, team.agent)
    response = post_book(client, app, team.tenant.id, slot, name="Yepyeni Hasta", phone="0533 222 33 44")
    assert response.status_code == 200
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.name == "Yepyeni Hasta"))
        assert customer.phone == "+905332223344" and customer.next_appointment_at == slot.starts_at
        assert db.session.scalar(select(func.count()).where(Appointment.customer_id == customer.id)) == 1


def test_a_new_customer_with_a_known_phone_books_the_existing_one(app, make, client, team):
    existing = make.customer(team.tenant, name="Bilinen Hasta", phone="+905339998877")
    slot = free(app, team.tenant.id, monday())[0]
    login(client, team.agent)
    response = post_book(client, app, team.tenant.id, slot, name="Başka İsim", phone="0533 999 88 77")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Bilinen Hasta is already a customer" in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Customer.name == "Başka İsim")) == 0
        booked_for = select(Appointment.customer_id).where(
            Appointment.tenant_id == team.tenant.id, Appointment.starts_at == slot.starts_at
        )
        assert db.session.scalar(booked_for) == existing.id


def test_a_form_without_a_customer_or_time_is_refused(app, client, team):
    slot = free(app, team.tenant.id, monday())[0]
    login(client, team.agent)
    response = post_book(client, app, team.tenant.id, slot)
    assert response.status_code == 422 and "Choose a customer or enter a new one" in response.get_data(as_text=True)
    response = post_book(client, app, team.tenant.id, slot, name="Kötü Telefon", phone="12")
    assert response.status_code == 422 and "is not a valid phone number" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(select(func.count()).where(Appointment.tenant_id == team.tenant.id))
        assert db.session.scalar(select(func.count()).where(Customer.name == "Kötü Telefon")) == 0


def test_a_slot_taken_meanwhile_answers_409_with_fresh_slots(app, make, client, team):
    first = make.customer(team.tenant, name="Önce Gelen")
    second = make.customer(team.tenant, name="Sonra Gelen")
    day = monday()
    with app.app_context():
        # The implant consultation needs Dt. Ayşe and room 1 only: one booking fills the slot.
        tenant = db.session.get(Tenant, team.tenant.id)
        implant = db.session.get(Service, service_id(team.tenant.id, "İmplant Görüşmesi"))
        slot = booking.free_slots_for(tenant, implant, day, day)[0]
        sid = implant.id
    book_directly(app, team.tenant.id, first.id, slot, "İmplant Görüşmesi")
    login(client, team.agent)
    response = client.post(
        "/booking/appointments",
        data={"service_id": sid, "slot": encode_slot(slot.starts_at, slot.resource_ids), "customer_id": second.id},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone has just taken this time" in body and 'type="radio" name="slot"' in body
    assert encode_slot(slot.starts_at, slot.resource_ids) not in body  # the taken time is not offered again
    assert f'value="{second.id}" checked' in body  # the chosen customer is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Appointment.customer_id == second.id)) == 0


def test_moving_an_appointment_to_another_free_slot(app, make, client, team):
    customer = make.customer(team.tenant)
    slots = free(app, team.tenant.id, monday())
    appointment_id = book_directly(app, team.tenant.id, customer.id, slots[0])
    login(client, team.agent)
    panel = client.get(f"/booking/appointments/{appointment_id}", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "Cancel the appointment" in panel.get_data(as_text=True)

    response = client.post(f"/booking/appointments/{appointment_id}/move", data={"slot": ""})
    assert response.status_code == 422 and "Choose a new time" in response.get_data(as_text=True)
    target = slots[4]
    response = client.post(
        f"/booking/appointments/{appointment_id}/move",
        data={"slot": encode_slot(target.starts_at, target.resource_ids)},
    )
    assert response.status_code == 200 and "Moved." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).starts_at == target.starts_at


def test_cancelling_needs_a_reason(app, make, client, team):
    customer = make.customer(team.tenant)
    appointment_id = book_directly(app, team.tenant.id, customer.id, free(app, team.tenant.id, monday())[0])
    login(client, team.manager)
    response = client.post(f"/booking/appointments/{appointment_id}/cancel", data={"reason": "  "})
    assert response.status_code == 422 and "Say why the appointment is cancelled" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).status == "booked"
    response = client.post(f"/booking/appointments/{appointment_id}/cancel", data={"reason": "Hasta aradı"})
    assert response.status_code == 200
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert appointment.status == "cancelled" and appointment.cancel_reason == "Hasta aradı"


def test_status_changes_and_a_closed_appointment(app, make, client, team):
    customer = make.customer(team.tenant)
    appointment_id = book_directly(app, team.tenant.id, customer.id, free(app, team.tenant.id, monday())[0])
    login(client, team.agent)
    url = f"/booking/appointments/{appointment_id}/status"
    for status in ("confirmed", "arrived", "completed"):
        response = client.post(url, data={"status": status})
        assert response.status_code == 200, status
        with app.app_context():
            assert db.session.get(Appointment, appointment_id).status == status
    response = client.post(url, data={"status": "no_show"})
    assert response.status_code == 422 and "already closed" in response.get_data(as_text=True)
    assert client.post(url, data={"status": "bogus"}).status_code == 422
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).status == "completed"


def test_a_no_show_counts_on_the_customer(app, make, client, team):
    customer = make.customer(team.tenant)
    appointment_id = book_directly(app, team.tenant.id, customer.id, free(app, team.tenant.id, monday())[0])
    login(client, team.owner)
    assert client.post(f"/booking/appointments/{appointment_id}/status", data={"status": "no_show"}).status_code == 200
    with app.app_context():
        assert db.session.get(Customer, customer.id).no_show_count == 1


def test_another_business_sees_nothing(app, make, client, team):
    customer = make.customer(team.tenant)
    slot = free(app, team.tenant.id, monday())[0]
    appointment_id = book_directly(app, team.tenant.id, customer.id, slot)
    login(client, team.outsider)
    assert client.get(f"/booking/appointments/{appointment_id}").status_code == 404
    assert client.post(f"/booking/appointments/{appointment_id}/cancel", data={"reason": "x"}).status_code == 404
    assert client.post(f"/booking/appointments/{appointment_id}/status", data={"status": "arrived"}).status_code == 404
    with app.app_context():
        sid = service_id(team.tenant.id)
    slot_value = encode_slot(slot.starts_at, slot.resource_ids)
    assert client.get(f"/booking/new?service_id={sid}&slot={slot_value}").status_code == 404
    response = client.post(
        "/booking/appointments", data={"service_id": sid, "slot": slot_value, "customer_id": customer.id}
    )
    assert response.status_code == 404
    assert customer.name not in client.get(f"/booking/customers?q={customer.name}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).status == "booked"


def test_every_role_uses_the_agenda_and_the_nav_points_at_it(app, client, team):
    for who in (team.agent, team.manager, team.owner):
        login(client, who)
        page = client.get("/booking").get_data(as_text=True)
        assert 'href="/booking" aria-current="page"' in page
    slot = free(app, team.tenant.id, monday())[0]
    with app.app_context():
        sid = service_id(team.tenant.id)
    login(client, team.agent)
    form = client.get(f"/booking/new?service_id={sid}&slot={encode_slot(slot.starts_at, slot.resource_ids)}")
    assert form.status_code == 200 and "Book Muayene" in form.get_data(as_text=True)


def _stage_key(customer_id: int) -> str:
    customer = db.session.get(Customer, customer_id)
    return db.session.get(PipelineStage, customer.stage_id).key


def test_booking_moves_an_early_card_to_the_appointment_stage(app, make, client, team, run_jobs):
    stages = {s.key: s for s in make.stages(team.tenant)}
    early = make.customer(team.tenant, name="Yeni Lead Hasta")
    later = make.customer(team.tenant, name="Kaporalı Hasta", stage_id=stages["deposit"].id)
    slots = free(app, team.tenant.id, monday())
    login(client, team.agent)
    assert post_book(client, app, team.tenant.id, slots[0], customer_id=early.id).status_code == 200
    assert post_book(client, app, team.tenant.id, slots[3], customer_id=later.id).status_code == 200
    run_jobs()
    with app.app_context():
        db.session.expire_all()
        assert _stage_key(early.id) == "appointment"
        assert _stage_key(later.id) == "deposit"  # already further on: stays


def test_the_stage_on_booking_is_a_setting(app, make, team, run_jobs):
    make.stages(team.tenant)
    customer = make.customer(team.tenant)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        tenant.booking_settings = dict(tenant.booking_settings or {}, stage_on_booking="talking")
        db.session.commit()
    book_directly(app, team.tenant.id, customer.id, free(app, team.tenant.id, monday())[0])
    run_jobs()
    with app.app_context():
        db.session.expire_all()
        assert _stage_key(customer.id) == "talking"


def test_the_demo_has_four_weeks_of_appointments_and_a_waitlist(app, run_jobs):
    with app.app_context():
        seed.seed()
        counts = lambda: db.session.scalar(select(func.count()).select_from(Appointment))  # noqa: E731
        before = counts()
        seed.seed()
        assert counts() == before  # idempotent
        now = utcnow()
        for slug in ("gulus-dis", "bella-guzellik"):
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
            rows = db.session.scalars(select(Appointment).where(Appointment.tenant_id == tenant.id)).all()
            statuses = {a.status for a in rows}
            assert {"completed", "cancelled", "no_show", "booked"} <= statuses, slug
            assert any(a.starts_at < now - timedelta(days=10) for a in rows)
            assert any(a.starts_at > now + timedelta(days=10) for a in rows)
            assert all(a.cancel_reason for a in rows if a.status == "cancelled")
            assert all(a.status in ("completed", "cancelled", "no_show", "arrived") for a in rows if a.ends_at < now)
            assert db.session.scalar(
                select(func.count()).where(Customer.tenant_id == tenant.id, Customer.no_show_count >= 2)
            )
            waiting = db.session.scalar(
                select(func.count()).where(WaitlistEntry.tenant_id == tenant.id, WaitlistEntry.status == "waiting")
            )
            assert 3 <= waiting <= 5
        ecommerce = db.session.scalar(select(Tenant).where(Tenant.slug == "anadolu-carsi"))
        assert not db.session.scalar(select(func.count()).where(Appointment.tenant_id == ecommerce.id))
        assert db.session.scalar(select(User.id).where(User.email == "agent@demo.kervan.test"))
    run_jobs()  # leave no queued work behind for the next tests


def test_demo_fill_is_realistic(app, run_jobs):
    with app.app_context():
        seed.seed()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "gulus-dis"))
        # Weekday working minutes of the two doctors vs their booked minutes over the four weeks.
        rows = db.session.scalars(
            select(Appointment).where(Appointment.tenant_id == tenant.id, Appointment.status != "cancelled")
        ).all()
        assert len(rows) > 100
        by_day: dict[datetime, int] = {}
        for a in rows:
            by_day.setdefault(a.starts_at.astimezone(IST).date(), 0)
            by_day[a.starts_at.astimezone(IST).date()] += 1
        assert max(by_day.values()) >= 8
    run_jobs()
