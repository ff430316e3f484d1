"""All models, imported here so Alembic and the app see one metadata."""

from app.models.audit import Event, LoginAttempt
from app.models.crm import PipelineStage
from app.models.tenancy import Invitation, Membership, Role, Tenant, User

__all__ = [
    "Event",
    "Invitation",
    "LoginAttempt",
    "Membership",
    "PipelineStage",
    "Role",
    "Tenant",
    "User",
]
