"""The owner's booking settings: resources and their hours, services, days off, defaults; the message outbox."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import events
from app.booking import services as booking
from app.booking.settings_services import format_offsets, parse_offsets
from app.extensions import db
from app.messaging import channels
from app.models import Customer, Event, OutboundMessage, Resource, Service, Tenant, TimeOff
from app.models.base import utcnow
from app.shell.activity import describe
from tests.factories import login

IST = ZoneInfo("Europe/Istanbul")


def _monday(weeks_ahead: int = 1) -> date:
    today = utcnow().astimezone(IST).date()
    return today + timedelta(days=(0 - today.weekday()) % 7 + 7 * weeks_ahead)


def _hours(day: str = "mon", start="09:00", end="17:00", break_start="", break_end="") -> dict:
    return {
        f"{day}-open": "y",
        f"{day}-start": start,
        f"{day}-end": end,
        f"{day}-break_start": break_start,
        f"{day}-break_end": break_end,
    }


def _resource_form(name="Dr. Deneme", kind="doctor", **hours) -> dict:
    return {"name": name, "kind": kind, "active": "y", **(hours or _hours())}


def _service_form(ids, **fields) -> dict:
    data = {
        "name": "Özel Bakım",
        "duration_min": "60",
        "buffer_min": "0",
        "price_min": "1500,00".replace(",", "."),
        "price_max": "2500.50",
        "resource_ids": [str(i) for i in ids],
        "public": "y",
        "active": "y",
        "reminder_offsets": "24h, 1h",
    }
    data.update(fields)
    return data


def _count(app, model, tenant) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id))


def _by_name(app, model, tenant, name):
    with app.app_context():
        row = db.session.scalar(select(model).where(model.tenant_id == tenant.id, model.name == name))
        if row is not None:
            db.session.expunge(row)
        return row


def _settings_events(app, tenant) -> list[Event]:
    with app.app_context():
        rows = db.session.scalars(
            select(Event)
            .where(Event.tenant_id == tenant.id, Event.type == events.BOOKING_SETTINGS_CHANGED)
            .order_by(Event.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_the_owner_sets_up_a_resource_a_service_and_a_day_off_and_slots_follow(app, make, client):
    team = make.team()
    login(client, team.owner)

    doctor_form = _resource_form("Dr. Deneme", "doctor", **_hours(break_start="12:00", break_end="13:00"))
    assert client.post("/settings/booking/resources/new", data=doctor_form).status_code == 302
    assert client.post("/settings/booking/resources/new", data=_resource_form("Oda X", "room")).status_code == 302
    doctor = _by_name(app, Resource, team.tenant, "Dr. Deneme")
    room = _by_name(app, Resource, team.tenant, "Oda X")
    assert doctor.weekly_hours["mon"] == [["09:00", "17:00"]] and doctor.weekly_hours["tue"] == []
    assert doctor.breaks == {"mon": [["12:00", "13:00"]]}

    response = client.post("/settings/booking/services/new", data=_service_form([doctor.id, room.id]))
    assert response.status_code == 302
    service = _by_name(app, Service, team.tenant, "Özel Bakım")
    assert (service.duration_min, service.price_min_minor, service.price_max_minor) == (60, 150000, 250050)
    assert service.reminder_offsets == [1440, 60]

    monday, later = _monday(1), _monday(2)
    response = client.post(
        "/settings/booking/time-off",
        data={"off-resource_id": str(doctor.id), "off-starts_on": later.isoformat(), "off-reason": "Kongre"},
    )
    assert response.status_code == 302

    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        service = db.session.get(Service, service.id)
        assert booking.kinds_of(service) == ["doctor", "room"]
        starts = {
            s.starts_at.astimezone(IST).strftime("%H:%M")
            for s in booking.free_slots_for(tenant, service, monday, monday)
        }
        assert {"09:00", "11:00", "13:00", "16:00"} <= starts
        assert not starts & {"08:30", "11:30", "12:00", "12:30", "16:30"}  # the break and the end of the day
        assert booking.free_slots_for(tenant, service, later, later) == []  # the doctor's day off

    page = client.get("/settings/booking")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Dr. Deneme" in html and "Özel Bakım" in html and "Kongre" in html and "break 12:00–13:00" in html
    kinds = [(e.data["what"], e.data["action"]) for e in _settings_events(app, team.tenant)]
    assert kinds == [("resource", "created"), ("resource", "created"), ("service", "created"), ("time_off", "created")]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        sentence = describe(events.BOOKING_SETTINGS_CHANGED, "Selin Sahip", _settings_events(app, team.tenant)[2].data)
    assert sentence == "Selin Sahip added the service Özel Bakım."


def test_editing_a_resource_and_hours_that_run_past_midnight(app, make, client):
    team = make.team()
    login(client, team.owner)
    with app.app_context():
        resource = db.session.scalar(select(Resource).where(Resource.tenant_id == team.tenant.id))
        resource_id = resource.id
    page = client.get(f"/settings/booking/resources/{resource_id}")
    assert page.status_code == 200 and "runs past midnight" in page.get_data(as_text=True)
    data = _resource_form("Gece Odası", "room", **_hours("fri", "20:00", "02:00", "23:30", "00:30"))
    assert client.post(f"/settings/booking/resources/{resource_id}", data=data).status_code == 302
    with app.app_context():
        resource = db.session.get(Resource, resource_id)
        assert resource.name == "Gece Odası" and resource.weekly_hours["fri"] == [["20:00", "02:00"]]
        assert resource.breaks == {"fri": [["23:30", "00:30"]]} and resource.weekly_hours["mon"] == []
    assert _settings_events(app, team.tenant)[-1].data["action"] == "updated"


@pytest.mark.parametrize(
    "hours, message",
    [
        (_hours(start="09:00", end="09:00"), "The end must differ from the start."),
        (_hours(start="09:00", end=""), "Give the start and end time."),
        (_hours(break_start="08:00", break_end="09:30"), "The break must be inside the working hours."),
        (_hours(break_start="13:00", break_end="12:00"), "The break must be inside the working hours."),
        (_hours(break_start="12:00", break_end=""), "Give both ends of the break, or neither."),
        (
            _hours(start="20:00", end="02:00", break_start="01:00", break_end="01:30"),
            "the break must start before midnight",
        ),
    ],
)
def test_invalid_hours_are_explained_and_save_nothing(app, make, client, hours, message):
    team = make.team()
    login(client, team.owner)
    before = _count(app, Resource, team.tenant)
    response = client.post("/settings/booking/resources/new", data=_resource_form("Hatalı", **hours))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app, Resource, team.tenant) == before
    assert _settings_events(app, team.tenant) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"duration_min": "0"}, "The duration must be between 5 and 720 minutes."),
        ({"duration_min": ""}, "Give the duration in minutes."),
        ({"buffer_min": "-5"}, "The buffer must be between 0 and 240 minutes."),
        ({"price_min": "300", "price_max": "100"}, "The highest price cannot be below the lowest."),
        ({"reminder_offsets": "48h, yarın"}, "is not a time like 48h, 2h or 30m."),
        ({"reminder_offsets": "1m"}, "between 5 minutes and 30 days"),
        ({"resource_ids": []}, "Choose at least one resource."),
    ],
)
def test_invalid_services_are_explained_and_save_nothing(app, make, client, fields, message):
    team = make.team()
    login(client, team.owner)
    with app.app_context():
        resource_id = db.session.scalar(select(Resource.id).where(Resource.tenant_id == team.tenant.id))
    before = _count(app, Service, team.tenant)
    response = client.post("/settings/booking/services/new", data=_service_form([resource_id], **fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app, Service, team.tenant) == before


def test_an_empty_override_means_the_business_default(app, make, client):
    team = make.team()
    login(client, team.owner)
    with app.app_context():
        service = db.session.scalar(
            select(Service).where(Service.tenant_id == team.tenant.id, Service.name == "Muayene")
        )
        service_id, resource_ids = service.id, [r.id for r in service.resources]
    data = _service_form(resource_ids, name="Muayene", reminder_offsets="", public="")
    assert client.post(f"/settings/booking/services/{service_id}", data=data).status_code == 302
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service.reminder_offsets is None and service.public is False


def test_days_off_are_listed_and_deleted(app, make, client):
    team = make.team()
    login(client, team.owner)
    html = client.get("/settings/booking").get_data(as_text=True)
    assert "Public holiday" in html
    bad = client.post(
        "/settings/booking/time-off",
        data={"off-resource_id": "0", "off-starts_on": "2030-05-02", "off-ends_on": "2030-05-01"},
    )
    assert bad.status_code == 422 and "The last day cannot be before the first day." in bad.get_data(as_text=True)
    ok = client.post(
        "/settings/booking/time-off",
        data={
            "off-resource_id": "0",
            "off-starts_on": "2030-05-01",
            "off-ends_on": "2030-05-03",
            "off-reason": "Tadilat",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(TimeOff).where(TimeOff.tenant_id == team.tenant.id, TimeOff.reason == "Tadilat"))
        assert (row.resource_id, row.ends_on, row.kind) == (None, date(2030, 5, 3), "day_off")
        row_id = row.id
    assert client.post(f"/settings/booking/time-off/{row_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(TimeOff, row_id) is None
    assert [e.data["action"] for e in _settings_events(app, team.tenant)] == ["created", "deleted"]


def test_the_business_defaults_merge_into_the_booking_settings(app, make, client):
    team = make.team()
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        tenant.booking_settings = {"channel": "outbox", "stage_on_booking": "appointment"}
        db.session.commit()
    login(client, team.owner)
    assert 'value="48h, 2h"' in client.get("/settings/booking").get_data(as_text=True)
    data = {"defaults-reminder_offsets": "72h, 3h, 30m", "defaults-slot_step": "15", "defaults-offer_minutes": "90"}
    assert client.post("/settings/booking", data=data).status_code == 302
    with app.app_context():
        values = db.session.get(Tenant, team.tenant.id).booking_settings
    assert values == {
        "channel": "outbox",
        "stage_on_booking": "appointment",
        "reminder_offsets": [4320, 180, 30],
        "slot_step": 15,
        "offer_minutes": 90,
    }
    bad = client.post("/settings/booking", data=dict(data, **{"defaults-offer_minutes": "5"}))
    assert bad.status_code == 422 and "Between 10 and 2880 minutes." in bad.get_data(as_text=True)
    empty = client.post("/settings/booking", data=dict(data, **{"defaults-reminder_offsets": ""}))
    assert empty.status_code == 422 and "Give at least one reminder" in empty.get_data(as_text=True)
    assert len(_settings_events(app, team.tenant)) == 1


def test_offsets_parse_and_print():
    assert parse_offsets("48h, 2h") == [2880, 120]
    assert parse_offsets("2 saat; 30dk, 1d, 3") == [1440, 180, 120, 30]
    assert format_offsets([2880, 120, 90]) == "48h, 2h, 90m"
    with pytest.raises(ValueError):
        parse_offsets("soon")


def test_managers_and_agents_read_only_owners_edit(app, make, client):
    team = make.team()
    with app.app_context():
        resource_id = db.session.scalar(select(Resource.id).where(Resource.tenant_id == team.tenant.id))
        service_id = db.session.scalar(select(Service.id).where(Service.tenant_id == team.tenant.id))
    for user in (team.manager, team.agent):
        login(client, user)
        page = client.get("/settings/booking")
        assert page.status_code == 200 and "Read-only" in page.get_data(as_text=True)
        assert client.get(f"/settings/booking/resources/{resource_id}").status_code == 200
        assert client.get(f"/settings/booking/services/{service_id}").status_code == 200
    login(client, team.agent)
    before = (_count(app, Resource, team.tenant), _count(app, Service, team.tenant), _count(app, TimeOff, team.tenant))
    assert client.post("/settings/booking/resources/new", data=_resource_form()).status_code == 403
    assert client.post(f"/settings/booking/resources/{resource_id}", data=_resource_form()).status_code == 403
    assert client.post("/settings/booking/services/new", data=_service_form([resource_id])).status_code == 403
    assert client.post("/settings/booking", data={"defaults-reminder_offsets": "1h"}).status_code == 403
    off = {"off-resource_id": "0", "off-starts_on": "2030-01-02"}
    assert client.post("/settings/booking/time-off", data=off).status_code == 403
    after = (_count(app, Resource, team.tenant), _count(app, Service, team.tenant), _count(app, TimeOff, team.tenant))
    assert before == after


def test_another_businesss_resources_services_and_days_off_are_404(app, make, client):
    team = make.team()
    with app.app_context():
        other = team.outsider_tenant.id
        resource_id = db.session.scalar(select(Resource.id).where(Resource.tenant_id == other))
        service_id = db.session.scalar(select(Service.id).where(Service.tenant_id == other))
        time_off_id = db.session.scalar(select(TimeOff.id).where(TimeOff.tenant_id == other))
        own_resource = db.session.scalar(select(Resource.id).where(Resource.tenant_id == team.tenant.id))
    login(client, team.owner)
    assert client.get(f"/settings/booking/resources/{resource_id}").status_code == 404
    assert client.post(f"/settings/booking/resources/{resource_id}", data=_resource_form()).status_code == 404
    assert client.get(f"/settings/booking/services/{service_id}").status_code == 404
    assert (
        client.post(f"/settings/booking/services/{service_id}", data=_service_form([own_resource])).status_code == 404
    )
    assert client.post(f"/settings/booking/time-off/{time_off_id}/delete").status_code == 404
    # Another business's resource cannot be attached to a service or given a day off either.
    assert client.post("/settings/booking/services/new", data=_service_form([resource_id])).status_code == 422
    off = {"off-resource_id": str(resource_id), "off-starts_on": "2030-01-02"}
    assert client.post("/settings/booking/time-off", data=off).status_code == 422
    with app.app_context():
        assert db.session.get(TimeOff, time_off_id) is not None


def test_the_outbox_lists_the_businesss_messages_newest_first(app, make, client):
    team = make.team()
    mine = make.customer(team.tenant, team.owner, name="Ayla Yılmaz")
    theirs = make.customer(team.outsider_tenant, team.outsider, name="Başka Müşteri")
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        channels.send(tenant, db.session.get(Customer, mine.id), "İlk konu", "ilk gövde")
        later = channels.send(tenant, db.session.get(Customer, mine.id), "Son konu", "son gövde")
        later.created_at = utcnow() + timedelta(seconds=5)
        other = db.session.get(Tenant, team.outsider_tenant.id)
        channels.send(other, db.session.get(Customer, theirs.id), "Gizli konu", "gizli")
        db.session.commit()
    for user in (team.owner, team.manager):
        login(client, user)
        page = client.get("/settings/messages")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert html.index("Son konu") < html.index("İlk konu")
        assert "Gizli konu" not in html and f"/customers/{mine.id}" in html and mine.phone in html
        assert "sse:appointment.reminded" in html
    partial = client.get("/settings/messages", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<section class="card" id="messages"')
    login(client, team.agent)
    assert client.get("/settings/messages").status_code == 403


def test_the_outbox_is_paginated(app, make, client):
    team = make.team()
    customer = make.customer(team.tenant, team.owner)
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        for n in range(32):
            row = channels.send(tenant, db.session.get(Customer, customer.id), f"Konu {n:02d}", "gövde")
            row.created_at = datetime(2030, 1, 1, 9, tzinfo=IST) + timedelta(minutes=n)
        db.session.commit()
        assert (
            db.session.scalar(
                select(func.count()).select_from(OutboundMessage).where(OutboundMessage.tenant_id == tenant.id)
            )
            == 32
        )
    login(client, team.owner)
    first = client.get("/settings/messages").get_data(as_text=True)
    assert "Konu 31" in first and "Konu 01" not in first and "Page 1 of 2" in first
    second = client.get("/settings/messages?page=2").get_data(as_text=True)
    assert "Konu 01" in second and "Konu 00" in second and "Konu 31" not in second
