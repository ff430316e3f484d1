"""Another tenant's rows are 404, never 403: nothing confirms they exist."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invitation
from tests.factories import client_from_new_ip, login


@pytest.fixture
def team(make):
    return make.team()


def test_it_404s_a_membership_of_another_tenant(make, client, team):
    foreign = make.membership(team.outsider_tenant, team.outsider)
    login(client, team.owner)
    assert client.post(f"/settings/team/{foreign.id}/role", data={"role": "agent"}).status_code == 404
    assert client.get(f"/settings/team/{foreign.id}/offboard").status_code == 404
    assert client.post(f"/settings/team/{foreign.id}/offboard", data={"reassign_to": 0}).status_code == 404


def test_it_404s_an_invitation_of_another_tenant(app, make, client, team):
    other = client_from_new_ip(app)
    login(other, team.outsider)
    other.post("/settings/team/invite", data={"email": "theirs@example.test", "role": "agent"})
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == "theirs@example.test"))
    login(client, team.owner)
    assert client.post(f"/settings/team/invitations/{invitation.id}/revoke").status_code == 404


def test_it_404s_switching_to_a_tenant_you_do_not_belong_to(client, team):
    login(client, team.owner)
    assert client.post(f"/tenants/{team.outsider_tenant.id}/switch").status_code == 404


def test_team_pages_list_only_your_own_people(client, team):
    login(client, team.owner)
    page = client.get("/settings/team").data.decode()
    assert team.agent.email in page and team.outsider.email not in page


def test_the_activity_log_shows_only_your_own_events(app, client, team):
    other = client_from_new_ip(app)
    login(other, team.outsider)
    other.post("/settings/team/invite", data={"email": "gizli@example.test", "role": "agent"})
    assert "gizli@example.test" in other.get("/settings/activity").data.decode()
    login(client, team.owner)
    assert "gizli@example.test" not in client.get("/settings/activity").data.decode()
