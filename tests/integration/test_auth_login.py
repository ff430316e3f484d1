from datetime import timedelta

from app.auth import services
from app.extensions import db
from app.models import Event
from app.models.base import utcnow
from tests.factories import PASSWORD
from tests.factories import client_from_new_ip as _client_from_new_ip


def _login(client, email, password, remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)


def test_it_signs_in_with_the_right_password(app, make):
    team = make.team()
    client = _client_from_new_ip(app)
    response = _login(client, team.owner.email, PASSWORD)
    assert response.status_code == 302
    assert client.get("/command").status_code == 200


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(app, make):
    team = make.team()
    response = _login(_client_from_new_ip(app), team.owner.email, "nope-nope-nope")
    assert response.status_code == 401
    assert b"E-mail or password is wrong" in response.data


def test_it_locks_the_account_after_five_failures_even_for_the_right_password(app, make):
    team = make.team()
    attacker = _client_from_new_ip(app)
    for _ in range(5):
        assert _login(attacker, team.agent.email, "wrong-password").status_code in (401, 429)
    # Another address, right password: the account itself is locked.
    response = _login(_client_from_new_ip(app), team.agent.email, PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.data
    with app.app_context():
        locked = db.session.scalar(
            db.select(Event).where(Event.tenant_id == team.tenant.id, Event.type == "auth.locked_out")
        )
        assert locked is not None and locked.subject_id == team.agent.id


def test_it_locks_an_address_that_tries_many_accounts(app, make):
    victims = [make.user() for _ in range(5)]
    spray = _client_from_new_ip(app)
    for victim in victims:
        _login(spray, victim.email, "wrong-password")
    someone = make.team().owner
    assert _login(spray, someone.email, PASSWORD).status_code == 429
    assert _login(_client_from_new_ip(app), someone.email, PASSWORD).status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(app, make):
    team = make.team()
    client = _client_from_new_ip(app)
    for _ in range(5):
        _login(client, team.manager.email, "wrong-password")
    assert _login(client, team.manager.email, PASSWORD).status_code == 429
    ip = client.environ_base["REMOTE_ADDR"]
    with app.app_context():
        later = utcnow() + timedelta(minutes=14)
        assert not services.authenticate(team.manager.email, PASSWORD, ip, now=later).ok
        much_later = utcnow() + timedelta(minutes=15, seconds=5)
        assert services.authenticate(team.manager.email, PASSWORD, ip, now=much_later).ok


def test_remember_me_is_a_real_choice(app, make):
    team = make.team()
    plain = _client_from_new_ip(app)
    _login(plain, team.owner.email, PASSWORD)
    assert plain.get_cookie("remember_token") is None
    session_cookie = plain.get_cookie("session")
    assert session_cookie.expires is None  # gone when the browser closes
    assert session_cookie.http_only

    remembered = _client_from_new_ip(app)
    _login(remembered, team.owner.email, PASSWORD, remember=True)
    cookie = remembered.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_the_session_cookie_is_httponly_and_samesite(app, make):
    team = make.team()
    client = _client_from_new_ip(app)
    response = _login(client, team.owner.email, PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_it_never_redirects_a_login_to_another_site(app, make):
    team = make.team()
    client = _client_from_new_ip(app)
    response = client.post(
        "/auth/login?next=//evil.example/steal", data={"email": team.owner.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_it_sends_pages_to_the_login_when_signed_out(client):
    response = client.get("/settings/team")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_logout_is_a_post_and_ends_the_session(app, make):
    team = make.team()
    client = _client_from_new_ip(app)
    _login(client, team.owner.email, PASSWORD)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/command").status_code == 302


def test_an_invalid_form_says_what_is_wrong(app):
    response = _client_from_new_ip(app).post("/auth/login", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 400
    assert b"Enter a valid e-mail address" in response.data


def test_sign_in_attempts_are_throttled_per_address(app, make, config):
    config(LOGIN_RATE_LIMIT="2/minute")
    user = make.team().owner
    client = _client_from_new_ip(app)
    for _ in range(2):
        assert client.post("/auth/login", data={"email": user.email, "password": "wrong"}).status_code != 429
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    elsewhere = _client_from_new_ip(app)
    assert elsewhere.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
