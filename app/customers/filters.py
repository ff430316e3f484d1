"""The search and filters shared by the board, the customer list and the export.

Kept in the URL (repeated query parameters), so a filtered board can be shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import Select, and_, exists, or_, select

from app.lib.text import digits, fold
from app.models import Customer, Tag, customer_tags
from app.tracking.classes import CLASSES

SOURCES = ("google_ads", "meta", "instagram", "whatsapp", "web_form", "referral", "walk_in", "other")
UNASSIGNED = 0


@dataclass
class CustomerFilter:
    q: str = ""
    assignees: list[int] = field(default_factory=list)  # 0 means "nobody"
    sources: list[str] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    stages: list[int] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # attribution classes S1..S5 of the converting visit

    @classmethod
    def from_args(cls, args) -> CustomerFilter:
        def ints(name: str) -> list[int]:
            return sorted({int(v) for v in args.getlist(name) if v.strip().isdigit()})

        def strs(name: str) -> list[str]:
            return sorted({v.strip() for v in args.getlist(name) if v.strip()})

        return cls(
            q=(args.get("q") or "").strip()[:100],
            assignees=ints("assignee"),
            sources=[s for s in strs("source") if s in SOURCES],
            tags=ints("tag"),
            campaigns=strs("campaign"),
            stages=ints("stage"),
            classes=[c for c in strs("class") if c in CLASSES],
        )

    @property
    def active(self) -> bool:
        return bool(
            self.q or self.assignees or self.sources or self.tags or self.campaigns or self.stages or self.classes
        )

    def query_pairs(self) -> list[tuple[str, str | int]]:
        pairs: list[tuple[str, str | int]] = []
        if self.q:
            pairs.append(("q", self.q))
        pairs += [("assignee", v) for v in self.assignees]
        pairs += [("source", v) for v in self.sources]
        pairs += [("tag", v) for v in self.tags]
        pairs += [("campaign", v) for v in self.campaigns]
        pairs += [("stage", v) for v in self.stages]
        pairs += [("class", v) for v in self.classes]
        return pairs

    def query_string(self, **extra: str | int) -> str:
        return urlencode(self.query_pairs() + [(k, v) for k, v in extra.items() if v not in (None, "")])

    def apply(self, stmt: Select) -> Select:
        if self.q:
            stmt = stmt.where(search_clause(self.q))
        if self.assignees:
            wanted = [a for a in self.assignees if a != UNASSIGNED]
            clauses = [Customer.assignee_id.in_(wanted)] if wanted else []
            if UNASSIGNED in self.assignees:
                clauses.append(Customer.assignee_id.is_(None))
            stmt = stmt.where(or_(*clauses))
        if self.sources:
            stmt = stmt.where(Customer.source.in_(self.sources))
        if self.campaigns:
            stmt = stmt.where(Customer.campaign.in_(self.campaigns))
        if self.stages:
            stmt = stmt.where(Customer.stage_id.in_(self.stages))
        if self.classes:
            stmt = stmt.where(Customer.attribution_class.in_(self.classes))
        if self.tags:
            stmt = stmt.where(
                exists(
                    select(customer_tags.c.customer_id).where(
                        and_(customer_tags.c.customer_id == Customer.id, customer_tags.c.tag_id.in_(self.tags))
                    )
                )
            )
        return stmt


def search_clause(q: str):
    """Name, e-mail or phone; a phone in any common form ("0532 123 45 67",
    "+90 532…", "532-123") matches on its national digits."""
    terms = [fold(q)]
    number = digits(q)
    if len(number) >= 4:
        for prefix in ("90", "0"):
            if number.startswith(prefix) and len(number) > 7:
                number = number[len(prefix) :]
        terms.append(number)
    return or_(*[Customer.search_text.contains(t, autoescape=True) for t in terms if t])


def search_text_for(name: str, email: str | None, phones: list[str]) -> str:
    parts = [fold(name), (email or "").lower()]
    for phone in phones:
        national = digits(phone)
        if national.startswith("90"):
            national = national[2:]
        parts.append(national)
    return " ".join(p for p in parts if p)


def tag_names(tag_ids: list[int], tags: list[Tag]) -> list[str]:
    by_id = {t.id: t.name for t in tags}
    return [by_id[t] for t in tag_ids if t in by_id]
