import re

from sqlalchemy import select

from app.extensions import db
from app.models import Event, Invitation, Membership, User
from app.team import open_work
from tests.factories import PASSWORD, client_from_new_ip, last_mail_to, login


def _events(app, tenant, event_type):
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.tenant_id == tenant.id, Event.type == event_type)))


def test_it_lets_an_owner_invite_a_colleague_by_mail(app, make, client, outbox, run_jobs):
    team = make.team()
    login(client, team.owner)
    response = client.post("/settings/team/invite", data={"email": "Yeni.Kisi@Example.test", "role": "manager"})
    assert response.status_code == 302
    run_jobs()
    body = last_mail_to(outbox, "yeni.kisi@example.test")
    assert re.search(r"http://kervan\.test/join/\S+", body)
    [event] = _events(app, team.tenant, "member.invited")[-1:]
    assert event.data == {"email": "yeni.kisi@example.test", "role": "manager"}
    assert event.actor_id == team.owner.id


def test_the_invite_form_answers_htmx_with_the_refreshed_region(make, client):
    team = make.team()
    login(client, team.owner)
    response = client.post(
        "/settings/team/invite", data={"email": "htmx@example.test", "role": "agent"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"htmx@example.test" in response.data and b"<html" not in response.data


def test_it_explains_a_bad_invitation(make, client):
    team = make.team()
    login(client, team.owner)
    response = client.post("/settings/team/invite", data={"email": "not an address", "role": "agent"})
    assert response.status_code == 422
    assert b"Enter a valid e-mail address" in response.data
    response = client.post("/settings/team/invite", data={"email": team.agent.email, "role": "agent"})
    assert response.status_code == 422
    assert b"already a member" in response.data


def test_an_agent_and_a_manager_cannot_invite(make, client):
    team = make.team()
    for person in (team.agent, team.manager):
        login(client, person)
        assert (
            client.post("/settings/team/invite", data={"email": "x@example.test", "role": "agent"}).status_code == 403
        )


def test_a_new_person_joins_through_the_invitation_link(app, make, client, outbox, run_jobs):
    team = make.team()
    login(client, team.owner)
    client.post("/settings/team/invite", data={"email": "katilan@example.test", "role": "agent"})
    run_jobs()
    link = re.search(r"http://kervan\.test(/join/\S+)", last_mail_to(outbox, "katilan@example.test")).group(1)

    newcomer = client_from_new_ip(app)
    assert newcomer.get(link).status_code == 200
    response = newcomer.post(link, data={"name": "Kader Katılan", "password": "long-enough-pass"})
    assert response.status_code == 302
    assert newcomer.get("/settings/team").status_code == 200
    joined = _events(app, team.tenant, "member.joined")[-1]
    assert joined.data["name"] == "Kader Katılan" and joined.data["role"] == "agent"
    # The link is used up.
    assert client_from_new_ip(app).get(link).status_code == 404


def _invite(client, outbox, run_jobs, email, role):
    client.post("/settings/team/invite", data={"email": email, "role": role})
    run_jobs()
    return re.search(r"http://kervan\.test(/join/\S+)", last_mail_to(outbox, email)).group(1)


def test_an_existing_account_accepts_while_signed_in(app, make, client, outbox, run_jobs):
    team = make.team()
    login(client, team.owner)
    link = _invite(client, outbox, run_jobs, team.outsider.email, "manager")

    outsider = client_from_new_ip(app)
    login(outsider, team.outsider)
    assert outsider.post(link).status_code == 302
    with app.app_context():
        membership = db.session.scalar(
            select(Membership).where(Membership.tenant_id == team.tenant.id, Membership.user_id == team.outsider.id)
        )
        assert membership.role == "manager" and membership.active
        user = db.session.get(User, team.outsider.id)
        assert len([m for m in user.memberships if m.active]) == 2


def test_an_owner_changes_a_role(app, make, client):
    team = make.team()
    login(client, team.owner)
    agent_membership = make.membership(team.tenant, team.agent)
    response = client.post(
        f"/settings/team/{agent_membership.id}/role", data={"role": "manager"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and b'value="manager" selected' in response.data
    changed = _events(app, team.tenant, "member.role_changed")[-1]
    assert changed.data["from"] == "agent" and changed.data["to"] == "manager"


def test_the_last_owner_cannot_step_down(make, client):
    team = make.team()
    login(client, team.owner)
    owner_membership = make.membership(team.tenant, team.owner)
    response = client.post(
        f"/settings/team/{owner_membership.id}/role", data={"role": "agent"}, headers={"HX-Request": "true"}
    )
    assert b"at least one owner" in response.data
    assert b'value="owner" selected' in response.data


def test_offboarding_closes_access_and_ends_sessions_at_once(app, make, client):
    team = make.team()
    victim = client_from_new_ip(app)
    login(victim, team.agent)
    assert victim.get("/command").status_code == 200

    login(client, team.owner)
    membership = make.membership(team.tenant, team.agent)
    response = client.post(f"/settings/team/{membership.id}/offboard", data={"reassign_to": 0})
    assert response.status_code == 303
    # The very next request of the offboarded person is signed out.
    assert victim.get("/command").status_code == 302
    offboarded = _events(app, team.tenant, "member.offboarded")[-1]
    assert offboarded.data["user_id"] == team.agent.id
    # The account remains (history points at it) but cannot sign in to anything.
    refused = client_from_new_ip(app).post("/auth/login", data={"email": team.agent.email, "password": PASSWORD})
    assert refused.status_code == 403 and b"no longer has access" in refused.data
    with app.app_context():
        assert not db.session.get(Membership, membership.id).active


def test_offboarding_requires_a_successor_when_work_is_open(app, make, client):
    team = make.team()
    moved = {}
    provider = open_work.OpenWorkProvider(
        label="Açık kartlar",
        count=lambda tenant_id, user_id: 3 if user_id == team.agent.id else 0,
        reassign=lambda tenant_id, src, dst: moved.setdefault((src, dst), 3),
    )
    open_work.register(provider)
    try:
        login(client, team.owner)
        membership = make.membership(team.tenant, team.agent)
        page = client.get(f"/settings/team/{membership.id}/offboard")
        assert "Açık kartlar" in page.get_data(as_text=True)
        refused = client.post(f"/settings/team/{membership.id}/offboard", data={"reassign_to": 0})
        assert b"Choose who takes over" in refused.data
        manager_membership = make.membership(team.tenant, team.manager)
        client.post(f"/settings/team/{membership.id}/offboard", data={"reassign_to": manager_membership.id})
        assert moved == {(team.agent.id, team.manager.id): 3}
    finally:
        open_work._providers.remove(provider)


def test_an_owner_revokes_a_pending_invitation(app, make, client):
    team = make.team()
    login(client, team.owner)
    client.post("/settings/team/invite", data={"email": "vazgec@example.test", "role": "agent"})
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == "vazgec@example.test"))
    response = client.post(f"/settings/team/invitations/{invitation.id}/revoke", headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"vazgec@example.test" not in response.data
    assert _events(app, team.tenant, "invitation.revoked")


def test_an_existing_account_signed_out_confirms_with_its_password(app, make, client, outbox, run_jobs):
    team = make.team()
    login(client, team.owner)
    link = _invite(client, outbox, run_jobs, team.outsider.email, "agent")
    outsider = client_from_new_ip(app)
    assert b"Confirm with its password" in outsider.get(link).data
    refused = outsider.post(link, data={"password": "not-the-password"})
    assert refused.status_code == 400 and b"not the password" in refused.data
    assert outsider.post(link, data={"password": PASSWORD}).status_code == 302
    assert outsider.get("/settings/team").status_code == 200


def test_someone_signed_in_as_another_person_cannot_take_the_invitation(app, make, client, outbox, run_jobs):
    team = make.team()
    login(client, team.owner)
    link = _invite(client, outbox, run_jobs, "baskasi@example.test", "agent")
    intruder = client_from_new_ip(app)
    login(intruder, team.manager)
    assert intruder.post(link).status_code == 409
