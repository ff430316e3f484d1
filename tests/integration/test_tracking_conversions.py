"""Website conversions reach the CRM: forms become de-duplicated customers on
the board with their attribution, clicks and signed call webhooks are matched
to sessions and show on the timeline."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import events
from app.customers.services import first_stage
from app.extensions import db
from app.models import Customer, Event, TrackingCall, TrackingSession
from app.tracking.calls import sign
from tests.integration.test_tracking_ingest import ORIGIN, _id, batch, event, post, settle


@pytest.fixture
def team(make):
    return make.team()


@pytest.fixture
def site(make, team):
    return make.site(team.tenant, domains=["shop.example.test"])


def form(name="Ayşe Yılmaz", phone="0532 111 22 33", email=None, ts=None):
    fields = {"name": name, "phone": phone}
    if email:
        fields["email"] = email
    return event("form", ts=ts, url=ORIGIN + "/contact", form="contact", tracked=True, fields=fields)


def timeline_types(app, customer_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Event.type)
                .where(Event.subject_type == "customers", Event.subject_id == customer_id)
                .order_by(Event.id)
            )
        )


def test_a_form_creates_a_customer_on_the_board_with_attribution_and_history(app, client, site, team, run_jobs):
    visitor = _id()
    earlier = int(time.time() * 1000) - 2 * 86400_000
    post(
        client, batch(site, [event(ts=earlier)], visitor, utm_source="google", utm_medium="cpc", utm_campaign="implant")
    )
    settle(app, run_jobs)
    post(client, batch(site, [event(), form()], visitor, gclid="G-form", utm_campaign="implant"))
    settle(app, run_jobs)
    with app.app_context():
        customer = db.session.scalar(
            select(Customer).where(Customer.tenant_id == team.tenant.id, Customer.phone == "+905321112233")
        )
        assert customer is not None and customer.name == "Ayşe Yılmaz"
        assert customer.source == "google_ads"
        assert customer.click_ids == {"gclid": "G-form"}
        assert customer.attribution_class == "S1"
        assert customer.stage_id == first_stage(team.tenant.id).id
        assert customer.lead_score >= 50
        assert any(r["code"] == "conversion" for r in customer.score_reasons)
        sessions = db.session.scalars(select(TrackingSession).where(TrackingSession.visitor_id == visitor)).all()
        assert {s.customer_id for s in sessions} == {customer.id}
        customer_id = customer.id
    types = timeline_types(app, customer_id)
    assert types[0] == events.CUSTOMER_CREATED
    assert events.VISIT_LINKED in types  # the earlier visit
    assert events.VISIT_CONVERTED in types


def test_a_second_form_from_a_known_phone_updates_instead_of_duplicating(app, client, site, team, make, run_jobs):
    existing = make.customer(team.tenant, name="Mehmet Demir", phone="+905329998877", source="referral")
    post(
        client,
        batch(site, [form(name="Mehmet D.", phone="+90 532 999 88 77", email="mehmet@example.test")], gclid="G-2"),
    )
    settle(app, run_jobs)
    with app.app_context():
        matches = db.session.scalars(
            select(Customer).where(Customer.tenant_id == team.tenant.id, Customer.phone == "+905329998877")
        ).all()
        assert [c.id for c in matches] == [existing.id]
        kept = matches[0]
        assert kept.name == "Mehmet Demir" and kept.source == "referral"  # the known source stays
        assert kept.email == "mehmet@example.test"  # the gap is filled
        assert kept.click_ids == {"gclid": "G-2"}
    assert events.VISIT_CONVERTED in timeline_types(app, existing.id)


def test_forms_without_contact_details_or_untracked_make_no_customer(app, client, site, team, run_jobs):
    untracked = event("form", form="search", tracked=False)
    garbage = event("form", form="contact", tracked=True, fields={"name": "X", "phone": "12"})
    post(client, batch(site, [untracked, garbage]))
    settle(app, run_jobs)
    with app.app_context():
        assert db.session.scalars(select(Customer).where(Customer.tenant_id == team.tenant.id)).all() == []


def test_a_tel_click_of_a_known_visitor_shows_on_their_timeline(app, client, site, run_jobs):
    visitor = _id()
    post(client, batch(site, [form(phone="0533 444 55 66")], visitor))
    settle(app, run_jobs)
    post(client, batch(site, [event("click", kind="tel", target="tel:+902120000000")], visitor))
    settle(app, run_jobs)
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.phone == "+905334445566"))
        converted = db.session.scalars(
            select(Event).where(Event.subject_id == customer.id, Event.type == events.VISIT_CONVERTED)
        ).all()
        assert sorted(e.data["kind"] for e in converted) == ["form", "tel"]


# --- the call webhook ------------------------------------------------------------------


def call(client, site, body: dict, *, secret=None, timestamp=None, raw: bytes | None = None):
    raw = raw if raw is not None else json.dumps(body).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    return client.post(
        "/t/call",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Kervan-Timestamp": str(ts),
            "X-Kervan-Signature": sign(secret or site.call_secret, ts, raw),
        },
    )


def call_body(site, caller="+905351234567", **extra) -> dict:
    return {"site": site.site_key, "call_id": _id(), "caller": caller,
            "started_at": datetime.now(UTC).isoformat(), "duration": 95, "status": "answered", **extra}  # fmt: skip


def test_call_signature_and_replay_window_are_enforced(client, site):
    body = call_body(site)
    assert call(client, site, body, secret="wrong-secret").status_code == 401
    stale = call(client, site, body, timestamp=int(time.time()) - 301)
    assert stale.status_code == 401 and stale.json["field"] == "X-Kervan-Timestamp"
    future = call(client, site, body, timestamp=int(time.time()) + 301)
    assert future.status_code == 401
    tampered = json.dumps(body).encode()
    ts = int(time.time())
    response = client.post(
        "/t/call",
        data=tampered.replace(b"95", b"96"),
        headers={"X-Kervan-Timestamp": str(ts), "X-Kervan-Signature": sign(site.call_secret, ts, tampered)},
    )
    assert response.status_code == 401
    missing = client.post("/t/call", data=tampered)
    assert missing.status_code == 401
    bad = call(client, site, {**body, "caller": "12"})
    assert bad.status_code == 400 and bad.json["field"] == "caller"
    invalid = call(client, site, {**body, "status": "maybe"})
    assert invalid.status_code == 400 and invalid.json["field"] == "status"


def test_a_call_after_a_tel_click_is_matched_to_that_session(app, client, site, team, run_jobs):
    visitor = _id()
    post(
        client, batch(site, [event(), event("click", kind="tel", target="tel:+902120000000")], visitor, gclid="G-call")
    )
    settle(app, run_jobs)
    body = call_body(site)
    first = call(client, site, body)
    assert first.status_code == 202
    assert first.json["status"] == "matched" and first.json["matched_by"] == "click"
    again = call(client, site, body)  # the phone system retried
    assert (again.status_code, again.json["status"]) == (200, "duplicate")
    with app.app_context():
        calls = db.session.scalars(select(TrackingCall).where(TrackingCall.site_id == site.id)).all()
        assert len(calls) == 1
        customer = db.session.get(Customer, calls[0].customer_id)
        assert customer.phone == "+905351234567"
        assert customer.click_ids == {"gclid": "G-call"} and customer.attribution_class == "S1"
        session = db.session.get(TrackingSession, calls[0].session_id)
        assert session.visitor_id == visitor and session.customer_id == customer.id
        tracked = db.session.scalar(
            select(Event).where(Event.subject_id == customer.id, Event.type == events.CALL_TRACKED)
        )
        assert tracked.data["session"] and tracked.data["attribution_class"] == "S1"


def test_a_call_is_matched_by_visitor_id_or_by_a_known_phone(app, client, site, make, team, run_jobs):
    visitor = _id()
    post(client, batch(site, [event()], visitor, utm_source="newsletter", utm_medium="email"))
    settle(app, run_jobs)
    by_visitor = call(client, site, call_body(site, caller="+905361112233", visitor=visitor))
    assert by_visitor.json["matched_by"] == "visitor"
    # The same person calls again later from the same number: matched by phone.
    again = call(client, site, call_body(site, caller="+905361112233"))
    assert again.json["matched_by"] == "phone"


def test_a_call_with_no_visit_still_creates_the_customer(app, client, site, team):
    a_minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = call(client, site, call_body(site, caller="+905377776655", started_at=a_minute_ago))
    assert response.json["status"] == "unmatched"
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.phone == "+905377776655"))
        assert customer.source == "other"
        tracked = db.session.scalar(
            select(Event).where(Event.subject_id == customer.id, Event.type == events.CALL_TRACKED)
        )
        assert tracked is not None and not tracked.data.get("session")


def test_anonymous_clicks_stay_on_their_session_and_make_no_crm_work(app, site):
    """Only a known visitor's click (or one in the same batch as their form) becomes CRM work."""
    from app.tracking.drain import parse, store
    from app.tracking.intake import element
    from app.tracking.sites import lookup

    now = int(time.time() * 1000)
    anonymous = batch(site, [event("click", ts=now, kind="tel", target="tel:+902120000000")])
    identified = batch(site, [event("click", ts=now - 1, kind="whatsapp", target="https://wa.me/1"), form(ts=now)])
    with app.app_context():
        config = lookup(site.site_key)
        items = [f"0|{element(config, now, json.dumps(anonymous))}",
                 f"0,1|{element(config, now, json.dumps(identified))}"]  # fmt: skip
        result = store(parse(items))
        db.session.rollback()  # only the hand-off matters here
    assert result.events == 3
    assert [c["kind"] for c in result.conversions] == ["form", "whatsapp"]  # the form is handled first


def test_a_click_just_before_the_form_reaches_the_new_customers_timeline(app, client, site, run_jobs):
    visitor = _id()
    now = int(time.time() * 1000)
    click = event("click", ts=now - 5_000, kind="tel", target="tel:+902120000000")
    post(client, batch(site, [click, form(phone="0538 222 33 44", ts=now)], visitor))
    settle(app, run_jobs)
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.phone == "+905382223344"))
        converted = db.session.scalars(
            select(Event).where(Event.subject_id == customer.id, Event.type == events.VISIT_CONVERTED)
        ).all()
        assert sorted(e.data["kind"] for e in converted) == ["form", "tel"]
