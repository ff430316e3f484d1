"""The public booking page (/b/<slug>) and the customer's manage link, through the test client."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.booking import services as booking
from app.extensions import db
from app.models import Appointment, Customer, OutboundMessage, Service, Tenant
from app.models.base import utcnow
from tests.factories import client_from_new_ip

IST = ZoneInfo("Europe/Istanbul")


def service_id(app, tenant, name: str = "Muayene") -> int:
    with app.app_context():
        return db.session.scalar(select(Service.id).where(Service.tenant_id == tenant.id, Service.name == name))


def free_day(app, tenant, name: str = "Muayene", hours=(10, 11)) -> date:
    """The first day from tomorrow (within the page's two weeks) where these hours are free."""
    with app.app_context():
        row = db.session.get(Tenant, tenant.id)
        service = db.session.get(Service, service_id(app, tenant, name))
        today = utcnow().astimezone(IST).date()
        starts = {s.starts_at for s in booking.free_slots_for(row, service, today, today + timedelta(days=13))}
    day = today + timedelta(days=1)
    while day <= today + timedelta(days=13):
        if all(at(day, h) in starts for h in hours):
            return day
        day += timedelta(days=1)
    raise AssertionError("no free day")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=IST)


def key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def form(service: int, start: datetime, **fields) -> dict:
    data = {
        "service": str(service),
        "start": key(start),
        "name": "Deniz Yılmaz",
        "phone": "0532 765 43 21",
        "email": "",
        "consent": "y",
        "website": "",
    }
    data.update(fields)
    return data


def count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return db.session.scalar(stmt)


def test_the_page_walks_through_service_day_and_time(app, make):
    team = make.team()
    slug = team.tenant.slug
    check_up = service_id(app, team.tenant)
    with app.app_context():
        hidden = db.session.get(Service, service_id(app, team.tenant, "İmplant Görüşmesi"))
        hidden.public = False
        db.session.commit()
    client = client_from_new_ip(app)
    page = client.get(f"/b/{slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert team.tenant.name in html and "Muayene" in html and "İmplant Görüşmesi" not in html
    assert "30 min" in html and ("₺" in html or "TRY" in html)  # duration and price range

    days = client.get(f"/b/{slug}?service={check_up}").get_data(as_text=True)
    assert 'aria-label="Days"' in days
    day = free_day(app, team.tenant)
    slots = client.get(f"/b/{slug}?service={check_up}&day={day.isoformat()}", headers={"HX-Request": "true"})
    fragment = slots.get_data(as_text=True)
    assert slots.status_code == 200 and "<html" not in fragment and 'id="flow"' in fragment
    assert ">10:00<" in fragment and key(at(day, 10)) in fragment

    details = client.get(f"/b/{slug}?service={check_up}&start={key(at(day, 10))}").get_data(as_text=True)
    assert "Your details" in details and f"I agree that {team.tenant.name} processes my data" in details
    assert 'name="website"' in details  # the honeypot


def test_unknown_business_and_tokens_are_404(app, make):
    team = make.team()
    client = client_from_new_ip(app)
    assert client.get("/b/no-such-business").status_code == 404
    assert client.get(f"/b/{team.tenant.slug}/a/not-a-token").status_code == 404
    assert client.get(f"/b/{team.tenant.slug}/w/not-a-token").status_code == 404


def test_the_language_follows_the_visitor_then_the_business(app, make):
    team = make.team()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.250.1.1"
    english = client.get(f"/b/{team.tenant.slug}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en"' in english.get_data(as_text=True)
    turkish = client.get(f"/b/{team.tenant.slug}", headers={"Accept-Language": "de"})
    assert '<html lang="tr"' in turkish.get_data(as_text=True)  # the business's language
    client.post("/preferences/language", data={"lang": "en", "next": f"/b/{team.tenant.slug}"})
    switched = client.get(f"/b/{team.tenant.slug}", headers={"Accept-Language": "tr"})
    assert '<html lang="en"' in switched.get_data(as_text=True)


def test_booking_creates_the_customer_the_appointment_and_the_message(app, make):
    team = make.team()
    slug = team.tenant.slug
    check_up = service_id(app, team.tenant)
    day = free_day(app, team.tenant)
    client = client_from_new_ip(app)
    response = client.post(f"/b/{slug}", data=form(check_up, at(day, 10), email="deniz@ornek.com"))
    assert response.status_code == 303
    with app.app_context():
        customer = db.session.scalar(
            select(Customer).where(Customer.tenant_id == team.tenant.id, Customer.phone == "+905327654321")
        )
        assert customer.source == "web_form" and customer.email == "deniz@ornek.com"
        appointment = db.session.scalar(select(Appointment).where(Appointment.customer_id == customer.id))
        assert appointment.source == "public" and appointment.starts_at == at(day, 10)
        assert response.headers["Location"].endswith(f"/b/{slug}/booked/{appointment.manage_token}")
        message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.appointment_id == appointment.id))
        assert f"http://kervan.test/b/{slug}/a/{appointment.manage_token}" in message.body
        token = appointment.manage_token
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your appointment is booked" in confirmation and f"/b/{slug}/a/{token}" in confirmation

    # The same person again, the phone typed another way: reused, never duplicated.
    again = client.post(f"/b/{slug}", data=form(check_up, at(day, 11), phone="+90 532 765 4321", name="Deniz Y."))
    assert again.status_code == 303
    assert count(app, Customer, tenant_id=team.tenant.id, phone="+905327654321") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Appointment.customer_id == customer.id)) == 2


