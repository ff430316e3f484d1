"""RQ job functions. Importing this package registers the event subscribers."""

from jobs import housekeeping, mail  # noqa: F401
