"""Website tracking: sites, the idempotency ledger, raw events, visitors,
sessions, reported calls, the offline conversion queue and API tokens.

`tracking_events` is written only by the drain (in bulk) and on PostgreSQL is
partitioned by month of `occurred_at`; everything the product screens need is
kept on `tracking_sessions`, so pages never scan raw events."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantScoped, UTCDateTime, utcnow
from app.models.crm import Customer

PARTITION_PREFIX = "tracking_events_"  # tracking_events_default, tracking_events_202611, ...


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic: the monthly partitions are made at run time, not by migrations."""
    return not (type_ == "table" and reflected and compare_to is None and (name or "").startswith(PARTITION_PREFIX))


def new_site_key() -> str:
    # Public (it sits in the host page's HTML) but unguessable, so nobody can
    # enumerate sites or post into one they merely guessed.
    return secrets.token_urlsafe(18)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class TrackingSite(TenantScoped, db.Model):
    __tablename__ = "tracking_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    site_key: Mapped[str] = mapped_column(String(40), unique=True, default=new_site_key)
    # host[:port] entries; an Origin matches one of them or a subdomain of one.
    domains: Mapped[list] = mapped_column(JSON, default=list)
    consent_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shared secret a phone system signs /t/call webhooks with (HMAC-SHA256).
    call_secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackingReceipt(db.Model):
    """One row per accepted event id: the idempotency ledger and the billing authority."""

    __tablename__ = "tracking_receipts"
    __table_args__ = (Index("ix_tracking_receipts_tenant_received", "tenant_id", "received_at"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("tracking_sites.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrackingEvent(db.Model):
    """A raw event. No primary key in the database (the receipts ledger owns
    uniqueness, and a key would slow the bulk COPY); the mapper's key is the
    natural one."""

    __tablename__ = "tracking_events"
    __table_args__ = (Index("ix_tracking_events_session", "session_id"),)

    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    visitor_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrackingVisitor(db.Model):
    """An anonymous browser on one site, with the state sessionisation needs."""

    __tablename__ = "tracking_visitors"
    __table_args__ = (Index("ix_tracking_visitors_customer", "customer_id"),)

    visitor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("tracking_sites.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sessions_count: Mapped[int] = mapped_column(Integer, default=0)
    # Any earlier session came from a Google click or paid UTM (makes later ones S3).
    paid_before: Mapped[bool] = mapped_column(Boolean, default=False)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the current (latest) session
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))


class TrackingSession(TenantScoped, db.Model):
    __tablename__ = "tracking_sessions"
    __table_args__ = (
        Index("ix_tracking_sessions_tenant_started", "tenant_id", "started_at"),
        Index("ix_tracking_sessions_visitor", "site_id", "visitor_id"),
        Index("ix_tracking_sessions_customer", "customer_id"),
        Index("ix_tracking_sessions_contact_click", "site_id", "contact_clicked_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[int] = mapped_column(ForeignKey("tracking_sites.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    landing_url: Mapped[str] = mapped_column(Text, default="")
    referrer: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(80), default="(direct)")
    medium: Mapped[str] = mapped_column(String(40), default="(none)")
    campaign: Mapped[str | None] = mapped_column(String(120))
    utm: Mapped[dict] = mapped_column(JSON, default=dict)
    gclid: Mapped[str | None] = mapped_column(String(200))
    wbraid: Mapped[str | None] = mapped_column(String(200))
    gbraid: Mapped[str | None] = mapped_column(String(200))
    fbclid: Mapped[str | None] = mapped_column(String(200))
    attribution_class: Mapped[str] = mapped_column(String(2), default="S5")
    pageviews: Mapped[int] = mapped_column(Integer, default=0)
    events_count: Mapped[int] = mapped_column(Integer, default=0)
    engaged_seconds: Mapped[int] = mapped_column(Integer, default=0)
    max_scroll: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    visit_number: Mapped[int] = mapped_column(Integer, default=1)  # the visitor's n-th session
    # Last tel:/WhatsApp click: a reported call is matched to sessions by this time window.
    contact_clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages: Mapped[list] = mapped_column(JSON, default=list)  # first paths visited, capped
    lead_score: Mapped[int] = mapped_column(Integer, default=0)
    score_reasons: Mapped[list] = mapped_column(JSON, default=list)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))

    site: Mapped[TrackingSite] = relationship()

    @property
    def duration_seconds(self) -> int:
        return int((self.last_seen_at - self.started_at).total_seconds())

    @property
    def click_ids(self) -> dict[str, str]:
        return {k: v for k in ("gclid", "wbraid", "gbraid", "fbclid") if (v := getattr(self, k))}


class TrackingBuffer(db.Model):
    """Accepted batches waiting for the drain when no Redis is configured (embedded)."""

    __tablename__ = "tracking_buffer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payload: Mapped[str] = mapped_column(Text)


class TrackingCall(TenantScoped, db.Model):
    """A call reported by a phone system, matched to the session it came from."""

    __tablename__ = "tracking_calls"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("tracking_sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(100))
    caller: Mapped[str] = mapped_column(String(20))  # E.164
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="answered")  # answered | missed
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    matched_by: Mapped[str | None] = mapped_column(String(12))  # visitor | phone | click
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfflineConversion(TenantScoped, db.Model):
    """A won customer waiting to be uploaded to Google Ads. One per customer
    and action, so a conversion is never exported twice."""

    __tablename__ = "offline_conversions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "action"),
        Index("ix_offline_conversions_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20), default="won")
    conversion_name: Mapped[str] = mapped_column(String(100))
    click_id_kind: Mapped[str | None] = mapped_column(String(8))  # gclid | wbraid | gbraid
    click_id: Mapped[str | None] = mapped_column(String(200))
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    converted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email_sha256: Mapped[str | None] = mapped_column(String(64))
    phone_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | leased | exported | failed
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    export_batch: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()


class ApiToken(TenantScoped, db.Model):
    """A bearer token for machine clients (the offline-conversion uploader). Only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
