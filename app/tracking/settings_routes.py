"""Settings → Tracking: the websites the snippet runs on, their call-webhook
secrets and this month's event usage. Managers look, owners change.

The "last event received N seconds ago" line ticks in the browser
(app/static/js/tracking.js) and jumps when app/tracking/live.py says a site
just received events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, current_app, flash, make_response, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError

from app import events
from app.auth.permissions import can, require_action
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404, scoped
from app.models import Tenant, TrackingSite
from app.models.base import utcnow
from app.tracking import calls, intake, sites
from app.tracking.settings_forms import SiteForm

bp = Blueprint("tracking_settings", __name__, url_prefix="/settings/tracking")

UNITS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400))
QUOTA_WARN = 0.8  # share of the quota from which the usage bar warns


# ---------- "last event received N seconds ago" ----------


def ago_template(unit: str, count: int) -> str:
    """The translated sentence for `count` units with %(num)s left in, so the
    browser can fill it in every second (tracking.js)."""
    t = get_translations()
    if unit == "second":
        return t.ngettext("Last event received %(num)s second ago", "Last event received %(num)s seconds ago", count)
    if unit == "minute":
        return t.ngettext("Last event received %(num)s minute ago", "Last event received %(num)s minutes ago", count)
    if unit == "hour":
        return t.ngettext("Last event received %(num)s hour ago", "Last event received %(num)s hours ago", count)
    return t.ngettext("Last event received %(num)s day ago", "Last event received %(num)s days ago", count)


def clock_texts() -> dict[str, str]:
    """data-* attributes for tracking.js: one/other form of each unit, and the never-seen text."""
    texts = {"none": _("No events yet")}
    for unit, _size in UNITS:
        texts[f"{unit}-one"] = ago_template(unit, 1)
        texts[f"{unit}-other"] = ago_template(unit, 2)
    return texts


def last_event_text(at: datetime | None, now: datetime) -> str:
    """The same sentence tracking.js writes, for the first paint (and without JavaScript)."""
    if at is None:
        return _("No events yet")
    seconds = max(0, int((now - at).total_seconds()))
    unit, size = UNITS[0]
    for candidate, candidate_size in UNITS:
        if seconds >= candidate_size:
            unit, size = candidate, candidate_size
    count = seconds // size
    return ago_template(unit, count) % {"num": count}


def last_seen(site: TrackingSite) -> datetime | None:
    """When the site last had events: stored by the drain, or admitted at the door moments ago."""
    at = site.last_event_at
    try:
        ms = intake.get_intake().last_seen_ms(site.id)
    except RedisError:
        ms = None  # the stored time is still right, only a few seconds older
    if ms is not None:
        door = datetime.fromtimestamp(ms / 1000, tz=UTC)
        at = door if at is None else max(at, door)
    return at


# ---------- usage ----------


@dataclass(frozen=True)
class Usage:
    used: int
    quota: int
    resets_on: date

    @property
    def share(self) -> float:
        return min(1.0, self.used / self.quota) if self.quota > 0 else 1.0

    @property
    def level(self) -> str:
        if self.used >= self.quota:
            return "full"
        return "warn" if self.share >= QUOTA_WARN else "ok"


def usage_of(tenant: Tenant, now: datetime) -> Usage:
    start = intake.month_start(now)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return Usage(intake.used_this_month(tenant.id, now), tenant.event_quota, next_month.date())


# ---------- pages ----------


def _sites() -> list[TrackingSite]:
    return list(db.session.scalars(scoped(TrackingSite).order_by(TrackingSite.created_at, TrackingSite.id)))


def _page(form: SiteForm | None = None, revealed: int | None = None, status: int = 200):
    tenant = current_tenant()
    now = utcnow()
    base_url = current_app.config["PUBLIC_URL"]
    rows = _sites()
    seen = {site.id: last_seen(site) for site in rows}
    usage = usage_of(tenant, now)
    response = make_response(
        render_template(
            "tracking/index.html",
            sites=rows,
            seen=seen,
            now=now,
            form=form or SiteForm(formdata=None),
            revealed=revealed,
            usage=usage,
            used_text=format_decimal(usage.used),
            quota_text=format_decimal(usage.quota),
            percent_text=format_percent(usage.share),
            resets_text=format_date(usage.resets_on, "d MMMM"),
            snippet_of=lambda site: str(sites.snippet(site, base_url)),  # str: shown as text, never run
            clock_texts=clock_texts(),
            last_event_text=last_event_text,
            webhook_url=base_url.rstrip("/") + url_for("tracking.call_webhook"),
            timestamp_header=calls.TIMESTAMP_HEADER,
            signature_header=calls.SIGNATURE_HEADER,
            replay_minutes=calls.REPLAY_WINDOW // 60,
            editable=can("tracking.manage"),
        ),
        status,
    )
    if revealed is not None:
        response.headers["Cache-Control"] = "no-store"  # a secret is on the page
    return response


@bp.get("/")
@require_action("tracking.view")
def index():
    return _page()


@bp.post("/sites")
@require_action("tracking.manage")
def site_add():
    form = SiteForm()
    if not form.validate_on_submit():
        return _page(form=form, status=422)
    try:
        site = sites.create_site(
            current_tenant(),
            name=form.name.data,
            domains=form.domain_list,
            consent_mode=form.consent_mode.data,
            actor=current_user,
        )
    except sites.SiteError as exc:  # the form checks the same rules; this is the last word
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return _page(form=form, status=422)
    db.session.commit()
    flash(_("%(name)s added. Copy its snippet into every page of the website.", name=site.name), "success")
    return htmx.location(url_for("tracking_settings.index") + f"#site-{site.id}")


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@require_action("tracking.manage")
def site_edit(site_id: int):
    site = get_or_404(TrackingSite, site_id)
    if request.method == "GET":
        form = SiteForm(formdata=None)
        form.fill(site)
        return render_template("tracking/site.html", form=form, site=site)
    form = SiteForm()
    if not form.validate_on_submit():
        return render_template("tracking/site.html", form=form, site=site), 422
    try:
        sites.update_site(
            site,
            name=form.name.data,
            domains=form.domain_list,
            consent_mode=form.consent_mode.data,
            actor=current_user,
        )
    except sites.SiteError as exc:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return render_template("tracking/site.html", form=form, site=site), 422
    db.session.commit()
    flash(_("%(name)s saved.", name=site.name), "success")
    return htmx.location(url_for("tracking_settings.index") + f"#site-{site.id}")


# ---------- the call-webhook secret ----------


def _secret(site: TrackingSite, revealed: bool, rotated: bool = False):
    html = render_template("tracking/_secret.html", site=site, show_secret=revealed, rotated=rotated)
    return html, 200, {"Cache-Control": "no-store"}


@bp.get("/sites/<int:site_id>/secret")
@require_action("tracking.manage")
def secret(site_id: int):
    """The secret block, shown (?show=1) or hidden again; a whole page without htmx."""
    site = get_or_404(TrackingSite, site_id)
    show = request.args.get("show") == "1"
    if htmx.is_partial():
        return _secret(site, revealed=show)
    return _page(revealed=site.id if show else None)


@bp.post("/sites/<int:site_id>/secret")
@require_action("tracking.manage")
def secret_rotate(site_id: int):
    site = get_or_404(TrackingSite, site_id)
    sites.rotate_call_secret(site)
    # In the log (who rotated it, when), never the secret itself.
    events.emit(
        current_tenant(),
        events.TRACKING_SITE_CHANGED,
        actor=current_user,
        data={"name": site.name, "secret": "rotated"},
    )
    db.session.commit()
    if htmx.is_partial():
        return _secret(site, revealed=True, rotated=True)
    flash(
        _(
            "New webhook secret made for %(name)s. Update your phone system: the old one no longer works.",
            name=site.name,
        ),
        "success",
    )
    return htmx.location(url_for("tracking_settings.index") + f"#site-{site.id}")
