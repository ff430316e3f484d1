"""The 0–100 lead score of a website session, with its reasons.

Every weight lives in WEIGHTS and every label in LABELS; a reason is stored as
{"code", "points", "label"} with the English label, and screens translate it by code."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

WEIGHTS: dict[str, int] = {
    "conversion": 50,  # a form with contact details, a tel: or WhatsApp click, a call
    "scroll_half": 5,  # read at least half of a page
    "scroll_full": 5,  # ... and reached its end (on top of the half)
    "engaged_30s": 5,  # at least 30 s of engaged time
    "engaged_2m": 10,  # ... and at least 2 minutes (on top)
    "pages_3": 5,  # three or more pages
    "return_visit": 10,  # the visitor came back (a second or later session)
    "google_referrer": 5,  # arrived from Google search or a Google ad
    "paid_click": 10,  # came from an ad (S1, S2 or S4)
}


def N_(message: str) -> str:
    """Marks a message for the catalog (`pybabel extract -k N_`) without translating it here:
    reasons are stored in English and translated when shown."""
    return message


LABELS = {
    "conversion": N_("Contacted the business (form, phone or WhatsApp)"),
    "scroll_half": N_("Read at least half of a page"),
    "scroll_full": N_("Read a page to the end"),
    "engaged_30s": N_("Spent at least 30 seconds"),
    "engaged_2m": N_("Spent at least 2 minutes"),
    "pages_3": N_("Viewed three or more pages"),
    "return_visit": N_("Came back for another visit"),
    "google_referrer": N_("Came from Google"),
    "paid_click": N_("Came from an ad"),
}
assert set(LABELS) == set(WEIGHTS)


@dataclass(frozen=True)
class Signals:
    conversions: int
    max_scroll: int
    engaged_seconds: int
    pageviews: int
    visit_number: int  # 1 for the visitor's first session
    source: str
    attribution_class: str


def reason_label(code: str) -> str:
    """The reason in the reader's language (for templates)."""
    return gettext(LABELS[code]) if code in LABELS else code


def score(signals: Signals) -> tuple[int, list[dict]]:
    earned: list[str] = []
    if signals.conversions > 0:
        earned.append("conversion")
    if signals.max_scroll >= 50:
        earned.append("scroll_half")
    if signals.max_scroll >= 90:
        earned.append("scroll_full")
    if signals.engaged_seconds >= 30:
        earned.append("engaged_30s")
    if signals.engaged_seconds >= 120:
        earned.append("engaged_2m")
    if signals.pageviews >= 3:
        earned.append("pages_3")
    if signals.visit_number >= 2:
        earned.append("return_visit")
    if signals.source == "google":
        earned.append("google_referrer")
    if signals.attribution_class in ("S1", "S2", "S4"):
        earned.append("paid_click")
    reasons = [{"code": code, "points": WEIGHTS[code], "label": LABELS[code]} for code in earned]
    return min(100, sum(WEIGHTS[code] for code in earned)), reasons
