"""RQ job functions. Importing this package registers the event subscribers."""

from jobs import appointment_reminders, booking_pipeline, housekeeping, imports, mail, reminders, waitlist  # noqa: F401
