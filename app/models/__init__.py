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
from app.models.tracking import (
    ApiToken,
    OfflineConversion,
    TrackingBuffer,
    TrackingCall,
    TrackingEvent,
    TrackingReceipt,
    TrackingSession,
    TrackingSite,
    TrackingVisitor,
)

__all__ = [
    "ApiToken",
    "Appointment",
    "AppointmentReminder",
    "AppointmentResource",
    "Customer",
    "CustomerIdentity",
    "Event",
    "ImportJob",
    "Invitation",
    "LoginAttempt",
    "Membership",
    "OfflineConversion",
    "OutboundMessage",
    "PipelineStage",
    "Reminder",
    "Resource",
    "Role",
    "Service",
    "Tag",
    "Tenant",
    "TimeOff",
    "TrackingBuffer",
    "TrackingCall",
    "TrackingEvent",
    "TrackingReceipt",
    "TrackingSession",
    "TrackingSite",
    "TrackingVisitor",
    "User",
    "WaitlistEntry",
    "customer_tags",
    "service_resources",
]
