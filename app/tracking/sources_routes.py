"""The Sources page (/sources): visitors, sessions, leads and conversions by
attribution class and by source/medium/campaign for a period, with a chart.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import parse_pattern
from flask import Blueprint, render_template, request
from flask_babel import format_decimal, get_locale

from app.auth.permissions import require_action
from app.lib import htmx
from app.lib.tenancy import current_tenant
from app.models.base import utcnow
from app.tracking import classes, sources

bp = Blueprint("sources", __name__, url_prefix="/sources")


def _percent(share: float) -> str:
    """'28.6%' in English, '%28,6' in Turkish: the locale's pattern with at most one decimal."""
    locale = get_locale()
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    pattern.frac_prec = (0, 1)
    return pattern.apply(share, locale)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Europe/Istanbul")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Istanbul")


@bp.get("")
@require_action("sources.view")
def index():
    tenant = current_tenant()
    zone = _zone(tenant.timezone)
    today = utcnow().astimezone(zone).date()
    period = sources.period_from_args(request.args, zone, today)
    report = sources.report(tenant.id, period, request.args.get("sort", "sessions"))
    context = {
        "report": report,
        "period": period,
        "today": today,
        "presets": sources.PRESETS,
        "chart": sources.chart(report.daily),
        "classes": classes,
        "number": format_decimal,
        "percent": _percent,
    }
    template = "sources/_report.html" if htmx.is_partial() else "sources/index.html"
    return render_template(template, **context)
