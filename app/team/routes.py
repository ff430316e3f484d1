from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.auth.forms import AcceptInvitationForm, ConfirmForm, PasswordConfirmForm
from app.auth.permissions import require_action
from app.extensions import db, limiter
from app.lib import htmx
from app.lib.tenancy import SESSION_KEY as TENANT_SESSION_KEY
from app.lib.tenancy import current_tenant, get_or_404
from app.models import Invitation, Membership, Role
from app.team import open_work, services
from app.team.forms import InviteForm, OffboardForm, RoleForm

bp = Blueprint("team", __name__)

JOIN_FORMS = {"confirm": ConfirmForm, "password": PasswordConfirmForm, "new": AcceptInvitationForm}


def _team_context(invite_form: InviteForm | None = None) -> dict:
    tenant = current_tenant()
    return {
        "members": services.members(tenant),
        "invitations": services.pending_invitations(tenant),
        "invite_form": invite_form or InviteForm(),
        "role_form": RoleForm,
    }


@bp.get("/settings/team")
@require_action("team.view")
def index():
    return render_template("team/index.html", **_team_context())


@bp.get("/settings/team/_members")
@require_action("team.view")
def members_partial():
    return render_template("team/_members.html", **_team_context())


@bp.post("/settings/team/invite")
@require_action("team.invite")
@limiter.limit("30/hour")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite(current_tenant(), current_user, form.email.data, Role(form.role.data))
            db.session.commit()
        except services.TeamError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            if htmx.is_partial():
                return render_template("team/_invite_and_members.html", **_team_context())
            return redirect(url_for("team.index"))
    status = 422
    if htmx.is_partial():
        return render_template("team/_invite_and_members.html", **_team_context(form)), status
    return render_template("team/index.html", **_team_context(form)), status


@bp.post("/settings/team/<int:membership_id>/role")
@require_action("team.change_role")
def change_role(membership_id: int):
    membership = get_or_404(Membership, membership_id)
    form = RoleForm()
    error = None
    if form.validate_on_submit():
        try:
            services.change_role(current_tenant(), current_user, membership, Role(form.role.data))
            db.session.commit()
        except services.TeamError as exc:
            db.session.rollback()
            error = str(exc)
    else:
        error = _("Choose a valid role.")
    db.session.refresh(membership)
    if htmx.is_partial():
        return render_template("team/_member_row.html", m=membership, row_error=error, role_form=RoleForm)
    if error:
        flash(error, "error")
    return redirect(url_for("team.index"))


@bp.route("/settings/team/<int:membership_id>/offboard", methods=["GET", "POST"])
@require_action("team.offboard")
def offboard(membership_id: int):
    tenant = current_tenant()
    membership = get_or_404(Membership, membership_id)
    colleagues = [m for m in services.members(tenant, include_offboarded=False) if m.id != membership.id]
    form = OffboardForm()
    form.reassign_to.choices = [(0, _("Nobody (leave unassigned)"))] + [(m.id, m.user.name) for m in colleagues]
    work = open_work.summary(tenant.id, membership.user_id)
    if form.validate_on_submit():
        target = next((m for m in colleagues if m.id == form.reassign_to.data), None)
        try:
            services.offboard(tenant, current_user, membership, target)
            db.session.commit()
        except services.TeamError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("%(name)s no longer has access.", name=membership.user.name), "success")
            if membership.user_id == current_user.id:
                return redirect(url_for("shell.home"))
            return htmx.redirect(url_for("team.index"))
    return render_template("team/offboard.html", membership=membership, form=form, work=work)


@bp.post("/settings/team/invitations/<int:invitation_id>/revoke")
@require_action("team.invite")
def revoke(invitation_id: int):
    invitation = get_or_404(Invitation, invitation_id)
    try:
        services.revoke_invitation(current_tenant(), current_user, invitation)
        db.session.commit()
    except services.TeamError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    if htmx.is_partial():
        return render_template("team/_members.html", **_team_context())
    return redirect(url_for("team.index"))


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def join(token: str):
    invitation = services.invitation_from_token(token)
    if invitation is None:
        return render_template("team/join_invalid.html"), 404
    signed_in = current_user if current_user.is_authenticated else None
    mode = services.join_mode(invitation, signed_in)
    if mode == "wrong_account":
        return render_template("team/join.html", invitation=invitation, wrong_account=True), 409
    form = JOIN_FORMS[mode]()
    if form.validate_on_submit():
        try:
            user = services.join(
                invitation,
                mode,
                signed_in=signed_in,
                name=form.data.get("name") or "",
                password=form.data.get("password") or "",
                ip=request.remote_addr or "?",
            )
            db.session.commit()
        except services.TeamError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            if signed_in is None:
                login_user(user)
            session[TENANT_SESSION_KEY] = invitation.tenant_id
            flash(_("Welcome to %(business)s.", business=invitation.tenant.name), "success")
            return redirect(url_for("shell.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("team/join.html", invitation=invitation, form=form, mode=mode), status
