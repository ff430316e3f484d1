from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length

from app.reminders.services import TITLE_MAX

# The customer page holds other forms too; the prefix keeps field ids and names apart.
PREFIX = "reminder"


class ReminderForm(FlaskForm):
    """Date and time are wall-clock values in the tenant's zone."""

    title = StringField(
        _l("What needs doing"),
        validators=[DataRequired(message=_l("Write what needs doing.")), Length(max=TITLE_MAX)],
    )
    due_date = DateField(_l("Date"), validators=[DataRequired(message=_l("Choose a date."))])
    due_time = TimeField(_l("Time"), validators=[DataRequired(message=_l("Choose a time."))])
    assignee_id = SelectField(_l("Assignee"), coerce=int, choices=[])
