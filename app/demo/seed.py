"""Demo data: three businesses, their people and 90 days of history.

Idempotent: running it again finds what exists and adds only what is missing.
Later areas (pipeline, tracking, booking) add their own demo data here.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app import events
from app.auth.passwords import hash_password
from app.demo.booking import seed_appointments
from app.demo.customers import mobile_phone, seed_customers
from app.demo.tracking import ensure_tracking, queue_won_conversions
from app.extensions import db
from app.models import Invitation, Membership, Role, Tenant, User
from app.models.base import utcnow
from app.tenancy.services import create_tenant

PASSWORD = "kervan-demo-2026"

TENANTS = (
    # slug, name, sector, phone
    ("gulus-dis", "Gülüş Diş Kliniği", "dental", "+902164440101"),
    ("bella-guzellik", "Bella Güzellik Salonu", "beauty", "+902125550202"),
    ("anadolu-carsi", "Anadolu Çarşı", "ecommerce", "+903124440303"),
)

USERS = (
    # email, name, phone, [(tenant slug, role)]
    (
        "owner@demo.kervan.test",
        "Selin Aydın",
        "+905321234567",
        [("gulus-dis", "owner"), ("bella-guzellik", "owner"), ("anadolu-carsi", "owner")],
    ),
    ("manager@demo.kervan.test", "Murat Kaya", "+905331112233", [("gulus-dis", "manager")]),
    ("agent@demo.kervan.test", "Elif Demir", "+905441234578", [("gulus-dis", "agent")]),
    ("salon@demo.kervan.test", "Zeynep Çelik", "+905059876543", [("bella-guzellik", "owner")]),
)

# Extra staff per business, so team pages and history look like a real team.
STAFF = {
    "gulus-dis": [("Dt. Burak Şahin", "manager"), ("Ayşe Yıldız", "agent"), ("Hakan Öztürk", "agent")],
    "bella-guzellik": [("Gizem Arslan", "manager"), ("Melike Koç", "agent"), ("Deniz Kurt", "agent")],
    "anadolu-carsi": [("Emre Polat", "manager"), ("Büşra Aksoy", "agent"), ("Oğuz Erdoğan", "agent")],
}

_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")


def _email_for(name: str, slug: str) -> str:
    local = ".".join(name.replace("Dt. ", "").translate(_ASCII).lower().split())
    return f"{local}@{slug}.demo.kervan.test"


def _user(email: str, name: str, phone: str, password_hash: str) -> tuple[User, bool]:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    user = User(email=email, name=name, phone=phone, password_hash=password_hash, locale=None)
    db.session.add(user)
    db.session.flush()
    return user, True


def seed() -> list[str]:
    rng = random.Random(2026)
    now = utcnow()
    report: list[str] = []
    password_hash = hash_password(PASSWORD)

    people = {}
    for email, name, phone, _r in USERS:
        people[email], _ = _user(email, name, phone, password_hash)
    owner = people["owner@demo.kervan.test"]

    tenants: dict[str, Tenant] = {}
    for slug, name, sector, phone in TENANTS:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            tenant = create_tenant(name, sector, owner, slug=slug, created_at=now - timedelta(days=90))
            tenant.phone = phone
            report.append(f"created tenant {name} ({sector})")
        tenants[slug] = tenant
    db.session.flush()

    for email, _n, _p, roles in USERS:
        for slug, role in roles:
            _ensure_membership(tenants[slug], people[email], Role(role), owner, now, rng)

    for slug, staff in STAFF.items():
        for name, role in staff:
            user, _ = _user(_email_for(name, slug), name, mobile_phone(rng), password_hash)
            _ensure_membership(tenants[slug], user, Role(role), owner, now, rng)

    _ensure_history(tenants["gulus-dis"], owner, now, rng)
    db.session.flush()
    for tenant in tenants.values():
        added = seed_customers(tenant, now, rng)
        if added:
            report.append(f"{tenant.name}: {added} demo customers")
    for tenant in tenants.values():
        booked = seed_appointments(tenant, now, rng)
        if booked:
            report.append(f"{tenant.name}: {booked} demo appointments")
    for tenant in tenants.values():
        sessions = ensure_tracking(tenant, now, rng)
        if sessions:
            report.append(f"{tenant.name}: {sessions} demo website sessions")
        queued = queue_won_conversions(tenant)
        if queued:
            report.append(f"{tenant.name}: {queued} won customers in the offline conversion queue")
    db.session.commit()
    report.append(f"demo ready: {len(tenants)} businesses, password {PASSWORD!r} for every demo user")
    return report


def _ensure_membership(tenant: Tenant, user: User, role: Role, inviter: User, now, rng: random.Random) -> None:
    exists = db.session.scalar(
        select(Membership).where(Membership.tenant_id == tenant.id, Membership.user_id == user.id)
    )
    if exists is not None:
        return
    joined = now - timedelta(days=rng.randint(20, 88), hours=rng.randint(0, 10))
    membership = Membership(tenant_id=tenant.id, user_id=user.id, role=role.value, created_at=joined)
    db.session.add(membership)
    db.session.flush()
    events.emit(
        tenant,
        events.MEMBER_INVITED,
        actor=inviter,
        data={"email": user.email, "role": role.value},
        occurred_at=joined - timedelta(hours=rng.randint(2, 30)),
    )
    events.emit(
        tenant,
        events.MEMBER_JOINED,
        actor=user,
        subject=membership,
        data={"user_id": user.id, "name": user.name, "role": role.value},
        occurred_at=joined,
    )


def _ensure_history(tenant: Tenant, owner: User, now, rng: random.Random) -> None:
    """A pending invitation and a former employee, so the team page shows every state."""
    if db.session.scalar(select(Invitation.id).where(Invitation.tenant_id == tenant.id)) is None:
        invitation = Invitation(
            tenant_id=tenant.id,
            email="can.yilmaz@gulus-dis.demo.kervan.test",
            role=Role.AGENT.value,
            invited_by_id=owner.id,
            created_at=now - timedelta(days=2),
            expires_at=now + timedelta(days=5),
        )
        db.session.add(invitation)
        db.session.flush()
        events.emit(
            tenant,
            events.MEMBER_INVITED,
            actor=owner,
            subject=invitation,
            data={"email": invitation.email, "role": invitation.role},
            occurred_at=invitation.created_at,
        )
    former_email = _email_for("Kemal Aslan", tenant.slug)
    former, created = _user(former_email, "Kemal Aslan", mobile_phone(rng), hash_password(PASSWORD + "-former"))
    if created:
        left = now - timedelta(days=12)
        membership = Membership(
            tenant_id=tenant.id,
            user_id=former.id,
            role=Role.AGENT.value,
            active=False,
            created_at=now - timedelta(days=80),
            offboarded_at=left,
        )
        db.session.add(membership)
        db.session.flush()
        former.rotate_session_token()
        events.emit(
            tenant,
            events.MEMBER_OFFBOARDED,
            actor=owner,
            subject=membership,
            data={"user_id": former.id, "name": former.name, "reassigned_to": None, "moved": {}},
            occurred_at=left,
        )
