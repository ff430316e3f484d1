"""The app shell: home, the areas still to come, language, theme, tenant switch, health."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import text

from app import events
from app.auth.permissions import require_action
from app.extensions import db
from app.lib import htmx
from app.lib.redis import get_redis
from app.lib.tenancy import SESSION_KEY, current_tenant
from app.shell import activity
from app.tenancy import services as tenancy

bp = Blueprint("shell", __name__)

# Areas whose screens arrive with later work; each page says what it will hold.
UPCOMING = {
    "inbox": (
        _l("Inbox"),
        _l("WhatsApp, Instagram, Messenger and web chat conversations in one inbox, linked to the customer."),
    ),
    "reports": (
        _l("Reports"),
        _l("Period performance, sources and campaigns, funnel and staff reports as downloadable PDFs."),
    ),
}


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("shell.command"))


@bp.get("/command")
@require_action("activity.view")
def command():
    tenant = current_tenant()
    return render_template(
        "shell/command.html",
        tenant_stages=tenancy.stages(tenant),
        feed=activity.recent(tenant, limit=15, types=list(events.LIVE_TYPES)),
        describe=activity.describe,
    )


@bp.get("/activity/_feed")
@require_action("activity.view")
def activity_feed():
    tenant = current_tenant()
    return render_template(
        "shell/_activity_feed.html",
        feed=activity.recent(tenant, limit=15, types=list(events.LIVE_TYPES)),
        describe=activity.describe,
    )


@bp.get("/<any(inbox, reports):area>")
@require_action("activity.view")
def upcoming(area: str):
    title, description = UPCOMING[area]
    return render_template("shell/upcoming.html", area=area, title=title, description=description)


# Each preference: (form field, User column, allowed values). Kept per person
# when signed in, in the session otherwise.
PREFERENCES = {
    "language": ("lang", "locale", ("tr", "en")),
    "theme": ("theme", "theme", ("light", "dark", "system")),
}


@bp.post("/preferences/<any(language, theme):name>")
def set_preference(name: str):
    field, column, allowed = PREFERENCES[name]
    value = request.form.get(field, "")
    if value not in allowed:
        abort(400)
    session[field] = value
    if current_user.is_authenticated:
        setattr(current_user, column, value)
        db.session.commit()
    return htmx.redirect(_back())


@bp.post("/tenants/<int:tenant_id>/switch")
@login_required
def switch_tenant(tenant_id: int):
    from app.lib.tenancy import active_memberships

    if tenant_id not in {m.tenant_id for m in active_memberships(current_user.id)}:
        abort(404)
    session[SESSION_KEY] = tenant_id
    current_user.last_tenant_id = tenant_id
    db.session.commit()
    return htmx.redirect(url_for("shell.home"))


def _back() -> str:
    target = request.form.get("next") or request.referrer or url_for("shell.home")
    # Only our own paths.
    if target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    return target if target.startswith("/") and not target.startswith("//") else url_for("shell.home")


@bp.get("/healthz")
def healthz():
    state = {"database": "ok", "redis": "embedded"}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, never raise, from a health check
        state["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    client = get_redis()
    if client is not None:
        try:
            client.ping()
            state["redis"] = "ok"
        except Exception as exc:
            state["redis"] = f"error: {exc.__class__.__name__}"
            healthy = False
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if healthy else 503
