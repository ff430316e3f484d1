"""Reminders: create, complete, and the agenda of one person.

Times are stored as UTC; "today" and the times people type are in the
tenant's zone. Every change emits an event on the customer (their timeline)
and keeps the card's next follow-up equal to the earliest open reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import events
from app.customers.services import refresh_follow_up
from app.extensions import db
from app.models import Customer, Reminder, Tenant, User
from app.models.base import utcnow
from app.team import open_work
from app.team.services import active_users, is_active_member

TITLE_MAX = 200


class ReminderError(Exception):
    """A rule was broken; the message is shown to the person as is, next to `field`."""

    def __init__(self, message: Any, field: str = "title") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Agenda:
    overdue: list[Reminder]
    today: list[Reminder]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today)


def zone_of(tenant: Tenant) -> ZoneInfo:
    try:
        return ZoneInfo(tenant.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone the system no longer knows must not make reminders unusable.
        return ZoneInfo("UTC")


def local_to_utc(tenant: Tenant, day: date, at: time) -> datetime:
    """A wall-clock date and time in the tenant's zone, as aware UTC."""
    return datetime.combine(day, at, tzinfo=zone_of(tenant)).astimezone(UTC)


def local_day_bounds(tenant: Tenant, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the tenant's calendar day that contains `now`."""
    zone = zone_of(tenant)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    # Combine again rather than add 24 h: days around a DST change are 23 or 25 h.
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def default_due(tenant: Tenant, now: datetime) -> datetime:
    """The next full hour in the tenant's zone: a sensible first guess for the form."""
    local = now.astimezone(zone_of(tenant))
    return local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def active_members(tenant: Tenant) -> list[User]:
    return active_users(tenant.id)


def event_data(reminder: Reminder, customer: Customer) -> dict[str, Any]:
    return {
        "reminder_id": reminder.id,
        "title": reminder.title,
        "due_at": reminder.due_at.astimezone(UTC).isoformat(),
        "assignee_id": reminder.assignee_id,
        "name": customer.name,
    }


def create(
    customer: Customer,
    actor: User,
    title: str,
    due_at: datetime,
    assignee_id: int | None = None,
    *,
    occurred_at: datetime | None = None,
) -> Reminder:
    """A new open reminder on the customer, assigned to `assignee_id` (default: the actor).
    `occurred_at` is for imported and demo history."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    title = " ".join((title or "").split())
    if not title:
        raise ReminderError(_l("Write what needs doing."))
    if not customer.is_live:
        raise ReminderError(_l("This customer no longer exists."))
    assignee_id = assignee_id or actor.id
    if not is_active_member(customer.tenant_id, assignee_id):
        raise ReminderError(_l("Choose a member of this business."), field="assignee_id")
    reminder = Reminder(
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        assignee_id=assignee_id,
        created_by_id=actor.id,
        title=title[:TITLE_MAX],
        due_at=due_at.astimezone(UTC),
        created_at=occurred_at or utcnow(),
    )
    db.session.add(reminder)
    db.session.flush()
    refresh_follow_up(customer)
    events.emit(
        customer.tenant_id,
        events.REMINDER_CREATED,
        actor=actor,
        subject=customer,
        data=event_data(reminder, customer),
        occurred_at=occurred_at,
    )
    return reminder


def complete(reminder: Reminder, actor: User) -> Reminder:
    """Mark the reminder done; a reminder already done (here or elsewhere) is an error."""
    now = utcnow()
    # Conditional, so two people pressing "Complete" at once yield one completion.
    claimed = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.done_at.is_(None))
        .values(done_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ReminderError(_l("This reminder is already done."))
    db.session.refresh(reminder)
    customer = reminder.customer
    refresh_follow_up(customer)
    events.emit(
        reminder.tenant_id,
        events.REMINDER_COMPLETED,
        actor=actor,
        subject=customer,
        data=event_data(reminder, customer),
    )
    return reminder


def _open_reminders():
    return (
        select(Reminder)
        .join(Customer, Customer.id == Reminder.customer_id)
        .where(Reminder.done_at.is_(None), Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
        .options(joinedload(Reminder.customer), joinedload(Reminder.assignee))
        .order_by(Reminder.due_at, Reminder.id)
    )


def agenda(tenant: Tenant, user: User, now: datetime) -> Agenda:
    """The user's open reminders that are overdue or due later today (tenant's day)."""
    _, end_of_today = local_day_bounds(tenant, now)
    rows = list(
        db.session.scalars(
            _open_reminders().where(
                Reminder.tenant_id == tenant.id,
                Reminder.assignee_id == user.id,
                Reminder.due_at < end_of_today,
            )
        ).unique()
    )
    return Agenda(overdue=[r for r in rows if r.due_at <= now], today=[r for r in rows if r.due_at > now])


def for_customer(customer: Customer) -> list[Reminder]:
    """The customer's open reminders, soonest first."""
    stmt = _open_reminders().where(Reminder.tenant_id == customer.tenant_id, Reminder.customer_id == customer.id)
    return list(db.session.scalars(stmt).unique())


def _count_open(tenant_id: int, user_id: int) -> int:
    return open_work.count_assigned(Reminder, tenant_id, user_id, Reminder.done_at.is_(None))


def _reassign_open(tenant_id: int, from_user_id: int, to_user_id: int | None) -> int:
    return open_work.reassign_assigned(Reminder, tenant_id, from_user_id, to_user_id, Reminder.done_at.is_(None))


open_work.register(open_work.OpenWorkProvider(_l("Open reminders"), _count_open, _reassign_open))
