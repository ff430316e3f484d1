"""Sending the appointment reminder chain: each AppointmentReminder row is an
outbox entry, claimed once and then sent.

Exactly once, across restarts and several workers:

1. The claim is a conditional UPDATE (`sent_at = now WHERE sent_at IS NULL`),
   committed on its own. Of several workers racing for one row only one sees
   rowcount 1; a second run (or a restarted process) finds the row taken.
2. The send, its outcome, the OutboundMessage record and the
   APPOINTMENT_REMINDED event commit together afterwards.

A process that dies between 1 and 2 leaves a claimed row without an outcome.
Nobody can know whether its message left, so it is never resent silently:
after CLAIM_TIMEOUT a later run marks it "interrupted", which the outbox
and the logs report.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app import events
from app.booking import notifications
from app.extensions import db
from app.messaging import channels
from app.models import Appointment, AppointmentReminder, Tenant
from app.models.base import utcnow

log = logging.getLogger(__name__)

# One run handles at most this many; the rest wait for the next run.
BATCH = 500
# A claim older than this without an outcome belongs to a process that died mid-send.
CLAIM_TIMEOUT = timedelta(minutes=10)

SENT, SKIPPED, FAILED, INTERRUPTED = "sent", "skipped", "failed", "interrupted"


def due_ids(now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        db.session.scalars(
            select(AppointmentReminder.id)
            .where(AppointmentReminder.sent_at.is_(None), AppointmentReminder.due_at <= now)
            .order_by(AppointmentReminder.due_at, AppointmentReminder.id)
            .limit(limit)
        )
    )


def claim(reminder_id: int, now: datetime) -> bool:
    """Take the row for this run and commit the claim. True for exactly one caller."""
    result = db.session.execute(
        update(AppointmentReminder)
        .where(AppointmentReminder.id == reminder_id, AppointmentReminder.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _finish(reminder_id: int, outcome: str) -> None:
    db.session.execute(
        update(AppointmentReminder)
        .where(AppointmentReminder.id == reminder_id, AppointmentReminder.outcome.is_(None))
        .values(outcome=outcome)
        .execution_options(synchronize_session=False)
    )


def message_for(tenant: Tenant, appointment: Appointment) -> tuple[str, str]:
    """The reminder's (subject, body) in the business's language, times in its zone."""
    return notifications.render(
        tenant,
        "appointment_reminder",
        customer=appointment.customer,
        service=appointment.service,
        starts_at=appointment.starts_at,
        link=notifications.manage_link(tenant, appointment),
    )


def send_claimed(reminder_id: int, now: datetime | None = None) -> str:
    """Send one reminder this run has claimed; record its outcome and commit."""
    now = now or utcnow()
    reminder = db.session.get(AppointmentReminder, reminder_id)
    appointment = db.session.get(Appointment, reminder.appointment_id)
    customer = appointment.customer if appointment else None
    if (
        appointment is None
        or not appointment.is_active
        or appointment.starts_at <= now
        or customer is None
        or customer.deleted_at is not None
    ):
        _finish(reminder_id, SKIPPED)
        db.session.commit()
        return SKIPPED
    tenant = db.session.get(Tenant, appointment.tenant_id)
    subject, body = message_for(tenant, appointment)
    record = channels.send(tenant, customer, subject, body, appointment_id=appointment.id)
    outcome = SENT if record.status == "sent" else FAILED
    _finish(reminder_id, outcome)
    events.emit(
        tenant,
        events.APPOINTMENT_REMINDED,
        subject=customer,
        data={
            "appointment_id": appointment.id,
            "offset_min": reminder.offset_min,
            "name": customer.name,
            "service": appointment.service.name,
            "starts_at": appointment.starts_at.isoformat(),
            "outcome": outcome,
        },
    )
    db.session.commit()
    return outcome


def report_interrupted(now: datetime) -> int:
    """Mark claims whose process died before recording an outcome; never resend them."""
    result = db.session.execute(
        update(AppointmentReminder)
        .where(
            AppointmentReminder.sent_at.is_not(None),
            AppointmentReminder.sent_at < now - CLAIM_TIMEOUT,
            AppointmentReminder.outcome.is_(None),
        )
        .values(outcome=INTERRUPTED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("%s appointment reminder(s) were claimed but never finished: marked interrupted", result.rowcount)
    return result.rowcount or 0


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Claim and send every due reminder; returns how many ended in each outcome."""
    now = now or utcnow()
    counts = {SENT: 0, SKIPPED: 0, FAILED: 0, INTERRUPTED: report_interrupted(now)}
    for reminder_id in due_ids(now):
        if not claim(reminder_id, now):
            continue  # another worker has it
        try:
            outcome = send_claimed(reminder_id, now)
        except Exception:
            log.exception("appointment reminder %s could not be sent", reminder_id)
            db.session.rollback()
            _finish(reminder_id, FAILED)
            db.session.commit()
            outcome = FAILED
        counts[outcome] += 1
    return counts
