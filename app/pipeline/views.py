"""Strings every card repeats, translated once per page instead of once per card."""

from __future__ import annotations

from flask_babel import gettext as _

from app.customers.views import SOURCE_LABELS


def card_labels() -> dict:
    return {
        "select": _("Select"),
        "score": _("Lead score"),
        "campaign": _("Campaign"),
        "overdue": _("Overdue"),
        "unread": _("Unread messages"),
        "unassigned": _("Unassigned"),
        "move_to": _("Move to"),
        "sources": {key: str(label) for key, label in SOURCE_LABELS.items()},
    }
