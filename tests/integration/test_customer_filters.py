"""The attribution class and campaign filters, on the customer list and the board."""

import pytest
from werkzeug.datastructures import MultiDict

from app.customers.filters import CustomerFilter
from app.extensions import db
from app.models import Customer
from tests.factories import login


@pytest.fixture
def team(make):
    return make.team()


@pytest.fixture
def people(app, make, team):
    """Four customers: by Google click (S1), paid social (S4), organic (S5), and one with no visit."""
    rows = {
        "S1": make.customer(team.tenant, name="Google Tıklayan", campaign="Kış"),
        "S4": make.customer(team.tenant, name="Instagram Reklamı", campaign="Kış"),
        "S5": make.customer(team.tenant, name="Aramadan Gelen", campaign="Yaz"),
        None: make.customer(team.tenant, name="Telefonla Gelen"),
    }
    with app.app_context():
        for cls, customer in rows.items():
            db.session.get(Customer, customer.id).attribution_class = cls
        db.session.commit()
    return rows


def names_in(page: str) -> set[str]:
    return {n for n in ("Google Tıklayan", "Instagram Reklamı", "Aramadan Gelen", "Telefonla Gelen") if n in page}


def test_it_reads_classes_from_repeated_parameters_and_drops_unknown_ones():
    filters = CustomerFilter.from_args(MultiDict([("class", "S4"), ("class", "S1"), ("class", "S9"), ("class", "S1")]))
    assert filters.classes == ["S1", "S4"] and filters.active
    assert filters.query_string() == "class=S1&class=S4"
    assert not CustomerFilter.from_args(MultiDict([("class", "s1"), ("class", "")])).active


def test_the_list_filters_by_attribution_class(client, team, people):
    login(client, team.agent)
    page = client.get("/customers?class=S1&class=S4").get_data(as_text=True)
    assert names_in(page) == {"Google Tıklayan", "Instagram Reklamı"}
    # The choice stays ticked in the bar, and the next page keeps it.
    assert '<input type="checkbox" name="class" value="S1" checked> S1 · Google Ads click' in page
    assert '<input type="checkbox" name="class" value="S5" > S5 · Organic or direct' in page


def test_the_list_filters_by_campaign_and_class_together(client, team, people):
    login(client, team.agent)
    page = client.get("/customers", query_string=[("campaign", "Kış"), ("class", "S4"), ("class", "S5")])
    assert names_in(page.get_data(as_text=True)) == {"Instagram Reklamı"}


def test_an_unknown_class_filters_nothing(client, team, people):
    login(client, team.agent)
    page = client.get("/customers?class=S9").get_data(as_text=True)
    assert names_in(page) == {"Google Tıklayan", "Instagram Reklamı", "Aramadan Gelen", "Telefonla Gelen"}
    assert "Clear filters" not in page


def test_the_board_filters_by_class_and_keeps_it_for_the_columns(client, team, people):
    login(client, team.agent)
    page = client.get("/pipeline?class=S5&campaign=Yaz").get_data(as_text=True)
    assert names_in(page) == {"Aramadan Gelen"}
    assert 'data-filters="campaign=Yaz&amp;class=S5"' in page
    assert "S5 · Organic or direct" in page and "Attribution" in page
    summary = client.get("/pipeline/summary?class=S1&class=S4").get_json()
    assert sum(stage["count"] for stage in summary.values()) == 2


def test_a_card_that_leaves_the_class_filter_is_dropped(client, team, people):
    login(client, team.agent)
    card = people["S1"]
    assert client.get(f"/pipeline/cards/{card.id}?class=S5").status_code == 204
    assert client.get(f"/pipeline/cards/{card.id}?class=S1").status_code == 200


def test_the_bar_offers_the_campaigns_of_this_business(client, team, people):
    login(client, team.agent)
    page = client.get("/pipeline").get_data(as_text=True)
    bar = page.split('class="filter-bar"', 1)[1].split("</form>", 1)[0]
    assert 'name="campaign" value="Kış"' in bar and 'name="campaign" value="Yaz"' in bar
    assert bar.count('name="class"') == 5