def test_an_existing_customer_is_reused(app, make):
    team = make.team()
    known = make.customer(team.tenant, name="Kayıtlı Hasta", phone="+905321112233")
    check_up = service_id(app, team.tenant)
    day = free_day(app, team.tenant)
    before = count(app, Customer, tenant_id=team.tenant.id)
    client = client_from_new_ip(app)
    response = client.post(f"/b/{team.tenant.slug}", data=form(check_up, at(day, 10), phone="0532 111 22 33"))
    assert response.status_code == 303
    assert count(app, Customer, tenant_id=team.tenant.id) == before
    assert count(app, Appointment, customer_id=known.id, source="public") == 1


def test_a_taken_slot_answers_409_with_fresh_slots(app, make):
    team = make.team()
    check_up = service_id(app, team.tenant, "İmplant Görüşmesi")  # one doctor, one room: one booking fills it
    day = free_day(app, team.tenant, "İmplant Görüşmesi")
    first = make.customer(team.tenant)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        booking.book(tenant, None, db.session.get(Customer, first.id), db.session.get(Service, check_up), at(day, 10))
        db.session.commit()
    before = count(app, Customer, tenant_id=team.tenant.id)
    client = client_from_new_ip(app)
    response = client.post(f"/b/{team.tenant.slug}", data=form(check_up, at(day, 10)), headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone has just taken this time" in html and ">11:00<" in html and key(at(day, 10)) not in html
    assert count(app, Customer, tenant_id=team.tenant.id) == before  # nothing half-saved


def test_the_honeypot_answers_like_success_and_books_nothing(app, make):
    team = make.team()
    check_up = service_id(app, team.tenant)
    day = free_day(app, team.tenant)
    before = count(app, Customer, tenant_id=team.tenant.id)
    client = client_from_new_ip(app)
    response = client.post(f"/b/{team.tenant.slug}", data=form(check_up, at(day, 10), website="http://spam.example"))
    assert response.status_code == 303
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(app, Customer, tenant_id=team.tenant.id) == before
    assert count(app, Appointment, tenant_id=team.tenant.id) == 0


def test_consent_and_a_valid_phone_are_required(app, make):
    team = make.team()
    check_up = service_id(app, team.tenant)
    day = free_day(app, team.tenant)
    client = client_from_new_ip(app)
    data = form(check_up, at(day, 10))
    del data["consent"]
    response = client.post(f"/b/{team.tenant.slug}", data=data)
    assert response.status_code == 422
    assert "Please agree so that we can manage your appointment" in response.get_data(as_text=True)
    bad_phone = client.post(f"/b/{team.tenant.slug}", data=form(check_up, at(day, 10), phone="12"))
    assert bad_phone.status_code == 422 and "is not a valid phone number" in bad_phone.get_data(as_text=True)
    assert count(app, Appointment, tenant_id=team.tenant.id) == 0
    assert count(app, Customer, tenant_id=team.tenant.id) == 0


def test_booking_is_rate_limited_per_address(app, make):
    team = make.team()
    check_up = service_id(app, team.tenant)
    client = client_from_new_ip(app)
    data = {"service": str(check_up), "start": "", "name": "", "phone": ""}
    statuses = [client.post(f"/b/{team.tenant.slug}", data=data).status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    assert client_from_new_ip(app).post(f"/b/{team.tenant.slug}", data=data).status_code == 422


def _booked(app, make, team, hour: int = 10):
    customer = make.customer(team.tenant, name="Link Sahibi")
    day = free_day(app, team.tenant)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        service = db.session.get(Service, service_id(app, team.tenant))
        appointment = booking.book(
            tenant, None, db.session.get(Customer, customer.id), service, at(day, hour), source="public"
        )
        db.session.commit()
        return appointment.id, appointment.manage_token, day


def test_the_manage_link_confirms_and_cancels(app, make):
    team = make.team()
    appointment_id, token, _day = _booked(app, make, team)
    client = client_from_new_ip(app)
    page = client.get(f"/b/{team.tenant.slug}/a/{token}").get_data(as_text=True)
    assert "Muayene" in page and "Link Sahibi" in page and "Confirm, I will come" in page
    assert client.post(f"/b/{team.tenant.slug}/a/{token}/confirm").status_code == 303
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).status == "confirmed"
    cancelled = client.post(f"/b/{team.tenant.slug}/a/{token}/cancel", data={"reason": ""}, follow_redirects=True)
    assert "Your appointment is cancelled." in cancelled.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Appointment, appointment_id)
        assert row.status == "cancelled" and row.cancel_reason == "Cancelled by the customer"
    closed = client.get(f"/b/{team.tenant.slug}/a/{token}").get_data(as_text=True)
    assert "This appointment is cancelled." in closed and "Cancel appointment" not in closed
    assert client.post(f"/b/{team.tenant.slug}/a/{token}/cancel", data={}).status_code == 409


