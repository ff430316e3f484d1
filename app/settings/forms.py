from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FormField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

DAYS = (
    ("mon", _l("Monday")),
    ("tue", _l("Tuesday")),
    ("wed", _l("Wednesday")),
    ("thu", _l("Thursday")),
    ("fri", _l("Friday")),
    ("sat", _l("Saturday")),
    ("sun", _l("Sunday")),
)

CURRENCIES = ("TRY", "EUR", "USD", "GBP")


def _timezones():
    return [(tz, tz) for tz in sorted(available_timezones()) if "/" in tz and not tz.startswith("Etc/")]


class DayForm(FlaskForm):
    class Meta:
        csrf = False

    open = BooleanField(_l("Open"))
    start = TimeField(_l("Opens"), validators=[Optional()])
    end = TimeField(_l("Closes"), validators=[Optional()])

    def validate_end(self, field):
        if self.open.data:
            if not self.start.data or not field.data:
                raise ValidationError(_l("Give the opening and closing time."))
            if field.data <= self.start.data:
                raise ValidationError(_l("Closing time must be after opening time."))


class TenantSettingsForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Default language"), choices=[("tr", "Türkçe"), ("en", "English")])
    timezone = SelectField(_l("Time zone"), choices=_timezones)
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES])
    mon = FormField(DayForm)
    tue = FormField(DayForm)
    wed = FormField(DayForm)
    thu = FormField(DayForm)
    fri = FormField(DayForm)
    sat = FormField(DayForm)
    sun = FormField(DayForm)

    def fill_hours(self, working_hours: dict) -> None:
        from datetime import time

        for key, _label in DAYS:
            intervals = working_hours.get(key) or []
            day = getattr(self, key)
            day.open.data = bool(intervals)
            if intervals:
                day.start.data = time.fromisoformat(intervals[0][0])
                day.end.data = time.fromisoformat(intervals[0][1])

    def working_hours(self) -> dict:
        hours = {}
        for key, _label in DAYS:
            day = getattr(self, key)
            hours[key] = [[day.start.data.strftime("%H:%M"), day.end.data.strftime("%H:%M")]] if day.open.data else []
        return hours
