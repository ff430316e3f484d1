"""Website conversions become CRM work: a form with contact details creates or
updates the customer (de-duplicated), puts a card in the first stage with its
attribution and writes the visit history into the timeline; a tel:/WhatsApp
click of a known visitor shows on that customer's timeline."""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime

from sqlalchemy import select, update

from app import events
from app.customers import services as customers
from app.customers.services import Contact, CustomerError
from app.extensions import db
from app.models import Customer, Tenant, TrackingSession, TrackingVisitor

log = logging.getLogger(__name__)

LINKED_HISTORY = 20  # earlier visits written to the timeline when a visitor becomes a customer


def crm_source(session: TrackingSession | None) -> str:
    """The customer's source (customers.filters.SOURCES) for the visit that brought them."""
    if session is None:
        return "other"
    if session.attribution_class in ("S1", "S2", "S3"):
        return "google_ads"
    if session.attribution_class == "S4":
        return "instagram" if session.source in ("instagram", "ig") else "meta"
    return "web_form"


def source_label(session: TrackingSession) -> str:
    return f"{session.source} / {session.medium}"


def visit_data(session: TrackingSession) -> dict:
    """What the timeline shows about a visit (small, JSON-safe)."""
    return {
        "session_id": str(session.id),
        "source": session.source,
        "medium": session.medium,
        "source_label": source_label(session),
        "campaign": session.campaign,
        "attribution_class": session.attribution_class,
        "landing": session.landing_url[:300],
        "pageviews": session.pageviews,
        "click_ids": session.click_ids,
    }


def parse_contact(phone: str | None, email: str | None) -> Contact | None:
    """Keep whichever detail is valid: a typo in the phone must not lose the e-mail."""
    parsed_phone = parsed_email = None
    with contextlib.suppress(CustomerError):
        parsed_phone = Contact.parse(phone, None).phone
    with contextlib.suppress(CustomerError):
        parsed_email = Contact.parse(None, email).email
    if not parsed_phone and not parsed_email:
        return None
    return Contact(parsed_phone, parsed_email)


def process(conversions: list[dict]) -> int:
    """Handle a batch from the drain; each conversion commits on its own. Returns how many were handled."""
    handled = 0
    for conversion in conversions:
        try:
            if handle(conversion):
                handled += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("tracking conversion %s failed", conversion.get("event_id"))
    return handled


def handle(conversion: dict) -> bool:
    tenant = db.session.get(Tenant, conversion["tenant_id"])
    session = db.session.get(TrackingSession, uuid.UUID(conversion["session_id"]))
    if tenant is None or session is None:
        return False
    occurred_at = datetime.fromisoformat(conversion["occurred_at"])
    if conversion["kind"] == "form":
        fields = conversion.get("fields") or {}
        contact = parse_contact(fields.get("phone"), fields.get("email"))
        if contact is None:
            return False
        customer = customer_for_contact(tenant, contact, fields.get("name"), session, "form", created_at=occurred_at)
    else:
        visitor = db.session.get(TrackingVisitor, (session.visitor_id, session.site_id))
        known = visitor.customer_id if visitor else None
        customer = customers.resolve(db.session.get(Customer, known)) if known else None
        if customer is None:
            return False  # an anonymous click: it waits for a call to match it
    link(customer, session)
    events.emit(
        tenant,
        events.VISIT_CONVERTED,
        subject=customer,
        data={"name": customer.name, "kind": conversion["kind"], **visit_data(session)},
        occurred_at=occurred_at,
    )
    return True


def customer_for_contact(
    tenant: Tenant,
    contact: Contact,
    name: str | None,
    session: TrackingSession | None,
    via: str,
    created_at: datetime | None = None,
) -> Customer:
    """The existing customer with this phone or e-mail (details completed), or a new one on the board."""
    existing = customers.resolve(customers.find_existing(tenant.id, contact))
    if existing is not None:
        customers.complete_contact(existing, contact)
        if session is not None:
            _fill_attribution(existing, session)
        return existing
    name = (name or "").strip() or contact.phone or contact.email
    customer = customers.create(
        tenant,
        None,
        name=name,
        phone=contact.phone,
        email=contact.email,
        source=crm_source(session) if via == "form" or session is not None else "other",
        campaign=session.campaign if session else None,
        utm=dict(session.utm) if session else None,
        click_ids=session.click_ids if session else None,
        created_at=created_at,  # when the visitor sent the form, even if the drain ran later
    )
    customer.attribution_class = session.attribution_class if session else None
    return customer


def _fill_attribution(customer: Customer, session: TrackingSession) -> None:
    # A known customer keeps the source they came from; only gaps are filled.
    if not customer.click_ids and session.click_ids:
        customer.click_ids = session.click_ids
    if not customer.utm and session.utm:
        customer.utm = dict(session.utm)
    customer.campaign = customer.campaign or session.campaign
    customer.attribution_class = customer.attribution_class or session.attribution_class
    customer.source = customer.source or crm_source(session)


def link(customer: Customer, session: TrackingSession) -> None:
    """Make the visitor and all their sessions this customer's; earlier visits go to the timeline."""
    visitor = db.session.get(TrackingVisitor, (session.visitor_id, session.site_id))
    if visitor is not None and visitor.customer_id != customer.id:
        visitor.customer_id = customer.id
    unlinked = (
        TrackingSession.site_id == session.site_id,
        TrackingSession.visitor_id == session.visitor_id,
        TrackingSession.customer_id.is_(None),
    )
    earlier = list(
        db.session.scalars(
            select(TrackingSession)
            .where(*unlinked, TrackingSession.id != session.id)
            .order_by(TrackingSession.started_at.desc())
            .limit(LINKED_HISTORY)
        )
    )
    db.session.execute(update(TrackingSession).where(*unlinked).values(customer_id=customer.id))
    session.customer_id = customer.id
    tenant = db.session.get(Tenant, customer.tenant_id)
    for visit in reversed(earlier):
        events.emit(
            tenant,
            events.VISIT_LINKED,
            subject=customer,
            data={"name": customer.name, **visit_data(visit)},
            occurred_at=visit.started_at,
        )
    refresh_score(customer)


def refresh_score(customer: Customer) -> None:
    """The customer's lead score is their best website session's, with its reasons."""
    db.session.flush()
    best = db.session.scalar(
        select(TrackingSession)
        .where(TrackingSession.customer_id.in_(customers.merged_ids(customer)))
        .order_by(TrackingSession.lead_score.desc(), TrackingSession.started_at.desc())
        .limit(1)
    )
    if best is not None and best.lead_score >= customer.lead_score:
        customer.lead_score = best.lead_score
        customer.score_reasons = list(best.score_reasons)
