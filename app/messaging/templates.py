"""Customer message templates with {{variables}}, per language. Owners will be able
to override them per business; these are the defaults."""

from __future__ import annotations

import re

DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    # key -> locale -> (subject, body)
    "appointment_booked": {
        "tr": (
            "{{business}}: randevunuz {{date}} {{time}}",
            "Merhaba {{name}}, {{business}} için {{service}} randevunuz {{date}} {{time}} olarak alındı.\n"
            "Randevunuzu görmek, onaylamak, iptal etmek ya da değiştirmek için: {{link}}",
        ),
        "en": (
            "{{business}}: your appointment on {{date}} at {{time}}",
            "Hello {{name}}, your {{service}} appointment at {{business}} is booked for {{date}} {{time}}.\n"
            "To see, confirm, cancel or reschedule it: {{link}}",
        ),
    },
    "appointment_reminder": {
        "tr": (
            "{{business}}: randevu hatırlatması",
            "Merhaba {{name}}, {{date}} {{time}} tarihindeki {{service}} randevunuzu hatırlatırız.\n"
            "Onaylamak için 1 (EVET), iptal için 2 (IPTAL) yazın ya da bağlantıyı kullanın: {{link}}",
        ),
        "en": (
            "{{business}}: appointment reminder",
            "Hello {{name}}, a reminder of your {{service}} appointment on {{date}} at {{time}}.\n"
            "Reply 1 (YES) to confirm or 2 (CANCEL) to cancel, or use the link: {{link}}",
        ),
    },
    "appointment_moved": {
        "tr": (
            "{{business}}: randevunuzun saati değişti",
            "Merhaba {{name}}, {{service}} randevunuz {{date}} {{time}} olarak güncellendi.\n"
            "Randevunuzu görmek ya da değiştirmek için: {{link}}",
        ),
        "en": (
            "{{business}}: your appointment has a new time",
            "Hello {{name}}, your {{service}} appointment is now on {{date}} at {{time}}.\n"
            "To see or change it: {{link}}",
        ),
    },
    "appointment_cancelled": {
        "tr": (
            "{{business}}: randevunuz iptal edildi",
            "Merhaba {{name}}, {{date}} {{time}} tarihindeki {{service}} randevunuz iptal edildi.",
        ),
        "en": (
            "{{business}}: your appointment is cancelled",
            "Hello {{name}}, your {{service}} appointment on {{date}} at {{time}} is cancelled.",
        ),
    },
    "waitlist_offer": {
        "tr": (
            "{{business}}: sizin için bir yer açıldı",
            "Merhaba {{name}}, {{date}} {{time}} için {{service}} randevusu boşaldı. "
            "{{expires}} saatine kadar almak için: {{link}}",
        ),
        "en": (
            "{{business}}: a time opened up for you",
            "Hello {{name}}, a {{service}} appointment on {{date}} at {{time}} is free. "
            "Take it before {{expires}}: {{link}}",
        ),
    },
}

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render(key: str, locale: str, **values: object) -> tuple[str, str]:
    """(subject, body) with {{variables}} filled; an unknown variable stays visible rather than vanishing."""
    by_locale = DEFAULTS[key]
    subject, body = by_locale.get(locale) or by_locale["tr"]

    def fill(text: str) -> str:
        return _VARIABLE.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)

    return fill(subject), fill(body)
