"""Forms of the owner's booking settings: resources, days off, services and the business defaults."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.booking.settings_services import format_offsets, parse_offsets
from app.settings.forms import DAYS

KIND_LABELS = {
    "doctor": _l("Doctor"),
    "specialist": _l("Specialist"),
    "stylist": _l("Stylist"),
    "chair": _l("Chair"),
    "room": _l("Room"),
    "device": _l("Device"),
}

SLOT_STEPS = ((15, _l("15 minutes")), (30, _l("30 minutes")), (60, _l("60 minutes")))


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(value: str) -> time:
    return time.fromisoformat(value)


class ResourceDayForm(FlaskForm):
    class Meta:
        csrf = False

    open = BooleanField(_l("Open"))
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("Until"), validators=[Optional()])
    break_start = TimeField(_l("Break from"), validators=[Optional()])
    break_end = TimeField(_l("Break until"), validators=[Optional()])

    # Checked here, not in validate_<field>: an empty optional field skips its inline validators.
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.open.data:
            return valid
        start, end = self.start.data, self.end.data
        if not start or not end:
            self.end.errors = [*self.end.errors, _l("Give the start and end time.")]
            return False
        if end == start:
            self.end.errors = [*self.end.errors, _l("The end must differ from the start.")]
            return False
        break_start, break_end = self.break_start.data, self.break_end.data
        if not (break_start or break_end):
            return valid
        if not break_start or not break_end:
            self.break_end.errors = [*self.break_end.errors, _l("Give both ends of the break, or neither.")]
            return False
        # Measured from the start of the hours, so hours that run past midnight work too.
        begin = _minutes(start)
        span = (_minutes(end) - begin) % 1440
        if not (0 <= (_minutes(break_start) - begin) % 1440 < (_minutes(break_end) - begin) % 1440 <= span):
            self.break_end.errors = [*self.break_end.errors, _l("The break must be inside the working hours.")]
            return False
        if end < start and break_start < start:
            message = _l("In hours that run past midnight, the break must start before midnight.")
            self.break_end.errors = [*self.break_end.errors, message]
            return False
        return valid


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[(k, label) for k, label in KIND_LABELS.items()])
    active = BooleanField(_l("Active (can be booked)"), default=True)
    mon = FormField(ResourceDayForm)
    tue = FormField(ResourceDayForm)
    wed = FormField(ResourceDayForm)
    thu = FormField(ResourceDayForm)
    fri = FormField(ResourceDayForm)
    sat = FormField(ResourceDayForm)
    sun = FormField(ResourceDayForm)

    def fill(self, resource) -> None:
        self.name.data, self.kind.data, self.active.data = resource.name, resource.kind, resource.active
        for key, _label in DAYS:
            day = getattr(self, key)
            hours = (resource.weekly_hours or {}).get(key) or []
            breaks = (resource.breaks or {}).get(key) or []
            day.open.data = bool(hours)
            if hours:
                day.start.data, day.end.data = _clock(hours[0][0]), _clock(hours[0][1])
            if breaks:
                day.break_start.data, day.break_end.data = _clock(breaks[0][0]), _clock(breaks[0][1])

    def hours_and_breaks(self) -> tuple[dict, dict]:
        hours: dict[str, list] = {}
        breaks: dict[str, list] = {}
        for key, _label in DAYS:
            day = getattr(self, key)
            hours[key], breaks[key] = [], []
            if day.open.data:
                hours[key] = [[day.start.data.strftime("%H:%M"), day.end.data.strftime("%H:%M")]]
                if day.break_start.data and day.break_end.data:
                    breaks[key] = [[day.break_start.data.strftime("%H:%M"), day.break_end.data.strftime("%H:%M")]]
        return hours, {k: v for k, v in breaks.items() if v}


class TimeOffForm(FlaskForm):
    resource_id = SelectField(_l("Who is off"), coerce=int)
    starts_on = DateField(_l("From"), validators=[InputRequired(message=_l("Give the first day."))])
    ends_on = DateField(_l("Until (inclusive)"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Length(max=120)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class OffsetsField(StringField):
    """Reminder offsets typed as "48h, 2h, 30m"; data is a list of minutes (None when empty)."""

    def _value(self):
        if isinstance(self.data, list):
            return format_offsets(self.data)
        return self.data or ""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            try:
                self.data = parse_offsets(self.raw)
            except ValueError as exc:
                self.data = self.raw
                raise ValueError(str(exc)) from exc


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    duration_min = IntegerField(
        _l("Duration (minutes)"),
        validators=[
            InputRequired(message=_l("Give the duration in minutes.")),
            NumberRange(5, 720, message=_l("The duration must be between 5 and 720 minutes.")),
        ],
    )
    buffer_min = IntegerField(
        _l("Buffer after (minutes)"),
        default=0,
        validators=[Optional(), NumberRange(0, 240, message=_l("The buffer must be between 0 and 240 minutes."))],
    )
    price_min = DecimalField(
        _l("Price from (TRY)"),
        places=2,
        validators=[Optional(), NumberRange(0, 10_000_000, message=_l("Give a price of 0 or more."))],
    )
    price_max = DecimalField(
        _l("Price up to (TRY)"),
        places=2,
        validators=[Optional(), NumberRange(0, 10_000_000, message=_l("Give a price of 0 or more."))],
    )
    resource_ids = SelectMultipleField(
        _l("Resources"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    public = BooleanField(_l("Bookable on the public booking page"), default=True)
    active = BooleanField(_l("Active"), default=True)
    reminder_offsets = OffsetsField(_l("Reminders before the appointment"))

    def validate_price_max(self, field):
        if field.data is not None and self.price_min.data is not None and field.data < self.price_min.data:
            raise ValidationError(_l("The highest price cannot be below the lowest."))

    def validate_resource_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one resource."))

    def fill(self, service) -> None:
        self.name.data = service.name
        self.duration_min.data, self.buffer_min.data = service.duration_min, service.buffer_min
        self.price_min.data = Decimal(service.price_min_minor) / 100
        self.price_max.data = Decimal(service.price_max_minor) / 100
        self.resource_ids.data = [r.id for r in service.resources]
        self.public.data, self.active.data = service.public, service.active
        self.reminder_offsets.data = service.reminder_offsets


class DefaultsForm(FlaskForm):
    reminder_offsets = OffsetsField(_l("Reminders before each appointment"))
    slot_step = SelectField(_l("Slot step"), coerce=int, choices=SLOT_STEPS)
    offer_minutes = IntegerField(
        _l("Waitlist offers stay open for (minutes)"),
        validators=[
            InputRequired(message=_l("Give the minutes.")),
            NumberRange(10, 2880, message=_l("Between 10 and 2880 minutes.")),
        ],
    )


def to_minor(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)
