"""Rules of the owner's booking settings. No request objects here: routes hand in plain values.

Every change writes one BOOKING_SETTINGS_CHANGED event (what, action, name) to the log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import events
from app.booking.services import settings_of
from app.extensions import db
from app.models import OutboundMessage, Resource, Service, Tenant, TimeOff, User

MAX_OFFSETS = 6
_TOKEN = re.compile(r"^(\d+)\s*(d|g|gün|gun|h|s|sa|saat|m|dk|min)?$", re.IGNORECASE)
_UNIT_MINUTES = {"d": 1440, "g": 1440, "gün": 1440, "gun": 1440, "m": 1, "dk": 1, "min": 1}


def parse_offsets(text: str) -> list[int]:
    """ "48h, 2h, 30m" -> [2880, 120, 30] (largest first). A bare number means hours."""
    offsets: set[int] = set()
    for token in re.split(r"[,;]+", text or ""):
        token = token.strip()
        if not token:
            continue
        match = _TOKEN.match(token)
        if not match:
            raise ValueError(_l('"%(token)s" is not a time like 48h, 2h or 30m.', token=token))
        minutes = int(match.group(1)) * _UNIT_MINUTES.get((match.group(2) or "h").lower(), 60)
        if not 5 <= minutes <= 30 * 1440:
            raise ValueError(_l("Each reminder must be between 5 minutes and 30 days before."))
        offsets.add(minutes)
    if len(offsets) > MAX_OFFSETS:
        raise ValueError(_l("At most %(count)s reminders per appointment.", count=MAX_OFFSETS))
    return sorted(offsets, reverse=True)


def format_offsets(offsets: Sequence[int] | None) -> str:
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in sorted(offsets or (), reverse=True))


# ---------- reading ----------


def resources(tenant: Tenant) -> list[Resource]:
    return list(
        db.session.scalars(
            select(Resource).where(Resource.tenant_id == tenant.id).order_by(Resource.position, Resource.name)
        )
    )


def services(tenant: Tenant) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service).where(Service.tenant_id == tenant.id).order_by(Service.position, Service.name)
        )
    )


def time_off(tenant: Tenant, since: date) -> list[TimeOff]:
    """Days off that have not ended yet, soonest first."""
    return list(
        db.session.scalars(
            select(TimeOff)
            .where(TimeOff.tenant_id == tenant.id, TimeOff.ends_on >= since)
            .order_by(TimeOff.starts_on, TimeOff.id)
        )
    )


def tenant_resources(tenant: Tenant, ids: Sequence[int]) -> list[Resource]:
    """Only this business's resources among `ids` (another business's ids are dropped)."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Resource)
            .where(Resource.tenant_id == tenant.id, Resource.id.in_(list(ids)))
            .order_by(Resource.position, Resource.name)
        )
    )


def messages_page(tenant: Tenant, page: int, per_page: int) -> tuple[list[OutboundMessage], int]:
    base = select(OutboundMessage).where(OutboundMessage.tenant_id == tenant.id)
    total = db.session.scalar(base.with_only_columns(func.count()).order_by(None)) or 0
    rows = db.session.scalars(
        base.order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


# ---------- writing ----------


def _changed(tenant: Tenant, actor: User | None, what: str, action: str, name: str, **extra) -> None:
    events.emit(
        tenant,
        events.BOOKING_SETTINGS_CHANGED,
        actor=actor,
        data={"what": what, "action": action, "name": name, **extra},
    )


def _next_position(model: type[Resource] | type[Service], tenant: Tenant) -> int:
    """One past the business's last resource or service: a new one goes to the end of the list."""
    last = db.session.scalar(select(func.coalesce(func.max(model.position), -1)).where(model.tenant_id == tenant.id))
    return last + 1


def save_resource(
    tenant: Tenant,
    actor: User | None,
    resource: Resource | None,
    *,
    name: str,
    kind: str,
    active: bool,
    weekly_hours: dict,
    breaks: dict,
) -> Resource:
    action = "updated"
    if resource is None:
        action = "created"
        resource = Resource(tenant_id=tenant.id, position=_next_position(Resource, tenant))
        db.session.add(resource)
    resource.name, resource.kind, resource.active = name.strip(), kind, active
    resource.weekly_hours, resource.breaks = weekly_hours, breaks
    db.session.flush()
    _changed(tenant, actor, "resource", action, resource.name, resource_id=resource.id)
    return resource


def save_service(
    tenant: Tenant,
    actor: User | None,
    service: Service | None,
    *,
    name: str,
    duration_min: int,
    buffer_min: int,
    price_min_minor: int,
    price_max_minor: int,
    resource_ids: Sequence[int],
    public: bool,
    active: bool,
    reminder_offsets: list[int] | None,
) -> Service:
    action = "updated"
    if service is None:
        action = "created"
        service = Service(tenant_id=tenant.id, position=_next_position(Service, tenant))
        db.session.add(service)
    service.name = name.strip()
    service.duration_min, service.buffer_min = duration_min, buffer_min
    service.price_min_minor, service.price_max_minor = price_min_minor, max(price_min_minor, price_max_minor)
    service.resources = tenant_resources(tenant, resource_ids)
    service.public, service.active = public, active
    service.reminder_offsets = list(reminder_offsets) if reminder_offsets else None
    db.session.flush()
    _changed(tenant, actor, "service", action, service.name, service_id=service.id)
    return service


def add_time_off(
    tenant: Tenant, actor: User | None, resource: Resource | None, starts_on: date, ends_on: date | None, reason: str
) -> TimeOff:
    row = TimeOff(
        tenant_id=tenant.id,
        resource_id=resource.id if resource else None,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        reason=(reason or "").strip()[:120],
        kind="day_off",
    )
    db.session.add(row)
    db.session.flush()
    _changed(tenant, actor, "time_off", "created", _time_off_name(row, resource), time_off_id=row.id)
    return row


def delete_time_off(tenant: Tenant, actor: User | None, row: TimeOff) -> None:
    resource = db.session.get(Resource, row.resource_id) if row.resource_id else None
    name = _time_off_name(row, resource)
    db.session.delete(row)
    db.session.flush()
    _changed(tenant, actor, "time_off", "deleted", name)


def _time_off_name(row: TimeOff, resource: Resource | None) -> str:
    days = row.starts_on.isoformat() if row.ends_on == row.starts_on else f"{row.starts_on}–{row.ends_on}"
    parts = [days, row.reason, resource.name if resource else ""]
    return " · ".join(p for p in parts if p)


def update_defaults(
    tenant: Tenant, actor: User | None, *, reminder_offsets: list[int], slot_step: int, offer_minutes: int
) -> bool:
    """Merge into tenant.booking_settings, keeping every other key. False when nothing changed."""
    current = settings_of(tenant)
    wanted = {"reminder_offsets": list(reminder_offsets), "slot_step": slot_step, "offer_minutes": offer_minutes}
    if all(current.get(k) == v for k, v in wanted.items()):
        return False
    tenant.booking_settings = {**(tenant.booking_settings or {}), **wanted}  # a new dict: JSON columns see the change
    db.session.flush()
    _changed(tenant, actor, "defaults", "updated", "", **{k: v for k, v in wanted.items()})
    return True
