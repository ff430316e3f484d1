"""Reminders: create and complete on a customer, "My agenda", and due notifications."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from sqlalchemy import select

from app import events, jobqueue
from app.extensions import db
from app.models import Customer, Event, Reminder, Tenant, User
from app.realtime import presence
from app.reminders import services
from jobs import reminders as reminder_jobs
from tests import settings
from tests.factories import last_mail_to, login

HX = {"HX-Request": "true"}


def _events(app, tenant, event_type: str, reminder_id: int | None = None) -> list[Event]:
    with app.app_context():
        rows = db.session.scalars(
            select(Event).where(Event.tenant_id == tenant.id, Event.type == event_type).order_by(Event.id)
        )
        return [e for e in rows if reminder_id is None or e.data.get("reminder_id") == reminder_id]


def _reminders_of(app, customer) -> list[Reminder]:
    with app.app_context():
        return list(db.session.scalars(select(Reminder).where(Reminder.customer_id == customer.id)))


def _follow_up(app, customer) -> datetime | None:
    with app.app_context():
        return db.session.get(Customer, customer.id).next_follow_up_at


def _set_timezone(app, tenant, zone: str) -> None:
    with app.app_context():
        db.session.get(Tenant, tenant.id).timezone = zone
        db.session.commit()


def _zone_at_noon() -> str:
    """A fixed-offset zone where it is now between 12:00 and 13:00, so "earlier today"
    and "later today" exist whatever the hour the suite runs at."""
    offset = 12 - datetime.now(UTC).hour
    offset = offset + 24 if offset < -12 else offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}"  # POSIX sign: Etc/GMT-3 is UTC+3


def _form(title="Teklifi hatırlat", day="2030-05-01", at="10:00", assignee=None) -> dict:
    data = {"reminder-title": title, "reminder-due_date": day, "reminder-due_time": at}
    if assignee is not None:
        data["reminder-assignee_id"] = str(assignee.id)
    return data


def _complete(client, reminder, context="customer"):
    return client.post(f"/reminders/{reminder.id}/complete", data={"context": context}, headers=HX)


def _run_due_job(app, run_jobs) -> None:
    with app.app_context():
        jobqueue.enqueue(reminder_jobs.notify_due_reminders)
    run_jobs()


def _mails_to(outbox, user: User) -> list:
    return sorted(outbox.glob(f"*{user.email.replace('@', '_at_')}.eml"))


# ---------- Creating ----------


def test_the_form_creates_a_reminder_in_the_tenants_zone(app, make, client):
    team = make.team()
    _set_timezone(app, team.tenant, "Europe/Istanbul")
    customer = make.customer(team.tenant, team.owner, name="Ayşe Kaya")
    login(client, team.agent)

    response = client.post(f"/customers/{customer.id}/reminders", data=_form(assignee=team.manager), headers=HX)

    assert response.status_code == 200
    page = response.data.decode()
    assert "Teklifi hatırlat" in page and "<html" not in page
    assert f'id="customer-reminders-{customer.id}"' in page
    [reminder] = _reminders_of(app, customer)
    due = datetime(2030, 5, 1, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul (UTC+3)
    assert (reminder.due_at, reminder.assignee_id, reminder.created_by_id) == (due, team.manager.id, team.agent.id)
    assert reminder.done_at is None
    assert _follow_up(app, customer) == due
    [created] = _events(app, team.tenant, events.REMINDER_CREATED, reminder.id)
    assert (created.subject_type, created.subject_id, created.actor_id) == ("customers", customer.id, team.agent.id)
    assert created.data == {
        "reminder_id": reminder.id,
        "title": "Teklifi hatırlat",
        "due_at": "2030-05-01T07:00:00+00:00",
        "assignee_id": team.manager.id,
        "name": "Ayşe Kaya",
    }


def test_the_customer_fragment_offers_the_form_with_every_active_member(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    make.reminder(customer, team.owner, datetime(2030, 1, 1, 9, tzinfo=UTC), title="Kontrol randevusu")
    login(client, team.agent)

    page = client.get(f"/customers/{customer.id}/reminders/_list", headers=HX).data.decode()

    assert "Kontrol randevusu" in page
    for person in (team.owner, team.manager, team.agent):
        assert re.search(rf'<option[^>]*value="{person.id}"', page)
    assert team.outsider.name not in page
    # The author is the default assignee.
    assert re.search(rf'<option selected value="{team.agent.id}"', page)


def test_the_assignee_defaults_to_the_author(app, make):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    reminder = make.reminder(customer, team.manager, datetime(2030, 1, 1, 9, tzinfo=UTC))
    assert reminder.assignee_id == team.manager.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(title="   "), "Write what needs doing."),
        (_form(day="2030-13-45"), "Choose a date."),
        (_form(at=""), "Choose a time."),
        ({"reminder-title": "Eksik alanlar"}, "Choose a date."),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(app, make, client, data, message):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    login(client, team.agent)
    data = {"reminder-assignee_id": str(team.agent.id), **data}

    response = client.post(f"/customers/{customer.id}/reminders", data=data, headers=HX)

    assert response.status_code == 422
    page = response.data.decode()
    assert message in page and 'aria-invalid="true"' in page and "<html" not in page
    assert _reminders_of(app, customer) == []
    assert _events(app, team.tenant, events.REMINDER_CREATED) == []
    assert _follow_up(app, customer) is None


def test_only_an_active_member_of_the_business_can_be_the_assignee(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    login(client, team.agent)

    response = client.post(f"/customers/{customer.id}/reminders", data=_form(assignee=team.outsider), headers=HX)

    assert response.status_code == 422
    assert _reminders_of(app, customer) == []
    # The service holds the same rule for any caller, not only the form.
    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(services.ReminderError, match="member of this business"),
    ):
        services.create(
            db.session.get(Customer, customer.id),
            db.session.get(User, team.agent.id),
            "Geri ara",
            datetime(2030, 1, 1, tzinfo=UTC),
            team.outsider.id,
        )
    assert _reminders_of(app, customer) == []


# ---------- Completing ----------


def test_completing_moves_the_follow_up_to_the_next_reminder_then_clears_it(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner, name="Can Demir")
    first_due, second_due = datetime(2030, 3, 1, 9, tzinfo=UTC), datetime(2030, 3, 5, 9, tzinfo=UTC)
    second = make.reminder(customer, team.agent, second_due, title="İkinci arama")
    first = make.reminder(customer, team.agent, first_due, title="İlk arama")
    assert _follow_up(app, customer) == first_due
    login(client, team.agent)

    response = _complete(client, first)

    assert response.status_code == 200
    page = response.data.decode()
    assert "İkinci arama" in page and "İlk arama" not in page
    assert _follow_up(app, customer) == second_due
    [completed] = _events(app, team.tenant, events.REMINDER_COMPLETED, first.id)
    assert (completed.subject_id, completed.actor_id) == (customer.id, team.agent.id)
    assert completed.data["title"] == "İlk arama" and completed.data["name"] == "Can Demir"
    assert completed.data["due_at"] == first_due.isoformat() and completed.data["assignee_id"] == team.agent.id

    assert _complete(client, second).status_code == 200
    assert _follow_up(app, customer) is None
    assert all(r.done_at is not None for r in _reminders_of(app, customer))


def test_completing_twice_is_a_clear_error(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    reminder = make.reminder(customer, team.agent, datetime(2030, 3, 1, 9, tzinfo=UTC))
    login(client, team.agent)

    assert _complete(client, reminder).status_code == 200
    again = _complete(client, reminder)

    assert again.status_code == 409 and b"already done" in again.data
    assert len(_events(app, team.tenant, events.REMINDER_COMPLETED, reminder.id)) == 1


def test_completing_from_the_agenda_answers_with_the_agenda(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    reminder = make.reminder(customer, team.agent, datetime.now(UTC) - timedelta(hours=1), title="Eski iş")
    login(client, team.agent)

    response = _complete(client, reminder, context="agenda")

    assert response.status_code == 200
    page = response.data.decode()
    assert 'id="agenda"' in page and "Eski iş" not in page


def test_without_javascript_the_forms_lead_back_to_their_page(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    login(client, team.agent)

    created = client.post(f"/customers/{customer.id}/reminders", data=_form(assignee=team.agent))
    assert (created.status_code, created.headers["Location"]) == (303, f"/customers/{customer.id}")
    [reminder] = _reminders_of(app, customer)
    done = client.post(f"/reminders/{reminder.id}/complete", data={"context": "agenda"})
    assert (done.status_code, done.headers["Location"]) == (303, "/agenda")
    assert _reminders_of(app, customer)[0].done_at is not None


# ---------- The agenda ----------


def test_the_agenda_shows_my_overdue_and_todays_reminders_only(app, make, client):
    team = make.team()
    zone = _zone_at_noon()
    _set_timezone(app, team.tenant, zone)
    customer = make.customer(team.tenant, team.owner, name="Zeynep Ak")
    now = datetime.now(UTC)
    local_today = now.astimezone(ZoneInfo(zone)).date()
    tonight = datetime.combine(local_today, time(23, 0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    make.reminder(customer, team.agent, now - timedelta(days=2), title="Geçen hafta")
    make.reminder(customer, team.agent, now - timedelta(hours=2), title="Bu sabah")
    make.reminder(customer, team.agent, tonight, title="Bu akşam")
    make.reminder(customer, team.agent, now + timedelta(days=1), title="Yarın")
    make.reminder(customer, team.owner, now - timedelta(hours=1), assignee=team.manager, title="Murat'ın işi")
    done = make.reminder(customer, team.agent, now - timedelta(hours=3), title="Bitti")
    with app.app_context():
        services.complete(db.session.get(Reminder, done.id), db.session.get(User, team.agent.id))
        db.session.commit()
    # The agent also works for another business; its reminders stay there.
    make.member(team.outsider_tenant, team.agent)
    elsewhere = make.customer(team.outsider_tenant, team.outsider)
    make.reminder(elsewhere, team.outsider, now - timedelta(hours=1), assignee=team.agent, title="Başka işletme")
    login(client, team.agent)
    with client.session_transaction() as session:
        session["tenant_id"] = team.tenant.id

    page = client.get("/agenda").data.decode()

    assert "<html" in page and "My agenda" in page
    overdue, today = page.split('id="agenda-today-title"')
    assert "Geçen hafta" in overdue and "Bu sabah" in overdue and 'class="badge err"' in overdue
    assert "Bu akşam" in today
    for absent in ("Yarın", "Murat&#39;ın işi", "Murat'ın işi", "Bitti", "Başka işletme"):
        assert absent not in page
    assert f'href="/customers/{customer.id}"' in page and "Zeynep Ak" in page
    # Times read in the business's zone.
    assert format_time(tonight, "short", tzinfo=ZoneInfo(zone), locale="en") in today
    # The fragment re-fetches itself when reminders change.
    fragment = client.get("/agenda/_list", headers=HX).data.decode()
    assert "<html" not in fragment and "Bu akşam" in fragment
    assert 'hx-trigger="sse:reminder.created, sse:reminder.completed, sse:reminder.due"' in fragment
    assert 'hx-get="/agenda/_list"' in fragment


def test_todays_boundary_is_the_businesss_midnight(app, make):
    team = make.team()
    _set_timezone(app, team.tenant, "Europe/Istanbul")
    customer = make.customer(team.tenant, team.owner)
    now = datetime(2031, 5, 1, 20, 30, tzinfo=UTC)  # 23:30 in Istanbul
    overdue = make.reminder(customer, team.agent, datetime(2031, 4, 28, 9, tzinfo=UTC))
    late_tonight = make.reminder(customer, team.agent, datetime(2031, 5, 1, 20, 45, tzinfo=UTC))  # 23:45 there
    after_midnight = make.reminder(customer, team.agent, datetime(2031, 5, 1, 21, 30, tzinfo=UTC))  # 00:30 there
    with app.app_context():
        agenda = services.agenda(db.session.get(Tenant, team.tenant.id), db.session.get(User, team.agent.id), now)
        assert [r.id for r in agenda.overdue] == [overdue.id]
        assert [r.id for r in agenda.today] == [late_tonight.id]
        assert after_midnight.id not in {r.id for r in agenda.overdue + agenda.today}
        assert agenda.today[0].customer.id == customer.id


def test_an_empty_agenda_says_so(make, client):
    team = make.team()
    login(client, team.manager)
    page = client.get("/agenda").data.decode()
    assert "Nothing due today" in page


# ---------- Tenancy ----------


def test_another_businesss_customer_and_reminder_are_404(app, make, client):
    team = make.team()
    theirs = make.customer(team.outsider_tenant, team.outsider)
    their_reminder = make.reminder(theirs, team.outsider, datetime(2030, 1, 1, 9, tzinfo=UTC))
    login(client, team.owner)

    assert client.post(f"/customers/{theirs.id}/reminders", data=_form(assignee=team.owner)).status_code == 404
    assert client.get(f"/customers/{theirs.id}/reminders/_list").status_code == 404
    assert _complete(client, their_reminder).status_code == 404
    assert [r.done_at for r in _reminders_of(app, theirs)] == [None]
    assert len(_reminders_of(app, theirs)) == 1


def test_signed_out_people_are_sent_to_sign_in(make, app):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    anonymous = app.test_client()
    assert anonymous.get("/agenda").status_code == 302
    assert anonymous.post(f"/customers/{customer.id}/reminders", data=_form()).status_code == 302


# ---------- Due notifications ----------


def test_the_due_job_announces_a_reminder_exactly_once(app, make, run_jobs):
    team = make.team()
    customer = make.customer(team.tenant, team.owner, name="Deniz Su")
    reminder = make.reminder(customer, team.owner, datetime.now(UTC) - timedelta(minutes=1), assignee=team.agent)

    _run_due_job(app, run_jobs)
    _run_due_job(app, run_jobs)

    [due] = _events(app, team.tenant, events.REMINDER_DUE, reminder.id)
    assert (due.subject_type, due.subject_id, due.actor_id) == ("customers", customer.id, None)
    assert due.data["for_user_id"] == team.agent.id and due.data["assignee_id"] == team.agent.id
    assert due.data["name"] == "Deniz Su" and due.data["title"] == reminder.title
    with app.app_context():
        assert db.session.get(Reminder, reminder.id).notified_at is not None


def test_a_claim_is_taken_once(app, make):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    reminder = make.reminder(customer, team.agent, datetime(2030, 1, 1, tzinfo=UTC))
    with app.app_context():
        now = datetime.now(UTC)
        assert reminder_jobs.claim(reminder.id, now) is True
        db.session.commit()
        assert reminder_jobs.claim(reminder.id, now) is False
        db.session.rollback()


def test_concurrent_runs_announce_each_reminder_once(app, make):
    if not settings.ON_POSTGRES:
        pytest.skip("SQLite serialises writers; several workers are a PostgreSQL matter")
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    due = datetime.now(UTC) - timedelta(minutes=1)
    ids = [make.reminder(customer, team.agent, due).id for _ in range(5)]
    barrier = threading.Barrier(4)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            reminder_jobs.notify_due_reminders()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    for reminder_id in ids:
        assert len(_events(app, team.tenant, events.REMINDER_DUE, reminder_id)) == 1


def test_neither_done_nor_future_reminders_are_announced(app, make, run_jobs):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    future = make.reminder(customer, team.agent, datetime.now(UTC) + timedelta(hours=1))
    done = make.reminder(customer, team.agent, datetime.now(UTC) - timedelta(hours=1))
    with app.app_context():
        services.complete(db.session.get(Reminder, done.id), db.session.get(User, team.agent.id))
        db.session.commit()

    _run_due_job(app, run_jobs)

    assert _events(app, team.tenant, events.REMINDER_DUE, future.id) == []
    assert _events(app, team.tenant, events.REMINDER_DUE, done.id) == []


def test_an_offline_assignee_gets_an_email(app, make, run_jobs, outbox):
    team = make.team()
    customer = make.customer(team.tenant, team.owner, name="Ece Yıldız")
    make.reminder(
        customer, team.owner, datetime.now(UTC) - timedelta(minutes=1), assignee=team.agent, title="Fiyat teklifi"
    )

    _run_due_job(app, run_jobs)

    body = last_mail_to(outbox, team.agent.email)
    assert "Fiyat teklifi" in body and "Ece Yıldız" in body
    assert f"http://kervan.test/customers/{customer.id}" in body and "http://kervan.test/agenda" in body
    assert _mails_to(outbox, team.owner) == []


def test_an_online_assignee_gets_the_toast_not_an_email(app, make, run_jobs, outbox, config):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    reminder = make.reminder(customer, team.owner, datetime.now(UTC) - timedelta(minutes=1), assignee=team.agent)
    config(SSE_HEARTBEAT_SECONDS=60)  # the mark outlives a slow worker start
    with app.app_context():
        presence.mark_online(team.agent.id, team.tenant.id)

    _run_due_job(app, run_jobs)

    assert len(_events(app, team.tenant, events.REMINDER_DUE, reminder.id)) == 1
    assert _mails_to(outbox, team.agent) == []


def test_being_online_in_another_business_does_not_count(app, make, run_jobs, outbox, config):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    make.reminder(customer, team.owner, datetime.now(UTC) - timedelta(minutes=1), assignee=team.agent)
    config(SSE_HEARTBEAT_SECONDS=60)
    with app.app_context():
        presence.mark_online(team.agent.id, team.outsider_tenant.id)

    _run_due_job(app, run_jobs)

    assert len(_mails_to(outbox, team.agent)) == 1


def test_the_email_speaks_the_assignees_language(app, make, run_jobs, outbox):
    team = make.team()
    with app.app_context():
        db.session.get(User, team.agent.id).locale = "tr"
        db.session.commit()
    customer = make.customer(team.tenant, team.owner)
    make.reminder(customer, team.owner, datetime.now(UTC) - timedelta(minutes=1), assignee=team.agent)

    _run_due_job(app, run_jobs)

    with app.app_context(), app.test_request_context():
        from flask_babel import force_locale, gettext

        with force_locale("tr"):
            greeting = gettext("Hello %(name)s,", name=team.agent.name)
    assert greeting in last_mail_to(outbox, team.agent.email)


# ---------- Presence ----------


def test_an_open_stream_marks_its_user_online_in_that_business(app, make, client):
    team = make.team()
    login(client, team.agent)
    response = client.get("/realtime/stream", buffered=False)
    chunks = iter(response.response)
    try:
        next(chunks)  # connected
        next(chunks)  # the first keep-alive: by now the stream has marked itself
        with app.app_context():
            assert presence.is_online(team.agent.id, team.tenant.id)
            assert presence.is_online(team.agent.id)
            assert not presence.is_online(team.agent.id, team.outsider_tenant.id)
            assert not presence.is_online(team.owner.id)
    finally:
        response.close()


def test_presence_expires_without_keep_alives(app, monkeypatch):
    if settings.REDIS_URL:
        pytest.skip("Redis expires its own keys")
    clock = [1000.0]
    monkeypatch.setattr(presence, "monotonic", lambda: clock[0])
    with app.app_context():
        presence.mark_online(987654)
        assert presence.is_online(987654)
        clock[0] += presence.TTL_HEARTBEATS * app.config["SSE_HEARTBEAT_SECONDS"] + 1
        assert not presence.is_online(987654)
