import pytest

from app.extensions import db
from app.models import Customer, Event
from tests.factories import login


@pytest.fixture
def team(make):
    return make.team()


def test_a_person_adds_a_customer_from_the_form(make, client, team):
    stages = make.stages(team.tenant)
    login(client, team.agent)
    response = client.post(
        "/customers/new",
        data={
            "name": "Yeni Hasta",
            "phone": "0533 111 22 33",
            "email": "",
            "stage_id": stages[1].id,
            "assignee_id": team.agent.id,
            "source": "instagram",
            "campaign": "Kış",
            "value": "1250,50",
            "tags": "implant, vip",
        },
    )
    # "1250,50" is not a number WTForms reads: the form says so and keeps what was typed.
    assert response.status_code == 422 and "Yeni Hasta" in response.get_data(as_text=True)
    response = client.post(
        "/customers/new",
        data={
            "name": "Yeni Hasta",
            "phone": "0533 111 22 33",
            "stage_id": stages[1].id,
            "assignee_id": team.agent.id,
            "source": "instagram",
            "campaign": "Kış",
            "value": "1250.50",
            "tags": "implant, vip",
        },
    )
    assert response.status_code == 302
    with client.application.app_context():
        customer = db.session.scalar(db.select(Customer).where(Customer.name == "Yeni Hasta"))
        assert customer.phone == "+905331112233" and customer.value_minor == 125_050
        assert {t.name for t in customer.tags} == {"implant", "vip"} and customer.stage_id == stages[1].id


def test_the_form_finds_the_existing_customer_instead_of_a_twin(make, client, team):
    existing = make.customer(team.tenant, name="Var Olan", phone="+905441112233")
    stages = make.stages(team.tenant)
    login(client, team.agent)
    hint = client.get("/customers/check", query_string={"phone": "0544 111 22 33"}).get_data(as_text=True)
    assert "Var Olan" in hint and f"/customers/{existing.id}" in hint
    response = client.post(
        "/customers/new", data={"name": "İkiz", "phone": "544-111-2233", "stage_id": stages[0].id, "assignee_id": 0}
    )
    assert response.status_code == 409 and "Var Olan" in response.get_data(as_text=True)
    with client.application.app_context():
        assert db.session.scalar(db.select(Customer).where(Customer.name == "İkiz")) is None


def test_the_list_sorts_pages_and_searches(make, client, team):
    for n in range(55):
        make.customer(team.tenant, name=f"Liste {n:02d}", value_minor=n * 100)
    login(client, team.agent)
    first = client.get("/customers?sort=name").get_data(as_text=True)
    assert "Liste 00" in first and "Liste 55" not in first and "Page 1 of 2" in first
    second = client.get("/customers?sort=name&page=2").get_data(as_text=True)
    assert "Liste 54" in second and "Liste 00" not in second
    top = client.get("/customers?sort=-value").get_data(as_text=True)
    assert top.index("Liste 54") < top.index("Liste 53")
    found = client.get("/customers?q=Liste 07").get_data(as_text=True)
    assert "Liste 07" in found and "Liste 08" not in found


def test_a_manager_acts_on_many_customers_at_once(make, client, team):
    stages = make.stages(team.tenant)
    ids = [make.customer(team.tenant).id for _ in range(3)]
    login(client, team.manager)
    client.post("/customers/bulk", data={"action": "assign", "ids": ids, "assignee_id": team.agent.id})
    client.post("/customers/bulk", data={"action": "tag", "ids": ids, "tag": "kampanya"})
    client.post("/customers/bulk", data={"action": "stage", "ids": ids, "stage_id": stages[2].id})
    with client.application.app_context():
        rows = [db.session.get(Customer, i) for i in ids]
        assert all(c.assignee_id == team.agent.id and c.stage_id == stages[2].id for c in rows)
        assert all([t.name for t in c.tags] == ["kampanya"] for c in rows)
    client.post("/customers/bulk", data={"action": "delete", "ids": ids[:1]})
    with client.application.app_context():
        assert db.session.get(Customer, ids[0]).deleted_at is not None