def test_the_manage_link_cancels_with_the_customers_reason(app, make):
    team = make.team()
    appointment_id, token, _day = _booked(app, make, team)
    client = client_from_new_ip(app)
    client.post(f"/b/{team.tenant.slug}/a/{token}/cancel", data={"reason": "Şehir dışındayım"})
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).cancel_reason == "Şehir dışındayım"


def test_the_manage_link_reschedules_to_another_free_slot(app, make):
    team = make.team()
    appointment_id, token, day = _booked(app, make, team, hour=10)
    client = client_from_new_ip(app)
    choices = client.get(
        f"/b/{team.tenant.slug}/a/{token}?reschedule=1&day={day.isoformat()}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'id="reschedule"' in choices and key(at(day, 11)) in choices
    response = client.post(f"/b/{team.tenant.slug}/a/{token}/move", data={"start": key(at(day, 11))})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).starts_at == at(day, 11)
    bad = client.post(f"/b/{team.tenant.slug}/a/{token}/move", data={"start": "nonsense"})
    assert bad.status_code == 422


def test_a_token_of_another_business_is_404(app, make):
    team = make.team()
    other = make.team()
    _id, token, _day = _booked(app, make, team)
    client = client_from_new_ip(app)
    assert client.get(f"/b/{other.tenant.slug}/a/{token}").status_code == 404
    assert client.post(f"/b/{other.tenant.slug}/a/{token}/cancel").status_code == 404
