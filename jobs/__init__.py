"""RQ job functions. Importing this package registers the event subscribers."""

from jobs import housekeeping, imports, mail, reminders  # noqa: F401
