import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from app import events
from app.extensions import db
from app.models import Event, Tenant, User
from app.realtime import broker
from tests import settings


def test_emit_writes_one_row_in_the_callers_transaction(app, make):
    team = make.team()
    with app.app_context():
        row = events.emit(
            team.tenant.id,
            events.TENANT_SETTINGS_CHANGED,
            actor=db.session.get(User, team.owner.id),
            data={"fields": ["name"]},
        )
        db.session.rollback()
        assert db.session.get(Event, row.id) is None

        row = events.emit(team.tenant.id, events.TENANT_SETTINGS_CHANGED, data={"fields": ["name"]})
        db.session.commit()
        stored = db.session.get(Event, row.id)
        assert stored.type == "tenant.settings_changed" and stored.data == {"fields": ["name"]}


def test_emit_refuses_unknown_event_names(app, make):
    team = make.team()
    with app.app_context(), pytest.raises(ValueError):
        events.emit(team.tenant.id, "card.teleported")


@pytest.mark.parametrize(
    "change",
    [
        lambda tenant_id: update(Event).where(Event.tenant_id == tenant_id).values(type="tampered"),
        lambda tenant_id: delete(Event).where(Event.tenant_id == tenant_id),
    ],
    ids=["update", "delete"],
)
def test_the_database_rejects_changes_to_the_log(app, make, change):
    team = make.team()
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(change(team.tenant.id))
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(Event).where(Event.tenant_id == team.tenant.id)).type == "tenant.created"


@pytest.mark.skipif(not settings.ON_POSTGRES, reason="TRUNCATE exists on PostgreSQL only")
def test_postgres_rejects_truncating_the_log(app):
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text("TRUNCATE events"))
        db.session.rollback()


def test_it_publishes_only_after_commit_and_never_after_rollback(app, make):
    team = make.team()
    with app.app_context():
        subscription = broker.subscribe(team.tenant.id)
        try:
            events.emit(team.tenant.id, events.TENANT_SETTINGS_CHANGED, data={"fields": ["rolled-back"]})
            assert subscription.get(timeout=0.3) is None
            db.session.rollback()
            assert subscription.get(timeout=0.3) is None

            row = events.emit(team.tenant.id, events.TENANT_SETTINGS_CHANGED, data={"fields": ["kept"]})
            assert subscription.get(timeout=0.2) is None  # not before the commit
            db.session.commit()
            message = subscription.get(timeout=3)
            assert message["id"] == row.id and message["data"] == {"fields": ["kept"]}
        finally:
            subscription.close()


def test_subscribed_jobs_run_after_commit_with_the_event(app, make, run_jobs):
    team = make.team()
    seen = []

    @events.subscribe(events.TENANT_SETTINGS_CHANGED)
    def remember(tenant_id, event_id):
        seen.append((tenant_id, event_id, db.session.get(Event, event_id).type))

    try:
        with app.app_context():
            row = events.emit(team.tenant.id, events.TENANT_SETTINGS_CHANGED, data={})
            event_id = row.id
            db.session.commit()
        if app.config["JOBS_MODE"] == "rq":
            pytest.skip("a function defined inside a test cannot be imported by an RQ worker")
        run_jobs()
        assert seen == [(team.tenant.id, event_id, "tenant.settings_changed")]
    finally:
        events._subscribers[events.TENANT_SETTINGS_CHANGED].remove(remember)


def test_every_tenant_gets_its_creation_in_the_log(app, make):
    tenant = make.tenant(sector="beauty")
    with app.app_context():
        first = db.session.scalar(select(Event).where(Event.tenant_id == tenant.id).order_by(Event.id))
        assert first.type == "tenant.created" and first.data == {"sector": "beauty"}
        assert db.session.get(Tenant, tenant.id).slug.startswith("test-isletme")
