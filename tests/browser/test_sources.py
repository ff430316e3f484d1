import random
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Customer
from app.models.base import utcnow
from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD

CHANNELS = [
    ("S1", "google", "cpc", "İmplant Kampanyası Mart 2024 - Geniş Eşleme"),
    ("S2", "google", "cpc", "Marka"),
    ("S3", "google", "organic", None),
    ("S4", "instagram", "paid_social", "Beyazlatma Hikâye Reklamı"),
    ("S5", "(direct)", "(none)", None),
    ("S5", "bing.com", "referral", None),
]


@pytest.fixture
def busy(make):
    """A month of sessions in every class, some of them customers."""
    team = make.team()
    site = make.site(team.tenant, domains=["klinik.example.test"])
    rng = random.Random(7)
    now = utcnow()
    customer = make.customer(team.tenant, name="Sitede Gezen Hasta")
    for n in range(90):
        cls, source, medium, campaign = rng.choice(CHANNELS)
        make.tracking_session(
            site,
            started_at=now - timedelta(hours=rng.randint(0, 29 * 24)),
            attribution_class=cls,
            source=source,
            medium=medium,
            campaign=campaign,
            conversions=1 if rng.random() < 0.15 else 0,
            customer_id=customer.id if n % 15 == 0 else None,
        )
    return team, site, customer


def no_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


@pytest.mark.parametrize("width", [360, 1280])
def test_the_sources_page_fits_and_switches_period(busy, new_page, width):
    team, _, _ = busy
    page = new_page(width, 800)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/sources")
    expect(page.get_by_role("heading", name="Sources", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Sessions per day by attribution class")).to_be_visible()
    expect(page.get_by_role("heading", name="By attribution class")).to_be_visible()
    expect(page.get_by_role("link", name="30 days")).to_have_attribute("aria-current", "page")
    screenshot(page, f"sources-{width}")
    no_overflow(page)

    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    expect(page).to_have_url(re.compile(r"/sources\?days=7&sort=sessions$"))
    page.get_by_role("navigation", name="Order the rows by").get_by_role("link", name="Conversions").click()
    expect(page).to_have_url(re.compile(r"/sources\?sort=conversions&days=7$"))
    no_overflow(page)
    assert page.errors == []


def test_a_custom_period_is_kept_in_the_url(busy, new_page):
    team, _, _ = busy
    page = new_page(1280, 800)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/sources")
    today = utcnow().date()
    page.get_by_label("From", exact=True).fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Until", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(f"from={(today - timedelta(days=3)).isoformat()}"))
    expect(page.get_by_role("link", name="30 days")).not_to_have_attribute("aria-current", "page")
    assert page.errors == []


def test_the_dark_theme_colours_the_chart(busy, new_page):
    team, _, _ = busy
    page = new_page(1280, 800)
    page.emulate_media(color_scheme="dark")
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/sources")
    fill = page.locator("rect.cls-s1").first.evaluate("el => getComputedStyle(el).fill")
    assert fill == "rgb(96, 165, 250)"  # the dark-theme S1 blue
    screenshot(page, "sources-1280-dark")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_viewer_shows_the_visits_and_the_score_reasons(app, make, busy, new_page, width):
    team, site, customer = busy
    with app.app_context():
        row = db.session.get(Customer, customer.id)
        row.lead_score, row.attribution_class = 72, "S1"
        row.score_reasons = [
            {"code": "conversion", "points": 50, "label": "Sent the contact form"},
            {"code": "scroll", "points": 12, "label": "Read 90% of the implant page"},
            {"code": "return", "points": 10, "label": "Came back 3 times"},
        ]
        db.session.commit()
    long_gclid = "Cj0KCQiA2KitBhCIARIsAPPMEhK9x7yZqLongGoogleClickIdThatGoesOnAndOn_x8Q"
    make.tracking_session(
        site,
        started_at=utcnow() - timedelta(minutes=30),
        last_seen_at=utcnow() - timedelta(minutes=22, seconds=10),
        attribution_class="S1",
        source="google",
        medium="cpc",
        campaign="İmplant Kampanyası Mart 2024 - Geniş Eşleme",
        lead_score=72,
        conversions=1,
        customer_id=customer.id,
        gclid=long_gclid,
        landing_url="https://klinik.example.test/tedaviler/implant-tedavisi-fiyatlari-2024?utm_source=google&utm_medium=cpc&gclid="
        + long_gclid,
        pages=["/tedaviler/implant-tedavisi-fiyatlari-2024", "/hekimlerimiz", "/iletisim", "/randevu"],
        pageviews=4,
    )
    page = new_page(width, 800)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto(f"/customers/{customer.id}")
    visits = page.get_by_role("list", name="Website visits")
    expect(visits.get_by_role("listitem").first).to_contain_text("S1 · Google Ads click")
    visits.get_by_text("4 pages viewed").click()
    expect(visits.get_by_text("/hekimlerimiz")).to_be_visible()
    expect(page.get_by_text("Read 90% of the implant page")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky bar and the sidebar stay at the top of the full-page image
    screenshot(page, f"viewer-visits-{width}")
    no_overflow(page)
    assert page.errors == []


def test_the_board_filters_by_attribution_class_on_a_phone(app, make, new_page):
    team = make.team()
    for name, cls in (("Reklamdan Gelen", "S1"), ("Kendiliğinden Gelen", "S5")):
        customer = make.customer(team.tenant, name=name)
        with app.app_context():
            db.session.get(Customer, customer.id).attribution_class = cls
            db.session.commit()
    page = new_page(360, 740)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/pipeline")
    page.locator("summary", has_text="Attribution").click()
    page.get_by_label("S1 · Google Ads click").check()
    expect(page).to_have_url(re.compile(r"/pipeline\?.*class=S1"))
    expect(page.get_by_role("listitem", name=re.compile("^Reklamdan Gelen"))).to_be_visible()
    expect(page.get_by_role("listitem", name=re.compile("^Kendiliğinden Gelen"))).to_have_count(0)
    screenshot(page, "board-class-filter-360")
    no_overflow(page)
    assert page.errors == []
