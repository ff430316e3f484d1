import re

from tests.factories import PASSWORD, client_from_new_ip, last_mail_to


def _link_from_outbox(outbox, email):
    return re.search(r"http://kervan\.test(/auth/reset/\S+)", last_mail_to(outbox, email)).group(1)


def test_a_reset_link_arrives_by_mail_and_works_once(app, make, outbox, run_jobs):
    team = make.team()
    client = client_from_new_ip(app)
    response = client.post("/auth/reset", data={"email": team.agent.email})
    assert response.status_code == 302
    run_jobs()
    link = _link_from_outbox(outbox, team.agent.email)

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "a-brand-new-secret", "confirm": "a-brand-new-secret"})
    assert response.status_code == 302
    login = client.post("/auth/login", data={"email": team.agent.email, "password": "a-brand-new-secret"})
    assert login.status_code == 302
    client.post("/auth/logout")
    # The same link is dead once the password changed.
    assert client.get(link).status_code == 302
    assert client.post("/auth/login", data={"email": team.agent.email, "password": PASSWORD}).status_code == 401


def test_reset_does_not_reveal_who_has_an_account(app, outbox, run_jobs):
    client = client_from_new_ip(app)
    response = client.post("/auth/reset", data={"email": "nobody-here@example.test"}, follow_redirects=True)
    assert b"If that address has an account" in response.data
    run_jobs()
    assert not list(outbox.glob("*nobody-here*"))


def test_mismatched_new_passwords_are_refused(app, make, outbox, run_jobs):
    team = make.team()
    client = client_from_new_ip(app)
    client.post("/auth/reset", data={"email": team.manager.email})
    run_jobs()
    link = _link_from_outbox(outbox, team.manager.email)
    response = client.post(link, data={"password": "a-brand-new-secret", "confirm": "something-else-1"})
    assert response.status_code == 400
    assert b"The passwords do not match" in response.data


def test_a_forged_reset_token_is_refused(client):
    response = client.get("/auth/reset/forged.token.value")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/reset")
