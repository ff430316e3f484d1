"""Human sentences for events, shared by the activity feed and live toasts."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import events
from app.extensions import db
from app.models import Event, Tenant
from app.team.forms import ROLE_LABELS


def _role(value: str | None) -> str:
    return str(ROLE_LABELS.get(value or "", value or ""))


def describe(event_type: str, actor_name: str | None, data: dict[str, Any]) -> str:
    who = actor_name or _("Kervan")
    if event_type == events.MEMBER_INVITED:
        return _(
            "%(who)s invited %(email)s as %(role)s.", who=who, email=data.get("email"), role=_role(data.get("role"))
        )
    if event_type == events.MEMBER_JOINED:
        return _("%(name)s joined the team as %(role)s.", name=data.get("name") or who, role=_role(data.get("role")))
    if event_type == events.MEMBER_ROLE_CHANGED:
        return _("%(who)s made %(name)s %(role)s.", who=who, name=data.get("name"), role=_role(data.get("to")))
    if event_type == events.MEMBER_OFFBOARDED:
        return _("%(who)s closed the access of %(name)s.", who=who, name=data.get("name"))
    if event_type == events.INVITATION_REVOKED:
        return _("%(who)s revoked the invitation of %(email)s.", who=who, email=data.get("email"))
    if event_type == events.TENANT_CREATED:
        return _("%(who)s created the business.", who=who)
    if event_type == events.TENANT_SETTINGS_CHANGED:
        return _("%(who)s changed the business settings.", who=who)
    if event_type == events.AUTH_LOGIN:
        return _("%(who)s signed in.", who=who)
    if event_type == events.AUTH_LOCKED_OUT:
        return _("Sign-in locked for 15 minutes after repeated failures.")
    if event_type == events.AUTH_PASSWORD_RESET:
        return _("%(who)s reset their password.", who=who)
    return event_type


def recent(tenant: Tenant, *, limit: int = 20, before_id: int | None = None, types: list[str] | None = None):
    stmt = select(Event).where(Event.tenant_id == tenant.id).order_by(Event.id.desc()).limit(limit)
    if before_id:
        stmt = stmt.where(Event.id < before_id)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    return list(db.session.scalars(stmt))
