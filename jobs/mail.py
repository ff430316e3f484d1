"""E-mails the product sends: invitations and password resets."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app import events
from app.auth import services as auth
from app.extensions import db
from app.lib import mail
from app.models import Event, Invitation, User
from app.team import services as team


def _external(endpoint: str, **values: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


@events.subscribe(events.MEMBER_INVITED)
def send_invitation(tenant_id: int, event_id: int) -> str | None:
    event = db.session.get(Event, event_id)
    if event is None or event.tenant_id != tenant_id or event.subject_type != "invitations":
        return None
    invitation = db.session.get(Invitation, event.subject_id)
    if invitation is None or not invitation.is_pending:
        return None
    with current_app.test_request_context(), force_locale(invitation.tenant.locale):
        link = _external("team.join", token=team.invitation_token(invitation))
        context = {"invitation": invitation, "link": link, "inviter": event.actor}
        return mail.send(
            invitation.email,
            _("You are invited to %(business)s on Kervan", business=invitation.tenant.name),
            render_template("mail/invitation.txt", **context),
            render_template("mail/invitation.html", **context),
        )


def send_password_reset(user_id: int) -> str | None:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    with current_app.test_request_context(), force_locale(user.locale or "tr"):
        link = _external("auth.reset_password", token=auth.reset_token_for(user))
        context = {"user": user, "link": link, "minutes": current_app.config["PASSWORD_RESET_MINUTES"]}
        return mail.send(
            user.email,
            _("Reset your Kervan password"),
            render_template("mail/password_reset.txt", **context),
            render_template("mail/password_reset.html", **context),
        )
