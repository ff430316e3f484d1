"""Human sentences for events, shared by the activity feed and live toasts."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

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
    if event_type == events.BOOKING_SETTINGS_CHANGED:
        return _describe_booking_settings(who, data)
    if event_type == events.TRACKING_SITE_ADDED:
        return _("%(who)s added the website %(name)s to tracking.", who=who, name=data.get("name"))
    if event_type == events.TRACKING_SITE_CHANGED:
        return _("%(who)s changed the tracking settings of %(name)s.", who=who, name=data.get("name"))
    if event_type == events.CONVERSIONS_EXPORTED:
        return _("%(who)s exported %(count)s offline conversions.", who=who, count=data.get("count", 0))
    if event_type == events.API_TOKEN_CREATED:
        return _("%(who)s created the API token %(name)s.", who=who, name=data.get("name"))
    if event_type == events.API_TOKEN_REVOKED:
        return _("%(who)s revoked the API token %(name)s.", who=who, name=data.get("name"))
    return _describe_customer_event(event_type, who, data)


def _describe_booking_settings(who: str, data: dict[str, Any]) -> str:
    what, action, name = data.get("what"), data.get("action"), data.get("name") or ""
    if what == "resource":
        if action == "created":
            return _("%(who)s added the resource %(name)s.", who=who, name=name)
        return _("%(who)s changed the resource %(name)s.", who=who, name=name)
    if what == "service":
        if action == "created":
            return _("%(who)s added the service %(name)s.", who=who, name=name)
        return _("%(who)s changed the service %(name)s.", who=who, name=name)
    if what == "time_off":
        if action == "deleted":
            return _("%(who)s removed the day off %(name)s.", who=who, name=name)
        return _("%(who)s added the day off %(name)s.", who=who, name=name)
    return _("%(who)s changed the booking settings.", who=who)


def _describe_customer_event(event_type: str, who: str, data: dict[str, Any]) -> str:
    name = data.get("name") or _("a customer")
    if event_type == events.CUSTOMER_CREATED:
        return _("%(who)s added %(name)s.", who=who, name=name)
    if event_type == events.CUSTOMER_UPDATED:
        return _("%(who)s updated %(name)s.", who=who, name=name)
    if event_type == events.CUSTOMER_ASSIGNED:
        if data.get("assignee"):
            return _("%(who)s assigned %(name)s to %(assignee)s.", who=who, name=name, assignee=data["assignee"])
        return _("%(who)s unassigned %(name)s.", who=who, name=name)
    if event_type == events.CUSTOMER_DELETED:
        return _("%(who)s deleted %(name)s.", who=who, name=name)
    if event_type == events.CUSTOMER_MERGED:
        return _("%(who)s merged %(other)s into %(name)s.", who=who, other=data.get("merged_name"), name=name)
    if event_type == events.CARD_MOVED:
        if data.get("stage_changed"):
            return _("%(who)s moved %(name)s to %(stage)s.", who=who, name=name, stage=data.get("to_stage"))
        return _("%(who)s reordered %(name)s in %(stage)s.", who=who, name=name, stage=data.get("to_stage"))
    if event_type == events.NOTE_ADDED:
        return _("%(who)s added a note to %(name)s.", who=who, name=name)
    if event_type == events.CALL_LOGGED:
        return _("%(who)s logged a call with %(name)s.", who=who, name=name)
    if event_type == events.REMINDER_CREATED:
        return _("%(who)s set a reminder for %(name)s: %(title)s", who=who, name=name, title=data.get("title"))
    if event_type == events.REMINDER_COMPLETED:
        return _("%(who)s completed a reminder for %(name)s: %(title)s", who=who, name=name, title=data.get("title"))
    if event_type == events.REMINDER_DUE:
        return _("Reminder due for %(name)s: %(title)s", name=name, title=data.get("title"))
    if event_type.startswith("appointment.") or event_type == events.WAITLIST_OFFERED:
        return _describe_appointment(event_type, who, name, data)
    if event_type.startswith(("visit.", "conversion.")) or event_type == events.CALL_TRACKED:
        return _describe_tracking(event_type, name, data)
    if event_type == events.CUSTOMERS_IMPORTED:
        return _(
            "%(who)s imported customers: %(created)s new, %(updated)s updated.",
            who=who,
            created=data.get("created", 0),
            updated=data.get("updated", 0),
        )
    if event_type == events.CUSTOMERS_EXPORTED:
        return _("%(who)s exported %(count)s customers.", who=who, count=data.get("count", 0))
    return event_type


def _describe_tracking(event_type: str, name: str, data: dict[str, Any]) -> str:
    source = data.get("source_label") or data.get("source") or ""
    if event_type == events.VISIT_CONVERTED:
        if data.get("kind") == "form":
            return _("%(name)s filled in a form on the website (%(source)s).", name=name, source=source)
        if data.get("kind") == "whatsapp":
            return _("%(name)s clicked the WhatsApp link on the website (%(source)s).", name=name, source=source)
        return _("%(name)s clicked the phone number on the website (%(source)s).", name=name, source=source)
    if event_type == events.VISIT_LINKED:
        return _(
            "%(name)s visited the website (%(source)s, %(pages)s pages).",
            name=name,
            source=source,
            pages=data.get("pageviews", 0),
        )
    if event_type == events.CALL_TRACKED:
        if data.get("session"):
            return _("%(name)s called after a website visit (%(source)s).", name=name, source=source)
        return _("%(name)s called; no website visit matched.", name=name)
    return _("A sale of %(name)s is queued for Google Ads.", name=name)


def _describe_appointment(event_type: str, who: str, name: str, data: dict[str, Any]) -> str:
    service = data.get("service") or ""
    when = _when(data.get("offered_starts_at") or data.get("starts_at"))
    if event_type == events.APPOINTMENT_BOOKED:
        return _("%(who)s booked %(service)s for %(name)s on %(when)s.", who=who, service=service, name=name, when=when)
    if event_type == events.APPOINTMENT_MOVED:
        return _("%(who)s moved %(name)s's appointment to %(when)s.", who=who, name=name, when=when)
    if event_type == events.APPOINTMENT_CANCELLED:
        return _("%(who)s cancelled %(name)s's appointment on %(when)s.", who=who, name=name, when=when)
    if event_type == events.APPOINTMENT_CONFIRMED:
        return _("%(name)s's appointment on %(when)s is confirmed.", name=name, when=when)
    if event_type == events.APPOINTMENT_ARRIVED:
        return _("%(name)s has arrived.", name=name)
    if event_type == events.APPOINTMENT_COMPLETED:
        return _("%(name)s's appointment is completed.", name=name)
    if event_type == events.APPOINTMENT_NO_SHOW:
        return _("%(name)s did not come to the appointment on %(when)s.", name=name, when=when)
    if event_type == events.APPOINTMENT_REMINDED:
        return _("A reminder was sent to %(name)s.", name=name)
    return _("A freed time was offered to %(name)s from the waitlist.", name=name)


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    from datetime import datetime

    from flask_babel import format_datetime

    return format_datetime(datetime.fromisoformat(iso), "d MMM HH:mm")


def recent(tenant: Tenant, *, limit: int = 20, before_id: int | None = None, types: list[str] | None = None):
    stmt = (
        select(Event)
        .options(joinedload(Event.actor))  # every line names who did it
        .where(Event.tenant_id == tenant.id)
        .order_by(Event.id.desc())
        .limit(limit)
    )
    if before_id:
        stmt = stmt.where(Event.id < before_id)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    return list(db.session.scalars(stmt))
