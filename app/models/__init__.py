"""All models, imported here so Alembic and the app see one metadata."""

from app.models.audit import Event, LoginAttempt
from app.models.booking import (
    Appointment,
    AppointmentReminder,
    AppointmentResource,
    OutboundMessage,
    Resource,
    Service,
    TimeOff,
    WaitlistEntry,
    service_resources,
)
from app.models.crm import Customer, CustomerIdentity, ImportJob, PipelineStage, Reminder, Tag, customer_tags
from app.models.tenancy import Invitation, Membership, Role, Tenant, User

__all__ = [
    "Appointment",
    "AppointmentReminder",
    "AppointmentResource",
    "OutboundMessage",
    "Resource",
    "Service",
    "TimeOff",
    "WaitlistEntry",
    "service_resources",
    "Customer",
    "CustomerIdentity",
    "Event",
    "ImportJob",
    "Invitation",
    "LoginAttempt",
    "Membership",
    "PipelineStage",
    "Reminder",
    "Role",
    "Tag",
    "Tenant",
    "User",
    "customer_tags",
]
