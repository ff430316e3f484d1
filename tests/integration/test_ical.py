"""The private iCalendar feed of each resource."""

from __future__ import annotations

from datetime import UTC, timedelta

from flask import render_template
from icalendar import Calendar
from sqlalchemy import select

from app.booking import services as booking
from app.extensions import db
from app.models import Customer, Resource, Service, Tenant
from tests.factories import client_from_new_ip
from tests.integration.test_public_booking import at, free_day, service_id

IMPLANT = "İmplant Görüşmesi"


def test_the_feed_lists_the_resources_appointments_without_contact_details(app, make):
    team = make.team()
    service = service_id(app, team.tenant, IMPLANT)
    day = free_day(app, team.tenant, IMPLANT, hours=(10, 11))
    kept = make.customer(team.tenant, name="Ayla Demir", phone="+905551234567")
    dropped = make.customer(team.tenant, name="Cem Kaya")
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        svc = db.session.get(Service, service)
        first = booking.book(tenant, None, db.session.get(Customer, kept.id), svc, at(day, 10))
        second = booking.book(tenant, None, db.session.get(Customer, dropped.id), svc, at(day, 11))
        booking.cancel(tenant, None, second, "Gelemiyor")
        far = booking.book(tenant, None, db.session.get(Customer, kept.id), svc, at(day + timedelta(days=120), 10))
        db.session.commit()
        doctor = next(h.resource for h in first.slots if h.resource.kind == "doctor")
        token, first_id, far_id, doctor_name = doctor.ical_token, first.id, far.id, doctor.name

    response = client_from_new_ip(app).get(f"/ical/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    assert doctor_name in str(calendar.get("x-wr-calname"))
    events = calendar.walk("VEVENT")
    uids = [str(e["uid"]) for e in events]
    assert any(uid.startswith(f"appointment-{first_id}@") for uid in uids)
    assert not any(uid.startswith(f"appointment-{far_id}@") for uid in uids)  # beyond 90 days
    assert len(events) == 1  # the cancelled one is left out
    event = events[0]
    assert event.decoded("dtstart") == at(day, 10).astimezone(UTC)
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == at(day, 10, 30).astimezone(UTC)
    assert str(event["summary"]) == f"{IMPLANT} · Ayla"
    text = response.get_data(as_text=True)
    assert "Demir" not in text and "5551234567" not in text and "Cem" not in text


def test_an_unknown_feed_is_404(app):
    client = client_from_new_ip(app)
    assert client.get("/ical/not-a-real-token.ics").status_code == 404


def test_staff_see_each_resources_feed_url(app, make):
    team = make.team()
    with app.app_context(), app.test_request_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        html = render_template("public_booking/_ical_links.html", tenant=tenant)
        resources = db.session.scalars(select(Resource).where(Resource.tenant_id == tenant.id)).all()
        for resource in resources:
            assert resource.name in html
            assert f"http://kervan.test/ical/{resource.ical_token}.ics" in html
