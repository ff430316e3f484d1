"""Whoever moves or cancels an appointment, the customer hears about it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.booking import services as booking
from app.extensions import db
from app.models import Customer, OutboundMessage, Service, Tenant
from app.models.base import utcnow
from tests.factories import client_from_new_ip

IST = ZoneInfo("Europe/Istanbul")


def _book(app, make, team):
    customer = make.customer(team.tenant, name="Haber Bekleyen", email="haber@ornek.com")
    day = utcnow().astimezone(IST).date() + timedelta(days=14)
    while day.weekday() > 4:
        day += timedelta(days=1)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        service = db.session.scalar(select(Service).where(Service.tenant_id == tenant.id, Service.name == "Muayene"))
        appointment = booking.book(
            tenant,
            None,
            db.session.get(Customer, customer.id),
            service,
            datetime(day.year, day.month, day.day, 10, tzinfo=IST),
        )
        db.session.commit()
        return appointment.id, appointment.manage_token, day


def _messages(app, appointment_id):
    with app.app_context():
        return [
            m.subject
            for m in db.session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.appointment_id == appointment_id)
                .order_by(OutboundMessage.id)
            )
        ]


def test_a_move_by_the_secretary_tells_the_customer_the_new_time(app, make, run_jobs):
    team = make.team()
    appointment_id, _, day = _book(app, make, team)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        from app.models import Appointment

        booking.move(
            tenant,
            None,
            db.session.get(Appointment, appointment_id),
            datetime(day.year, day.month, day.day, 11, tzinfo=IST),
        )
        db.session.commit()
    run_jobs()
    assert _messages(app, appointment_id)[-1].endswith("randevunuzun saati değişti")


def test_a_cancellation_on_the_manage_page_tells_the_customer(app, make, run_jobs):
    team = make.team()
    appointment_id, token, _ = _book(app, make, team)
    client = client_from_new_ip(app)
    response = client.post(f"/b/{team.tenant.slug}/a/{token}/cancel", data={"reason": ""})
    assert response.status_code in (200, 303)
    run_jobs()
    assert _messages(app, appointment_id)[-1].endswith("randevunuz iptal edildi")
