"""Phone numbers in E.164, parsed with Google's libphonenumber (the `phonenumbers` package)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "TR"


class InvalidPhone(ValueError):
    pass


def normalise(raw: str, region: str = DEFAULT_REGION) -> str:
    """'0532 123 45 67', '532-123-4567' and '+90 532 123 4567' all give '+905321234567'."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=20_000)
def display(e164: str | None) -> str:
    """International format for people: '+90 532 123 45 67'. Cached: boards show the same numbers again and again."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
