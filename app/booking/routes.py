"""The secretary's agenda: a day per resource with free slots (phone), a week
grid per resource (desktop), booking, moving, cancelling and statuses."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.permissions import require_action
from app.booking import services as booking
from app.booking import views
from app.booking.forms import BookForm, CancelForm, MoveForm, StatusForm, decode_slot, encode_slot
from app.booking.notifications import notify_booked
from app.customers import services as customers
from app.customers.filters import search_clause
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404
from app.models import Appointment, Customer, Service
from app.models.base import utcnow
from app.pipeline.services import live_customers

log = logging.getLogger(__name__)

bp = Blueprint("booking", __name__, url_prefix="/booking")

SEARCH_LIMIT = 8


def _today() -> date:
    return utcnow().astimezone(booking.zone_of(current_tenant())).date()


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return _today()


def _service(service_id: int | None, services: list[Service]) -> Service | None:
    return next((s for s in services if s.id == service_id), None) or (services[0] if services else None)


def _agenda_context() -> dict:
    tenant = current_tenant()
    day = _day_arg()
    view = "week" if request.args.get("view") == "week" else "day"
    services = views.services_of(tenant)
    service = _service(request.args.get("service", type=int), services)
    context = {
        "day": day,
        "today": _today(),
        "view": view,
        "services": services,
        "service": service,
        "zone": booking.zone_of(tenant),
        "encode_slot": encode_slot,
    }
    params = {"view": view, "service": service.id if service else None}
    if view == "week":
        grid = views.week_view(tenant, day, request.args.get("resource", type=int))
        params["resource"] = grid.resource.id if grid.resource else None
        step = timedelta(days=7)
        context["grid"] = grid
    else:
        context["columns"] = views.day_view(tenant, day, service)
        step = timedelta(days=1)
    context["params"] = params
    context["self_url"] = url_for("booking.agenda", day=day.isoformat(), **params)
    context["prev_url"] = url_for("booking.agenda", day=(day - step).isoformat(), **params)
    context["next_url"] = url_for("booking.agenda", day=(day + step).isoformat(), **params)
    context["today_url"] = url_for("booking.agenda", **params)
    return context


@bp.get("")
@require_action("booking.manage")
def agenda():
    context = _agenda_context()
    template = "booking/_agenda.html" if htmx.is_partial() else "booking/agenda.html"
    return render_template(template, **context)


def _panel(template: str, status: int = 200, **context):
    """A panel fragment; opened without htmx, the same fragment inside a page."""
    if htmx.is_partial():
        return render_template(template, **context), status
    return render_template("booking/panel_page.html", fragment=template, **context), status


# --- booking -----------------------------------------------------------------


def _fresh_slots(service: Service, around: date) -> list:
    tenant = current_tenant()
    return booking.free_slots_for(tenant, service, around, around + timedelta(days=6))[:24]


def _book_form_response(form: BookForm, service: Service, status: int = 200, **extra):
    chosen = decode_slot(form.slot.data)
    selected = None
    if form.customer_id.data:
        selected = db.session.scalar(live_customers(current_tenant().id).where(Customer.id == form.customer_id.data))
    return _panel(
        "booking/_book_form.html",
        status,
        form=form,
        service=service,
        chosen=chosen[0] if chosen else None,
        encode_slot=encode_slot,
        zone=booking.zone_of(current_tenant()),
        selected_customer=selected,
        **extra,
    )


@bp.get("/new")
@require_action("booking.manage")
def new():
    service = get_or_404(Service, request.args.get("service_id", type=int) or 0)
    form = BookForm(formdata=None, service_id=service.id, slot=request.args.get("slot", ""))
    if decode_slot(form.slot.data) is None:
        abort(404)
    return _book_form_response(form, service)


@bp.get("/customers")
@require_action("booking.manage")
def search_customers():
    tenant = current_tenant()
    q = (request.args.get("q") or "").strip()[:100]
    found = []
    if len(q) >= 2:
        found = list(
            db.session.scalars(
                live_customers(tenant.id).where(search_clause(q)).order_by(Customer.name).limit(SEARCH_LIMIT)
            )
        )
    return render_template("booking/_customer_results.html", found=found, q=q)


@bp.post("/appointments")
@require_action("booking.manage")
def book():
    tenant = current_tenant()
    form = BookForm()
    service = get_or_404(Service, form.service_id.data or 0)
    slot = decode_slot(form.slot.data)
    if not form.validate_on_submit() or slot is None:
        if slot is None and not form.slot.errors:
            form.slot.errors = [_("Choose a time.")]
        return _book_form_response(form, service, 422)
    starts_at, resource_ids = slot
    notice = None
    try:
        if form.customer_id.data:
            customer = db.session.scalar(live_customers(tenant.id).where(Customer.id == form.customer_id.data))
            if customer is None:
                abort(404)
        elif (form.name.data or "").strip():
            try:
                customer = customers.create(tenant, current_user, name=form.name.data, phone=form.phone.data)
            except customers.DuplicateCustomer as exc:
                customer = exc.existing
                notice = _(
                    "%(name)s is already a customer with this phone: the appointment is booked for them.",
                    name=customer.name,
                )
        else:
            return _book_form_response(form, service, 422, form_error=_("Choose a customer or enter a new one."))
        appointment = booking.book(
            tenant, current_user, customer, service, starts_at, resource_ids=resource_ids, note=form.note.data
        )
        db.session.commit()
    except booking.SlotTaken:
        db.session.rollback()
        form.slot.data = ""
        local_day = starts_at.astimezone(booking.zone_of(tenant)).date()
        return _book_form_response(
            form,
            service,
            409,
            form_error=_("Someone has just taken this time. Choose another one."),
            fresh=_fresh_slots(service, max(local_day, _today())),
        )
    except (booking.BookingError, customers.CustomerError) as exc:
        db.session.rollback()
        return _book_form_response(form, service, 422, form_error=str(exc))
    try:
        notify_booked(tenant, appointment)
        db.session.commit()
    except Exception:  # the appointment stands; the message is visible as failed or missing in the outbox
        db.session.rollback()
        log.exception("booking confirmation for appointment %s failed", appointment.id)
    response = _panel("booking/_booked.html", appointment=appointment, notice=notice, zone=booking.zone_of(tenant))
    return htmx.trigger(_as_response(response), "booking-changed")


def _as_response(result):
    return make_response(*result) if isinstance(result, tuple) else make_response(result)


# --- one appointment ---------------------------------------------------------


def _appointment(appointment_id: int) -> Appointment:
    return get_or_404(Appointment, appointment_id)


def _reloaded(appointment_id: int) -> Appointment:
    """After a failed change: roll it back and load the appointment again (the rollback expired it)."""
    db.session.rollback()
    return _appointment(appointment_id)


def _appointment_panel(appointment: Appointment, status: int = 200, changed: bool = False, **extra):
    tenant = current_tenant()
    choices = views.move_choices(tenant, appointment) if appointment.is_active else []
    extra.setdefault("move_form", MoveForm(formdata=None))
    extra.setdefault("cancel_form", CancelForm(formdata=None))
    result = _panel(
        "booking/_appointment.html",
        status,
        appointment=appointment,
        move_choices=choices,
        zone=booking.zone_of(tenant),
        encode_slot=encode_slot,
        status_form=StatusForm(formdata=None),
        **extra,
    )
    response = _as_response(result)
    return htmx.trigger(response, "booking-changed") if changed else response


@bp.get("/appointments/<int:appointment_id>")
@require_action("booking.manage")
def appointment(appointment_id: int):
    return _appointment_panel(_appointment(appointment_id))


@bp.post("/appointments/<int:appointment_id>/move")
@require_action("booking.manage")
def move(appointment_id: int):
    tenant = current_tenant()
    item = _appointment(appointment_id)
    form = MoveForm()
    slot = decode_slot(form.slot.data)
    if not form.validate_on_submit() or slot is None:
        if not form.slot.errors:
            form.slot.errors = [_("Choose a new time.")]
        return _appointment_panel(item, 422, move_form=form)
    try:
        booking.move(tenant, current_user, item, slot[0], slot[1])
        db.session.commit()
    except booking.SlotTaken:
        item = _reloaded(appointment_id)
        form.slot.errors = [_("Someone has just taken this time. Choose another one.")]
        return _appointment_panel(item, 409, move_form=form)
    except booking.BookingError as exc:
        item = _reloaded(appointment_id)
        form.slot.errors = [str(exc)]
        return _appointment_panel(item, 422, move_form=form)
    return _appointment_panel(item, changed=True, done=_("Moved."))


@bp.post("/appointments/<int:appointment_id>/cancel")
@require_action("booking.manage")
def cancel(appointment_id: int):
    tenant = current_tenant()
    item = _appointment(appointment_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _appointment_panel(item, 422, cancel_form=form)
    try:
        booking.cancel(tenant, current_user, item, form.reason.data)
        db.session.commit()
    except booking.BookingError as exc:
        item = _reloaded(appointment_id)
        form.reason.errors = [str(exc)]
        return _appointment_panel(item, 422, cancel_form=form)
    return _appointment_panel(item, changed=True, done=_("Cancelled."))


@bp.post("/appointments/<int:appointment_id>/status")
@require_action("booking.manage")
def set_status(appointment_id: int):
    tenant = current_tenant()
    item = _appointment(appointment_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _appointment_panel(item, 422, status_error=_("Choose a status."))
    try:
        booking.set_status(tenant, current_user, item, form.status.data)
        db.session.commit()
    except booking.BookingError as exc:
        item = _reloaded(appointment_id)
        return _appointment_panel(item, 422, status_error=str(exc))
    return _appointment_panel(item, changed=True, done=_("Saved."))
