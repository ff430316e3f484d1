from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import jobqueue
from app.auth import services
from app.auth.forms import LoginForm, NewPasswordForm, ResetRequestForm
from app.extensions import db, limiter
from app.lib.tenancy import SESSION_KEY, active_memberships

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never bounce a fresh login to another host.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("shell.home")


@bp.route("/login", methods=["GET", "POST"])
# A throttle per address (LOGIN_RATE_LIMIT); the lockout below is per account and address.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("shell.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr or "?")
        if result.ok and active_memberships(result.user.id):
            session.clear()
            # A session cookie unless the person chose to be remembered on this device.
            session.permanent = False
            login_user(result.user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
        if result.ok:
            flash(_("This account no longer has access to any business on Kervan."), "error")
            status = 403
        elif result.locked_until:
            flash(
                _(
                    "Too many failed attempts. Try again after %(time)s.",
                    time=format_datetime(result.locked_until, "short"),
                ),
                "error",
            )
            status = 429
        else:
            flash(_("E-mail or password is wrong."), "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.pop(SESSION_KEY, None)
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5/hour;20/day", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_active_user(form.email.data)
        if user is not None:
            from jobs.mail import send_password_reset

            jobqueue.enqueue(send_password_reset, user.id)
        # Same answer either way: the form must not reveal who has an account.
        flash(_("If that address has an account, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password is changed. Sign in with the new one."), "success")
        current_app.logger.info("password reset for user %s", user.id)
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if request.method == "POST" else 200
