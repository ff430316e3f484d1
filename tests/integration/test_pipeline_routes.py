import pytest

from app.extensions import db
from app.models import Customer, Tag
from tests.factories import login


@pytest.fixture
def team(make):
    return make.team()


def test_the_board_shows_each_stage_with_counts_totals_and_cards(make, client, team):
    stages = make.stages(team.tenant)
    make.customer(team.tenant, name="Ayşe Kara", value_minor=125_000, source="google_ads", campaign="İmplant Kasım")
    make.customer(team.tenant, name="Mehmet Ak", value_minor=50_000, stage_id=stages[1].id)
    login(client, team.agent)
    page = client.get("/pipeline").get_data(as_text=True)
    for stage in stages:
        assert f'aria-label="{stage.name}"' in page
    assert "Ayşe Kara" in page and "İmplant Kasım" in page and "Google Ads" in page
    assert "TRY1,250" in page  # the first column total, in the English persona's formatting


def test_filters_combine_and_stay_in_the_url(make, client, team):
    wanted = make.customer(
        team.tenant, name="Hedef Kişi", source="meta", campaign="Kış", assignee_id=team.agent.id, tags=["vip"]
    )
    make.customer(
        team.tenant, name="Yanlış Kaynak", source="google_ads", campaign="Kış", assignee_id=team.agent.id, tags=["vip"]
    )
    make.customer(
        team.tenant, name="Başkasının", source="meta", campaign="Kış", assignee_id=team.manager.id, tags=["vip"]
    )
    login(client, team.agent)
    with client.application.app_context():
        tag_id = db.session.scalar(db.select(Tag.id).where(Tag.tenant_id == team.tenant.id, Tag.name == "vip"))
    page = client.get(f"/pipeline?source=meta&campaign=Kış&assignee={team.agent.id}&tag={tag_id}").get_data(
        as_text=True
    )
    assert wanted.name in page and "Yanlış Kaynak" not in page and "Başkasının" not in page
    assert 'data-filters="' in page and "source=meta" in page


@pytest.mark.parametrize("typed", ["0532 444 55 66", "+90 532 444 5566", "5324445566", "444 55 66"])
def test_search_finds_a_phone_typed_in_any_form(make, client, team, typed):
    make.customer(team.tenant, name="Telefonla Bulunan", phone="+905324445566")
    login(client, team.agent)
    assert "Telefonla Bulunan" in client.get("/pipeline", query_string={"q": typed}).get_data(as_text=True)


def test_search_ignores_turkish_case_and_accents(make, client, team):
    make.customer(team.tenant, name="Işık Çağrı Öztürk", phone=None, email="isik@ornek.com")
    login(client, team.agent)
    for typed in ("IŞIK", "işık", "cagri", "ÖZTÜRK", "isik@ornek"):
        assert "Işık Çağrı Öztürk" in client.get("/pipeline", query_string={"q": typed}).get_data(as_text=True), typed


def test_long_columns_load_the_rest_as_you_scroll(make, client, team):
    for n in range(30):
        make.customer(team.tenant, name=f"Kart {n:02d}")
    login(client, team.agent)
    page = client.get("/pipeline").get_data(as_text=True)
    assert page.count('<li class="kcard') == 25 and 'hx-trigger="revealed"' in page
    after = page.split("/pipeline/columns/", 1)[1].split('"', 1)[0].replace("&amp;", "&")
    rest = client.get("/pipeline/columns/" + after).get_data(as_text=True)
    assert rest.count('<li class="kcard') == 5 and "revealed" not in rest
    assert "Kart 00" in rest


def test_an_agent_moves_a_card_and_gets_it_back(make, client, team):
    stages = make.stages(team.tenant)
    card = make.customer(team.tenant, name="Taşınan")
    login(client, team.agent)
    response = client.post(f"/pipeline/cards/{card.id}/move", data={"stage_id": stages[2].id})
    assert response.status_code == 200 and f'data-stage-id="{stages[2].id}"' in response.get_data(as_text=True)
    with client.application.app_context():
        assert db.session.get(Customer, card.id).stage_id == stages[2].id


def test_an_agent_cannot_bulk_move_but_a_manager_can(make, client, team):
    stages = make.stages(team.tenant)
    ids = [make.customer(team.tenant).id for _ in range(3)]
    login(client, team.agent)
    assert client.post("/pipeline/bulk-move", data={"ids": ids, "stage_id": stages[1].id}).status_code == 403
    login(client, team.manager)
    response = client.post("/pipeline/bulk-move", data={"ids": ids, "stage_id": stages[1].id})
    assert response.get_json() == {"moved": 3}


def test_another_tenants_card_and_stage_are_404(make, client, team):
    theirs = make.customer(team.outsider_tenant)
    their_stage = make.stages(team.outsider_tenant)[1]
    mine = make.customer(team.tenant)
    login(client, team.agent)
    assert client.post(f"/pipeline/cards/{theirs.id}/move", data={"stage_id": 1}).status_code == 404
    assert client.get(f"/pipeline/cards/{theirs.id}").status_code == 404
    assert client.get(f"/pipeline/columns/{their_stage.id}").status_code == 404
    refused = client.post(f"/pipeline/cards/{mine.id}/move", data={"stage_id": their_stage.id})
    assert refused.status_code == 409


def test_a_card_outside_the_filters_answers_no_content(make, client, team):
    card = make.customer(team.tenant, source="meta")
    login(client, team.agent)
    assert client.get(f"/pipeline/cards/{card.id}?source=google_ads").status_code == 204
    assert client.get(f"/pipeline/cards/{card.id}?source=meta").status_code == 200


def test_the_summary_counts_under_the_filters(make, client, team):
    stages = make.stages(team.tenant)
    make.customer(team.tenant, source="meta", value_minor=10_000)
    make.customer(team.tenant, source="meta", value_minor=5_000)
    make.customer(team.tenant, source="google_ads")
    login(client, team.agent)
    summary = client.get("/pipeline/summary?source=meta").get_json()
    assert summary[str(stages[0].id)]["count"] == 2 and summary[str(stages[1].id)]["count"] == 0
