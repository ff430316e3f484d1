"""A customer's website visits, as the CustomerViewer lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.customers.services import merged_ids
from app.extensions import db
from app.models import Customer, TrackingSession

LIMIT = 20


@dataclass
class ClickId:
    kind: str  # gclid | wbraid | gbraid | fbclid
    value: str

    @property
    def short(self) -> str:
        """Click ids run to 100+ characters; the start and the end tell two apart."""
        return self.value if len(self.value) <= 14 else f"{self.value[:8]}…{self.value[-4:]}"


@dataclass
class Visit:
    started_at: datetime
    attribution_class: str
    source: str
    medium: str
    campaign: str | None
    landing_url: str
    click_ids: list[ClickId]
    pages: list[str]
    pageviews: int
    duration_seconds: int
    conversions: int
    lead_score: int
    score_reasons: list

    @property
    def landing_path(self) -> str:
        """'/implant?utm_source=google' of 'https://shop.example/implant?utm_source=google'."""
        parts = urlsplit(self.landing_url or "")
        if not parts.netloc:
            return self.landing_url or ""
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    @classmethod
    def of(cls, row: TrackingSession) -> Visit:
        pages = [str(p) for p in (row.pages or []) if p]
        return cls(
            started_at=row.started_at,
            attribution_class=row.attribution_class,
            source=row.source,
            medium=row.medium,
            campaign=row.campaign,
            landing_url=row.landing_url,
            click_ids=[ClickId(kind, value) for kind, value in row.click_ids.items()],
            pages=pages,
            pageviews=max(row.pageviews or 0, len(pages)),
            duration_seconds=max(0, row.duration_seconds),
            conversions=row.conversions or 0,
            lead_score=row.lead_score or 0,
            score_reasons=list(row.score_reasons or []),
        )


def _linked(customer: Customer):
    """The tenant's sessions linked to this customer or to one merged into it."""
    return (TrackingSession.tenant_id == customer.tenant_id, TrackingSession.customer_id.in_(merged_ids(customer)))


def customer_visits(customer: Customer, limit: int = LIMIT) -> tuple[list[Visit], int]:
    """The newest `limit` visits, newest first, and how many there are in all."""
    where = _linked(customer)
    rows = db.session.scalars(
        select(TrackingSession).where(*where).order_by(TrackingSession.started_at.desc()).limit(limit)
    )
    visits = [Visit.of(row) for row in rows]
    total = len(visits)
    if total == limit:
        total = db.session.scalar(select(func.count()).select_from(TrackingSession).where(*where)) or total
    return visits, total
