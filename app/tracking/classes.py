"""The five attribution classes of a website visit, named in one place.

The drain stamps every session (and the customer it converted) with one of
these; the Sources page, the customer viewer and the pipeline filter show them
with the labels below. Order matters: it is the order of tables, filters and
the stacked chart.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.tracking import scoring

CLASSES: tuple[str, ...] = ("S1", "S2", "S3", "S4", "S5")

_LABELS = {
    "S1": _l("Google Ads click"),
    "S2": _l("Paid campaign"),
    "S3": _l("Ads-assisted"),
    "S4": _l("Paid social"),
    "S5": _l("Organic or direct"),
}

_DESCRIPTIONS = {
    "S1": _l("Arrived with a Google click id (gclid, wbraid or gbraid)."),
    "S2": _l("Arrived from a paid campaign link (UTM medium cpc, ppc or paid)."),
    "S3": _l("Came back on their own after an earlier visit from an ad."),
    "S4": _l("Arrived from a paid social ad (a Facebook click id or paid social UTM)."),
    "S5": _l("Search results, another site's link, or typed the address: no ad involved."),
}


def is_class(code: str | None) -> bool:
    return code in _LABELS


def label(code: str | None) -> str:
    """'Google Ads click' for S1; an unknown code is shown as it is."""
    return str(_LABELS[code]) if code in _LABELS else (code or "")


def description(code: str | None) -> str:
    return str(_DESCRIPTIONS[code]) if code in _DESCRIPTIONS else ""


def options() -> list[tuple[str, str]]:
    """(code, 'S1 · Google Ads click') for filters and legends, in class order."""
    return [(code, f"{code} · {label(code)}") for code in CLASSES]


def score_reason_label(reason: dict) -> str:
    """A stored lead-score reason in the reader's language; reasons the scorer does not
    know (imported or older data) keep their own label."""
    code = reason.get("code")
    return scoring.reason_label(code) if code in scoring.WEIGHTS else (reason.get("label") or code or "—")


def register(app: Flask) -> None:
    """Template helpers for every page that shows a class (viewer, pipeline filter, Sources)."""
    app.add_template_global(options, "attribution_classes")
    app.add_template_filter(label, "class_label")
    app.add_template_filter(description, "class_description")
    app.add_template_global(score_reason_label)
