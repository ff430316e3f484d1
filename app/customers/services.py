"""Customers: creation with de-duplication, edits, tags, assignment, merge, deletion.

Every change emits an event on the customer, which is what the timeline, the
live board and later automations read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from app import events
from app.customers.filters import search_text_for
from app.extensions import db
from app.lib import emails, phones
from app.models import Customer, CustomerIdentity, PipelineStage, Reminder, Tag, Tenant, User
from app.models.base import utcnow
from app.team import open_work
from app.team.services import is_active_member


class CustomerError(Exception):
    """A rule was broken; the message is shown to the person as is."""


class DuplicateCustomer(CustomerError):
    def __init__(self, existing: Customer) -> None:
        super().__init__(_l("%(name)s already has this phone or e-mail.", name=existing.name))
        self.existing = existing


@dataclass(frozen=True)
class Contact:
    """Normalised contact details; raises CustomerError with a clear message on bad input."""

    phone: str | None
    email: str | None

    @classmethod
    def parse(cls, phone: str | None, email: str | None, region: str = "TR") -> Contact:
        phone_value = email_value = None
        if phone and phone.strip():
            try:
                phone_value = phones.normalise(phone, region)
            except phones.InvalidPhone as exc:
                raise CustomerError(_l("%(phone)s is not a valid phone number.", phone=phone)) from exc
        if email and email.strip():
            try:
                email_value = emails.normalise(email)
            except EmailNotValidError as exc:
                raise CustomerError(_l("%(email)s is not a valid e-mail address.", email=email)) from exc
        return cls(phone_value, email_value)

    def identities(self) -> list[tuple[str, str]]:
        found = []
        if self.phone:
            found.append(("phone", self.phone))
        if self.email:
            found.append(("email", self.email))
        return found


def find_existing(tenant_id: int, contact: Contact) -> Customer | None:
    """The live customer who already has one of these phones or e-mails (one query)."""
    pairs = contact.identities()
    if not pairs:
        return None
    customer_id = db.session.scalar(
        select(CustomerIdentity.customer_id)
        .where(
            CustomerIdentity.tenant_id == tenant_id,
            or_(*[and_(CustomerIdentity.kind == kind, CustomerIdentity.value == value) for kind, value in pairs]),
        )
        .order_by(CustomerIdentity.kind.desc())  # a phone match names the person before an e-mail one
        .limit(1)
    )
    return resolve(db.session.get(Customer, customer_id)) if customer_id is not None else None


def resolve(customer: Customer | None) -> Customer | None:
    """Follow merges to the customer that is kept."""
    seen = set()
    while customer is not None and customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = db.session.get(Customer, customer.merged_into_id)
    return customer


def first_stage(tenant_id: int) -> PipelineStage:
    return db.session.scalar(
        select(PipelineStage).where(PipelineStage.tenant_id == tenant_id).order_by(PipelineStage.position).limit(1)
    )


def top_position(tenant_id: int, stage_id: int) -> float:
    lowest = db.session.scalar(
        select(func.min(Customer.position)).where(
            Customer.tenant_id == tenant_id, Customer.stage_id == stage_id, Customer.deleted_at.is_(None)
        )
    )
    return 0.0 if lowest is None else lowest - 1.0


def _check_member(tenant_id: int, user_id: int | None) -> None:
    if user_id is not None and not is_active_member(tenant_id, user_id):
        raise CustomerError(_l("Choose a member of this business."))


def _check_stage(tenant_id: int, stage_id: int) -> PipelineStage:
    stage = db.session.get(PipelineStage, stage_id)
    if stage is None or stage.tenant_id != tenant_id:
        raise CustomerError(_l("Choose one of your stages."))
    return stage


def _refresh_search(customer: Customer) -> None:
    phone_values = list(
        db.session.scalars(
            select(CustomerIdentity.value).where(
                CustomerIdentity.customer_id == customer.id, CustomerIdentity.kind == "phone"
            )
        )
    )
    if customer.phone and customer.phone not in phone_values:
        phone_values.append(customer.phone)
    customer.search_text = search_text_for(customer.name, customer.email, phone_values)


def _add_identities(customer: Customer, contact: Contact) -> None:
    for kind, value in contact.identities():
        exists = db.session.scalar(
            select(CustomerIdentity).where(
                CustomerIdentity.tenant_id == customer.tenant_id,
                CustomerIdentity.kind == kind,
                CustomerIdentity.value == value,
            )
        )
        if exists is None:
            db.session.add(
                CustomerIdentity(tenant_id=customer.tenant_id, customer_id=customer.id, kind=kind, value=value)
            )
        elif exists.customer_id != customer.id:
            raise DuplicateCustomer(resolve(db.session.get(Customer, exists.customer_id)))


def create(
    tenant: Tenant,
    actor: User | None,
    *,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    stage_id: int | None = None,
    assignee_id: int | None = None,
    source: str | None = None,
    campaign: str | None = None,
    value_minor: int = 0,
    tags: list[str] | None = None,
    utm: dict | None = None,
    click_ids: dict | None = None,
    created_at: datetime | None = None,
    emit: bool = True,
    position: float | None = None,
    known_new: bool = False,
) -> Customer:
    """A new customer at the top of its column; DuplicateCustomer if the phone or e-mail is known.

    Bulk callers (imports) that already matched every row against existing customers pass
    `known_new=True` and a `position`, saving two queries a row; the unique identity key
    still refuses a twin."""
    name = (name or "").strip()
    if not name:
        raise CustomerError(_l("Give the customer a name."))
    contact = Contact.parse(phone, email)
    existing = None if known_new else find_existing(tenant.id, contact)
    if existing is not None:
        raise DuplicateCustomer(existing)
    stage = _check_stage(tenant.id, stage_id) if stage_id else first_stage(tenant.id)
    _check_member(tenant.id, assignee_id)
    customer = Customer(
        tenant_id=tenant.id,
        name=name[:120],
        phone=contact.phone,
        email=contact.email,
        search_text=search_text_for(name, contact.email, [contact.phone] if contact.phone else []),
        stage_id=stage.id,
        position=position if position is not None else top_position(tenant.id, stage.id),
        assignee_id=assignee_id,
        source=source or None,
        campaign=(campaign or "").strip()[:120] or None,
        value_minor=max(0, int(value_minor or 0)),
        currency=tenant.currency,
        utm=utm or {},
        click_ids=click_ids or {},
        created_at=created_at or utcnow(),
        updated_at=created_at or utcnow(),
    )
    db.session.add(customer)
    db.session.flush()
    # Nobody has these contacts (checked above); the unique key still catches a race.
    for kind, value in contact.identities():
        db.session.add(CustomerIdentity(tenant_id=tenant.id, customer_id=customer.id, kind=kind, value=value))
    if tags:
        set_tags(customer, tags, actor=None)
    if emit:
        events.emit(
            tenant,
            events.CUSTOMER_CREATED,
            actor=actor,
            subject=customer,
            data={"name": customer.name, "stage_id": stage.id, "stage": stage.name, "source": customer.source},
            occurred_at=created_at,
        )
    return customer


def complete_contact(customer: Customer, contact: Contact) -> None:
    """Fill a missing phone or e-mail without an event (bulk callers log one event for all);
    de-duplication still applies."""
    customer.phone = customer.phone or contact.phone
    customer.email = customer.email or contact.email
    _add_identities(customer, contact)
    _refresh_search(customer)


EDITABLE = (
    "name",
    "phone",
    "email",
    "source",
    "campaign",
    "value_minor",
    "consent_email",
    "consent_sms",
    "consent_whatsapp",
    "consent_calls",
)


def update_fields(customer: Customer, actor: User | None, **changes: Any) -> list[str]:
    """Apply edits; returns the changed field names. Phone and e-mail keep de-duplication."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "name" in changes and not (changes["name"] or "").strip():
        raise CustomerError(_l("Give the customer a name."))
    if "phone" in changes or "email" in changes:
        contact = Contact.parse(changes.get("phone", customer.phone), changes.get("email", customer.email))
        changes["phone"], changes["email"] = contact.phone, contact.email
        _add_identities(customer, contact)
    if "value_minor" in changes:
        changes["value_minor"] = max(0, int(changes["value_minor"] or 0))
    if "campaign" in changes:
        changes["campaign"] = (changes["campaign"] or "").strip()[:120] or None
    changed = []
    for field_name, value in changes.items():
        if isinstance(value, str):
            value = value.strip() or None if field_name != "name" else value.strip()
        if getattr(customer, field_name) != value:
            setattr(customer, field_name, value)
            changed.append(field_name)
    if changed:
        _refresh_search(customer)
        events.emit(
            customer.tenant_id,
            events.CUSTOMER_UPDATED,
            actor=actor,
            subject=customer,
            data={"fields": changed, "name": customer.name},
        )
    return changed


