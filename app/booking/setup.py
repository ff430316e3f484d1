"""A new business's booking defaults: the sector's resources and services, and
the country's public holidays (python-holidays), all editable afterwards."""

from __future__ import annotations

from datetime import date

import holidays

from app.extensions import db
from app.models import Resource, Service, Tenant, TimeOff
from app.tenancy.sectors import SectorBlueprint

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def provision(tenant: Tenant, plan: SectorBlueprint, today: date) -> None:
    by_key: dict[str, Resource] = {}
    for position, spec in enumerate(plan.resources):
        hours = {day: [list(span) for span in spec.hours] for day in WEEKDAYS}
        hours["sat"] = [list(span) for span in spec.saturday]
        hours["sun"] = []
        breaks = {day: [list(spec.lunch)] for day in WEEKDAYS} if spec.lunch else {}
        resource = Resource(
            tenant_id=tenant.id, name=spec.name, kind=spec.kind, position=position, weekly_hours=hours, breaks=breaks
        )
        db.session.add(resource)
        by_key[spec.key] = resource
    db.session.flush()
    for position, spec in enumerate(plan.services):
        db.session.add(
            Service(
                tenant_id=tenant.id,
                name=spec.tr if tenant.locale == "tr" else spec.en,
                duration_min=spec.minutes,
                buffer_min=spec.buffer,
                price_min_minor=spec.price_try[0] * 100,
                price_max_minor=spec.price_try[1] * 100,
                position=position,
                resources=[by_key[key] for key in spec.resources],
            )
        )
    if plan.resources:
        add_public_holidays(tenant, [today.year, today.year + 1])


def add_public_holidays(tenant: Tenant, years: list[int], country: str = "TR") -> int:
    """The whole business is closed on public holidays; each is a day off the owner can delete."""
    calendar = holidays.country_holidays(country, years=years, language="tr" if tenant.locale == "tr" else "en_US")
    added = 0
    for day, name in sorted(calendar.items()):
        db.session.add(
            TimeOff(
                tenant_id=tenant.id, resource_id=None, starts_on=day, ends_on=day, reason=name[:120], kind="holiday"
            )
        )
        added += 1
    return added
