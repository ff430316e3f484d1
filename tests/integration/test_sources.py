"""The Sources report on a small hand-built set of sessions, and its page."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Customer, User
from app.models.base import utcnow
from app.tracking import sources
from tests.factories import login

ISTANBUL = ZoneInfo("Europe/Istanbul")
MARCH = {"from": "2024-03-01", "to": "2024-03-07"}  # 29 Feb 21:00 UTC .. 7 Mar 21:00 UTC


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def march(today=date(2024, 3, 20)):
    return sources.period_from_args(MARCH, ISTANBUL, today)


@pytest.fixture
def world(make):
    """Seven sessions of one tenant inside 1-7 March (Istanbul), two just outside, one of another tenant."""
    team = make.team()
    site = make.site(team.tenant, domains=["klinik.example.test"])
    new1 = make.customer(team.tenant, name="Yeni Bir", created_at=utc(2024, 3, 3, 10))
    new2 = make.customer(team.tenant, name="Yeni İki", created_at=utc(2024, 3, 5, 10))
    old = make.customer(team.tenant, name="Eski Müşteri", created_at=utc(2024, 1, 10, 10))

    def visit(when, cls, source, medium, campaign=None, **fields):
        return make.tracking_session(
            site, started_at=when, attribution_class=cls, source=source, medium=medium, campaign=campaign, **fields
        )

    # 1 March 00:00 in Istanbul: the first instant of the period.
    visit(utc(2024, 2, 29, 21), "S1", "google", "cpc", "İmplant", visitor_id="v1", customer_id=new1.id, conversions=1)
    # 1 March 22:30 UTC is 2 March 01:30 in Istanbul: it belongs to 2 March.
    visit(utc(2024, 3, 1, 22, 30), "S3", "google", "organic", visitor_id="v1", customer_id=new1.id)
    visit(utc(2024, 3, 3, 9), "S1", "google", "cpc", "İmplant", visitor_id="v2", customer_id=new2.id, conversions=2)
    visit(utc(2024, 3, 4, 9), "S2", "google", "cpc", "Marka", visitor_id="v3")
    # A known customer browsing again converts, but is no new lead.
    visit(
        utc(2024, 3, 5, 9), "S4", "facebook", "paid_social", "Kış", visitor_id="v4", customer_id=old.id, conversions=1
    )
    # 7 March 23:59:59 in Istanbul: the last second of the period.
    visit(utc(2024, 3, 7, 20, 59, 59), "S5", "(direct)", "(none)", visitor_id="v5", customer_id=new2.id)
    visit(utc(2024, 3, 6, 10), "S5", "google", "organic", visitor_id="v6")
    # Outside: 8 March 00:00 and 29 February 23:59:59 in Istanbul.
    visit(utc(2024, 3, 7, 21), "S5", "(direct)", "(none)", visitor_id="v5", conversions=9)
    visit(utc(2024, 2, 29, 20, 59, 59), "S5", "google", "organic", visitor_id="v6", conversions=9)
    # Another business, same days: never counted.
    other_site = make.site(team.outsider_tenant, domains=["baska.example.test"])
    make.tracking_session(
        other_site, started_at=utc(2024, 3, 3, 9), attribution_class="S1", source="google", medium="cpc", conversions=5
    )
    return team


def counts(row) -> tuple[int, int, int, int]:
    return row.visitors, row.sessions, row.leads, row.conversions


def test_the_totals_count_visitors_sessions_new_leads_and_conversions(app, world):
    with app.app_context():
        totals = sources.totals(world.tenant.id, march())
    assert counts(totals) == (6, 7, 2, 4)


def test_it_breaks_the_period_down_by_attribution_class(app, world):
    with app.app_context():
        rows = sources.by_class(world.tenant.id, march())
    assert {row.code: counts(row) for row in rows} == {
        "S1": (2, 2, 2, 3),
        "S2": (1, 1, 0, 0),
        "S3": (1, 1, 1, 0),
        "S4": (1, 1, 0, 1),
        "S5": (2, 2, 1, 0),
    }


def test_it_ranks_source_medium_and_campaign_by_sessions(app, world):
    with app.app_context():
        rows, combinations = sources.by_source(world.tenant.id, march())
    assert combinations == 5
    assert [(r.source, r.medium, r.campaign, *counts(r)) for r in rows] == [
        ("google", "cpc", "İmplant", 2, 2, 2, 3),
        ("google", "organic", None, 2, 2, 1, 0),
        ("(direct)", "(none)", None, 1, 1, 1, 0),
        ("facebook", "paid_social", "Kış", 1, 1, 0, 1),
        ("google", "cpc", "Marka", 1, 1, 0, 0),
    ]


def test_it_ranks_by_another_measure_and_keeps_the_top_rows(app, world):
    with app.app_context():
        rows, combinations = sources.by_source(world.tenant.id, march(), sort="conversions", limit=2)
    assert combinations == 5
    assert [(r.source, r.campaign, r.conversions) for r in rows] == [("google", "İmplant", 3), ("facebook", "Kış", 1)]


def test_sessions_per_day_fall_on_the_tenants_days(app, world):
    with app.app_context():
        days = sources.daily(world.tenant.id, march())
    assert [d.day for d in days] == [date(2024, 3, n) for n in range(1, 8)]
    assert [{k: v for k, v in d.by_class.items() if v} for d in days] == [
        {"S1": 1},
        {"S3": 1},
        {"S1": 1},
        {"S2": 1},
        {"S4": 1},
        {"S5": 1},
        {"S5": 1},
    ]


def test_days_follow_a_zone_across_its_daylight_saving_change(app, make):
    team = make.team()
    site = make.site(team.tenant)
    berlin = ZoneInfo("Europe/Berlin")  # UTC+1, then UTC+2 from 31 March 2024 01:00 UTC
    make.tracking_session(site, started_at=utc(2024, 3, 30, 23, 30))  # 31 March 00:30 CET
    make.tracking_session(site, started_at=utc(2024, 3, 31, 22, 30))  # 1 April 00:30 CEST
    make.tracking_session(site, started_at=utc(2024, 3, 31, 21, 30))  # 31 March 23:30 CEST
    period = sources.period_from_args({"from": "2024-03-30", "to": "2024-04-01"}, berlin, date(2024, 4, 2))
    with app.app_context():
        days = sources.daily(team.tenant.id, period)
    assert [(d.day.day, d.total) for d in days] == [(30, 0), (31, 2), (1, 1)]


def test_an_empty_period_has_zeros_everywhere(app, make):
    team = make.team()
    with app.app_context():
        report = sources.report(team.tenant.id, march())
    assert counts(report.totals) == (0, 0, 0, 0)
    assert [counts(r) for r in report.by_class] == [(0, 0, 0, 0)] * 5
    assert report.by_source == [] and report.source_combinations == 0
    assert len(report.daily) == 7 and all(d.total == 0 for d in report.daily)


def test_the_period_query_reads_the_tenant_and_start_index(app, world):
    with app.app_context():
        stmt = sources._in_period(world.tenant.id, march(), db.func.count())
        compiled = stmt.compile(db.engine)
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            # A handful of rows make a sequential scan cheapest; forbid it to see which index the planner takes.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN"
            values = dict(compiled.params)
        else:
            explain = "EXPLAIN QUERY PLAN"
            values = tuple(str(compiled.params[name]) for name in compiled.positiontup)  # the plan ignores values
        plan = connection.exec_driver_sql(f"{explain} {compiled}", values).all()
        db.session.rollback()
    assert "ix_tracking_sessions_tenant_started" in " ".join(str(row) for row in plan)


# ---------- the page ----------


def test_the_page_shows_the_report_for_a_custom_period(client, world):
    login(client, world.agent)
    page = client.get("/sources", query_string=MARCH).get_data(as_text=True)
    assert "By attribution class" in page and "By source, medium and campaign" in page
    assert "S1 · Google Ads click" in page and "İmplant" in page and "paid_social" in page
    assert 'role="img"' in page and "Sessions per day by attribution class" in page
    assert 'value="2024-03-01"' in page and 'value="2024-03-07"' in page
    # The totals strip: 6 visitors, 7 sessions, 2 new leads, 4 conversions.
    kpis = page.split('aria-label="Totals for the period"', 1)[1].split("</div>\n\n", 1)[0]
    assert [chunk.split("</strong>")[0] for chunk in kpis.split("<strong>")[1:]] == ["6", "7", "2", "4"]


def test_the_period_and_sort_stay_in_the_links(client, world):
    login(client, world.agent)
    page = client.get("/sources", query_string={**MARCH, "sort": "leads"}).get_data(as_text=True)
    assert 'aria-sort="descending">New leads' in page and 'aria-current="true">New leads' in page
    assert "/sources?sort=conversions&amp;from=2024-03-01&amp;to=2024-03-07" in page
    assert "/sources?days=7&amp;sort=leads" in page


def test_a_preset_counts_today_in_the_tenants_zone(client, make):
    team = make.team()
    site = make.site(team.tenant)
    make.tracking_session(site, started_at=utcnow() - timedelta(minutes=5), attribution_class="S2", medium="cpc")
    make.tracking_session(site, started_at=utcnow() - timedelta(days=40), attribution_class="S2", medium="cpc")
    login(client, team.agent)
    page = client.get("/sources?days=30").get_data(as_text=True)
    assert 'aria-current="page">30 days' in page
    kpis = page.split('aria-label="Totals for the period"', 1)[1]
    assert kpis.split("<strong>", 2)[2].startswith("1</strong>")  # sessions: only the recent one


def test_htmx_gets_only_the_report(client, world):
    login(client, world.agent)
    response = client.get("/sources", query_string={**MARCH, "sort": "visitors"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="sources-report"') and "<html" not in body
    assert "HX-Request" in response.headers.get("Vary", "")


def test_an_empty_period_says_so(client, make):
    team = make.team()
    login(client, team.owner)
    page = client.get("/sources", query_string=MARCH).get_data(as_text=True)
    assert "No website sessions in this period." in page and "Check the tracking snippet" in page


def test_another_business_sees_only_its_own_session(client, world):
    login(client, world.outsider)
    page = client.get("/sources", query_string=MARCH).get_data(as_text=True)
    kpis = page.split('aria-label="Totals for the period"', 1)[1].split("</div>\n\n", 1)[0]
    assert [chunk.split("</strong>")[0] for chunk in kpis.split("<strong>")[1:]] == ["1", "1", "0", "5"]
    assert "İmplant" not in page and "paid_social" not in page


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/sources")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_customer_created_at_bounds_are_the_periods(app, world):
    """A customer added the second after the period ends is not a lead of it."""
    with app.app_context():
        customer = db.session.scalar(
            db.select(Customer).where(Customer.tenant_id == world.tenant.id, Customer.name == "Yeni İki")
        )
        customer.created_at = utc(2024, 3, 7, 21)
        db.session.commit()
        assert sources.totals(world.tenant.id, march()).leads == 1


def test_the_page_renders_in_turkish_with_turkish_numbers(app, client, world):
    with app.app_context():
        db.session.get(User, world.agent.id).locale = "tr"
        db.session.commit()
    login(client, world.agent)
    response = client.get("/sources", query_string=MARCH)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="tr"' in page
    assert "%28,6" in page  # S1's share of the sessions (2 of 7), the Turkish way
