import pytest

from tests.factories import login


@pytest.fixture
def team(make):
    return make.team()


@pytest.mark.parametrize("who", ["owner", "manager", "agent"])
def test_every_role_sees_the_shell_and_the_team(client, team, who):
    login(client, getattr(team, who))
    for path in (
        "/command",
        "/pipeline",
        "/customers",
        "/inbox",
        "/booking",
        "/reports",
        "/settings",
        "/settings/team",
        "/settings/activity",
    ):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["manager", "agent"])
def test_only_an_owner_changes_roles_settings_and_access(make, client, team, who):
    login(client, getattr(team, who))
    agent = make.membership(team.tenant, team.agent)
    assert client.post(f"/settings/team/{agent.id}/role", data={"role": "owner"}).status_code == 403
    assert client.get(f"/settings/team/{agent.id}/offboard").status_code == 403
    assert client.post("/settings", data={"name": "Ele geçirildi"}).status_code == 403


def test_the_team_page_hides_owner_controls_from_an_agent(client, team):
    login(client, team.agent)
    page = client.get("/settings/team").data.decode()
    assert "Invite a colleague" not in page and "Offboard" not in page


def test_a_user_with_no_business_left_is_signed_out(make, client):
    loner = make.user()
    login(client, loner)
    response = client.get("/command")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