def set_tags(customer: Customer, names: list[str], actor: User | None) -> bool:
    wanted = sorted({n.strip()[:40] for n in names if n and n.strip()}, key=str.casefold)
    if set(wanted) == {t.name for t in customer.tags}:
        return False
    # One look-up for all the names, not one per tag.
    known = {
        tag.name: tag
        for tag in db.session.scalars(select(Tag).where(Tag.tenant_id == customer.tenant_id, Tag.name.in_(wanted)))
    }
    tags = []
    for name in wanted:
        tag = known.get(name)
        if tag is None:
            tag = Tag(tenant_id=customer.tenant_id, name=name)
            db.session.add(tag)
            db.session.flush()
        tags.append(tag)
    customer.tags = tags
    if actor is not None:
        events.emit(
            customer.tenant_id,
            events.CUSTOMER_UPDATED,
            actor=actor,
            subject=customer,
            data={"fields": ["tags"], "tags": wanted, "name": customer.name},
        )
    return True


def assign(customer: Customer, actor: User | None, assignee_id: int | None) -> bool:
    if customer.assignee_id == assignee_id:
        return False
    _check_member(customer.tenant_id, assignee_id)
    customer.assignee_id = assignee_id
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    events.emit(
        customer.tenant_id,
        events.CUSTOMER_ASSIGNED,
        actor=actor,
        subject=customer,
        data={"assignee_id": assignee_id, "assignee": assignee.name if assignee else None, "name": customer.name},
    )
    return True


