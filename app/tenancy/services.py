"""Creating tenants from a sector blueprint and changing their settings."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select

from app import events
from app.extensions import db
from app.models import Membership, PipelineStage, Role, Tenant, User
from app.models.base import utcnow
from app.tenancy.sectors import blueprint

DEFAULT_WORKING_HOURS = {
    "mon": [["09:00", "18:00"]],
    "tue": [["09:00", "18:00"]],
    "wed": [["09:00", "18:00"]],
    "thu": [["09:00", "18:00"]],
    "fri": [["09:00", "18:00"]],
    "sat": [["10:00", "16:00"]],
    "sun": [],
}

_TR_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.translate(_TR_ASCII)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50] or "isletme"


def unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_tenant(
    name: str,
    sector: str,
    owner: User,
    *,
    locale: str = "tr",
    timezone: str = "Europe/Istanbul",
    currency: str = "TRY",
    slug: str | None = None,
    created_at: datetime | None = None,
) -> Tenant:
    """A tenant provisioned from its sector blueprint, with `owner` as its owner."""
    plan = blueprint(sector)
    tenant = Tenant(
        name=name,
        slug=slug or unique_slug(name),
        sector=sector,
        locale=locale,
        timezone=timezone,
        currency=currency,
        working_hours=DEFAULT_WORKING_HOURS,
        terms={},
        created_at=created_at or utcnow(),
    )
    db.session.add(tenant)
    db.session.flush()
    for position, stage in enumerate(plan.stages):
        db.session.add(
            PipelineStage(
                tenant_id=tenant.id,
                key=stage.key,
                name=stage.tr if locale == "tr" else stage.en,
                position=position,
                kind=stage.kind,
                color=stage.color,
            )
        )
    db.session.add(Membership(tenant_id=tenant.id, user_id=owner.id, role=Role.OWNER.value))
    from app.booking.setup import provision  # booking defaults come with the sector too

    provision(tenant, plan, tenant.created_at.date())
    events.emit(
        tenant,
        events.TENANT_CREATED,
        actor=owner,
        subject=tenant,
        data={"sector": sector},
        occurred_at=tenant.created_at,
    )
    return tenant


def stages(tenant: Tenant) -> list[PipelineStage]:
    return list(
        db.session.scalars(
            select(PipelineStage).where(PipelineStage.tenant_id == tenant.id).order_by(PipelineStage.position)
        )
    )


SETTINGS_FIELDS = ("name", "locale", "timezone", "currency", "working_hours")


def update_settings(tenant: Tenant, actor: User, **changes: object) -> dict[str, object]:
    """Apply the changed settings and log which ones changed."""
    changed = {}
    for field, value in changes.items():
        if field not in SETTINGS_FIELDS:
            raise ValueError(f"not a tenant setting: {field}")
        if getattr(tenant, field) != value:
            setattr(tenant, field, value)
            changed[field] = value
    if changed:
        events.emit(
            tenant, events.TENANT_SETTINGS_CHANGED, actor=actor, subject=tenant, data={"fields": sorted(changed)}
        )
    return changed
