"""Template filters for money, phones, sources and due dates, in the viewer's locale and the tenant's zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_time, get_timezone
from flask_babel import gettext as _

from app.lib import phones
from app.models.base import utcnow


def money(minor: int | None, currency: str = "TRY", whole: bool = True) -> str:
    amount = (minor or 0) / 100
    if whole:
        return format_currency(round(amount), currency, "¤#,##0", currency_digits=False)
    return format_currency(amount, currency)


def due(moment: datetime | None) -> str:
    """'Today 14:30', 'Tomorrow 09:00', '3 Dec 10:00' in the tenant's zone."""
    if moment is None:
        return ""
    zone = get_timezone()
    local = moment.astimezone(zone)
    today = utcnow().astimezone(zone).date()
    if local.date() == today:
        return _("Today %(time)s", time=format_time(moment, "HH:mm"))
    if local.date() == today + timedelta(days=1):
        return _("Tomorrow %(time)s", time=format_time(moment, "HH:mm"))
    if local.date() == today - timedelta(days=1):
        return _("Yesterday %(time)s", time=format_time(moment, "HH:mm"))
    if local.year == today.year:
        return format_datetime(moment, "d MMM HH:mm")
    return format_date(moment, "d MMM y")


def overdue(moment: datetime | None) -> bool:
    return moment is not None and moment < utcnow()


def source_label(source: str | None) -> str:
    from app.customers.views import SOURCE_LABELS

    return str(SOURCE_LABELS.get(source or "", source or ""))


def initials(name: str | None) -> str:
    """'Selin Aydın' -> 'SA' for avatars (a filter: boards render hundreds)."""
    words = (name or "?").replace("Dt. ", "").split()
    return "".join(w[0] for w in words[:2]).upper()


def register(app: Flask) -> None:
    app.add_template_filter(initials)
    app.add_template_filter(money)
    app.add_template_filter(due)
    app.add_template_filter(phones.display, "phone")
    app.add_template_filter(source_label)
    app.add_template_test(overdue)
