"""Booking: resources (people, chairs, rooms, devices), services, appointments,
their reminder chain, the waitlist, and every message sent to a customer."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantScoped, UTCDateTime, utcnow
from app.models.crm import Customer


def new_token() -> str:
    return secrets.token_urlsafe(24)


RESOURCE_KINDS = ("doctor", "specialist", "stylist", "chair", "room", "device")

service_resources = Table(
    "service_resources",
    db.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
)


class Resource(TenantScoped, db.Model):
    """Something an appointment occupies. Weekly hours are local wall-clock
    intervals per weekday; breaks are cut out of them."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    color: Mapped[str] = mapped_column(String(20), default="blue")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # {"mon": [["09:00", "18:00"]], ..., "sun": []}; an end before the start runs past midnight.
    weekly_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    breaks: Mapped[dict] = mapped_column(JSON, default=dict)  # same shape: cut out of the hours
    # Private, unguessable: the read-only calendar feed URL.
    ical_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # Bumped by every booking that uses the resource: serialises bookings on SQLite.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)


class TimeOff(TenantScoped, db.Model):
    """Days a resource (or, with no resource, the whole business) is closed."""

    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_range", "tenant_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    reason: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(12), default="day_off")  # holiday | day_off


class Service(TenantScoped, db.Model):
    """What can be booked. It needs one resource of each kind among its resources
    (e.g. a doctor AND a room)."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    duration_min: Mapped[int] = mapped_column(Integer, default=30)
    buffer_min: Mapped[int] = mapped_column(Integer, default=0)  # clean-up after, blocks the resources
    price_min_minor: Mapped[int] = mapped_column(Integer, default=0)
    price_max_minor: Mapped[int] = mapped_column(Integer, default=0)
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # bookable on the public page
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Minutes before the start; None: the business's default chain.
    reminder_offsets: Mapped[list | None] = mapped_column(JSON)

    resources: Mapped[list[Resource]] = relationship(secondary=service_resources, order_by="Resource.position")


APPOINTMENT_STATUSES = ("booked", "confirmed", "arrived", "completed", "no_show", "cancelled")
ACTIVE_STATUSES = ("booked", "confirmed", "arrived")


class Appointment(TenantScoped, db.Model):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_tenant_start", "tenant_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(12), default="staff")  # staff | public | waitlist
    note: Mapped[str | None] = mapped_column(Text)
    # The customer's own link to confirm, cancel or reschedule: unguessable.
    manage_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    service: Mapped[Service] = relationship()
    slots: Mapped[list[AppointmentResource]] = relationship(back_populates="appointment", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AppointmentResource(TenantScoped, db.Model):
    """A resource held by an appointment from its start until its end plus the
    service's buffer. On PostgreSQL an exclusion constraint makes two active
    holds of one resource over overlapping times impossible."""

    __tablename__ = "appointment_resources"
    __table_args__ = (Index("ix_appointment_resources_busy", "resource_id", "starts_at", "blocked_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    appointment: Mapped[Appointment] = relationship(back_populates="slots")
    resource: Mapped[Resource] = relationship()


class AppointmentReminder(TenantScoped, db.Model):
    """One message of an appointment's reminder chain: an outbox row, claimed once."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        UniqueConstraint("appointment_id", "offset_min"),
        Index("ix_appointment_reminders_pending", "due_at", postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    offset_min: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # claimed (set) before sending
    outcome: Mapped[str | None] = mapped_column(String(20))  # sent | skipped | failed


class WaitlistEntry(TenantScoped, db.Model):
    """A customer waiting for a service in a date and time window; offered freed slots first come, first served."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (Index("ix_waitlist_waiting", "tenant_id", "service_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    window_start: Mapped[str] = mapped_column(String(5), default="00:00")  # local HH:MM
    window_end: Mapped[str] = mapped_column(String(5), default="23:59")
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # waiting | offered | booked | expired | removed
    offered_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offered_resource_ids: Mapped[list] = mapped_column(JSON, default=list)
    offer_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    service: Mapped[Service] = relationship()


class OutboundMessage(TenantScoped, db.Model):
    """Every message sent to a customer, whatever the channel; the development
    outbox shows them in the app."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(12))
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="sent")  # sent | failed
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer | None] = relationship()
