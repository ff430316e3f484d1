"""Who holds open work, so offboarding can hand it over.

Each area that assigns work to people (pipeline cards, reminders, conversations,
appointments) registers a provider here; offboarding counts and reassigns
through them without knowing the areas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import LazyString
from sqlalchemy import func, select, update

from app.extensions import db


@dataclass(frozen=True)
class OpenWorkProvider:
    label: LazyString | str
    count: Callable[[int, int], int]  # (tenant_id, user_id) -> open items
    reassign: Callable[[int, int, int | None], int]  # (tenant_id, from, to or None) -> moved


_providers: list[OpenWorkProvider] = []


def register(provider: OpenWorkProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def providers() -> list[OpenWorkProvider]:
    return list(_providers)


def summary(tenant_id: int, user_id: int) -> list[tuple[str, int]]:
    return [(str(p.label), n) for p in _providers if (n := p.count(tenant_id, user_id))]


def reassign_all(tenant_id: int, from_user_id: int, to_user_id: int | None) -> dict[str, int]:
    return {str(p.label): p.reassign(tenant_id, from_user_id, to_user_id) for p in _providers}


def count_assigned(model, tenant_id: int, user_id: int, *still_open) -> int:
    """How many `model` rows of the tenant are assigned to `user_id` and match `still_open`."""
    return db.session.scalar(
        select(func.count()).where(model.tenant_id == tenant_id, model.assignee_id == user_id, *still_open)
    )


def reassign_assigned(model, tenant_id: int, from_user_id: int, to_user_id: int | None, *still_open) -> int:
    """Hand `from_user_id`'s open `model` rows to `to_user_id` (None: unassigned) in one UPDATE.

    No event per row: the offboarding event records the hand-over."""
    result = db.session.execute(
        update(model)
        .where(model.tenant_id == tenant_id, model.assignee_id == from_user_id, *still_open)
        .values(assignee_id=to_user_id)
    )
    return result.rowcount or 0
