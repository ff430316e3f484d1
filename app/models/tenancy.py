from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantScoped, UTCDateTime, utcnow


class Role(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    AGENT = "agent"

    @property
    def rank(self) -> int:
        return {"agent": 1, "manager": 2, "owner": 3}[self.value]


class Sector(enum.StrEnum):
    DENTAL = "dental"
    AESTHETIC = "aesthetic"
    BEAUTY = "beauty"
    ECOMMERCE = "ecommerce"
    AGENCY = "agency"
    GENERIC = "generic"


class Tenant(db.Model):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    sector: Mapped[str] = mapped_column(String(20), default=Sector.GENERIC.value)
    locale: Mapped[str] = mapped_column(String(5), default="tr")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Istanbul")
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    # {"mon": [["09:00", "18:00"]], ..., "sun": []}
    working_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    # Owner overrides of the sector's terminology, e.g. {"customer": "Hasta"}.
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    # Booking rules: {"reminder_offsets": [2880, 120], "slot_step": 30, "offer_minutes": 120, ...}
    booking_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Tracked website events a month (the plan's allowance; receipts are the count).
    event_quota: Mapped[int] = mapped_column(Integer, default=1_000_000)
    # Google Ads conversion action name per Kervan action, e.g. {"won": "Kervan sale"}.
    conversion_names: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


def _new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    theme: Mapped[str] = mapped_column(String(10), default="system")
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # Part of the login identifier: rotating it ends every session and
    # remember-me cookie of this user at once.
    session_token: Mapped[str] = mapped_column(String(64), default=_new_session_token)
    last_tenant_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tenants.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", foreign_keys="Membership.user_id")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_flag

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = _new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TenantScoped, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    # Offboarded members keep their row (history points at them) but lose access.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    tenant: Mapped[Tenant] = relationship()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Invitation(TenantScoped, db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(10))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User | None] = relationship()
    tenant: Mapped[Tenant] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
