from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantScoped, UTCDateTime, utcnow
from app.models.tenancy import User


class PipelineStage(TenantScoped, db.Model):
    """A kanban column. `kind` tells automations which stages mean won or lost."""

    __tablename__ = "pipeline_stages"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="open")  # open | won | lost
    color: Mapped[str] = mapped_column(String(20), default="slate")


customer_tags = Table(
    "customer_tags",
    db.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_customer_tags_tag_id", "tag_id"),
)


class Tag(TenantScoped, db.Model):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Customer(TenantScoped, db.Model):
    """One person or business the tenant sells to; also its kanban card."""

    __tablename__ = "customers"
    __table_args__ = (
        # The board reads one column at a time, in card order.
        Index("ix_customers_board", "tenant_id", "stage_id", "position"),
        Index("ix_customers_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))  # primary phone, E.164
    email: Mapped[str | None] = mapped_column(String(254))  # primary e-mail, normalised
    # Lower-cased, Turkish-folded name, e-mail and phone digits: one LIKE finds a person.
    search_text: Mapped[str] = mapped_column(Text, default="")

    stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_stages.id"))
    position: Mapped[float] = mapped_column(Float, default=0.0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    source: Mapped[str | None] = mapped_column(String(40), index=True)
    campaign: Mapped[str | None] = mapped_column(String(120), index=True)
    utm: Mapped[dict] = mapped_column(JSON, default=dict)  # utm_source, utm_medium, ...
    click_ids: Mapped[dict] = mapped_column(JSON, default=dict)  # gclid, wbraid, gbraid, fbclid
    attribution_class: Mapped[str | None] = mapped_column(String(2), index=True)  # S1..S5 of the converting visit

    lead_score: Mapped[int] = mapped_column(Integer, default=0)
    score_reasons: Mapped[list] = mapped_column(JSON, default=list)
    value_minor: Mapped[int] = mapped_column(Integer, default=0)  # kuruş
    currency: Mapped[str] = mapped_column(String(3), default="TRY")

    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_whatsapp: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_calls: Mapped[bool] = mapped_column(Boolean, default=False)

    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # earliest open reminder
    next_appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    no_show_count: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # A merged customer stays as a pointer so old links and timeline entries lead to the kept one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stage: Mapped[PipelineStage] = relationship()
    assignee: Mapped[User | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=customer_tags, order_by="Tag.name")

    @property
    def is_live(self) -> bool:
        return self.merged_into_id is None and self.deleted_at is None


class CustomerIdentity(TenantScoped, db.Model):
    """Every phone and e-mail a customer is known by. The unique key is the de-duplication:
    two customers can never share a normalised phone or e-mail within a tenant."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # phone | email
    value: Mapped[str] = mapped_column(String(254))


class Reminder(TenantScoped, db.Model):
    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_assignee_open", "tenant_id", "assignee_id", "done_at", "due_at"),
        Index("ix_reminders_due_unnotified", "due_at", "notified_at", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Claimed by the due-reminder job with a conditional UPDATE: notified once.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class ImportJob(TenantScoped, db.Model):
    """An uploaded customer file, its column mapping and its outcome."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # field -> column header
    status: Mapped[str] = mapped_column(String(12), default="uploaded")  # uploaded|queued|running|done|failed
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{"row": n, "errors": [...]}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
