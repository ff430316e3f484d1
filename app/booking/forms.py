"""The secretary's forms: book a slot, move, cancel, change the status."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


def encode_slot(starts_at: datetime, resource_ids) -> str:
    """One free slot as a form value: "<ISO start>|<resource ids>"."""
    return f"{starts_at.isoformat()}|{','.join(str(i) for i in resource_ids)}"


def decode_slot(value: str | None) -> tuple[datetime, list[int]] | None:
    if not value or "|" not in value:
        return None
    start, _sep, ids = value.partition("|")
    start = start.strip().replace(" ", "+")  # a "+" of the offset read from an unencoded query string
    try:
        moment = datetime.fromisoformat(start)
        resource_ids = [int(i) for i in ids.split(",") if i.strip()]
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment, resource_ids


class BookForm(FlaskForm):
    service_id = IntegerField(validators=[DataRequired()])
    slot = HiddenField(validators=[DataRequired(message=_l("Choose a time."))])
    customer_id = IntegerField(validators=[Optional()])
    q = StringField(_l("Find a customer (name or phone)"), validators=[Optional(), Length(max=100)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class MoveForm(FlaskForm):
    slot = StringField(_l("New time"), validators=[DataRequired(message=_l("Choose a new time."))])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Say why the appointment is cancelled.")), Length(max=200)]
    )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
