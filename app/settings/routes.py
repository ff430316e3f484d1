from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import events
from app.auth.permissions import can, require_action
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant
from app.settings.forms import DAYS, TenantSettingsForm
from app.shell import activity
from app.tenancy import services as tenancy
from app.tenancy.sectors import blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

PAGE = 30


@bp.route("", methods=["GET", "POST"])
@require_action("team.view")
def general():
    tenant = current_tenant()
    form = TenantSettingsForm(obj=tenant)
    if request.method == "GET":
        form.fill_hours(tenant.working_hours or {})
    status = 200
    if request.method == "POST":
        if not can("settings.edit"):
            return _("Only an owner can change the business settings."), 403
        if form.validate_on_submit():
            changed = tenancy.update_settings(
                tenant,
                current_user,
                name=form.name.data.strip(),
                locale=form.locale.data,
                timezone=form.timezone.data,
                currency=form.currency.data,
                working_hours=form.working_hours(),
            )
            db.session.commit()
            flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("settings.general"))
        status = 422
    return (
        render_template(
            "settings/general.html",
            form=form,
            days=DAYS,
            stages=tenancy.stages(tenant),
            sector_label=blueprint(tenant.sector).label,
        ),
        status,
    )


@bp.get("/activity")
@require_action("activity.view")
def activity_log():
    tenant = current_tenant()
    kind = request.args.get("type") or None
    before = request.args.get("before", type=int)
    rows = activity.recent(tenant, limit=PAGE + 1, before_id=before, types=[kind] if kind in events.ALL_TYPES else None)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    template = "settings/_activity_rows.html" if htmx.is_partial() else "settings/activity.html"
    return render_template(
        template,
        rows=rows,
        more=more,
        kind=kind,
        types=events.ALL_TYPES,
        describe=activity.describe,
    )
