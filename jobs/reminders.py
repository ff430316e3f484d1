"""Due reminders: a live notification once, and an e-mail to an assignee who is not online."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from app import events
from app.extensions import db
from app.lib import mail
from app.models import Customer, Event, Membership, Reminder, Tenant, User
from app.models.base import utcnow
from app.realtime import presence
from app.reminders.services import event_data, zone_of

log = logging.getLogger(__name__)

# One run handles at most this many; the rest wait a minute for the next run.
BATCH = 500


def notify_due_reminders() -> int:
    """Periodic: announce each open reminder whose time has come, exactly once."""
    now = utcnow()
    due_ids = db.session.scalars(
        select(Reminder.id)
        .join(Customer, Customer.id == Reminder.customer_id)
        .where(
            Reminder.due_at <= now,
            Reminder.notified_at.is_(None),
            Reminder.done_at.is_(None),
            Customer.deleted_at.is_(None),
            Customer.merged_into_id.is_(None),
        )
        .order_by(Reminder.due_at)
        .limit(BATCH)
    ).all()
    return sum(1 for reminder_id in due_ids if _notify(reminder_id, now))


def claim(reminder_id: int, now: datetime) -> bool:
    """Take the reminder for this run. Only one of several concurrent workers gets rowcount 1."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.notified_at.is_(None), Reminder.done_at.is_(None))
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _notify(reminder_id: int, now: datetime) -> bool:
    if not claim(reminder_id, now):
        db.session.rollback()
        return False
    reminder = db.session.get(Reminder, reminder_id)
    customer = reminder.customer
    data = event_data(reminder, customer) | {"for_user_id": reminder.assignee_id}
    events.emit(reminder.tenant_id, events.REMINDER_DUE, subject=customer, data=data)
    # The claim and the event commit together: a crash before this line leaves the
    # reminder unclaimed for the next run, never announced twice.
    db.session.commit()
    return True


@events.subscribe(events.REMINDER_DUE)
def mail_due_reminder(tenant_id: int, event_id: int) -> str | None:
    """E-mail the assignee unless a live stream of this business already showed them the toast."""
    event = db.session.get(Event, event_id)
    if event is None or event.tenant_id != tenant_id:
        return None
    reminder = db.session.get(Reminder, event.data.get("reminder_id"))
    if reminder is None or reminder.tenant_id != tenant_id or reminder.done_at is not None:
        return None
    user = _reachable_assignee(reminder)
    if user is None or presence.is_online(user.id, tenant_id):
        return None
    return _send(reminder, user)


def _reachable_assignee(reminder: Reminder) -> User | None:
    """The assignee, if they still have access to the business."""
    if reminder.assignee_id is None:
        return None
    membership = db.session.scalar(
        select(Membership).where(
            Membership.tenant_id == reminder.tenant_id,
            Membership.user_id == reminder.assignee_id,
            Membership.active.is_(True),
        )
    )
    if membership is None or not membership.user.is_active:
        return None
    return membership.user


def _external(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _send(reminder: Reminder, user: User) -> str:
    tenant = db.session.get(Tenant, reminder.tenant_id)
    with current_app.test_request_context(), force_locale(user.locale or tenant.locale):
        context = {
            "user": user,
            "tenant": tenant,
            "reminder": reminder,
            "customer": reminder.customer,
            "due": _local_time(reminder, tenant),
            "customer_link": _external(f"/customers/{reminder.customer_id}"),
            "agenda_link": _external(url_for("reminders.agenda")),
        }
        return mail.send(
            user.email,
            _("Reminder due: %(title)s", title=reminder.title),
            render_template("mail/reminder_due.txt", **context),
            render_template("mail/reminder_due.html", **context),
        )


def _local_time(reminder: Reminder, tenant: Tenant) -> str:
    # Formatted here, not with the request's time zone: one job run mails several tenants.
    zone: ZoneInfo = zone_of(tenant)
    return format_datetime(reminder.due_at, "medium", tzinfo=zone, locale=str(get_locale()))
