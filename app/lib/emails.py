"""E-mail address validation (the `email-validator` package), shared by every form."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def normalise(address: str) -> str:
    """The canonical form of an address, or EmailNotValidError.

    Reserved test domains (.test) are allowed: the demo and the test suite use them.
    """
    result = validate_email(address.strip(), check_deliverability=False, test_environment=True)
    return result.normalized.lower()


class EmailAddress:
    """WTForms validator: a syntactically valid address; no DNS look-ups at form time."""

    def __init__(self, message=None) -> None:
        self.message = message or _l("Enter a valid e-mail address.")

    def __call__(self, form, field) -> None:
        try:
            field.data = normalise(field.data or "")
        except EmailNotValidError as exc:
            raise ValidationError(self.message) from exc
