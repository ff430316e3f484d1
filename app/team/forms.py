from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from app.lib.emails import EmailAddress
from app.models import Role

ROLE_LABELS = {
    Role.OWNER.value: _l("Owner"),
    Role.MANAGER.value: _l("Manager"),
    Role.AGENT.value: _l("Agent"),
}


def role_choices():
    return [(value, label) for value, label in ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices, default=Role.AGENT.value)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)


class OffboardForm(FlaskForm):
    reassign_to = SelectField(_l("Hand open work over to"), coerce=int, choices=[])
