from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.customers.services import CALL_OUTCOMES
from app.customers.views import SOURCE_LABELS


def _source_choices():
    return [("", _l("Unknown"))] + [(k, v) for k, v in SOURCE_LABELS.items()]


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    stage_id = SelectField(_l("Stage"), coerce=int, choices=[])
    assignee_id = SelectField(_l("Assignee"), coerce=int, choices=[])
    source = SelectField(_l("Source"), choices=_source_choices, validators=[Optional()])
    campaign = StringField(_l("Campaign"), validators=[Optional(), Length(max=120)])
    value = DecimalField(_l("Value"), places=2, validators=[Optional(), NumberRange(min=0)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    source = SelectField(_l("Source"), choices=_source_choices, validators=[Optional()])
    campaign = StringField(_l("Campaign"), validators=[Optional(), Length(max=120)])
    value = DecimalField(_l("Value"), places=2, validators=[Optional(), NumberRange(min=0)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)])
    consent_email = BooleanField(_l("E-mail messages"))
    consent_sms = BooleanField(_l("SMS messages"))
    consent_whatsapp = BooleanField(_l("WhatsApp messages"))
    consent_calls = BooleanField(_l("Phone calls"))


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


class CallForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=lambda: [(k, v) for k, v in CALL_OUTCOMES.items()])
    note = TextAreaField(_l("Call notes"), validators=[Optional(), Length(max=2000)])


def to_minor(value: Decimal | None) -> int:
    try:
        return int((value or Decimal(0)) * 100)
    except (InvalidOperation, TypeError):
        return 0


def split_tags(raw: str | None) -> list[str]:
    return [t.strip() for t in (raw or "").replace(";", ",").split(",") if t.strip()]
