"""The owner's booking settings (resources, hours, days off, services, reminder
defaults) and the development outbox of customer messages. Routes stay thin:
rules live in settings_services."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.permissions import can, require_action
from app.booking import settings_services as svc
from app.booking.services import settings_of, zone_of
from app.booking.settings_forms import (
    KIND_LABELS,
    DefaultsForm,
    ResourceForm,
    ServiceForm,
    TimeOffForm,
    to_minor,
)
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404
from app.models import Resource, Service, TimeOff
from app.models.base import utcnow
from app.settings.forms import DAYS

bp = Blueprint("booking_settings", __name__, url_prefix="/settings")

MESSAGES_PER_PAGE = 30

DAY_SHORT = {
    "mon": _l("Mon"),
    "tue": _l("Tue"),
    "wed": _l("Wed"),
    "thu": _l("Thu"),
    "fri": _l("Fri"),
    "sat": _l("Sat"),
    "sun": _l("Sun"),
}


def hours_summary(resource: Resource) -> list[dict]:
    """Consecutive weekdays with the same hours grouped: [{"days": "Mon–Fri", "hours": "09:00–18:00", ...}]."""
    groups: list[dict] = []
    for key, _label in DAYS:
        hours = (resource.weekly_hours or {}).get(key) or []
        breaks = (resource.breaks or {}).get(key) or []
        if not hours:
            continue
        span = ", ".join(f"{a}–{b}" for a, b in hours)
        pause = ", ".join(f"{a}–{b}" for a, b in breaks)
        overnight = any(b < a for a, b in hours)
        last = groups[-1] if groups else None
        if last and last["span"] == span and last["pause"] == pause and last["next"] == key:
            last["last"] = key
        else:
            groups.append({"first": key, "last": key, "span": span, "pause": pause, "overnight": overnight})
            last = groups[-1]
        keys = [k for k, _ in DAYS]
        last["next"] = keys[keys.index(key) + 1] if key != "sun" else None
    for group in groups:
        first, last = str(DAY_SHORT[group["first"]]), str(DAY_SHORT[group["last"]])
        group["days"] = first if first == last else f"{first}–{last}"
    return groups


def _require_owner() -> None:
    if not can("booking.settings"):
        abort(403)


def _today():
    return utcnow().astimezone(zone_of(current_tenant())).date()


def _time_off_form(resources: list[Resource] | None = None) -> TimeOffForm:
    form = TimeOffForm(prefix="off")
    if resources is None:
        resources = svc.resources(current_tenant())
    form.resource_id.choices = [(0, _("The whole business"))] + [(r.id, r.name) for r in resources]
    return form


def _page(defaults_form: DefaultsForm | None = None, time_off_form: TimeOffForm | None = None, status: int = 200):
    tenant = current_tenant()
    if defaults_form is None:
        defaults_form = DefaultsForm(prefix="defaults", formdata=None)
        values = settings_of(tenant)
        defaults_form.reminder_offsets.data = values["reminder_offsets"]
        defaults_form.slot_step.data = values["slot_step"]
        defaults_form.offer_minutes.data = values["offer_minutes"]
    resources = svc.resources(tenant)
    return (
        render_template(
            "booking_settings/index.html",
            defaults_form=defaults_form,
            time_off_form=time_off_form or _time_off_form(resources),
            resources=resources,
            services=svc.services(tenant),
            time_off=svc.time_off(tenant, _today()),
            resource_names={r.id: r.name for r in resources},
            kind_labels=KIND_LABELS,
            hours_summary=hours_summary,
            format_offsets=svc.format_offsets,
            editable=can("booking.settings"),
        ),
        status,
    )


@bp.route("/booking", methods=["GET", "POST"])
@require_action("team.view")
def index():
    if request.method == "GET":
        return _page()
    _require_owner()
    form = DefaultsForm(prefix="defaults")
    if not form.reminder_offsets.errors and form.validate_on_submit():
        offsets = form.reminder_offsets.data
        if not offsets:
            form.reminder_offsets.errors = [_("Give at least one reminder, e.g. 48h, 2h.")]
            return _page(defaults_form=form, status=422)
        changed = svc.update_defaults(
            current_tenant(),
            current_user,
            reminder_offsets=offsets,
            slot_step=form.slot_step.data,
            offer_minutes=form.offer_minutes.data,
        )
        db.session.commit()
        flash(_("Booking defaults saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("booking_settings.index"))
    return _page(defaults_form=form, status=422)


# ---------- resources ----------


def _resource_page(form: ResourceForm, resource: Resource | None, status: int = 200):
    return (
        render_template(
            "booking_settings/resource.html",
            form=form,
            resource=resource,
            days=DAYS,
            editable=can("booking.settings"),
        ),
        status,
    )


def _save_resource(resource: Resource | None):
    _require_owner()
    form = ResourceForm()
    if not form.validate_on_submit():
        return _resource_page(form, resource, 422)
    hours, breaks = form.hours_and_breaks()
    saved = svc.save_resource(
        current_tenant(),
        current_user,
        resource,
        name=form.name.data,
        kind=form.kind.data,
        active=form.active.data,
        weekly_hours=hours,
        breaks=breaks,
    )
    db.session.commit()
    flash(_("%(name)s saved.", name=saved.name), "success")
    return redirect(url_for("booking_settings.index") + "#resources")


@bp.route("/booking/resources/new", methods=["GET", "POST"])
@require_action("team.view")
def resource_new():
    if request.method == "POST":
        return _save_resource(None)
    form = ResourceForm(formdata=None)
    for key in ("mon", "tue", "wed", "thu", "fri"):
        day = form[key]
        day.open.data = True
        day.start.data, day.end.data = time(9, 0), time(18, 0)
    return _resource_page(form, None)


@bp.route("/booking/resources/<int:resource_id>", methods=["GET", "POST"])
@require_action("team.view")
def resource_edit(resource_id: int):
    resource = get_or_404(Resource, resource_id)
    if request.method == "POST":
        return _save_resource(resource)
    form = ResourceForm(formdata=None)
    form.fill(resource)
    return _resource_page(form, resource)


# ---------- services ----------


def _service_form(**kwargs) -> ServiceForm:
    form = ServiceForm(**kwargs)
    form.resource_ids.choices = [
        (r.id, f"{r.name} · {KIND_LABELS.get(r.kind, r.kind)}") for r in svc.resources(current_tenant())
    ]
    return form


def _service_page(form: ServiceForm, service: Service | None, status: int = 200):
    default = svc.format_offsets(settings_of(current_tenant())["reminder_offsets"])
    return (
        render_template(
            "booking_settings/service.html",
            form=form,
            service=service,
            default_offsets=default,
            editable=can("booking.settings"),
        ),
        status,
    )


def _save_service(service: Service | None):
    _require_owner()
    form = _service_form()
    if not form.validate_on_submit():
        return _service_page(form, service, 422)
    saved = svc.save_service(
        current_tenant(),
        current_user,
        service,
        name=form.name.data,
        duration_min=form.duration_min.data,
        buffer_min=form.buffer_min.data or 0,
        price_min_minor=to_minor(form.price_min.data),
        price_max_minor=to_minor(form.price_max.data if form.price_max.data is not None else form.price_min.data),
        resource_ids=form.resource_ids.data,
        public=form.public.data,
        active=form.active.data,
        reminder_offsets=form.reminder_offsets.data,
    )
    db.session.commit()
    flash(_("%(name)s saved.", name=saved.name), "success")
    return redirect(url_for("booking_settings.index") + "#services")


@bp.route("/booking/services/new", methods=["GET", "POST"])
@require_action("team.view")
def service_new():
    if request.method == "POST":
        return _save_service(None)
    form = _service_form(formdata=None)
    form.buffer_min.data = 0
    return _service_page(form, None)


@bp.route("/booking/services/<int:service_id>", methods=["GET", "POST"])
@require_action("team.view")
def service_edit(service_id: int):
    service = get_or_404(Service, service_id)
    if request.method == "POST":
        return _save_service(service)
    form = _service_form(formdata=None)
    form.fill(service)
    return _service_page(form, service)


# ---------- days off ----------


@bp.post("/booking/time-off")
@require_action("booking.settings")
def time_off_add():
    form = _time_off_form()
    if not form.validate_on_submit():
        return _page(time_off_form=form, status=422)
    resource = get_or_404(Resource, form.resource_id.data) if form.resource_id.data else None
    svc.add_time_off(current_tenant(), current_user, resource, form.starts_on.data, form.ends_on.data, form.reason.data)
    db.session.commit()
    flash(_("Day off added."), "success")
    return redirect(url_for("booking_settings.index") + "#time-off")


@bp.post("/booking/time-off/<int:time_off_id>/delete")
@require_action("booking.settings")
def time_off_delete(time_off_id: int):
    row = get_or_404(TimeOff, time_off_id)
    svc.delete_time_off(current_tenant(), current_user, row)
    db.session.commit()
    flash(_("Day off removed."), "success")
    return redirect(url_for("booking_settings.index") + "#time-off")


# ---------- the development outbox ----------


@bp.get("/messages")
@require_action("messages.view")
def messages():
    tenant = current_tenant()
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = svc.messages_page(tenant, page, MESSAGES_PER_PAGE)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // MESSAGES_PER_PAGE)),
    }
    template = "booking_settings/_messages.html" if htmx.is_partial() else "booking_settings/messages.html"
    return render_template(template, **context)
