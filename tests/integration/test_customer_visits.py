"""The CustomerViewer's website visits and the lead score's reasons."""

from datetime import UTC, datetime, timedelta

import pytest

from app.customers import services
from app.extensions import db
from app.models import Customer, User
from tests.factories import login

GCLID = "Cj0KCQiA2KitBhCIARIsAPPMEhK9x7yZqLongGoogleClickId_x8Q"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def team(make):
    return make.team()


@pytest.fixture
def site(make, team):
    return make.site(team.tenant, domains=["klinik.example.test"])


def set_fields(app, customer, **fields):
    with app.app_context():
        row = db.session.get(Customer, customer.id)
        for key, value in fields.items():
            setattr(row, key, value)
        db.session.commit()


def test_it_lists_the_customers_visits_with_their_attribution(app, make, client, team, site):
    customer = make.customer(team.tenant, name="Ziyaretçi Hasta")
    make.tracking_session(
        site,
        started_at=utc(2024, 3, 4, 9, 15),  # 12:15 in Istanbul
        last_seen_at=utc(2024, 3, 4, 9, 19, 5),
        attribution_class="S1",
        source="google",
        medium="cpc",
        campaign="İmplant Mart",
        landing_url="https://klinik.example.test/implant?utm_source=google&gclid=" + GCLID,
        gclid=GCLID,
        pages=["/implant", "/fiyatlar", "/iletisim"],
        pageviews=3,
        lead_score=65,
        conversions=1,
        customer_id=customer.id,
    )
    make.tracking_session(
        site, started_at=utc(2024, 3, 1, 8), attribution_class="S5", source="(direct)", customer_id=customer.id
    )
    login(client, team.agent)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    visits = page.split('id="visits"', 1)[1]
    assert "Website visits" in page
    assert "S1 · Google Ads click" in visits and "google / cpc" in visits and "İmplant Mart" in visits
    assert "4 Mar 2024, 12:15" in visits  # the tenant's zone
    assert ">/implant?utm_source=google&amp;gclid=" in visits  # the landing page's path, the full URL in its title
    assert 'title="https://klinik.example.test/implant?' in visits
    assert f'<code title="{GCLID}"><span>gclid</span> Cj0KCQiA…_x8Q</code>' in visits
    assert "3 pages viewed" in visits and "<li>/fiyatlar</li>" in visits
    assert "4 min 5 s" in visits and ">65<" in visits
    # Newest first.
    assert visits.index("S1 · Google Ads click") < visits.index("S5 · Organic or direct")


def test_the_profile_explains_the_lead_score(app, make, client, team):
    customer = make.customer(team.tenant, name="Puanlı Hasta")
    set_fields(
        app,
        customer,
        lead_score=70,
        attribution_class="S3",
        score_reasons=[
            {"code": "conversion", "points": 50, "label": "Sent the contact form"},
            {"code": "return", "points": 20, "label": "Came back 3 times"},
            {"code": "bounce", "points": -5, "label": "Left a page within seconds"},
        ],
    )
    login(client, team.agent)
    profile = client.get(f"/customers/{customer.id}").get_data(as_text=True).split('id="profile"', 1)[1]
    profile = profile.split("</section>", 1)[0]
    assert '<span class="score">70</span>' in profile
    # A reason the scorer knows is named in the reader's language; others keep their stored label.
    assert "<span>Contacted the business (form, phone or WhatsApp)</span>" in profile and ">+50</strong>" in profile
    assert "<span>Came back 3 times</span>" in profile and ">+20</strong>" in profile
    assert 'class="points minus">-5</strong>' in profile
    assert "S3 · Ads-assisted" in profile
    with app.app_context():
        db.session.get(User, team.agent.id).locale = "tr"
        db.session.commit()
    turkish = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "<span>İşletmeyle iletişime geçti" in turkish


def test_visits_of_a_customer_merged_into_this_one_are_shown_too(app, make, client, team, site):
    kept = make.customer(team.tenant, name="Kalan Kayıt")
    other = make.customer(team.tenant, name="Birleşen Kayıt")
    make.tracking_session(site, campaign="Kalanın kampanyası", customer_id=kept.id)
    make.tracking_session(site, campaign="Birleşenin kampanyası", customer_id=other.id)
    with app.app_context():
        services.merge(
            db.session.get(Customer, kept.id), db.session.get(Customer, other.id), db.session.get(User, team.owner.id)
        )
        db.session.commit()
    login(client, team.agent)
    visits = client.get(f"/customers/{kept.id}").get_data(as_text=True).split('id="visits"', 1)[1]
    assert "Kalanın kampanyası" in visits and "Birleşenin kampanyası" in visits


def test_it_shows_the_latest_twenty_visits(make, client, team, site):
    customer = make.customer(team.tenant)
    start = utc(2024, 1, 1, 9)
    for n in range(22):
        make.tracking_session(
            site, started_at=start + timedelta(days=n), campaign=f"Kampanya {n:02d}", customer_id=customer.id
        )
    login(client, team.agent)
    visits = client.get(f"/customers/{customer.id}").get_data(as_text=True).split('id="visits"', 1)[1]
    assert visits.count('<li class="visit">') == 20
    assert "The latest 20 of 22" in visits
    assert "Kampanya 21" in visits and "Kampanya 02" in visits and "Kampanya 01" not in visits


def test_another_tenants_sessions_are_never_shown(app, make, client, team, site):
    customer = make.customer(team.tenant, name="Kendi Müşterimiz")
    other_site = make.site(team.outsider_tenant, domains=["baska.example.test"])
    # A row of another business pointing at this customer's id must still stay out.
    make.tracking_session(other_site, campaign="Başka işletmenin kampanyası", customer_id=customer.id)
    login(client, team.agent)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Başka işletmenin kampanyası" not in page
    assert "No website visits linked to this customer yet." in page


def test_an_outsider_cannot_open_the_visits(make, client, team, site):
    customer = make.customer(team.tenant)
    make.tracking_session(site, campaign="Gizli kampanya", customer_id=customer.id)
    login(client, team.outsider)
    response = client.get(f"/customers/{customer.id}")
    assert response.status_code == 404 and "Gizli kampanya" not in response.get_data(as_text=True)
