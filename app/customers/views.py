"""What the board, the list and the viewer show beside customers: choices for
filters and forms, and display helpers."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.customers.filters import SOURCES
from app.extensions import db
from app.models import Customer, Tag, Tenant, User
from app.team.services import active_users

SOURCE_LABELS = {
    "google_ads": _l("Google Ads"),
    "meta": _l("Meta ads"),
    "instagram": _l("Instagram"),
    "whatsapp": _l("WhatsApp"),
    "web_form": _l("Web form"),
    "referral": _l("Referral"),
    "walk_in": _l("Walk-in"),
    "other": _l("Other"),
}
assert set(SOURCE_LABELS) == set(SOURCES)


@dataclass
class FilterChoices:
    members: list[User]
    tags: list[Tag]
    campaigns: list[str]
    sources: list[tuple[str, str]]

    @property
    def assignee_options(self) -> list[tuple[int, str]]:
        return [(0, str(_l("Unassigned")))] + [(m.id, m.name) for m in self.members]

    @property
    def tag_options(self) -> list[tuple[int, str]]:
        return [(t.id, t.name) for t in self.tags]

    @property
    def campaign_options(self) -> list[tuple[str, str]]:
        return [(c, c) for c in self.campaigns]


def members(tenant: Tenant) -> list[User]:
    return active_users(tenant.id)


def filter_choices(tenant: Tenant) -> FilterChoices:
    tags = list(db.session.scalars(select(Tag).where(Tag.tenant_id == tenant.id).order_by(Tag.name)))
    campaigns = list(
        db.session.scalars(
            select(Customer.campaign)
            .where(Customer.tenant_id == tenant.id, Customer.campaign.is_not(None), Customer.deleted_at.is_(None))
            .distinct()
            .order_by(Customer.campaign)
        )
    )
    return FilterChoices(members(tenant), tags, campaigns, [(k, str(v)) for k, v in SOURCE_LABELS.items()])
