"""Periodic jobs, as data. Production runs them with `flask jobs scheduler`
(RQ's CronScheduler, exactly one process); the embedded run with an in-process timer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs import appointment_reminders, housekeeping, reminders, tracking, waitlist


@dataclass(frozen=True)
class Periodic:
    func: Callable[..., Any]
    interval: int  # seconds


PERIODIC: list[Periodic] = [
    Periodic(housekeeping.purge_login_attempts, interval=6 * 3600),
    Periodic(reminders.notify_due_reminders, interval=60),
    Periodic(appointment_reminders.send_due_appointment_reminders, interval=60),
    Periodic(waitlist.expire_waitlist_offers, interval=60),
    # A safety net: ingest wakes the drain itself; this catches a lost wake-up.
    Periodic(tracking.drain_tracking, interval=60),
]
