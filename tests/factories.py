"""Factories: each call builds what a test needs, commits it, and hands back
detached, loaded objects. Everything is unique, so tests never collide."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flask import Flask

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Customer, Membership, PipelineStage, Role, Tenant, User
from app.tenancy.services import create_tenant

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)
_password_hash: str | None = None


def _hash() -> str:
    # scrypt is deliberately slow; hash the shared test password once.
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def _detach(*objects):
    for obj in objects:
        db.session.refresh(obj)
        db.session.expunge(obj)
    return objects if len(objects) > 1 else objects[0]


@dataclass
class Team:
    tenant: Tenant
    owner: User
    manager: User
    agent: User
    outsider_tenant: Tenant
    outsider: User


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(self, name: str | None = None, email: str | None = None, **fields) -> User:
        n = next(_counter)
        with self.app.app_context():
            # Test personas read English unless a test says otherwise; the
            # Turkish interface has its own tests.
            fields.setdefault("locale", "en")
            user = User(
                name=name or f"Test Kullanıcı {n}",
                email=email or f"user{n}-{id(self)}@example.test",
                password_hash=_hash(),
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            return _detach(user)

    def tenant(self, owner: User | None = None, sector: str = "dental", name: str | None = None, **kw) -> Tenant:
        owner = owner or self.user()
        n = next(_counter)
        with self.app.app_context():
            tenant = create_tenant(name or f"Test İşletme {n}", sector, db.session.get(User, owner.id), **kw)
            db.session.commit()
            return _detach(tenant)

    def member(self, tenant: Tenant, user: User | None = None, role: Role | str = Role.AGENT) -> User:
        user = user or self.user()
        with self.app.app_context():
            db.session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role(role).value))
            db.session.commit()
        return user

    def team(self, sector: str = "dental") -> Team:
        owner = self.user(name="Selin Sahip")
        tenant = self.tenant(owner, sector)
        manager = self.member(tenant, self.user(name="Murat Yönetici"), Role.MANAGER)
        agent = self.member(tenant, self.user(name="Elif Temsilci"), Role.AGENT)
        outsider = self.user(name="Başka Biri")
        outsider_tenant = self.tenant(outsider, "beauty")
        return Team(tenant, owner, manager, agent, outsider_tenant, outsider)

    def customer(self, tenant: Tenant, actor: User | None = None, **fields) -> Customer:
        """A customer through the real service (de-duplication, identities, event)."""
        from app.customers import services as customers

        n = next(_counter)
        fields.setdefault("name", f"Müşteri {n}")
        fields.setdefault("phone", f"+90532{n:07d}")
        with self.app.app_context():
            row = customers.create(
                db.session.get(Tenant, tenant.id), db.session.get(User, actor.id) if actor else None, **fields
            )
            db.session.commit()
            return _detach(row)

    def reminder(self, customer: Customer, actor: User, due_at, assignee: User | None = None, title: str = ""):
        """A reminder through the real service (event, card follow-up)."""
        from app.models import Reminder
        from app.reminders import services as reminders

        with self.app.app_context():
            row = reminders.create(
                db.session.get(Customer, customer.id),
                db.session.get(User, actor.id),
                title or f"Geri ara {next(_counter)}",
                due_at,
                assignee.id if assignee else None,
            )
            db.session.commit()
            return _detach(db.session.get(Reminder, row.id))

    def stages(self, tenant: Tenant) -> list[PipelineStage]:
        with self.app.app_context():
            rows = list(
                db.session.scalars(
                    db.select(PipelineStage)
                    .where(PipelineStage.tenant_id == tenant.id)
                    .order_by(PipelineStage.position)
                )
            )
            for row in rows:
                db.session.expunge(row)
            return rows

    def membership(self, tenant: Tenant, user: User) -> Membership:
        with self.app.app_context():
            row = db.session.scalar(
                db.select(Membership).where(Membership.tenant_id == tenant.id, Membership.user_id == user.id)
            )
            return _detach(row)

    def site(self, tenant: Tenant, domains: list[str] | None = None, consent_mode: bool = False, **fields):
        """A tracked website (with its secret site key and call-webhook secret)."""
        from app.tracking.sites import create_site

        with self.app.app_context():
            site = create_site(
                db.session.get(Tenant, tenant.id),
                name=fields.pop("name", f"Site {next(_counter)}"),
                domains=domains or ["shop.example.test"],
                consent_mode=consent_mode,
            )
            for key, value in fields.items():
                setattr(site, key, value)
            db.session.commit()
            return _detach(site)

    def tracking_session(self, site, started_at=None, **fields):
        """A finished website session as the drain would leave it (S5 direct unless told)."""
        import uuid
        from datetime import timedelta

        from app.models import TrackingSession
        from app.models.base import utcnow

        started_at = started_at or utcnow() - timedelta(hours=1)
        fields.setdefault("visitor_id", uuid.uuid4().hex)
        fields.setdefault("last_seen_at", started_at + timedelta(minutes=3))
        fields.setdefault("landing_url", "https://shop.example.test/")
        fields.setdefault("pageviews", 1)
        fields.setdefault("pages", ["/"])
        with self.app.app_context():
            row = TrackingSession(tenant_id=site.tenant_id, site_id=site.id, started_at=started_at, **fields)
            db.session.add(row)
            db.session.commit()
            return _detach(row)


def login(client, user: User) -> None:
    """Sign a test client in as `user` without the password round trip."""
    with client.application.app_context():
        token = db.session.get(User, user.id).session_token
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{token}"
        session["_fresh"] = True


_addresses = itertools.count(1)


def client_from_new_ip(app):
    """A test client with its own remote address, so IP lockouts and rate
    limits of one test never reach another."""
    client = english_client(app)
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 250 % 250}.{n % 250}.7"
    return client


def last_mail_to(outbox, address: str) -> str:
    """The plain-text body of the newest message written to the outbox for `address`."""
    from email import message_from_bytes, policy

    files = sorted(outbox.glob(f"*{address.replace('@', '_at_')}.eml"))
    assert files, f"no mail to {address}"
    message = message_from_bytes(files[-1].read_bytes(), policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def english_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
