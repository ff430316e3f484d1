"""The appointment reminder chain is sent by a periodic job, each row exactly once."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from app import events, jobqueue
from app.booking import reminders
from app.booking import services as booking
from app.extensions import db
from app.messaging import channels
from app.models import (
    Appointment,
    AppointmentReminder,
    Customer,
    Event,
    OutboundMessage,
    Service,
    Tenant,
)
from app.models.base import utcnow
from jobs import appointment_reminders as reminder_jobs
from tests import settings

IST = ZoneInfo("Europe/Istanbul")


def _day(weeks_ahead: int = 1) -> date:
    today = utcnow().astimezone(IST).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks_ahead)  # a Tuesday


def _book(app, team, customer, hour: int = 10, weeks_ahead: int = 1) -> int:
    day = _day(weeks_ahead)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        service = db.session.scalar(select(Service).where(Service.tenant_id == tenant.id, Service.name == "Muayene"))
        appointment = booking.book(
            tenant,
            None,
            db.session.get(Customer, customer.id),
            service,
            datetime(*day.timetuple()[:3], hour, tzinfo=IST),
        )
        db.session.commit()
        return appointment.id


def _chain(app, appointment_id: int) -> dict[int, AppointmentReminder]:
    with app.app_context():
        rows = db.session.scalars(
            select(AppointmentReminder).where(AppointmentReminder.appointment_id == appointment_id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return {row.offset_min: row for row in rows}


def _make_due(app, reminder_id: int, ago: timedelta = timedelta(minutes=1)) -> None:
    with app.app_context():
        db.session.execute(
            update(AppointmentReminder).where(AppointmentReminder.id == reminder_id).values(due_at=utcnow() - ago)
        )
        db.session.commit()


def _messages(app, appointment_id: int) -> list[OutboundMessage]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.appointment_id == appointment_id).order_by(OutboundMessage.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def _reminded(app, tenant, appointment_id: int) -> list[Event]:
    with app.app_context():
        rows = db.session.scalars(
            select(Event).where(Event.tenant_id == tenant.id, Event.type == events.APPOINTMENT_REMINDED)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return [e for e in rows if e.data.get("appointment_id") == appointment_id]


def _run(app, run_jobs) -> None:
    with app.app_context():
        jobqueue.enqueue(reminder_jobs.send_due_appointment_reminders)
    run_jobs()


def test_the_t48h_and_t2h_reminders_fire_at_their_times_exactly_once(app, make, run_jobs):
    team = make.team()
    customer = make.customer(team.tenant, team.owner, name="Deniz Su")
    appointment_id = _book(app, team, customer)
    chain = _chain(app, appointment_id)
    assert sorted(chain) == [120, 2880]

    _run(app, run_jobs)  # nothing is due yet
    assert _messages(app, appointment_id) == []

    _make_due(app, chain[2880].id)
    _run(app, run_jobs)
    _run(app, run_jobs)
    [first] = _messages(app, appointment_id)
    assert first.status == "sent" and first.customer_id == customer.id and first.to == customer.phone
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        tenant = db.session.get(Tenant, team.tenant.id)
        local = appointment.starts_at.astimezone(IST)
        assert "hatırlatırız" in first.body  # the business's language (Turkish)
        assert local.strftime("%H:%M") == "10:00" and "10:00" in first.body  # the business's zone
        assert f"http://kervan.test/b/{tenant.slug}/a/{appointment.manage_token}" in first.body
        assert "Muayene" in first.body and "Deniz Su" in first.body
    [event] = _reminded(app, team.tenant, appointment_id)
    assert (event.subject_type, event.subject_id) == ("customers", customer.id)
    assert event.data["offset_min"] == 2880 and event.data["name"] == "Deniz Su"
    assert _chain(app, appointment_id)[2880].outcome == "sent"
    assert _chain(app, appointment_id)[120].sent_at is None

    _make_due(app, chain[120].id)
    _run(app, run_jobs)
    _run(app, run_jobs)
    assert len(_messages(app, appointment_id)) == 2
    assert sorted(e.data["offset_min"] for e in _reminded(app, team.tenant, appointment_id)) == [120, 2880]
    assert _chain(app, appointment_id)[120].outcome == "sent"


def test_a_claimed_row_is_not_sent_again_after_a_restart(app, make, run_jobs):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    appointment_id = _book(app, team, customer)
    chain = _chain(app, appointment_id)
    _make_due(app, chain[2880].id)
    _make_due(app, chain[120].id)
    with app.app_context():
        # A worker claims the T-48h row and dies before sending it.
        assert reminders.claim(chain[2880].id, utcnow()) is True
        assert reminders.claim(chain[2880].id, utcnow()) is False

    _run(app, run_jobs)  # the restarted job
    _run(app, run_jobs)

    messages = _messages(app, appointment_id)
    assert len(messages) == 1  # only the T-2h row; the claimed one is not sent twice
    assert [e.data["offset_min"] for e in _reminded(app, team.tenant, appointment_id)] == [120]
    assert _chain(app, appointment_id)[2880].outcome is None  # it may still be in flight

    with app.app_context():  # later: the dead claim is reported, not resent
        counts = reminders.send_due(utcnow() + reminders.CLAIM_TIMEOUT + timedelta(minutes=1))
    assert counts["interrupted"] == 1 and counts["sent"] == 0
    assert _chain(app, appointment_id)[2880].outcome == "interrupted"
    assert len(_messages(app, appointment_id)) == 1


def test_interleaved_runs_send_each_row_once(app, make):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    appointment_id = _book(app, team, customer)
    chain = _chain(app, appointment_id)
    for row in chain.values():
        _make_due(app, row.id)
    with app.app_context():
        now = utcnow()
        # Run A lists the due rows, claims the first and is interrupted; run B does everything; A resumes.
        listed = reminders.due_ids(now)
        assert reminders.claim(listed[0], now)
        counts = reminders.send_due(now)
        assert counts["sent"] == 1  # B only got the row A had not claimed
        assert reminders.send_claimed(listed[0], now) == "sent"
        assert not reminders.claim(listed[1], now)  # A's next claim loses to B
    assert len(_messages(app, appointment_id)) == 2
    assert {r.outcome for r in _chain(app, appointment_id).values()} == {"sent"}


def test_concurrent_workers_send_each_reminder_once(app, make):
    if not settings.ON_POSTGRES:
        pytest.skip("SQLite serialises writers; several workers are a PostgreSQL matter")
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    ids = [_book(app, team, customer, hour=h) for h in (9, 11, 14)]
    for appointment_id in ids:
        for row in _chain(app, appointment_id).values():
            _make_due(app, row.id)
    barrier = threading.Barrier(4)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            reminders.send_due()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for appointment_id in ids:
        assert len(_messages(app, appointment_id)) == 2
        assert len(_reminded(app, team.tenant, appointment_id)) == 2


def test_a_cancelled_appointments_reminders_are_not_sent(app, make, run_jobs):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    cancelled = _book(app, team, customer, hour=9)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        booking.cancel(tenant, None, db.session.get(Appointment, cancelled), "Hasta aradı")
        db.session.commit()
    assert _chain(app, cancelled) == {}  # cancelling drops the pending chain

    # Cancelled after the job listed its rows: the claimed row is skipped.
    other = _book(app, team, customer, hour=11)
    chain = _chain(app, other)
    _make_due(app, chain[2880].id)
    with app.app_context():
        db.session.get(Appointment, other).status = "cancelled"
        db.session.commit()
    _run(app, run_jobs)
    # The only message about the cancelled one is the cancellation notice itself, no reminder.
    assert [m.subject.endswith("randevunuz iptal edildi") for m in _messages(app, cancelled)] == [True]
    assert _messages(app, other) == []
    assert _chain(app, other)[2880].outcome == "skipped"
    assert _reminded(app, team.tenant, other) == []


def test_no_show_prone_customers_get_an_extra_reminder_message(app, make, run_jobs):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    with app.app_context():
        db.session.get(Customer, customer.id).no_show_count = 2
        db.session.commit()
    appointment_id = _book(app, team, customer)
    chain = _chain(app, appointment_id)
    assert sorted(chain) == [120, 1440, 2880]
    _make_due(app, chain[1440].id)
    _run(app, run_jobs)
    [message] = _messages(app, appointment_id)
    assert message.status == "sent"
    [event] = _reminded(app, team.tenant, appointment_id)
    assert event.data["offset_min"] == 1440


def test_a_channel_failure_is_recorded_as_failed(app, make, monkeypatch):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    appointment_id = _book(app, team, customer)
    chain = _chain(app, appointment_id)
    _make_due(app, chain[2880].id)

    def refuse(self, message):
        raise channels.ChannelError("provider down", retryable=True)

    monkeypatch.setattr(channels.OutboxChannel, "deliver", refuse)
    with app.app_context():
        assert reminders.send_due()["failed"] == 1
    [message] = _messages(app, appointment_id)
    assert (message.status, message.error) == ("failed", "provider down")
    assert _chain(app, appointment_id)[2880].outcome == "failed"
    assert _reminded(app, team.tenant, appointment_id)[0].data["outcome"] == "failed"
