"""RQ job functions. Importing this package registers the event subscribers."""

from jobs import (  # noqa: F401
    appointment_reminders,
    booking_messages,
    booking_pipeline,
    housekeeping,
    imports,
    mail,
    offline_conversions,
    reminders,
    tracking,
    waitlist,
)