def test_an_agent_cannot_bulk_edit_or_delete(make, client, team):
    card = make.customer(team.tenant)
    login(client, team.agent)
    assert client.post("/customers/bulk", data={"action": "delete", "ids": [card.id]}).status_code == 403
    assert client.post(f"/customers/{card.id}/delete").status_code == 403


def test_another_tenants_customer_is_404_everywhere(make, client, team):
    theirs = make.customer(team.outsider_tenant)
    login(client, team.manager)
    for method, path in (
        ("get", ""),
        ("get", "/_profile"),
        ("get", "/_timeline"),
        ("post", "/notes"),
        ("post", "/calls"),
        ("post", "/stage"),
        ("post", "/assign"),
        ("post", "/profile"),
        ("post", "/delete"),
    ):
        assert getattr(client, method)(f"/customers/{theirs.id}{path}").status_code == 404, path
    client.post("/customers/bulk", data={"action": "delete", "ids": [theirs.id]})
    with client.application.app_context():
        assert db.session.get(Customer, theirs.id).deleted_at is None


def test_the_quick_actions_write_the_timeline(make, client, team):
    stages = make.stages(team.tenant)
    card = make.customer(team.tenant, name="Hızlı")
    login(client, team.agent)
    assert client.post(f"/customers/{card.id}/notes", data={"text": "Fiyat soruldu"}).status_code == 200
    assert client.post(f"/customers/{card.id}/notes", data={"text": ""}).status_code == 422
    assert client.post(f"/customers/{card.id}/calls", data={"outcome": "no_answer"}).status_code == 200
    assert client.post(f"/customers/{card.id}/calls", data={"outcome": "teleported"}).status_code == 422
    client.post(f"/customers/{card.id}/stage", data={"stage_id": stages[3].id})
    client.post(f"/customers/{card.id}/assign", data={"assignee_id": team.manager.id})
    timeline = client.get(f"/customers/{card.id}/_timeline").get_data(as_text=True)
    assert "Fiyat soruldu" in timeline and "No answer" in timeline and stages[3].name in timeline
    assert f"assigned Hızlı to {team.manager.name}" in timeline
    only_notes = client.get(f"/customers/{card.id}/_timeline?type=notes").get_data(as_text=True)
    assert "Fiyat soruldu" in only_notes and "No answer" not in only_notes
    with client.application.app_context():
        customer = db.session.get(Customer, card.id)
        assert customer.last_contact_at is not None and customer.assignee_id == team.manager.id


def test_inline_profile_edit_validates_and_saves(make, client, team):
    card = make.customer(team.tenant, name="Eski Ad", phone="+905321010101")
    make.customer(team.tenant, name="Başkası", phone="+905329999999")
    login(client, team.agent)
    form = client.get(f"/customers/{card.id}/_profile?edit=1").get_data(as_text=True)
    assert 'value="Eski Ad"' in form
    clash = client.post(f"/customers/{card.id}/profile", data={"name": "Eski Ad", "phone": "0532 999 99 99"})
    assert clash.status_code == 409 and "Başkası" in clash.get_data(as_text=True)
    saved = client.post(
        f"/customers/{card.id}/profile",
        data={
            "name": "Yeni Ad",
            "phone": "0532 101 01 01",
            "email": "yeni@ornek.com",
            "value": "300",
            "tags": "a, b",
            "consent_whatsapp": "y",
        },
    )
    assert saved.status_code == 200 and "Yeni Ad" in saved.get_data(as_text=True)
    with client.application.app_context():
        customer = db.session.get(Customer, card.id)
        assert (customer.name, customer.email, customer.value_minor, customer.consent_whatsapp) == (
            "Yeni Ad",
            "yeni@ornek.com",
            30_000,
            True,
        )
        fields = db.session.scalars(
            db.select(Event.data).where(Event.subject_id == card.id, Event.type == "customer.updated")
        ).all()
        assert any("email" in f["fields"] for f in fields)
