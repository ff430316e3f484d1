from sqlalchemy import select

from app.extensions import db
from app.models import Event, Tenant
from tests.factories import login

HOURS = {f"{d}-open": "y" for d in ("mon", "tue", "wed", "thu", "fri")} | {
    f"{d}-{k}": v for d in ("mon", "tue", "wed", "thu", "fri") for k, v in (("start", "09:30"), ("end", "19:00"))
}


def _form(**changes):
    return {
        "name": "Gülüş Diş Kliniği Kadıköy",
        "locale": "tr",
        "timezone": "Europe/Istanbul",
        "currency": "TRY",
        **HOURS,
        **changes,
    }


def test_an_owner_updates_profile_and_hours(app, make, client):
    team = make.team()
    login(client, team.owner)
    response = client.post("/settings", data=_form())
    assert response.status_code == 302
    with app.app_context():
        tenant = db.session.get(Tenant, team.tenant.id)
        assert tenant.name == "Gülüş Diş Kliniği Kadıköy"
        assert tenant.working_hours["mon"] == [["09:30", "19:00"]] and tenant.working_hours["sun"] == []
        event = db.session.scalars(
            select(Event).where(Event.tenant_id == tenant.id, Event.type == "tenant.settings_changed")
        ).first()
        assert "working_hours" in event.data["fields"] and "name" in event.data["fields"]


def test_bad_hours_are_explained_and_nothing_is_saved(app, make, client):
    team = make.team()
    login(client, team.owner)
    response = client.post("/settings", data=_form(**{"mon-end": "08:00"}))
    assert response.status_code == 422
    assert b"Closing time must be after opening time" in response.data
    assert "Gülüş Diş Kliniği Kadıköy" in response.get_data(as_text=True)  # the input is kept
    with app.app_context():
        assert db.session.get(Tenant, team.tenant.id).name == team.tenant.name


def test_an_agent_sees_settings_read_only(make, client):
    team = make.team()
    login(client, team.agent)
    page = client.get("/settings").get_data(as_text=True)
    assert "Only an owner can change these settings." in page and "<fieldset disabled" in page
