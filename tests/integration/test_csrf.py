from tests.factories import login


def test_a_post_without_the_csrf_token_is_refused(make, client, csrf_on):
    team = make.team()
    login(client, team.owner)
    response = client.post("/settings/team/invite", data={"email": "csrf@example.test", "role": "agent"})
    assert response.status_code == 400
    assert b"The form may have expired" in response.data


def test_htmx_posts_carry_the_token_in_a_header(make, client, csrf_on):
    team = make.team()
    login(client, team.owner)
    page = client.get("/settings/team").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    response = client.post(
        "/settings/team/invite",
        data={"email": "csrf-ok@example.test", "role": "agent"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
