"""Settings → Tracking: websites and their snippet, the call-webhook secret,
this month's usage, who may do what, and the live "last event" notice."""

import html
import json
import os
import re
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import events
from app.extensions import db
from app.models import Event, Tenant, TrackingReceipt, TrackingSite
from app.models.base import utcnow
from app.tracking import intake, live
from app.tracking.settings_routes import last_event_text
from tests.factories import login

URL = "/settings/tracking/"


@pytest.fixture
def team(make):
    return make.team()


def _sites(app, tenant) -> list[TrackingSite]:
    with app.app_context():
        rows = list(db.session.scalars(select(TrackingSite).where(TrackingSite.tenant_id == tenant.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _site(app, site_id) -> TrackingSite:
    with app.app_context():
        row = db.session.get(TrackingSite, site_id)
        db.session.expunge(row)
        return row


def _events(app, tenant, event_type) -> list[Event]:
    with app.app_context():
        rows = list(db.session.scalars(select(Event).where(Event.tenant_id == tenant.id, Event.type == event_type)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# ---------- adding and changing a website ----------


def test_it_adds_a_site_for_an_owner_and_shows_its_snippet(app, client, team):
    login(client, team.owner)
    response = client.post(
        URL + "sites",
        data={
            "name": "Klinik Web",
            "domains": "https://www.Klinik-Ornek.com.tr/iletisim\nklinik-ornek.com.tr, localhost:8000",
        },
    )
    assert response.status_code == 303
    [site] = _sites(app, team.tenant)
    assert response.headers["Location"].endswith(f"{URL}#site-{site.id}")
    assert site.name == "Klinik Web"
    assert site.domains == ["www.klinik-ornek.com.tr", "klinik-ornek.com.tr", "localhost:8000"]
    assert site.consent_mode is False
    assert len(_events(app, team.tenant, events.TRACKING_SITE_ADDED)) == 1

    page = client.get(URL)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Klinik Web added." in _text(page)
    # The snippet is shown as text to copy, never as a script that runs on this page.
    snippet = f'<script defer src="http://kervan.test/t.js" data-site="{site.site_key}"></script>'
    assert snippet in _text(page)
    assert snippet not in body
    assert "www.klinik-ornek.com.tr" in body
    assert "No events yet" in body
    assert site.call_secret not in body  # hidden until revealed


def test_an_invalid_domain_is_a_form_error_and_nothing_is_saved(app, client, team):
    login(client, team.owner)
    response = client.post(URL + "sites", data={"name": "Bozuk", "domains": "example.com\nnot a domain"})
    assert response.status_code == 422
    assert "is not a domain." in _text(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.post(URL + "sites", data={"name": "", "domains": " \n "})
    assert response.status_code == 422
    assert "Give the website a name." in _text(response)
    assert "Enter at least one domain the snippet will run on." in _text(response)
    assert _sites(app, team.tenant) == []
    assert _events(app, team.tenant, events.TRACKING_SITE_ADDED) == []


def test_an_owner_changes_a_sites_domains_and_consent_mode(app, make, client, team):
    site = make.site(team.tenant, name="Eski Ad", domains=["old.example.test"])
    login(client, team.owner)
    form = client.get(f"{URL}sites/{site.id}")
    assert form.status_code == 200 and "old.example.test" in form.get_data(as_text=True)
    response = client.post(
        f"{URL}sites/{site.id}", data={"name": "Yeni Ad", "domains": "new.example.test", "consent_mode": "y"}
    )
    assert response.status_code == 303
    saved = _site(app, site.id)
    assert (saved.name, saved.domains, saved.consent_mode) == ("Yeni Ad", ["new.example.test"], True)
    assert saved.site_key == site.site_key
    assert 'data-consent="required"' in _text(client.get(URL))
    bad = client.post(f"{URL}sites/{site.id}", data={"name": "Yeni Ad", "domains": "nope"})
    assert bad.status_code == 422
    assert _site(app, site.id).domains == ["new.example.test"]


# ---------- who may do what ----------


def test_a_manager_sees_the_page_but_cannot_change_anything(app, make, client, team):
    site = make.site(team.tenant, name="Vitrin")
    login(client, team.manager)
    page = client.get(URL)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert site.site_key in body and "Vitrin" in body
    assert "Add a website" not in body
    assert "Read-only" in body
    assert site.call_secret not in body
    assert "Only an owner can see or rotate the secret." in body

    assert client.post(URL + "sites", data={"name": "X", "domains": "x.example.test"}).status_code == 403
    assert client.get(f"{URL}sites/{site.id}").status_code == 403
    assert client.post(f"{URL}sites/{site.id}", data={"name": "X", "domains": "x.example.test"}).status_code == 403
    assert client.get(f"{URL}sites/{site.id}/secret?show=1", headers={"HX-Request": "true"}).status_code == 403
    assert client.post(f"{URL}sites/{site.id}/secret").status_code == 403
    assert [s.name for s in _sites(app, team.tenant)] == ["Vitrin"]
    assert _site(app, site.id).call_secret == site.call_secret


def test_an_agent_may_not_open_tracking_settings(make, client, team):
    site = make.site(team.tenant)
    login(client, team.agent)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}sites/{site.id}/secret?show=1").status_code == 403
    assert client.post(URL + "sites", data={"name": "X", "domains": "x.example.test"}).status_code == 403


def test_another_businesss_site_is_not_found(app, make, client, team):
    theirs = make.site(team.outsider_tenant, name="Onların Sitesi")
    login(client, team.owner)
    assert client.get(f"{URL}sites/{theirs.id}").status_code == 404
    assert client.post(f"{URL}sites/{theirs.id}", data={"name": "X", "domains": "x.example.test"}).status_code == 404
    assert client.get(f"{URL}sites/{theirs.id}/secret?show=1", headers={"HX-Request": "true"}).status_code == 404
    assert client.post(f"{URL}sites/{theirs.id}/secret").status_code == 404
    assert "Onların Sitesi" not in client.get(URL).get_data(as_text=True)
    assert _site(app, theirs.id).call_secret == theirs.call_secret


# ---------- the call-webhook secret ----------


def test_an_owner_reveals_and_hides_the_secret(make, client, team):
    site = make.site(team.tenant)
    login(client, team.owner)
    shown = client.get(f"{URL}sites/{site.id}/secret?show=1", headers={"HX-Request": "true"})
    assert shown.status_code == 200
    assert site.call_secret in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert "<html" not in shown.get_data(as_text=True)  # the fragment alone
    hidden = client.get(f"{URL}sites/{site.id}/secret", headers={"HX-Request": "true"})
    assert site.call_secret not in hidden.get_data(as_text=True)
    # Without htmx the link opens the whole page with that secret shown.
    page = client.get(f"{URL}sites/{site.id}/secret?show=1")
    assert "<html" in page.get_data(as_text=True) and site.call_secret in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_rotating_the_secret_changes_it_and_logs_who_did_it(app, make, client, team):
    site = make.site(team.tenant, name="Dönen")
    login(client, team.owner)
    response = client.post(f"{URL}sites/{site.id}/secret", headers={"HX-Request": "true"})
    assert response.status_code == 200
    new_secret = _site(app, site.id).call_secret
    assert new_secret != site.call_secret
    body = response.get_data(as_text=True)
    assert new_secret in body and site.call_secret not in body
    assert "the old one no longer works" in body
    assert response.headers["Cache-Control"] == "no-store"
    [logged] = _events(app, team.tenant, events.TRACKING_SITE_CHANGED)
    assert logged.actor_id == team.owner.id
    assert new_secret not in json.dumps(logged.data) and site.call_secret not in json.dumps(logged.data)

    plain = client.post(f"{URL}sites/{site.id}/secret")
    assert plain.status_code == 303
    assert _site(app, site.id).call_secret not in (site.call_secret, new_secret)


def test_the_signing_example_uses_the_sites_key_and_the_documented_headers(make, client, team):
    site = make.site(team.tenant)
    login(client, team.owner)
    body = _text(client.get(URL))
    assert f'"site":"{site.site_key}"' in body
    assert "http://kervan.test/t/call" in body
    assert '"X-Kervan-Timestamp: $TS"' in body
    assert '"X-Kervan-Signature: sha256=$SIG"' in body
    assert 'printf \'%s.%s\' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"' in body


@pytest.mark.skipif(not (shutil.which("bash") and shutil.which("openssl")), reason="needs bash and openssl")
def test_the_signing_example_on_the_page_is_accepted_by_the_webhook(app, make, client, team):
    site = make.site(team.tenant)
    login(client, team.owner)
    page = client.get(URL).get_data(as_text=True)
    example = html.unescape(re.search(r'<pre class="tk-code tk-example"[^>]*><code>(.*?)</code></pre>', page, re.S)[1])
    # Run it as written, up to the curl call, whose parts we print instead of sending.
    script = example[: example.index("curl ")] + 'printf "%s\\n%s\\n%s" "$TS" "$SIG" "$BODY"'
    env = {"PATH": os.environ["PATH"], "KERVAN_WEBHOOK_SECRET": site.call_secret}
    timestamp, signature, body = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split("\n", 2)
    response = client.post(
        "/t/call",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Kervan-Timestamp": timestamp,
            "X-Kervan-Signature": f"sha256={signature}",
        },
    )
    assert response.status_code == 202, response.get_json()


# ---------- usage ----------


def _receipts(app, site, tenant_id, count, received_at):
    with app.app_context():
        for n in range(count):
            db.session.add(
                TrackingReceipt(
                    site_id=site.id,
                    event_id=f"e{site.id}-{received_at.timestamp():.0f}-{n:04d}",
                    tenant_id=tenant_id,
                    received_at=received_at,
                )
            )
        db.session.commit()


def _set_quota(app, tenant, quota):
    with app.app_context():
        db.session.get(Tenant, tenant.id).event_quota = quota
        db.session.commit()


def test_it_shows_this_months_usage_against_the_quota(app, make, client, team):
    now = utcnow()
    mine = make.site(team.tenant)
    theirs = make.site(team.outsider_tenant)
    _receipts(app, mine, team.tenant.id, 3, now - timedelta(seconds=5))
    _receipts(app, mine, team.tenant.id, 2, intake.month_start(now) - timedelta(days=2))  # last month
    _receipts(app, theirs, team.outsider_tenant.id, 4, now)
    _set_quota(app, team.tenant, 10)
    login(client, team.manager)
    body = _text(client.get(URL))
    assert "3 of 10 events" in body
    assert "30%" in body
    assert 'max="10" value="3"' in body
    assert "Used up" not in body and "Almost used up" not in body

    _set_quota(app, team.tenant, 3)
    body = _text(client.get(URL))
    assert "3 of 3 events" in body and "Used up" in body
    assert "New events are refused until" in body


# ---------- last event received ----------


def test_the_last_event_line_counts_from_the_stored_time(app, make, client, team):
    now = utcnow()
    make.site(team.tenant, name="Sessiz")
    make.site(team.tenant, name="Canlı", last_event_at=now - timedelta(seconds=95))
    login(client, team.owner)
    body = client.get(URL).get_data(as_text=True)
    assert "No events yet" in body
    assert "Last event received 1 minute ago" in body
    # The browser ticks with the same sentences, the number left for it to fill in.
    assert 'data-text-second-other="Last event received %(num)s seconds ago"' in body
    assert 'data-text-second-one="Last event received %(num)s second ago"' in body
    assert 'hx-trigger="sse:tracking.site_seen"' in body


def test_last_event_text_picks_the_largest_whole_unit(app):
    now = utcnow()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert last_event_text(None, now) == "No events yet"
        assert last_event_text(now, now) == "Last event received 0 seconds ago"
        assert last_event_text(now - timedelta(seconds=1), now) == "Last event received 1 second ago"
        assert last_event_text(now - timedelta(seconds=59), now) == "Last event received 59 seconds ago"
        assert last_event_text(now - timedelta(minutes=2, seconds=5), now) == "Last event received 2 minutes ago"
        assert last_event_text(now - timedelta(hours=1), now) == "Last event received 1 hour ago"
        assert last_event_text(now - timedelta(days=3), now) == "Last event received 3 days ago"
        assert last_event_text(now + timedelta(seconds=3), now) == "Last event received 0 seconds ago"


# ---------- the live-only notice ----------


class Stream:
    """The SSE endpoint read chunk by chunk: (id or None, event, data, raw text)."""

    def __init__(self, client, headers=None):
        self.response = client.get("/realtime/stream", headers=headers or {}, buffered=False)
        self.chunks = iter(self.response.response)

    def next_event(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = next(self.chunks)
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            lines = [line for line in text.strip().splitlines() if not line.startswith((":", "retry"))]
            fields = dict(line.split(": ", 1) for line in lines)
            if "event" in fields:
                return fields.get("id"), fields["event"], json.loads(fields["data"]), text
        raise AssertionError("no event in time")

    def close(self):
        self.response.close()


def test_site_seen_goes_live_without_an_id_and_never_into_the_log(app, make, client, team):
    site = make.site(team.tenant)
    login(client, team.manager)
    with app.app_context():
        before = db.session.scalar(select(func.max(Event.id)))
    stream = Stream(client, headers={"Last-Event-ID": str(before)})
    try:
        at = utcnow()
        with app.app_context():
            live.publish_site_seen(team.tenant.id, site.id, at)
            live.publish_site_seen(team.outsider_tenant.id, 999_999, at)  # another business: not ours to hear
        event_id, name, data, raw = stream.next_event()
        assert (event_id, name) == (None, "tracking.site_seen")
        assert "id:" not in raw  # so the browser's Last-Event-ID stays on the last logged event
        assert data["data"] == {"site_id": site.id, "at": at.isoformat(timespec="milliseconds")}
        assert data["subject_id"] == site.id and "summary" not in data  # no toast

        # A logged event after it still arrives, with its own id: the replay cursor did not move.
        with app.app_context():
            row = events.emit(team.tenant.id, events.MEMBER_INVITED, data={"email": "x@example.test", "role": "agent"})
            db.session.commit()
            logged_id = row.id
        event_id, name, _, _ = stream.next_event()
        assert (int(event_id), name) == (logged_id, events.MEMBER_INVITED)
    finally:
        stream.close()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.type == "tracking.site_seen")) == 0


def test_a_naive_time_is_refused(app):
    from datetime import datetime

    with app.app_context(), pytest.raises(ValueError):
        live.publish_site_seen(1, 1, datetime(2025, 1, 1, 12, 0))
