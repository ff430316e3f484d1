"""Demo website traffic and the demo clinic's landing page (app/demo/tracking.py, app/demo/landing_server.py)."""

from __future__ import annotations

import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import events
from app.demo import landing_server, seed
from app.demo.tracking import LANDING_HOSTS, demo_site
from app.extensions import db
from app.models import Customer, Event, OfflineConversion, PipelineStage, Tenant, TrackingEvent, TrackingSession
from app.tracking.classes import CLASSES

DEMO_SLUGS = ("gulus-dis", "bella-guzellik", "anadolu-carsi")


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed.seed()
    return app


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_it_gives_every_demo_business_a_month_of_tracked_traffic(seeded):
    with seeded.app_context():
        for slug in DEMO_SLUGS:
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
            site = demo_site(tenant)
            assert site is not None and set(LANDING_HOSTS) <= set(site.domains)
            sessions = db.session.scalars(select(TrackingSession).where(TrackingSession.site_id == site.id)).all()
            zone = ZoneInfo(tenant.timezone)
            assert len({s.started_at.astimezone(zone).date() for s in sessions}) >= 20
            assert {s.attribution_class for s in sessions} == set(CLASSES)
            assert sum(s.conversions for s in sessions) > 0
            linked = {s.customer_id for s in sessions if s.customer_id}
            # Existing customers (added by the team) got the visits that brought them from an ad...
            created = select(Event.subject_id).where(
                Event.type == events.CUSTOMER_CREATED, Event.subject_type == "customers", Event.subject_id.in_(linked)
            )
            assert len(db.session.scalars(created.where(Event.actor_id.is_not(None))).all()) >= 10
            # ... and forms on the website brought new ones, dated when they sent the form.
            from_forms = db.session.scalars(created.where(Event.actor_id.is_(None))).all()
            assert len(from_forms) >= 10
            assert _count(Customer, Customer.id.in_(from_forms), Customer.created_at > site.last_event_at) == 0
            # Won customers wait in the offline conversion queue, so /conversions is not empty.
            won = (
                select(Customer.id)
                .join(PipelineStage, PipelineStage.id == Customer.stage_id)
                .where(Customer.tenant_id == tenant.id, PipelineStage.kind == "won")
            )
            queued = _count(OfflineConversion, OfflineConversion.tenant_id == tenant.id)
            assert 0 < queued <= len(db.session.scalars(won).all())


def test_seeding_again_adds_no_traffic(seeded):
    with seeded.app_context():
        before = (_count(TrackingSession), _count(TrackingEvent), _count(Customer), _count(Event))
        seed.seed()
        assert (_count(TrackingSession), _count(TrackingEvent), _count(Customer), _count(Event)) == before


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_the_landing_page_embeds_the_snippet_with_the_demo_site_key(seeded):
    server = landing_server.start(seeded, "127.0.0.1", 0, kervan_port=5000)
    assert server is not None
    try:
        base = landing_server.url(server)
        port = server.server_address[1]
        status, page = _get(base)
        assert status == 200
        with seeded.app_context():
            site = demo_site(db.session.scalar(select(Tenant).where(Tenant.slug == "gulus-dis")))
            assert f'<script defer src="http://127.0.0.1:5000/t.js" data-site="{site.site_key}"></script>' in page
            assert "data-kervan-form" in page and "tel:+90" in page and "https://wa.me/90" in page
            # It runs on another port than the seeded 5001 here: that origin may now post events.
            assert f"127.0.0.1:{port}" in site.domains
        status, section = _get(base + "fiyatlar?gclid=abc")
        assert status == 200 and section == page
        assert _get(base + "landing.css")[0] == 200
        assert _get(base + "logo.png")[0] == 404
        # Opened as localhost, the snippet is loaded from localhost too (same host, Kervan's port).
        assert 'src="http://localhost:5000/t.js"' in _get(base, host="localhost:5001")[1]
    finally:
        server.shutdown()
        server.server_close()


def test_without_demo_data_the_landing_page_says_how_to_load_it():
    page = landing_server.render(None, "http://127.0.0.1:5000").decode()
    assert "seed-demo" in page and "data-site" not in page and "{KERVAN_URL}" not in page
