"""Tenant scoping in one place.

The current tenant is resolved once per request from the session and the
user's active memberships. Every lookup of a tenant-owned row goes through
`scoped()` or `get_or_404()`: a row of another tenant is a 404, never a 403
that would confirm it exists.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort, g, request, session
from flask_login import current_user, logout_user
from sqlalchemy import Select, select

from app.extensions import db
from app.models import Membership, Tenant

T = TypeVar("T")

SESSION_KEY = "tenant_id"


def active_memberships(user_id: int) -> list[Membership]:
    stmt = (
        select(Membership)
        .join(Tenant, Tenant.id == Membership.tenant_id)
        .where(Membership.user_id == user_id, Membership.active.is_(True))
        .order_by(Tenant.name)
    )
    return list(db.session.scalars(stmt))


# Machine endpoints (the tracking snippet's ingest, webhooks) never carry a login:
# skipping the session and user lookup keeps the hottest path cheap.
COOKIELESS_BLUEPRINTS = frozenset({"tracking"})


def resolve_current_tenant() -> None:
    """before_request: pick the tenant for this request (or none)."""
    g.tenant = None
    g.membership = None
    g.memberships = []
    if request.blueprint in COOKIELESS_BLUEPRINTS or not current_user.is_authenticated:
        return
    memberships = active_memberships(current_user.id)
    g.memberships = memberships
    if not memberships:
        # No business left (offboarded everywhere): the session is over.
        logout_user()
        return
    wanted = session.get(SESSION_KEY) or current_user.last_tenant_id
    chosen = next((m for m in memberships if m.tenant_id == wanted), memberships[0])
    g.membership = chosen
    g.tenant = chosen.tenant
    session[SESSION_KEY] = chosen.tenant_id


def current_tenant() -> Tenant:
    tenant = g.get("tenant")
    if tenant is None:
        abort(404)
    return tenant


def current_membership() -> Membership:
    membership = g.get("membership")
    if membership is None:
        abort(404)
    return membership


def scoped(model: type[T]) -> Select[tuple[T]]:
    """SELECT of `model` limited to the current tenant."""
    return select(model).where(model.tenant_id == current_tenant().id)  # type: ignore[attr-defined]


def get_or_404(model: type[T], ident: int) -> T:
    row = db.session.scalar(scoped(model).where(model.id == ident))  # type: ignore[attr-defined]
    if row is None:
        abort(404)
    return row
