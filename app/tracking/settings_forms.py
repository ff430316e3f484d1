"""The form of Settings → Tracking: a website the snippet may run on."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.models import TrackingSite
from app.tracking.sites import SiteError, parse_domains


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the website a name.")), Length(max=120)])
    domains = TextAreaField(_l("Domains"), render_kw={"rows": 3, "autocapitalize": "none", "spellcheck": "false"})
    consent_mode = BooleanField(_l("Wait for cookie consent"))

    # Filled by validate_domains: the normalised list the services take.
    domain_list: list[str]

    def validate_domains(self, field) -> None:
        try:
            self.domain_list = parse_domains(field.data or "")
        except SiteError as exc:
            raise ValidationError(str(exc)) from exc

    def fill(self, site: TrackingSite) -> None:
        self.name.data = site.name
        self.domains.data = "\n".join(site.domains or [])
        self.consent_mode.data = site.consent_mode
