from app.extensions import db
from app.models import User
from tests.factories import client_from_new_ip, login


def test_healthz_reports_the_database_and_redis(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["status"] == "ok"
    assert body["redis"] == ("ok" if app.config["REDIS_URL"] else "embedded")


def test_the_interface_is_turkish_first(app, make):
    team = make.team()
    with app.app_context():
        db.session.get(User, team.agent.id).locale = None
        db.session.commit()
    client = app.test_client()
    assert "Giriş yap" in client.get("/auth/login").get_data(as_text=True)
    login(client, team.agent)
    page = client.get("/command").get_data(as_text=True)
    assert "Çıkış yap" in page and 'lang="tr"' in page


def test_a_person_switches_language_and_it_sticks(app, make):
    team = make.team()
    client = client_from_new_ip(app)
    login(client, team.agent)
    response = client.post("/preferences/language", data={"lang": "tr", "next": "/settings/team"})
    assert response.status_code == 303 and response.headers["Location"] == "/settings/team"
    assert "Ekip" in client.get("/settings/team").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, team.agent.id).locale == "tr"
    client.post("/preferences/language", data={"lang": "en"})
    assert "Sign out" in client.get("/command").get_data(as_text=True)
    assert client.post("/preferences/language", data={"lang": "de"}).status_code == 400


def test_a_person_switches_the_theme(app, make, client):
    team = make.team()
    login(client, team.agent)
    client.post("/preferences/theme", data={"theme": "dark"})
    assert 'data-theme="dark"' in client.get("/command").get_data(as_text=True)
    assert client.post("/preferences/theme", data={"theme": "neon"}).status_code == 400


def test_an_owner_of_several_businesses_switches_between_them(app, make, client):
    team = make.team()
    second = make.tenant(team.owner, "ecommerce", name="Zeta Pazaryeri")
    login(client, team.owner)
    page = client.get("/command").get_data(as_text=True)
    assert "Zeta Pazaryeri" in page  # offered in the switcher
    client.post(f"/tenants/{second.id}/switch")
    page = client.get("/settings").get_data(as_text=True)
    assert 'value="Zeta Pazaryeri"' in page
    with app.app_context():
        assert db.session.get(User, team.owner.id).last_tenant_id == second.id


def test_areas_still_to_come_say_what_they_will_hold(make, client):
    team = make.team()
    login(client, team.agent)
    page = client.get("/inbox").get_data(as_text=True)
    assert "Coming next" in page and "WhatsApp" in page
    # The dental blueprint calls customers patients.
    assert "Patients" in client.get("/customers").get_data(as_text=True)


def test_unknown_pages_get_a_friendly_404(make, client):
    team = make.team()
    login(client, team.agent)
    response = client.get("/nowhere")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)


def test_htmx_requests_get_fragments_and_responses_vary_on_it(make, client):
    team = make.team()
    login(client, team.agent)
    fragment = client.get("/activity/_feed", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
