"""All models, imported here so Alembic and the app see one metadata."""

from app.models.audit import Event, LoginAttempt
from app.models.crm import Customer, CustomerIdentity, ImportJob, PipelineStage, Reminder, Tag, customer_tags
from app.models.tenancy import Invitation, Membership, Role, Tenant, User

__all__ = [
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