def delete(customer: Customer, actor: User | None) -> None:
    customer.deleted_at = utcnow()
    events.emit(
        customer.tenant_id,
        events.CUSTOMER_DELETED,
        actor=actor,
        subject=customer,
        data={"name": customer.name, "stage_id": customer.stage_id},
    )


def add_note(customer: Customer, actor: User, text: str, *, occurred_at: datetime | None = None) -> None:
    text = (text or "").strip()
    if not text:
        raise CustomerError(_l("Write something first."))
    events.emit(
        customer.tenant_id,
        events.NOTE_ADDED,
        actor=actor,
        subject=customer,
        data={"text": text[:5000], "name": customer.name},
        occurred_at=occurred_at,
    )


CALL_OUTCOMES = {
    "reached": _l("Reached"),
    "no_answer": _l("No answer"),
    "busy": _l("Busy"),
    "wrong_number": _l("Wrong number"),
    "call_back": _l("Asked to call back"),
}


def log_call(
    customer: Customer, actor: User, outcome: str, note: str = "", *, occurred_at: datetime | None = None
) -> None:
    if outcome not in CALL_OUTCOMES:
        raise CustomerError(_l("Choose how the call went."))
    customer.last_contact_at = occurred_at or utcnow()
    events.emit(
        customer.tenant_id,
        events.CALL_LOGGED,
        actor=actor,
        subject=customer,
        data={"outcome": outcome, "note": (note or "").strip()[:2000], "name": customer.name},
        occurred_at=occurred_at,
    )


def merge(kept: Customer, other: Customer, actor: User | None) -> Customer:
    """Fold `other` into `kept`: contacts, tags, reminders and timeline all end up on `kept`."""
    if kept.id == other.id or kept.tenant_id != other.tenant_id:
        raise CustomerError(_l("Choose two different customers."))
    if not (kept.is_live and other.is_live):
        raise CustomerError(_l("Only current customers can be merged."))
    db.session.execute(
        update(CustomerIdentity).where(CustomerIdentity.customer_id == other.id).values(customer_id=kept.id)
    )
    db.session.execute(update(Reminder).where(Reminder.customer_id == other.id).values(customer_id=kept.id))
    # Earlier merges into `other` now point at `kept` directly.
    db.session.execute(update(Customer).where(Customer.merged_into_id == other.id).values(merged_into_id=kept.id))
    for attr in ("phone", "email", "source", "campaign", "assignee_id", "next_appointment_at"):
        if getattr(kept, attr) is None and getattr(other, attr) is not None:
            setattr(kept, attr, getattr(other, attr))
    kept.value_minor = max(kept.value_minor, other.value_minor)
    kept.lead_score = max(kept.lead_score, other.lead_score)
    kept.utm = {**other.utm, **kept.utm}
    kept.click_ids = {**other.click_ids, **kept.click_ids}
    for flag in ("consent_email", "consent_sms", "consent_whatsapp", "consent_calls"):
        setattr(kept, flag, getattr(kept, flag) or getattr(other, flag))
    kept.tags = sorted({*kept.tags, *other.tags}, key=lambda t: t.name)
    kept.unread_count += other.unread_count
    other.merged_into_id = kept.id
    db.session.flush()
    _refresh_search(kept)
    refresh_follow_up(kept)
    events.emit(
        kept.tenant_id,
        events.CUSTOMER_MERGED,
        actor=actor,
        subject=kept,
        data={"name": kept.name, "merged_id": other.id, "merged_name": other.name, "merged_stage_id": other.stage_id},
    )
    return kept


def merged_ids(customer: Customer) -> list[int]:
    """This customer and every customer merged into it (their timelines are one)."""
    ids, frontier = [customer.id], [customer.id]
    while frontier:
        frontier = list(db.session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(frontier))))
        ids += frontier
    return ids


def refresh_follow_up(customer: Customer) -> None:
    """Keep the card's "next follow-up" equal to the earliest open reminder."""
    customer.next_follow_up_at = db.session.scalar(
        select(func.min(Reminder.due_at)).where(Reminder.customer_id == customer.id, Reminder.done_at.is_(None))
    )


def _count_assigned(tenant_id: int, user_id: int) -> int:
    return open_work.count_assigned(
        Customer, tenant_id, user_id, Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None)
    )


def _reassign(tenant_id: int, from_user_id: int, to_user_id: int | None) -> int:
    return open_work.reassign_assigned(Customer, tenant_id, from_user_id, to_user_id, Customer.deleted_at.is_(None))


open_work.register(open_work.OpenWorkProvider(_l("Customers"), _count_assigned, _reassign))
