"""Forms of the public booking page, the customer's manage link and the waitlist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, HiddenField, StringField, TelField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional


class _Contact(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Tell us your name.")), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[DataRequired(_l("Give a phone number.")), Length(max=40)])
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    consent = BooleanField(
        _l("I agree to the processing of my data to manage this appointment."),
        validators=[DataRequired(_l("Please agree so that we can manage your appointment."))],
    )
    # Honeypot: hidden from people; a bot that fills it gets a polite answer and nothing is saved.
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=200)])


class BookingForm(_Contact):
    service = HiddenField()
    start = HiddenField()


class WaitlistForm(_Contact):
    service = HiddenField()
    from_date = DateField(_l("From"), validators=[DataRequired(_l("Choose the first day."))])
    to_date = DateField(_l("Until"), validators=[DataRequired(_l("Choose the last day."))])
    window_start = TimeField(_l("Earliest time"), validators=[DataRequired(_l("Give a time."))])
    window_end = TimeField(_l("Latest time"), validators=[DataRequired(_l("Give a time."))])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)])


class MoveForm(FlaskForm):
    start = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """Only the CSRF token: confirm, claim."""
