"""The offline conversion queue: queueing on a win, the manager's CSV batches,
the uploader API with its leases, and the tokens that guard it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from app import events
from app.extensions import db
from app.models import ApiToken, Event, OfflineConversion, Tenant, User
from app.models.base import utcnow
from app.tracking import offline
from tests.factories import login

GCLID = "Cj0KCQiA-test-gclid"
IST = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def team(make):
    return make.team()


def _won_stage(make, tenant):
    return next(s for s in make.stages(tenant) if s.kind == "won")


def _open_stage(make, tenant):
    return next(s for s in make.stages(tenant) if s.kind == "open" and s.position > 0)


def _move(client, customer, stage) -> None:
    response = client.post(f"/pipeline/cards/{customer.id}/move", data={"stage_id": stage.id})
    assert response.status_code == 200


def _win(make, client, team, run_jobs, **fields):
    """A customer whose card an agent moves to the won stage."""
    fields.setdefault("click_ids", {"gclid": GCLID})
    fields.setdefault("value_minor", 1_250_00)
    customer = make.customer(team.tenant, **fields)
    login(client, team.agent)
    _move(client, customer, _won_stage(make, team.tenant))
    run_jobs()
    return customer


def _rows(app, tenant) -> list[OfflineConversion]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OfflineConversion).where(OfflineConversion.tenant_id == tenant.id).order_by(OfflineConversion.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def _token(app, team, name="Uploader") -> str:
    with app.app_context():
        plaintext, _token_row = offline.create_token(
            db.session.get(Tenant, team.tenant.id), db.session.get(User, team.owner.id), name
        )
        db.session.commit()
        return plaintext


def _claim(client, token, **body):
    return client.post("/api/offline-conversions/claim", json=body, headers={"Authorization": f"Bearer {token}"})


def _ack(client, token, **body):
    return client.post("/api/offline-conversions/ack", json=body, headers={"Authorization": f"Bearer {token}"})


def _expire_leases(app, tenant) -> None:
    with app.app_context():
        db.session.execute(
            update(OfflineConversion)
            .where(OfflineConversion.tenant_id == tenant.id, OfflineConversion.status == "leased")
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


# ---------- Queueing ----------


def test_it_queues_exactly_one_conversion_when_a_card_is_won(app, make, client, team, run_jobs):
    customer = _win(make, client, team, run_jobs, email="Ayse.Kara@GMail.com", phone="+905321112233")
    [row] = _rows(app, team.tenant)
    assert (row.customer_id, row.action, row.status) == (customer.id, "won", "queued")
    assert (row.click_id_kind, row.click_id) == ("gclid", GCLID)
    assert (row.value_minor, row.currency) == (1_250_00, "TRY")
    assert row.conversion_name == offline.DEFAULT_CONVERSION_NAME == "Kervan won deal"
    assert row.email_sha256 == offline.sha256_hex("aysekara@gmail.com")
    assert row.phone_sha256 == offline.sha256_hex("+905321112233")
    with app.app_context():
        queued = db.session.scalars(
            select(Event).where(Event.tenant_id == team.tenant.id, Event.type == events.CONVERSION_QUEUED)
        ).all()
        assert [(e.subject_id, e.data["name"]) for e in queued] == [(customer.id, customer.name)]


def test_a_re_win_does_not_queue_it_again(app, make, client, team, run_jobs):
    customer = _win(make, client, team, run_jobs)
    _move(client, customer, _open_stage(make, team.tenant))
    _move(client, customer, _won_stage(make, team.tenant))
    run_jobs()
    assert len(_rows(app, team.tenant)) == 1


def test_moving_to_an_open_stage_queues_nothing(app, make, client, team, run_jobs):
    customer = make.customer(team.tenant, click_ids={"gclid": GCLID})
    login(client, team.agent)
    _move(client, customer, _open_stage(make, team.tenant))
    run_jobs()
    assert _rows(app, team.tenant) == []


def test_without_a_click_id_the_hashed_contact_is_enough(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs, click_ids={}, phone="+905329998877")
    [row] = _rows(app, team.tenant)
    assert row.click_id_kind is None and row.click_id is None
    assert row.phone_sha256 == offline.sha256_hex("+905329998877")


def test_without_a_click_id_or_a_contact_nothing_is_queued(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs, click_ids={"fbclid": "fb-only"}, phone=None, email=None)
    assert _rows(app, team.tenant) == []


def test_the_click_id_preference_is_gclid_then_wbraid_then_gbraid(app, make, team):
    both = make.customer(team.tenant, click_ids={"gbraid": "gb-1", "wbraid": "wb-1"})
    with app.app_context():
        row = offline.queue_conversion(db.session.get(type(both), both.id))
        assert (row.click_id_kind, row.click_id) == ("wbraid", "wb-1")
        assert offline.pick_click_id({"gbraid": "gb", "gclid": "gc", "wbraid": "wb"}) == ("gclid", "gc")
        db.session.rollback()


def test_the_tenant_names_the_conversion_action(app, make, client, team, run_jobs):
    with app.app_context():
        db.session.get(Tenant, team.tenant.id).conversion_names = {"won": "Kervan sale"}
        db.session.commit()
    _win(make, client, team, run_jobs)
    assert _rows(app, team.tenant)[0].conversion_name == "Kervan sale"


def test_the_owner_renames_the_conversion_action_for_what_is_still_queued(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    login(client, team.manager)
    assert client.post("/conversions/name", data={"conversion-name": "Satış"}).status_code == 403
    login(client, team.owner)
    page = client.get("/conversions").get_data(as_text=True)
    assert 'value="Kervan won deal"' in page
    refused = client.post("/conversions/name", data={"conversion-name": "   "})
    assert refused.status_code == 422
    assert "exactly as it is in Google Ads" in refused.get_data(as_text=True)
    assert client.post("/conversions/name", data={"conversion-name": "  Kervan   satış "}).status_code == 302
    assert [row.conversion_name for row in _rows(app, team.tenant)] == ["Kervan satış"]
    with app.app_context():
        assert db.session.get(Tenant, team.tenant.id).conversion_names == {"won": "Kervan satış"}
    csv_body = client.post("/conversions/export").get_data(as_text=True)
    assert ",Kervan satış," in csv_body


# ---------- The manager's page and CSV batches ----------


def test_an_agent_may_not_see_the_page(client, team):
    login(client, team.agent)
    assert client.get("/conversions").status_code == 403
    assert client.post("/conversions/export").status_code == 403


def test_another_tenants_owner_sees_and_touches_nothing_of_ours(app, make, client, team, run_jobs):
    customer = _win(make, client, team, run_jobs, name="Gizli Müşteri")
    token = _token(app, team)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == offline.token_hash(token)))
    login(client, team.manager)
    client.post("/conversions/export")
    batch_id = _rows(app, team.tenant)[0].lease_owner.removeprefix("csv:")

    login(client, team.outsider)  # the owner of another business
    page = client.get("/conversions").get_data(as_text=True)
    assert customer.name not in page and batch_id not in page
    assert client.post(f"/conversions/tokens/{token_id}/revoke").status_code == 404
    assert client.get(f"/conversions/batches/{batch_id}.csv").status_code == 404
    client.post(f"/conversions/batches/{batch_id}/exported")
    client.post(f"/conversions/batches/{batch_id}/release")
    [row] = _rows(app, team.tenant)
    assert row.status == "leased" and row.lease_owner == f"csv:{batch_id}"
    assert _claim(client, token).status_code == 200  # still alive


def test_the_manager_sees_the_queue_with_counts(make, client, team, run_jobs):
    customer = _win(make, client, team, run_jobs, name="Kazanılan Hasta")
    login(client, team.manager)
    page = client.get("/conversions").get_data(as_text=True)
    assert "Kazanılan Hasta" in page and f"/customers/{customer.id}" in page
    assert "gclid" in page and "TRY1,250.00" in page
    assert 'aria-current="page">Queued <span class="conv-count">1</span>' in page
    assert "Uploader access" in page and "Only the owner can create API tokens." in page


def test_the_csv_download_reserves_rows_so_the_uploader_cannot_claim_them(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    login(client, team.manager)
    response = client.post("/conversions/export")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    [batch_id] = {row.lease_owner.removeprefix("csv:") for row in _rows(app, team.tenant)}
    assert f"kervan-conversions-{batch_id}.csv" in disposition
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Parameters:TimeZone=Europe/Istanbul"
    assert lines[1].startswith("Google Click ID,GBRAID,WBRAID,Email,Phone Number,Conversion Name,Conversion Time")
    assert lines[2].startswith(f"{GCLID},,,") and ",Kervan won deal," in lines[2] and lines[2].endswith(",1250.00,TRY")

    claimed = _claim(client, token)
    assert claimed.status_code == 200 and claimed.get_json()["jobs"] == []
    assert client.post("/conversions/export").status_code == 303  # nothing left to put in a second file
    assert "Batch " + batch_id in client.get("/conversions").get_data(as_text=True)
    again = client.get(f"/conversions/batches/{batch_id}.csv")
    assert again.status_code == 200 and again.get_data() == response.get_data()


def test_a_marked_batch_is_never_exported_again(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    login(client, team.manager)
    client.post("/conversions/export")
    [row] = _rows(app, team.tenant)
    batch_id = row.lease_owner.removeprefix("csv:")
    assert client.post(f"/conversions/batches/{batch_id}/exported").status_code == 303
    [row] = _rows(app, team.tenant)
    assert (row.status, row.export_batch) == ("exported", batch_id) and row.exported_at is not None

    _expire_leases(app, team.tenant)  # no lease can bring it back
    assert _claim(client, token).get_json()["jobs"] == []
    assert client.post("/conversions/export").status_code == 303
    assert client.post(f"/conversions/batches/{batch_id}/release").status_code == 303
    assert _rows(app, team.tenant)[0].status == "exported"
    with app.app_context():
        [exported] = db.session.scalars(
            select(Event).where(Event.tenant_id == team.tenant.id, Event.type == events.CONVERSIONS_EXPORTED)
        ).all()
        assert exported.data["count"] == 1 and exported.actor_id == team.manager.id


def test_a_released_batch_returns_to_the_queue(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    login(client, team.manager)
    client.post("/conversions/export")
    batch_id = _rows(app, team.tenant)[0].lease_owner.removeprefix("csv:")
    client.post(f"/conversions/batches/{batch_id}/release")
    assert _rows(app, team.tenant)[0].status == "queued"
    assert len(_claim(client, token).get_json()["jobs"]) == 1


def test_an_expired_csv_reservation_can_be_claimed_and_then_the_batch_cannot_be_marked(
    app, make, client, team, run_jobs
):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    login(client, team.manager)
    client.post("/conversions/export")
    batch_id = _rows(app, team.tenant)[0].lease_owner.removeprefix("csv:")
    _expire_leases(app, team.tenant)
    assert len(_claim(client, token, owner="worker-1").get_json()["jobs"]) == 1
    client.post(f"/conversions/batches/{batch_id}/exported")
    assert _rows(app, team.tenant)[0].status == "leased"  # the uploader holds it, not the stale batch


# ---------- The uploader API ----------


def test_a_claim_leases_jobs_in_the_api_shape(app, make, client, team, run_jobs):
    customer = _win(make, client, team, run_jobs, email="x@example.com")
    token = _token(app, team)
    body = _claim(client, token, limit=10, lease_seconds=60, owner="worker-1").get_json()
    assert body["lease_owner"] == "worker-1"
    [job] = body["jobs"]
    [row] = _rows(app, team.tenant)
    assert job == {
        "id": row.id,
        "conversion_name": "Kervan won deal",
        "click_id_kind": "gclid",
        "click_id": GCLID,
        "conversion_time": row.converted_at.astimezone(IST).isoformat(timespec="seconds"),
        "value": "1250.00",
        "currency": "TRY",
        "email_sha256": offline.sha256_hex("x@example.com"),
        "phone_sha256": offline.sha256_hex(customer.phone),
        "attempts": 0,
    }
    assert job["conversion_time"].endswith("+03:00")
    assert (row.status, row.lease_owner) == ("leased", "worker-1")
    assert 55 <= (row.lease_expires_at - utcnow()).total_seconds() <= 60
    assert _claim(client, token, owner="worker-2").get_json()["jobs"] == []  # nobody else gets it


def test_an_expired_lease_returns_the_job_to_the_queue(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    [job] = _claim(client, token, owner="crashed-worker", lease_seconds=30).get_json()["jobs"]
    _expire_leases(app, team.tenant)  # the worker died; its lease runs out
    login(client, team.manager)
    assert 'Queued <span class="conv-count">1</span>' in client.get("/conversions").get_data(as_text=True)
    [again] = _claim(client, token, owner="new-worker").get_json()["jobs"]
    assert again["id"] == job["id"]
    refused = _ack(client, token, ids=[job["id"]], outcome="uploaded", owner="crashed-worker")
    assert refused.status_code == 409 and refused.get_json()["ignored_ids"] == [job["id"]]
    done = _ack(client, token, ids=[job["id"]], outcome="uploaded", owner="new-worker")
    assert done.status_code == 200
    assert done.get_json() == {
        "outcome": "uploaded",
        "acknowledged": 1,
        "exported": 1,
        "requeued": 0,
        "failed": 0,
        "ignored_ids": [],
    }
    assert _rows(app, team.tenant)[0].status == "exported"


def test_an_acknowledged_job_is_exported_at_most_once(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    [job] = _claim(client, token).get_json()["jobs"]  # the default owner
    assert _ack(client, token, ids=[job["id"]], outcome="uploaded").status_code == 200
    assert _ack(client, token, ids=[job["id"]], outcome="uploaded").status_code == 409
    assert _ack(client, token, ids=[job["id"]], outcome="failed", error="late").status_code == 409
    _expire_leases(app, team.tenant)
    assert _claim(client, token).get_json()["jobs"] == []
    login(client, team.manager)
    assert client.post("/conversions/export").status_code == 303
    [row] = _rows(app, team.tenant)
    assert row.status == "exported" and row.attempts == 0


def test_a_failed_upload_goes_back_to_the_queue_until_it_fails_for_good(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    for attempt in range(1, offline.MAX_ATTEMPTS + 1):
        [job] = _claim(client, token, owner="w").get_json()["jobs"]
        assert job["attempts"] == attempt - 1
        body = _ack(client, token, ids=[job["id"]], outcome="failed", error="CLICK_NOT_FOUND", owner="w").get_json()
        [row] = _rows(app, team.tenant)
        assert row.attempts == attempt and row.last_error == "CLICK_NOT_FOUND" and row.lease_owner is None
        if attempt < offline.MAX_ATTEMPTS:
            assert row.status == "queued" and body["requeued"] == 1
        else:
            assert row.status == "failed" and body["failed"] == 1
    assert _claim(client, token, owner="w").get_json()["jobs"] == []


def test_the_lease_owner_may_still_acknowledge_after_its_lease_ran_out(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team)
    [job] = _claim(client, token, owner="slow-worker").get_json()["jobs"]
    _expire_leases(app, team.tenant)  # slow, but nobody else took the job: the upload counts
    assert _ack(client, token, ids=[job["id"]], outcome="uploaded", owner="slow-worker").status_code == 200
    assert _rows(app, team.tenant)[0].status == "exported"


def test_the_api_is_rate_limited_per_token(app, client, team):
    token = _token(app, team)
    statuses = [_claim(client, token).status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429
    limited = _claim(client, token)
    assert limited.is_json and "Too many requests" in limited.get_json()["error"]
    assert _claim(client, _token(app, team, name="Second")).status_code == 200  # each token its own budget


def test_bad_input_is_a_400_naming_the_field(app, client, team):
    token = _token(app, team)
    for body, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"lease_seconds": 5}, "lease_seconds"),
        ({"owner": "csv:sneaky"}, "owner"),
        ({"owner": ""}, "owner"),
        ({"surprise": 1}, "surprise"),
    ):
        response = _claim(client, token, **body)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field, body
    for body, field in (
        ({"outcome": "uploaded"}, "ids"),
        ({"ids": [], "outcome": "uploaded"}, "ids"),
        ({"ids": [1], "outcome": "maybe"}, "outcome"),
        ({"ids": ["1"], "outcome": "failed"}, "ids"),
    ):
        response = _ack(client, token, **body)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field, body
    raw = client.post("/api/offline-conversions/claim", data="{not json", headers={"Authorization": f"Bearer {token}"})
    assert raw.status_code == 400 and raw.is_json


def test_a_token_is_required(client):
    for path in ("/api/offline-conversions/claim", "/api/offline-conversions/ack"):
        response = client.post(path, json={})
        assert response.status_code == 401 and response.is_json
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        basic = client.post(path, json={}, headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert basic.status_code == 401


def test_an_unknown_token_is_refused(client):
    response = _claim(client, "kvn_this-token-was-never-issued")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_revoked_token_is_refused_at_once(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    token = _token(app, team, name="Old uploader")
    assert _claim(client, token).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == offline.token_hash(token)))
    login(client, team.owner)
    assert client.post(f"/conversions/tokens/{token_id}/revoke").status_code == 303
    assert _claim(client, token).status_code == 401
    with app.app_context():
        revoked = db.session.scalars(
            select(Event).where(Event.tenant_id == team.tenant.id, Event.type == events.API_TOKEN_REVOKED)
        ).all()
        assert [e.data["name"] for e in revoked] == ["Old uploader"]


def test_a_token_only_sees_its_own_tenant(app, make, client, team, run_jobs):
    _win(make, client, team, run_jobs)
    other = make.team()
    other_token = _token(app, other)
    assert _claim(client, other_token).get_json()["jobs"] == []
    [row] = _rows(app, team.tenant)
    assert _ack(client, other_token, ids=[row.id], outcome="uploaded").status_code == 409


def test_the_owner_creates_a_token_shown_once_and_stored_hashed(app, client, team):
    login(client, team.owner)
    response = client.post("/conversions/tokens", data={"name": "Google Ads uploader"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    plaintext = page.split('id="new-token" value="', 1)[1].split('"', 1)[0]
    assert plaintext.startswith("kvn_") and "Copy" in page
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.tenant_id == team.tenant.id))
        assert token.name == "Google Ads uploader" and token.token_hash == offline.sha256_hex(plaintext)
        assert plaintext not in (token.token_hash, token.prefix) and token.prefix == plaintext[:12]
        created = db.session.scalars(
            select(Event).where(Event.tenant_id == team.tenant.id, Event.type == events.API_TOKEN_CREATED)
        ).all()
        assert [e.data["name"] for e in created] == ["Google Ads uploader"]
    assert plaintext not in client.get("/conversions").get_data(as_text=True)  # shown once
    assert _claim(client, plaintext).status_code == 200


def test_only_the_owner_manages_tokens(app, client, team):
    token = _token(app, team)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == offline.token_hash(token)))
    login(client, team.manager)
    assert client.post("/conversions/tokens", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/conversions/tokens/{token_id}/revoke").status_code == 403
    assert _claim(client, token).status_code == 200


def test_a_token_needs_a_name(client, team):
    login(client, team.owner)
    response = client.post("/conversions/tokens", data={"name": "  "}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Give the token a name." in response.get_data(as_text=True)


def test_the_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")
