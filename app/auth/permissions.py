"""Role checks in one place: routes use `require_role`, templates use `can`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g
from flask_login import login_required

from app.models import Role

# What each action needs, at least. Routes and templates ask by action name.
ACTIONS: dict[str, Role] = {
    "team.view": Role.AGENT,
    "team.invite": Role.OWNER,
    "team.change_role": Role.OWNER,
    "team.offboard": Role.OWNER,
    "settings.edit": Role.OWNER,
    "activity.view": Role.AGENT,
    "customers.view": Role.AGENT,
    "customers.edit": Role.AGENT,
    "customers.delete": Role.MANAGER,
    "customers.merge": Role.MANAGER,
    "customers.bulk": Role.MANAGER,
    "customers.import": Role.MANAGER,
    "customers.export": Role.MANAGER,
    "pipeline.move": Role.AGENT,
    "pipeline.bulk_move": Role.MANAGER,
    "reminders.manage": Role.AGENT,
    "booking.manage": Role.AGENT,
    "booking.settings": Role.OWNER,
    "messages.view": Role.MANAGER,
    "tracking.view": Role.MANAGER,
    "tracking.manage": Role.OWNER,
    "sources.view": Role.AGENT,
    "conversions.export": Role.MANAGER,
    "api_tokens.manage": Role.OWNER,
}


def has_role(minimum: Role) -> bool:
    membership = g.get("membership")
    return membership is not None and Role(membership.role).rank >= minimum.rank


def can(action: str) -> bool:
    return has_role(ACTIONS[action])


def require_role(minimum: Role | str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Logged in, a member of the current tenant (else 404) and at least `minimum` (else 403)."""
    needed = Role(minimum)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.get("membership") is None:
                abort(404)
            if not has_role(needed):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapper)

    return decorate


def require_action(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return require_role(ACTIONS[action])
