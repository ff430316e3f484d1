"""POST /t/collect end to end: validation, site key and origin, CORS, rate
limits, quota, idempotency, and the drain that turns batches into sessions."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Tenant, TrackingEvent, TrackingReceipt, TrackingSession, TrackingVisitor
from app.tracking import sites
from app.tracking.drain import drain
from tests import settings

ORIGIN = "https://shop.example.test"


def _id() -> str:
    return uuid.uuid4().hex


def event(type_: str = "pageview", ts: int | None = None, url: str = ORIGIN + "/", **data) -> dict:
    item = {"id": _id(), "type": type_, "ts": ts or int(time.time() * 1000), "url": url}
    if data:
        item["data"] = data
    return item


def batch(site, events: list[dict], visitor: str | None = None, **attribution) -> dict:
    body = {"site": site.site_key, "visitor": visitor or _id(), "events": events}
    if attribution:
        body["attribution"] = attribution
    return body


def post(client, body, origin: str | None = ORIGIN, ip: str = "198.51.100.1"):
    headers = {"Content-Type": "text/plain"}
    if origin:
        headers["Origin"] = origin
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/t/collect", data=data, headers=headers, environ_base={"REMOTE_ADDR": ip})


@pytest.fixture
def site(make):
    return make.site(make.team().tenant, domains=["shop.example.test"])


def stored(app, site) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(TrackingEvent).where(TrackingEvent.site_id == site.id)
        )


def settle(app, run_jobs) -> None:
    """Let the drain and its follow-up jobs finish, as the workers would."""
    with app.app_context():
        drain()
    run_jobs()


def test_accepts_a_batch_and_the_drain_stores_it_once(app, client, site, run_jobs):
    body = batch(
        site, [event(), event("engagement", seconds=40, scroll=75)], gclid="G-1", landing=ORIGIN + "/?gclid=G-1"
    )
    response = post(client, body)
    assert response.status_code == 202
    assert response.json == {"accepted": 2, "duplicates": 0}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    settle(app, run_jobs)
    assert stored(app, site) == 2
    with app.app_context():
        session = db.session.scalar(select(TrackingSession).where(TrackingSession.site_id == site.id))
        assert (session.attribution_class, session.gclid, session.source, session.medium) == (
            "S1",
            "G-1",
            "google",
            "cpc",
        )
        assert (session.pageviews, session.engaged_seconds, session.max_scroll) == (1, 40, 75)
        assert {r["code"] for r in session.score_reasons} >= {"engaged_30s", "scroll_half", "paid_click"}


def test_a_replay_answers_200_and_stores_nothing_twice(app, client, site, run_jobs):
    body = batch(site, [event(), event()])
    assert post(client, body).status_code == 202
    again = post(client, body)
    assert again.status_code == 200
    assert again.json == {"accepted": 0, "duplicates": 2}
    settle(app, run_jobs)
    # A partial replay: one old id and one new.
    body["events"] = [body["events"][0], event()]
    partial = post(client, body)
    assert (partial.status_code, partial.json) == (202, {"accepted": 1, "duplicates": 1})
    settle(app, run_jobs)
    assert stored(app, site) == 3
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(TrackingReceipt).where(TrackingReceipt.site_id == site.id)
            )
            == 3
        )


def test_the_receipts_ledger_drops_a_replay_the_door_forgot(app, client, site, config, run_jobs):
    """After the door's memory expires, the drain's receipts still refuse the twin."""
    body = batch(site, [event()])
    post(client, body)
    settle(app, run_jobs)
    from app.tracking import intake

    with app.app_context():
        door = intake.get_intake()
        if isinstance(door, intake.RedisIntake):
            for key in door.client.scan_iter(f"{door.prefix}:seen:{site.id}:*"):
                door.client.delete(key)
        else:
            door._seen.clear()
    assert post(client, body).status_code == 202  # the door no longer knows it...
    settle(app, run_jobs)
    assert stored(app, site) == 1  # ...but nothing is stored twice


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ({"site": "x" * 10, "events": []}, "body"),
        ({"site": "x" * 10, "visitor": "v" * 10, "events": []}, "events"),
        (
            {"site": "x" * 10, "visitor": "v" * 10, "events": [{"id": "e" * 10, "type": "nope", "ts": 1, "url": ""}]},
            "events[0].type",
        ),
        (
            {
                "site": "x" * 10,
                "visitor": "v" * 10,
                "events": [{"id": "short", "type": "pageview", "ts": 1, "url": ""}],
            },
            "events[0].id",
        ),
        ({"site": "x" * 10, "visitor": "v" * 10, "events": [event("click", bogus=1)]}, "events[0].data"),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field(client, body, field):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert response.json["error"]


def test_unknown_site_key_and_foreign_origin_are_refused(app, client, site):
    unknown = post(client, {"site": "unknown-site-key", "visitor": _id(), "events": [event()]})
    assert unknown.status_code == 403 and unknown.json["field"] == "site"
    foreign = post(client, batch(site, [event()]), origin="https://evil.example")
    assert foreign.status_code == 403 and foreign.json["field"] == "origin"
    # The page may read why (so the snippet drops the batch instead of retrying); nothing was stored.
    assert foreign.headers["Access-Control-Allow-Origin"] == "https://evil.example"
    missing = post(client, batch(site, [event()]), origin=None)
    assert missing.status_code == 403
    subdomain = post(client, batch(site, [event()]), origin="https://www.shop.example.test")
    assert subdomain.status_code == 202


def test_preflight_allows_a_json_post(client):
    response = client.options("/t/collect", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_rate_limited_per_ip_with_retry_after(client, site, config):
    config(TRACKING_IP_RATE=2)
    ip = f"203.0.113.{uuid.uuid4().int % 250}"
    assert post(client, batch(site, [event()]), ip=ip).status_code == 202
    assert post(client, batch(site, [event()]), ip=ip).status_code == 202
    limited = post(client, batch(site, [event()]), ip=ip)
    assert limited.status_code == 429
    assert limited.json["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert post(client, batch(site, [event()]), ip="198.51.100.77").status_code == 202  # another visitor


def test_rate_limited_per_site(client, site, config):
    config(TRACKING_SITE_RATE=1)
    assert post(client, batch(site, [event()]), ip="198.51.100.2").status_code == 202
    assert post(client, batch(site, [event()]), ip="198.51.100.3").json["error"] == "rate_limited"


def test_over_quota_is_a_clear_429_and_nothing_is_lost_silently(app, client, make, run_jobs):
    team = make.team()
    with app.app_context():
        db.session.get(Tenant, team.tenant.id).event_quota = 3
        db.session.commit()
    site = make.site(team.tenant, domains=["shop.example.test"])
    assert post(client, batch(site, [event(), event()])).status_code == 202
    over = post(client, batch(site, [event(), event()]))
    assert over.status_code == 429
    assert over.json["error"] == "quota_exceeded"
    fits = batch(site, [event()])
    assert post(client, fits).status_code == 202
    settle(app, run_jobs)
    assert stored(app, site) == 3
    # The refused batch was not remembered as seen: once there is room it is accepted.
    with app.app_context():
        db.session.get(Tenant, team.tenant.id).event_quota = 10
        db.session.commit()
        sites.invalidate()
    assert post(client, over_body := batch(site, [event()])).status_code == 202
    assert over_body


@pytest.mark.skipif(not settings.ON_POSTGRES, reason="concurrent replays against PostgreSQL and Redis")
def test_concurrent_replays_store_each_event_once(app, site, run_jobs):
    body = json.dumps(batch(site, [event() for _ in range(5)]))
    statuses: list[int] = []
    barrier = threading.Barrier(12)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(post(client, body).status_code)

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 11 + [202]
    settle(app, run_jobs)
    # And the same events pushed straight into the queue twice (a crashed drain re-reading) stay single.
    assert stored(app, site) == 5


def test_sessions_split_after_30_minutes_and_later_visits_are_ads_assisted(app, client, site, run_jobs):
    visitor = _id()
    start = int(time.time() * 1000) - 3 * 3600 * 1000
    minute = 60_000
    post(client, batch(site, [event(ts=start)], visitor, gclid="G-9"))
    post(client, batch(site, [event(ts=start + 10 * minute)], visitor, gclid="G-9"))
    post(client, batch(site, [event(ts=start + 45 * minute)], visitor))  # 35 min later: a new session
    post(client, batch(site, [event(ts=start + 50 * minute)], visitor, utm_source="newsletter", utm_medium="email"))
    settle(app, run_jobs)
    with app.app_context():
        sessions = list(
            db.session.scalars(
                select(TrackingSession)
                .where(TrackingSession.visitor_id == visitor)
                .order_by(TrackingSession.started_at)
            )
        )
        assert [s.attribution_class for s in sessions] == ["S1", "S3", "S3"]
        assert [s.pageviews for s in sessions] == [2, 1, 1]
        assert [s.visit_number for s in sessions] == [1, 2, 3]
        assert sessions[2].source == "newsletter"
        person = db.session.get(TrackingVisitor, (visitor, site.id))
        assert person.sessions_count == 3 and person.paid_before


def test_an_oversized_body_is_refused_without_reading_it_all(client, site):
    from app.tracking.ingest import MAX_BODY

    response = post(client, "x" * (MAX_BODY + 1))
    assert response.status_code == 413
    assert response.json["field"] == "body"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers  # the beacon path never opens a session
