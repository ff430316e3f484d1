"""Periodic: send the appointment reminder chain (T-48h, T-2h, ...), each row exactly once."""

from __future__ import annotations

from app.booking import reminders


def send_due_appointment_reminders() -> dict[str, int]:
    """Claim every due AppointmentReminder with a conditional UPDATE and send it (see app/booking/reminders.py)."""
    return reminders.send_due()
